//===- Passes.td - nnc's linalg -> gpu passes --------------*- tablegen -*-===//
#ifndef NNC_CODEGEN_GPU_PASSES_TD
#define NNC_CODEGEN_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def NNCGpuSinkConstants : Pass<"nnc-gpu-sink-constants"> {
  let summary = "Sink constants used by a gpu.launch into its body";
  let description = [{
    Like `gpu-launch-sink-index-computations`, but sinks only constant-like
    ops. `memref.dim` stays on the host: the SPIR-V lowering cannot compute
    the size of a runtime array, so a dynamic size is passed to the kernel as
    an `index` argument instead.

    ```mlir
    %c0 = arith.constant 0 : index
    %d = memref.dim %m, %c0 : memref<?xf32>
    gpu.launch ... { ... %d ... %c0 ... }
    // becomes: %c0 is defined inside the launch, %d is still captured.
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def NNCGpuCopyToLinalg : Pass<"nnc-gpu-copy-to-linalg"> {
  let summary = "Turn memref.copy into linalg.copy so that it runs as a kernel";
  let description = [{
    Bufferization writes `memref.copy` where a tensor lands in a slice of
    another (`tensor.insert_slice` of a pad, for instance). On the host that
    would be a strided copy between device buffers; as a `linalg.copy` it is
    lowered to a kernel like every other loop nest.

    ```mlir
    memref.copy %a, %sub : memref<?x4xf32> to memref<?x4xf32, strided<[8, 1], offset: 2>>
    // becomes
    linalg.copy ins(%a : memref<?x4xf32>) outs(%sub : memref<?x4xf32, strided<[8, 1], offset: 2>>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def NNCGpuLaunchHostCompute : Pass<"nnc-gpu-launch-host-compute"> {
  let summary = "Move compute left on the host into one-thread gpu.launch ops";
  let description = [{
    A full reduction or an op on rank-0 buffers lowers to loops with no
    `scf.parallel` (or to a parallel loop of one iteration that the
    canonicalizer removes), so it would run on the host between kernels. The
    runtime only evaluates index arithmetic, allocations, views and launches
    there (the launch plan), so this pass wraps every maximal run of other ops
    (loads, stores, `scf.for`, float math) in a `gpu.launch` of one thread.
    Pure ops a run needs from elsewhere are cloned into it first.

    ```mlir
    memref.store %zero, %acc[] : memref<f32>
    scf.for %i = %c0 to %n step %c1 { ... }
    // becomes
    gpu.launch blocks(...) in (... = %c1, ...) threads(...) in (... = %c1, ...) {
      memref.store %zero, %acc[] : memref<f32>
      scf.for %i = %c0 to %n step %c1 { ... }
      gpu.terminator
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def NNCGpuTileMatmul : Pass<"nnc-gpu-tile-matmul"> {
  let summary = "Matmuls on memrefs as gpu.launch with workgroup-memory tiles";
  let description = [{
    Runs after bufferization, before linalg becomes parallel loops. A linalg
    op with two inputs, one output and one reduction loop k, where an output
    dim m is read by one input only and the innermost output dim n by the
    other only (`linalg.matmul`, `linalg.batch_matmul`, the `linalg.generic`
    of a broadcast batch or of a vector operand), becomes a `gpu.launch`:
    grid (ceil(N/16), ceil(M/16), batch), 16x16 threads, one output element
    per thread. Each step of the K loop copies a 16x16 tile of each operand
    into workgroup memory (guarded at the M, N and K edges), waits at a
    `gpu.barrier`, and folds the tile with the op's own body in k order, so
    the result is the naive kernel's bit for bit. Sizes are computed on the
    host (`memref.dim` stays there) and reach the kernel as arguments.

    ```mlir
    linalg.matmul ins(%a, %b : memref<?x784xf32>, memref<784x128xf32>)
                  outs(%c : memref<?x128xf32>)
    // becomes
    %gy = arith.ceildivui %m, %c16 : index
    gpu.launch blocks(%bx, %by, %bz) in (%x = %c8, %y = %gy, %z = %c1)
               threads(%tx, %ty, %tz) in (%u = %c16, %v = %c16, %w = %c1)
               workgroup(%as : memref<16x16xf32, #gpu.address_space<workgroup>>,
                         %bs : memref<16x16xf32, #gpu.address_space<workgroup>>) {
      scf.for %k0 = %c0 to %c784 step %c16 iter_args(%acc = %init) -> (f32) {
        ... stores into %as and %bs ...
        gpu.barrier
        scf.for %kk = %c0 to %kend step %c1 ... { mulf, addf }
        gpu.barrier
      }
      ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def NNCGpuTileContraction : Pass<"nnc-gpu-tile-contraction"> {
  let options = [
    Option<"sideSums", "side-sums", "bool", /*default=*/"true",
           "Compute a sum of an input over the K loops (a bias gradient) in "
           "the contraction's kernel">,
    Option<"poolEpilogues", "pool-epilogues", "bool", /*default=*/"true",
           "Compute a 2x2 max pool of the group's last value in the "
           "contraction's kernel">,
    Option<"workgroupTiles", "workgroup-tiles", "bool", /*default=*/"false",
           "Stage tiles of A and B in workgroup memory (16 x 16 threads, "
           "each owning up to 8 x 8 outputs; the CUDA kernels) instead of "
           "one row of threads reading A as broadcasts (lavapipe)">
  ];
  let summary = "Convolutions, their gradients and matmuls as register-tiled implicit GEMM";
  let description = [{
    Runs before `nnc-gpu-tile-matmul`. A linalg op on memrefs with one output
    (indexed by a permutation of its parallel loops), at least one reduction
    loop and two inputs its body reads (shape-only inputs aside) is a matrix
    product over flattened loop groups: M = the parallel loops only input A
    reads, N = those only input B reads (B reads the output's innermost
    dim), K = the reduction loops; the parallel loops both read are the
    grid's z. Input maps may be any affine expressions, so a convolution
    (`h * stride + kh * dilation`) or its gradients are read in place:
    implicit GEMM, nothing materialized. Ops with no M or no N (matrix-vector
    products, dot products) are left to the passes after it.

    It becomes a `gpu.launch` whose threads each own a 32 x 8 register tile
    (fewer rows or columns where M or N is smaller): the workgroup's threads
    share their 32 rows, so the A element each reads at step k is the same
    for all of them (a broadcast), and each B element feeds 32 products.
    Rows and columns past the edges compute on the last valid one and are
    not stored. Each output folds its k in order with the op's own body, so
    it equals the naive kernel's bit for bit. Sizes are computed on the host.

    Side sums (`side-sums`, on unless nnc --no-fuse): a reduction before the
    kernel that adds up input A (or B) over exactly the K loops, as the bias
    gradient beside a weight gradient does, is computed by the same kernel
    as one more column of the output where B is 1 (or row where A is 1),
    and the input is read once.

    Prologues: an input that one all-parallel generic writes for this kernel
    alone (max-pool's backward and the ReLU mask, the cotangent only the
    first convolution's weight gradient reads) is not stored: the kernel
    evaluates the generic's body where it would load an element, while at
    most two workgroups would compute the same element. With workgroup
    tiles: four, and a prologue may be shared -- other ops read the
    producer's output too (the producer goes with its last reader), also
    through a padded buffer's copy -- where R readers recomputing it from
    I bytes of inputs move less than storing its O bytes and reading them
    R times (R I < I + O + R O).

    Workgroup tiles (`workgroup-tiles`, nnc's choice for `--target=cuda`):
    16 x 16 threads own a BM x BN block of outputs, each thread up to 8 x 8
    of them (rows ty + i * 16, columns tx + j * 16: conflict-free reads of
    workgroup memory, coalesced stores). The K loop walks tiles of 8 or 16
    steps: every thread loads its share of A's and B's tile into registers
    (the next tile's loads are issued before the current tile is used:
    software pipelining), stores them to workgroup memory (rows padded by 4
    elements against bank conflicts), and after a barrier folds the tile in
    k order from workgroup memory, so each output still equals the naive
    kernel's bit for bit. Epilogues, side sums, prologues, padded inputs,
    split-K and pool epilogues work as with register tiles.

    Pool epilogues (`pool-epilogues`, on unless nnc --no-fuse): a
    `linalg.pooling_nchw_max` with 2x2 windows and stride 2 of the group's
    last value (conv2d + bias + ReLU, then max_pool2d), with only host work
    between, runs in the kernel: each thread owns consecutive columns
    numbered window by window (image, pooled row, pooled column, then the
    four pixels), folds each window's four values with the pool's body and
    stores the pooled value; the activation is stored only where something
    else reads it (the backward).

    ```mlir
    linalg.conv_2d_nchw_fchw ins(%x, %w : memref<?x16x18x18xf32>, memref<32x16x5x5xf32>)
                             outs(%y : memref<?x32x14x14xf32>)
    // becomes (M = 32 channels, N = batch * 14 * 14, K = 16 * 5 * 5)
    gpu.launch blocks(...) in (%gx = ceildiv(%n * 196, 256), %c1, %c1)
               threads(...) in (%c32, %c1, %c1) {
      ... 256 accumulators loaded from %y ...
      scf.for %k = %c0 to %c400 step %c1 iter_args(...) {
        32 loads of %w at (m0 + i, k), 8 loads of %x at (n, c, ho + kh, wo + kw),
        256 x (mulf, addf)
      }
      ... 256 guarded stores ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def NNCGpuTileReduction : Pass<"nnc-gpu-tile-reduction"> {
  let options = [
    Option<"subgroups", "subgroups", "bool", /*default=*/"true",
           "Combine the threads' partials with subgroup operations (warp "
           "shuffles, OpGroupNonUniform*) in workgroups of 32 threads or more">
  ];
  let summary = "Innermost reductions as one workgroup per output element";
  let description = [{
    Runs after `nnc-gpu-tile-matmul`. A linalg op on memrefs with one output,
    whose reduction loops are its innermost loops and the innermost dims of
    every input that reads them, and whose body is `yield comb(f(ins), acc)`
    with `comb` one of addf/addi, mulf/muli, maximumf/minimumf,
    maxnumf/minnumf, max/min (signed, unsigned), andi/ori, becomes a
    `gpu.launch` of one workgroup (up to 256 threads) per output element
    (grid-stride past 65535 outputs). Each thread folds elements tid,
    tid + 256, ... with the op's body from `comb`'s identity; the partials
    meet in workgroup memory in a tree (a `gpu.barrier` per level), or with
    `subgroups` (f32 and i32 combiners, 32 threads or more) each subgroup
    folds its lanes' partials with `gpu.subgroup_reduce`, its first lane
    stores the result and, after one barrier, every thread folds the
    subgroups' results in order; thread 0 folds the total into the output's
    old value, the fill's init. Rows of a
    static length below 32 stay on the naive path (one thread per output).
    A full reduction (rank-0 output) is one workgroup instead of one thread.
    argmax (two outputs) and reductions over outer dims are left alone,
    except column sums: a per-point reduction whose inputs read a parallel
    loop innermost and whose outermost reduced loop is static is first cut
    into S slices of that loop (partial sums per slice, then a fold of the
    S partials in order), so that S threads, not one, share each output's
    rows (see `kColumnThreads`).

    ```mlir
    linalg.generic {iterator_types = ["parallel", "reduction"]}
        ins(%x : memref<?x1000xf32>) outs(%s : memref<?xf32>) { addf }
    // becomes
    gpu.launch blocks(...) in (%gx = %min_rows_65535, ...) threads(...) in (%c256, ...)
               workgroup(%p : memref<256xf32, #gpu.address_space<workgroup>>) {
      scf.for %row = %bx to %rows step %gx {
        %part = scf.for %i = %tx to %c1000 step %c256 iter_args(...) { addf }
        memref.store %part, %p[%tx]
        gpu.barrier
        ... 8 levels: scf.if %tx < half { addf }, gpu.barrier ...
        scf.if %tx == 0 { store addf(%p[0], %s[%row]) into %s[%row] }
        gpu.barrier
      }
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def NNCGpuUpdateInPlace : Pass<"nnc-gpu-update-in-place"> {
  let summary = "Write a param's next value into the param's own buffer";
  let description = [{
    Runs on memrefs after bufferization. A result marked
    `nn.update = "name"` (train_step's next value of a param, moment or
    state) would be copied by the runtime into the buffer of the argument
    named `name` after the last kernel. When one all-parallel linalg op writes
    the value (at its loop indices), reads that argument only at the same
    indices, and no other op reads the argument after it, the op writes the
    argument instead: the result's buffer is replaced by the argument, and
    the runtime skips an update whose source is the param itself.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def NNCGpuMergeElementwise : Pass<"nnc-gpu-merge-elementwise", "::mlir::ModuleOp"> {
  let summary = "Independent all-parallel linalg ops as one kernel";
  let description = [{
    Runs on memrefs after the other kernel passes. The all-parallel linalg
    ops left (what the naive path gives a kernel each: optimizer updates,
    fills, casts) that are independent of each other (none reads or writes
    what another writes, nothing between them conflicts with running them
    together at the first one) become one `gpu.launch` over the
    concatenation of their iteration spaces: 256 threads per workgroup, at
    most 65535 workgroups with a grid-stride loop, each thread running the op
    whose range holds its linear index. Host work that defines their operands
    (allocations, sizes) moves up before the kernel; a batch may also move
    down to a later op. Per-point reductions (column sums, argmax) are
    members too, a thread per output point, their fills folded. A lone op is
    such a kernel of its own, in row-major order. With `merge=false` (nnc
    --no-fuse) only the per-point reductions are taken, each a lone op (the
    elementwise ops keep the naive path).
  }];
  let options = [
    Option<"merge", "merge", "bool", /*default=*/"true",
           "Batch independent ops into one kernel (false: only per-point "
           "reductions, a kernel each)">
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect"];
}

def NNCGpuMergeLaunches : Pass<"nnc-gpu-merge-launches", "::mlir::ModuleOp"> {
  let options = [
    Option<"barriers", "barriers", "bool", /*default=*/"false",
           "Merge launches with barriers too (CUDA's kernels: each such "
           "member fills the whole block, so every thread reaches its "
           "barriers), and allow 32 KiB of workgroup memory in all instead "
           "of 16 KiB">
  ];
  let summary = "Independent gpu.launch ops as one launch (horizontal fusion)";
  let description = [{
    Runs after every kernel has its `gpu.launch`, before outlining. Launches
    independent of each other (none reads or writes a buffer another
    writes; nothing between them conflicts with running a later one at the
    first) become one launch: its workgroups are the members' workgroups
    end to end (workgroup (x, y) is number y * 65535 + x), each runs the
    member its number falls in (a branch the same for the whole workgroup),
    with that member's 3-D workgroup and thread indices recomputed. The
    block has the most threads any member has; a narrower member without
    workgroup memory runs threads / its threads of its workgroups side by
    side (if it has that many). A launch with a `gpu.barrier` is left
    alone unless `barriers` is set (CUDA's kernels); then it merges only
    where its threads are the block's, so that every thread of the block
    runs it and reaches each barrier (the branch that picks it is the same
    for the whole workgroup), and the members' workgroup memory may total
    32 KiB. The scf.if around each member carries `nnc.part = K`. A launch
    joins the earliest of the last 16 batches it can, running at the
    batch's first
    launch (host work defining what it uses moves up) or the batch running
    where it stands, if the temporaries live then stay under the function's
    peak. Limits: 20 buffers and 26 kernel arguments in all, 16 KiB of
    workgroup memory where more than one member uses any, and 64-bit
    kernels only with 64-bit kernels.

    ```mlir
    gpu.launch blocks(...) in (%x = %g1, ...) threads(...) in (%c256, ...) { A }
    gpu.launch blocks(...) in (%x = %c16, ...) threads(...) in (%c32, ...) { B }
    // becomes (B: 8 of its workgroups per 256 threads, 2 in all)
    %total = %g1 + 2
    gpu.launch blocks(%bx, %by, ...) in (min(%total, 65535), ceildiv(%total, 65535), 1)
               threads(%tx, ...) in (256, 1, 1) {
      %g = %by * 65535 + %bx
      scf.if %g < %g1 { A at workgroup %g } {nnc.part = 0}
      scf.if %g - %g1 < 2 {
        %w = (%g - %g1) * 8 + %tx / 32
        scf.if %w < 16 { B at workgroup %w, thread %tx % 32 }
      } {nnc.part = 1}
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def NNCGpuRecordLaunchParts : Pass<"nnc-gpu-record-launch-parts", "::mlir::ModuleOp"> {
  let summary = "Mark each argument of a merged kernel with the members that use it";
  let description = [{
    Runs right after kernel outlining. In a kernel made by
    `nnc-gpu-merge-launches`, each argument gets `nnc.parts = array<i64: ...>`,
    the `nnc.part` regions that use it (through views), and the regions
    lose their marks: `nnc --stats` counts a buffer once for each member that
    moves it, as separate launches would.
  }];
}

def NNCGpuAttention : Pass<"nnc-gpu-attention"> {
  let options = [
    Option<"rowsPerThread", "rows-per-thread", "int64_t", /*default=*/"1",
           "Rows of the result per thread, at most (each row of the other "
           "operand it loads serves them all; each costs its own registers). "
           "Above 1: with a static row count T, the fewest threads (8 to 64, "
           "a power of two) that cover T, ceil(T / threads) rows each; a "
           "dynamic T: 64 threads, up to 4 rows each">
  ];
  let summary = "nn.attention_kernel on memrefs as one launch each";
  let description = [{
    Runs on memrefs, before the other kernel passes. Each
    `nn.attention_kernel` (what nnc-lower-to-linalg makes of nn.attention,
    nn.attention_lse and nn.attention_grad) becomes one `gpu.launch`: grid y
    the batches, grid x blocks of rows (grid-stride loops over both), each
    thread `rows-per-thread` rows of the result (64 threads a workgroup with
    one row each; see the option): the thread keeps its query (or key) rows
    and their accumulators in registers and walks the rows of the other
    operand, so each score lives in a register only. `forward` is an online softmax
    (running max and sum, the output rescaled when the max grows) and also
    writes the log-sum-exp of each row where asked; the gradients recompute
    the probabilities from it. See codegen/gpu/AttentionKernels.cpp.

    ```mlir
    nn.attention_kernel ins(%q, %k, %v : ...) outs(%o : ...) {kind = "forward", scale = 2.5e-01 : f64}
    // becomes
    gpu.launch blocks(%bx, ...) in (%gx = min(ceildiv(rows, 64), 65535), ...)
               threads(%tx, ...) in (%c64, ...) {
      scf.for %r = %bx * 64 + %tx to %rows step %gx * 64 {
        // q row * scale in registers; scf.for %j over keys carrying m, l, acc
        // o[r, e] = acc[e] / l
      }
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def NNCGpuRowKernels : Pass<"nnc-gpu-row-kernels"> {
  let options = [
    Option<"subgroups", "subgroups", "bool", /*default=*/"true",
           "Combine the threads' partials with subgroup operations (warp "
           "shuffles, OpGroupNonUniform*) in workgroups of 32 threads or more">
  ];
  let summary = "A row fusion group as one kernel with one workgroup per row";
  let description = [{
    Runs on memrefs, before the other kernel passes. The linalg ops marked
    `nnc.row_group = N` by `nnc-fuse-regions` (one `row` nn.fusion region:
    softmax, log_softmax, layer_norm, rms_norm, their gradients) become one
    `gpu.launch` with one workgroup (up to 256 threads) per row. Reductions
    over the trailing loops fold the row in a strided loop and a
    workgroup-memory tree and keep the total in a register; ops on one value
    per row run in every thread; elementwise ops over the row are recomputed
    where they are read and stored only where the group's result is used
    after it. The row is read from memory once; buffers only the group used
    are removed. A group the kernel cannot take keeps its separate kernels.

    ```mlir
    // m = max(x), e = exp(x - m), s = sum(e), y = e / s   (rows of 1000)
    gpu.launch blocks(...) in (%gx = %min_rows_65535, ...) threads(...) in (%c256, ...)
               workgroup(%p : memref<256xf32, #gpu.address_space<workgroup>>) {
      scf.for %row = %bx to %rows step %gx {
        %pm = scf.for %i = %tx to %c1000 step %c256 ... { maximumf(x[row, i]) }
        %m = tree over %p
        %ps = scf.for ... { addf(exp(x[row, i] - %m)) }
        %s = tree over %p
        scf.for %i = %tx to %c1000 step %c256 { y[row, i] = exp(x[row, i] - %m) / %s }
      }
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def NNCGpuWorkgroupToAlloc : Pass<"nnc-gpu-workgroup-to-alloc"> {
  let summary = "Turn gpu.func workgroup attributions into memref.alloc (SPIR-V)";
  let description = [{
    MLIR's gpu -> SPIR-V conversion lowers a `memref.alloc` in memory space
    3 to a Workgroup-class global variable but cannot lower a `gpu.func`'s
    workgroup attributions; NVVM is the other way round. Kernels keep the
    attributions (the GPU dialect's own form) and the SPIR-V pipeline runs
    this pass first.

    ```mlir
    gpu.func @k(...) workgroup(%s : memref<256xf32, #gpu.address_space<workgroup>>) kernel
    // becomes
    gpu.func @k(...) kernel { %s = memref.alloc() : memref<256xf32, 3> ... }
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def NNCGpuParallelOuter : Pass<"nnc-gpu-parallel-outer"> {
  let summary = "Reorder the loops of linalg ops so that parallel dims come first";
  let description = [{
    A parallel dim after a reduction dim (a sum over a middle axis or over the
    batch) would lower to an `scf.parallel` nested in an `scf.for`, which
    cannot be mapped to GPU threads. The op is generalized if needed and its
    loops interchanged: parallel dims first, in their order, then the
    reductions.

    ```mlir
    linalg.generic {indexing_maps = [(d0, d1) -> (d0, d1), (d0, d1) -> (d1)],
                    iterator_types = ["reduction", "parallel"]} ...
    // becomes
    linalg.generic {indexing_maps = [(d0, d1) -> (d1, d0), (d0, d1) -> (d0)],
                    iterator_types = ["parallel", "reduction"]} ...
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def NNCGpuFlattenMemrefs : Pass<"nnc-gpu-flatten-memrefs"> {
  let summary = "Give kernels 1-D views of memrefs whose strides are dynamic";
  let description = [{
    SPIR-V storage buffers carry no strides, so a kernel cannot index a
    memref whose strides or offset are known only at run time (a transpose
    or a batch slice of a dynamic tensor). For each such memref that a
    `gpu.launch` loads from or stores to, the host extracts its strided
    metadata and passes a 1-D view of the root buffer; the accesses inside
    use `offset + sum(index * stride)`.

    ```mlir
    %t : memref<4x?xf32, strided<[?, 1]>>
    gpu.launch ... { memref.store %v, %t[%i, %j] }
    // becomes
    %base, %off, %sizes:2, %strides:2 = memref.extract_strided_metadata %t
    %flat = memref.reinterpret_cast %base to offset: [0], sizes: [%n], strides: [1]
    gpu.launch ... { memref.store %v, %flat[%off + %i * %strides#0 + %j * %strides#1] }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def NNCGpuPromoteAccumulators : Pass<"nnc-gpu-promote-accumulators"> {
  let summary = "Keep a kernel loop's running value in a register (iter_args)";
  let description = [{
    The naive path gives each thread of a reduction (convolutions and their
    gradients, reductions over outer dims) a serial `scf.for` that loads the
    output element, folds one product into it and stores it back on every
    iteration. In kernels (inside `gpu.launch` or `gpu.func`), a loop whose
    own body holds a `memref.load` and a later `memref.store` of one memref at
    the same loop-invariant indices instead loads once before the loop,
    carries the value as an appended `iter_args` and stores once after it.
    Loops are visited innermost first, so a nest of reduction loops keeps the
    value in a register across the whole nest. Pure loop-invariant ops are
    hoisted first (LICM), so linear indices computed in the body by
    `nnc-gpu-flatten-memrefs` qualify.

    Only when safe: no other op in the body (recursively) writes memory, has
    effects it does not describe, is a `gpu.barrier`, or touches a memref that
    is a view of the same root value (kernel argument or allocation). A loop
    that may run zero times guards the hoisted load and store by `lb < ub`.

    ```mlir
    scf.for %k = %c0 to %c5 step %c1 {
      %a = memref.load %C[%i] ; %s = arith.addf %a, %p ; memref.store %s, %C[%i]
    }
    // becomes
    %a0 = memref.load %C[%i]
    %r = scf.for %k = %c0 to %c5 step %c1 iter_args(%a = %a0) -> (f32) {
      %s = arith.addf %a, %p ; scf.yield %s : f32
    }
    memref.store %r, %C[%i]
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def NNPlanMemory : Pass<"nn-plan-memory", "::mlir::func::FuncOp"> {
  let summary = "Free each temporary buffer right after its last use";
  let description = [{
    Bufferization's deallocation pipeline frees temporaries at the end of the
    entry, so every buffer of a step is live at once and the arena is the sum
    of all of them. This pass moves each `memref.dealloc` of an allocation to
    just after the last op of the function body that uses the allocation or
    any view of it (kernel launches, copies, views of views). The launch plan
    then frees the buffer there and the runtime's first-fit arena reuses its
    range for later buffers: liveness-based reuse in one arena per entry.

    Launches run in order (one CUDA stream; a full barrier between Vulkan
    dispatches), so a range freed after kernel k may be written by kernel
    k+1. A buffer returned by the function is never freed here.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

#endif // NNC_CODEGEN_GPU_PASSES_TD
