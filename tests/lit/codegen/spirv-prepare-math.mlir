// nnc-spirv-prepare-math: each gpu.module gets the spirv.target_env that
// spirv-attach-target put in its targets (so that f16 math stays f16), and
// math.erf becomes a polynomial, which SPIR-V can express.
// RUN: nnc-opt %s --spirv-attach-target="ver=v1.3 caps=Shader,Float16" --nnc-spirv-prepare-math | FileCheck %s
// RUN: nnc-opt %s --spirv-attach-target="ver=v1.3 caps=Shader,Float16" --nnc-spirv-prepare-math | nnc-opt --pass-pipeline="builtin.module(gpu.module(convert-math-to-spirv))" | FileCheck %s --check-prefix=SPIRV

// CHECK: gpu.module @kernels [#spirv.target_env<#spirv.vce<v1.3, [Shader, Float16], []>, #spirv.resource_limits<>>] attributes {spirv.target_env = #spirv.target_env<#spirv.vce<v1.3, [Shader, Float16], []>, #spirv.resource_limits<>>}
// CHECK-LABEL: gpu.func @erf
// CHECK-NOT: math.erf
// CHECK: arith.cmpf olt
// CHECK-LABEL: gpu.func @exp_f16
// CHECK: math.exp %{{.*}} : f16

// SPIRV-LABEL: gpu.func @exp_f16
// SPIRV-NOT: unrealized_conversion_cast
// SPIRV: spirv.GL.Exp %{{.*}} : f16
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @erf(%x: f32) -> f32 {
      %y = math.erf %x : f32
      gpu.return %y : f32
    }
    gpu.func @exp_f16(%x: f16) -> f16 {
      %y = math.exp %x : f16
      gpu.return %y : f16
    }
  }
}
