// One kernel taking a strided rank-2 memref and a scalar of every kind
// KernelArg has, already outlined: nnrt-cuda-test compares the parameter list
// of its PTX .entry with what the CUDA driver packs for these arguments.
module attributes {gpu.container_module} {
  func.func @host(%m: memref<?x?xf32, strided<[?, ?], offset: ?>>, %f: f32, %i: i32, %h: f16, %bf: bf16, %b: i1, %c: i8, %s: i16, %l: i64, %d: f64, %n: index) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @params_kernel::@params_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<?x?xf32, strided<[?, ?], offset: ?>>, %f : f32, %i : i32, %h : f16, %bf : bf16, %b : i1, %c : i8, %s : i16, %l : i64, %d : f64, %n : index)
    return
  }
  gpu.module @params_kernel {
    // Every argument is used, so none can be dropped from the signature.
    gpu.func @params_kernel(%m: memref<?x?xf32, strided<[?, ?], offset: ?>>, %f: f32, %i: i32, %h: f16, %bf: bf16, %b: i1, %c: i8, %s: i16, %l: i64, %d: f64, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %0 = arith.sitofp %i : i32 to f32
      %1 = arith.extf %h : f16 to f32
      %2 = arith.extf %bf : bf16 to f32
      %3 = arith.sitofp %c : i8 to f32
      %4 = arith.sitofp %s : i16 to f32
      %5 = arith.sitofp %l : i64 to f32
      %6 = arith.truncf %d : f64 to f32
      %7 = arith.addf %f, %0 : f32
      %8 = arith.addf %7, %1 : f32
      %9 = arith.addf %8, %2 : f32
      %10 = arith.addf %9, %3 : f32
      %11 = arith.addf %10, %4 : f32
      %12 = arith.addf %11, %5 : f32
      %13 = arith.addf %12, %6 : f32
      %14 = arith.select %b, %13, %f : f32
      memref.store %14, %m[%n, %c0] : memref<?x?xf32, strided<[?, ?], offset: ?>>
      gpu.return
    }
  }
}
