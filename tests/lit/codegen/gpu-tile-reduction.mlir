// nnc-gpu-tile-reduction: a linalg reduction on memrefs over its innermost
// dims (or with few outputs of many elements each) with an add/max/min
// combiner becomes one workgroup per output element: strided per-thread
// partials (from the combiner's identity), a tree in workgroup memory with
// a barrier per level, and thread 0 folding the total into the output's
// init. Any other reduction with its parallel loops first is left to
// nnc-gpu-merge-elementwise (here with merge=false, as nnc --no-fuse runs
// it: per-point reductions only): a thread per output point that folds in
// order in registers. Sizes stay on the host.
// With subgroups=false (nnc --no-subgroup-ops) the partials meet in a tree:
// RUN: nnc-opt %s --nnc-gpu-tile-reduction=subgroups=false --nnc-gpu-merge-elementwise=merge=false | FileCheck %s
// By default an f32/i32 sum, product, or integer max/min combines each
// subgroup's partials with gpu.subgroup_reduce (warp shuffles on CUDA,
// OpGroupNonUniform* on Vulkan); each subgroup's first lane stores its
// result, and after one barrier every subgroup folds those results alike:
// lane i takes results i, i + subgroup size, ..., then gpu.subgroup_reduce
// again (float max/min keep the tree: the SPIR-V ops leave NaN undefined):
// RUN: nnc-opt %s --nnc-gpu-tile-reduction --nnc-gpu-merge-elementwise=merge=false | FileCheck %s --check-prefix=SUB

// SUB-LABEL: func.func @row_sum
// SUB: gpu.launch
// SUB-SAME: workgroup(%[[P:[a-z0-9_]+]] : memref<256xf32, #gpu.address_space<workgroup>>)
// SUB: %[[PART:[a-z0-9_]+]] = scf.if
// SUB: %[[RED:[a-z0-9_]+]] = gpu.subgroup_reduce add %[[PART]] : (f32) -> f32
// SUB: %[[LANE:[a-z0-9_]+]] = gpu.lane_id
// SUB: %[[SG:[a-z0-9_]+]] = gpu.subgroup_id : index
// SUB: %[[NSG:[a-z0-9_]+]] = gpu.num_subgroups : index
// SUB: %[[LEAD:[a-z0-9_]+]] = arith.cmpi eq, %[[LANE]], %{{.*}} : index
// SUB: scf.if %[[LEAD]] {
// SUB-NEXT: memref.store %[[RED]], %[[P]][%[[SG]]]
// SUB: gpu.barrier
// SUB-NOT: gpu.barrier
// SUB: %[[SIZE:[a-z0-9_]+]] = gpu.subgroup_size : index
// SUB: scf.for %[[I:[a-z0-9_]+]] = %[[LANE]] to %[[NSG]] step %[[SIZE]] iter_args(%[[ACC:[a-z0-9_]+]] = %{{.*}})
// SUB: %[[OTHER:[a-z0-9_]+]] = memref.load %[[P]][%[[I]]]
// SUB: arith.addf %[[OTHER]], %[[ACC]] : f32
// SUB: %[[TOTAL:[a-z0-9_]+]] = gpu.subgroup_reduce add %{{.*}} : (f32) -> f32
// SUB: gpu.barrier
// SUB-NOT: gpu.barrier
// SUB: arith.addf %[[TOTAL]], %{{.*}} : f32
// SUB-LABEL: func.func @row_max_dynamic_length
// SUB-NOT: gpu.subgroup_reduce
// SUB: arith.maximumf
// SUB-COUNT-9: gpu.barrier
// SUB-LABEL: func.func @row_min_i32
// SUB: gpu.subgroup_reduce minsi %{{.*}} : (i32) -> i32

// CHECK-LABEL: func.func @row_sum
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: memref<?x300xf32>, %[[S:[a-z0-9_]+]]: memref<?xf32>)
// CHECK: %[[ROWS:[a-z0-9_]+]] = memref.dim %[[X]], %{{[a-z0-9_]+}} : memref<?x300xf32>
// CHECK: %[[OUTS:[a-z0-9_]+]] = arith.muli %c1, %[[ROWS]] : index
// CHECK: %[[LEN:[a-z0-9_]+]] = arith.muli %c1, %c300 : index
// CHECK: %[[GRID:[a-z0-9_]+]] = arith.minui %[[OUTS]], %c65535 : index
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%[[GX:[a-z0-9_]+]] = %[[GRID]], %{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME: threads(%[[TX:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c256, %{{[a-z0-9_]+}} = %c1, %{{[a-z0-9_]+}} = %c1)
// CHECK-SAME: workgroup(%[[P:[a-z0-9_]+]] : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: memref.dim
// Rows beyond 65535 workgroups are walked grid-stride.
// CHECK: scf.for %[[ROW:[a-z0-9_]+]] = %[[BX]] to %[[OUTS]] step %[[GX]] {
// CHECK: %[[ZERO:[a-z0-9_]+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[HAS:[a-z0-9_]+]] = arith.cmpi ult, %[[TX]], %[[LEN]] : index
// CHECK: %[[PART:[a-z0-9_]+]] = scf.if %[[HAS]] -> (f32) {
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %[[TX]] to %[[LEN]] step %{{[a-z0-9_]+}} iter_args(%[[ACC:[a-z0-9_]+]] = %[[ZERO]]) -> (f32) {
// CHECK: %[[V:[a-z0-9_]+]] = memref.load %[[X]][%[[ROW]], %[[I]]] : memref<?x300xf32>
// CHECK: arith.addf %[[V]], %[[ACC]] : f32
// CHECK: } else {
// CHECK: scf.yield %[[ZERO]] : f32
// CHECK: memref.store %[[PART]], %[[P]][%[[TX]]]
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-8: gpu.barrier
// CHECK: %[[TOTAL:[a-z0-9_]+]] = memref.load %[[P]][%{{[a-z0-9_]+}}]
// CHECK-NEXT: gpu.barrier
// CHECK: %[[FIRST:[a-z0-9_]+]] = arith.cmpi eq, %[[TX]], %{{[a-z0-9_]+}} : index
// CHECK: scf.if %[[FIRST]] {
// CHECK: %[[INIT:[a-z0-9_]+]] = memref.load %[[S]][%[[ROW]]] : memref<?xf32>
// CHECK: %[[R:[a-z0-9_]+]] = arith.addf %[[TOTAL]], %[[INIT]] : f32
// CHECK: memref.store %[[R]], %[[S]][%[[ROW]]] : memref<?xf32>
// CHECK-NOT: linalg.generic

// A dynamic row length: 256 threads; max starts from -inf.
// CHECK-LABEL: func.func @row_max_dynamic_length
// CHECK: gpu.launch
// CHECK-SAME: workgroup(%{{[a-z0-9_]+}} : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic

// A static row of 100: 128 threads; signed min starts from INT32_MAX.
// CHECK-LABEL: func.func @row_min_i32
// CHECK: gpu.launch
// CHECK-SAME: threads(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %c128,
// CHECK-SAME: workgroup(%{{[a-z0-9_]+}} : memref<128xi32, #gpu.address_space<workgroup>>)
// CHECK: arith.constant 2147483647 : i32
// CHECK: arith.minsi
// CHECK-NOT: linalg.generic

// Full reductions to a scalar: one workgroup instead of one thread.
// CHECK-LABEL: func.func @full_sum_1d
// CHECK: %[[N:[a-z0-9_]+]] = memref.dim %arg0
// CHECK: %[[ONE:[a-z0-9_]+]] = arith.minui %c1, %c65535 : index
// CHECK: gpu.launch blocks(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %[[ONE]]
// CHECK-SAME: workgroup(%{{[a-z0-9_]+}} : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK: memref.load %arg0[%{{[a-z0-9_]+}}] : memref<?xf32>
// CHECK: memref.load %arg1[] : memref<f32>
// CHECK-NOT: linalg.generic

// Two reduced dims are walked as one flat index.
// CHECK-LABEL: func.func @full_sum_2d
// CHECK: gpu.launch
// CHECK: %[[J:[a-z0-9_]+]] = arith.remui %[[FLAT:[a-z0-9_]+]], %c50 : index
// CHECK: %[[I:[a-z0-9_]+]] = arith.divui %[[FLAT]], %c50 : index
// CHECK: memref.load %arg0[%[[I]], %[[J]]] : memref<?x50xf32>
// CHECK-NOT: linalg.generic

// A thread per output point: two outputs (argmax, linalg.index its loop),
// a row too short to share, a combiner that is not associative. Each thread
// (256 per workgroup, a grid-stride loop over the rows) starts from what
// the outputs hold, folds the row in order, stores once.
// CHECK-LABEL: func.func @argmax_in_threads
// CHECK: gpu.launch
// CHECK-NOT: workgroup(
// CHECK: scf.for %[[ROW:[a-z0-9_]+]] =
// CHECK: %[[V0:[a-z0-9_]+]] = memref.load %arg1[%[[ROW]]] : memref<?xf32>
// CHECK: %[[I0:[a-z0-9_]+]] = memref.load %arg2[%[[ROW]]] : memref<?xi64>
// CHECK: scf.for %[[J:[a-z0-9_]+]] = %{{.*}} iter_args(%{{.*}} = %[[V0]], %{{.*}} = %[[I0]]) -> (f32, i64)
// CHECK: memref.load %arg0[%[[ROW]], %[[J]]]
// CHECK: arith.index_cast %[[J]] : index to i64
// CHECK: memref.store %{{.*}}, %arg1[%[[ROW]]]
// CHECK: memref.store %{{.*}}, %arg2[%[[ROW]]]
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func @outer_axis_left_alone
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
// CHECK-LABEL: func.func @short_row_in_threads
// CHECK: gpu.launch
// CHECK-NOT: workgroup(
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK-LABEL: func.func @subtraction_in_threads
// CHECK: gpu.launch
// CHECK-NOT: workgroup(
// CHECK: arith.subf
// CHECK-NOT: linalg.generic

// A column sum of many columns with its loops parallel first (as
// nnc-gpu-parallel-outer leaves them): a thread per column, the fill's 0
// its start (the fill needs no kernel of its own). (Up to 1024 columns
// over a dynamic batch get a workgroup each instead.)
// CHECK-LABEL: func.func @column_sum_in_threads
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch
// CHECK-NOT: workgroup(
// CHECK: scf.for %[[C:[a-z0-9_]+]] =
// CHECK: scf.for %[[R:[a-z0-9_]+]] = %{{.*}} iter_args(%{{.*}} = %cst{{.*}}) -> (f32)
// CHECK: memref.load %arg0[%[[R]], %[[C]]] : memref<?x2048xf32>
// CHECK: memref.store %{{.*}}, %arg1[%[[C]]] : memref<2048xf32>
// CHECK-NOT: linalg.

// Few outputs, each over many elements (a conv's bias gradient: 16 sums
// over N H W, the reduced loops not innermost in x): a workgroup each.
// CHECK-LABEL: func.func @bias_grad_in_workgroups
// CHECK: gpu.launch
// CHECK-SAME: workgroup(%{{[a-z0-9_]+}} : memref<256xf32, #gpu.address_space<workgroup>>)
// CHECK-NOT: linalg.generic

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#id1 = affine_map<(d0) -> (d0)>
#s1 = affine_map<(d0) -> ()>
#s2 = affine_map<(d0, d1) -> ()>

func.func @row_sum(%x: memref<?x300xf32>, %s: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x300xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}

func.func @row_max_dynamic_length(%x: memref<?x?xf32>, %m: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x?xf32>) outs(%m : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}

func.func @row_min_i32(%x: memref<?x100xi32>, %m: memref<?xi32>) {
  linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x100xi32>) outs(%m : memref<?xi32>) {
  ^bb0(%in: i32, %out: i32):
    %0 = arith.minsi %in, %out : i32
    linalg.yield %0 : i32
  }
  return
}

func.func @full_sum_1d(%x: memref<?xf32>, %s: memref<f32>) {
  linalg.generic {indexing_maps = [#id1, #s1], iterator_types = ["reduction"]}
      ins(%x : memref<?xf32>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}

func.func @full_sum_2d(%x: memref<?x50xf32>, %s: memref<f32>) {
  linalg.generic {indexing_maps = [#id2, #s2], iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<?x50xf32>) outs(%s : memref<f32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}

func.func @argmax_in_threads(%x: memref<?x300xf32>, %v: memref<?xf32>, %i: memref<?xi64>) {
  linalg.generic {indexing_maps = [#id2, #row, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x300xf32>) outs(%v, %i : memref<?xf32>, memref<?xi64>) {
  ^bb0(%in: f32, %best: f32, %idx: i64):
    %j = linalg.index 1 : index
    %ji = arith.index_cast %j : index to i64
    %gt = arith.cmpf ogt, %in, %best : f32
    %nb = arith.select %gt, %in, %best : f32
    %ni = arith.select %gt, %ji, %idx : i64
    linalg.yield %nb, %ni : f32, i64
  }
  return
}

func.func @outer_axis_left_alone(%x: memref<?x300xf32>, %s: memref<300xf32>) {
  linalg.generic {indexing_maps = [#id2, #col], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x300xf32>) outs(%s : memref<300xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}

func.func @short_row_in_threads(%x: memref<?x10xf32>, %s: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x10xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}

func.func @subtraction_in_threads(%x: memref<?x300xf32>, %s: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x300xf32>) outs(%s : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.subf %out, %in : f32
    linalg.yield %0 : f32
  }
  return
}

func.func @column_sum_in_threads(%x: memref<?x2048xf32>, %s: memref<2048xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<2048xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x2048xf32>) outs(%s : memref<2048xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}

func.func @bias_grad_in_workgroups(%x: memref<?x16x28x28xf32>, %s: memref<16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1, d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction", "reduction"]}
      ins(%x : memref<?x16x28x28xf32>) outs(%s : memref<16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  }
  return
}
