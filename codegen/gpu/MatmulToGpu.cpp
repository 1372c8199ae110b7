//===- MatmulToGpu.cpp - matmuls as gpu.launch with workgroup-memory tiles ===//
//
// `nnc-gpu-tile-matmul`: a linalg op on memrefs that is a matmul in shape
// (linalg.matmul, linalg.batch_matmul, or a linalg.generic with one
// reduction dim k, an m dim only the left operand uses and an n dim only the
// right one uses: broadcast batches, matrix-vector) becomes a gpu.launch with
// one TMxTN output tile per workgroup, one thread per output element. The K
// loop walks K-tiles of both operands staged in workgroup memory; each
// thread applies the op's own body in k order, so results equal the naive
// kernel's bit for bit.
//
//===----------------------------------------------------------------------===//
#include "codegen/gpu/KernelUtils.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUTILEMATMUL
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::gpu_kernel;

namespace {

/// Output tile edge and K-tile depth: 16x16 threads per workgroup.
constexpr int64_t kTile = 16;

/// Which loops of the op play which role; m or n is -1 when absent (a
/// vector operand).
struct MatmulDims {
  int64_t lhs, rhs; // input operand numbers of A (uses m) and B (uses n)
  int64_t m = -1, n = -1, k = -1;
  SmallVector<int64_t> batch;
};

FailureOr<MatmulDims> matchMatmul(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
      !hasScalarBody(op))
    return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!llvm::all_of(maps, isDimOrConstantMap))
    return failure();
  for (OpOperand *operand : op.getDpsInputOperands())
    if (!isa<MemRefType>(operand->get().getType()))
      return failure();
  AffineMap out = maps[2];
  if (!out.isProjectedPermutation())
    return failure();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  int64_t k =
      llvm::find(iterators, utils::IteratorType::reduction) - iterators.begin();
  auto uses = [&](int64_t input, int64_t dim) {
    return maps[input].isFunctionOfDim(dim);
  };
  for (auto [a, b] : {std::pair<int64_t, int64_t>{0, 1}, {1, 0}}) {
    MatmulDims dims;
    dims.lhs = a;
    dims.rhs = b;
    dims.k = k;
    int64_t pos = int64_t(out.getNumResults()) - 1;
    if (pos >= 0 && uses(b, out.getDimPosition(pos)) &&
        !uses(a, out.getDimPosition(pos)))
      dims.n = out.getDimPosition(pos--);
    if (pos >= 0 && uses(a, out.getDimPosition(pos)) &&
        !uses(b, out.getDimPosition(pos)))
      dims.m = out.getDimPosition(pos);
    if ((dims.m < 0 && dims.n < 0) || !uses(a, k) || !uses(b, k))
      continue;
    for (unsigned i = 0; i < out.getNumResults(); ++i) {
      int64_t d = out.getDimPosition(i);
      if (d != dims.m && d != dims.n)
        dims.batch.push_back(d);
    }
    return dims;
  }
  return failure();
}

struct TileMatmulInWorkgroupMemory
    : public OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<MatmulDims> match = matchMatmul(op);
    if (failed(match))
      return rewriter.notifyMatchFailure(op, "not a matmul-shaped linalg op");
    const MatmulDims &dims = *match;
    Location loc = op.getLoc();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    Value lhs = op.getDpsInputOperand(dims.lhs)->get();
    Value rhs = op.getDpsInputOperand(dims.rhs)->get();
    Value out = op.getDpsInitOperand(0)->get();
    Type lhsElem = cast<MemRefType>(lhs.getType()).getElementType();
    Type rhsElem = cast<MemRefType>(rhs.getType()).getElementType();
    Type outElem = cast<MemRefType>(out.getType()).getElementType();

    // Host side: loop sizes (memref.dim stays here), grid and block.
    SmallVector<Value> sizes = hostLoopSizes(rewriter, loc, op);
    int64_t tm = dims.m >= 0 ? kTile : 1, tn = dims.n >= 0 ? kTile : 1;
    Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value tmV = arith::ConstantIndexOp::create(rewriter, loc, tm);
    Value tnV = arith::ConstantIndexOp::create(rewriter, loc, tn);
    Value gx = dims.n >= 0 ? arith::CeilDivUIOp::create(rewriter, loc,
                                                        sizes[dims.n], tnV)
                           : c1;
    Value gy = dims.m >= 0 ? arith::CeilDivUIOp::create(rewriter, loc,
                                                        sizes[dims.m], tmV)
                           : c1;
    Value gz = c1;
    SmallVector<Value> batchSizes;
    for (int64_t d : dims.batch) {
      batchSizes.push_back(sizes[d]);
      gz = arith::MulIOp::create(rewriter, loc, gz, sizes[d]);
    }
    MemRefType lhsTile = workgroupMemRef({tm, kTile}, lhsElem);
    MemRefType rhsTile = workgroupMemRef({kTile, tn}, rhsElem);
    auto launch = gpu::LaunchOp::create(
        rewriter, loc, gx, gy, gz, tnV, tmV, c1, /*dynamicSharedMemorySize=*/
        nullptr, /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{},
        TypeRange{lhsTile, rhsTile});
    Value lhsShared = launch.getWorkgroupAttributions()[0];
    Value rhsShared = launch.getWorkgroupAttributions()[1];

    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(&launch.getBody().front());
    gpu::KernelDim3 block = launch.getBlockIds();
    gpu::KernelDim3 thread = launch.getThreadIds();
    Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value cTile = arith::ConstantIndexOp::create(rewriter, loc, kTile);
    Value tmK = arith::ConstantIndexOp::create(rewriter, loc, tm);
    Value tnK = arith::ConstantIndexOp::create(rewriter, loc, tn);
    Value threads = arith::ConstantIndexOp::create(rewriter, loc, tm * tn);
    Value tid = arith::AddIOp::create(
        rewriter, loc, arith::MulIOp::create(rewriter, loc, thread.y, tnK),
        thread.x);
    auto inRange = [&](Value i, int64_t dim) -> Value {
      return arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult, i,
                                   sizes[dim]);
    };
    auto both = [&](Value a, Value b) -> Value {
      if (!a)
        return b;
      if (!b)
        return a;
      return arith::AndIOp::create(rewriter, loc, a, b);
    };

    // Loop indices shared by every access: batch from block z, the tile
    // origins from blocks y and x.
    SmallVector<Value> base(sizes.size());
    if (!dims.batch.empty())
      delinearize(rewriter, loc, block.z, dims.batch, batchSizes, base);
    Value m0 = arith::MulIOp::create(rewriter, loc, block.y, tmK);
    Value n0 = arith::MulIOp::create(rewriter, loc, block.x, tnK);

    // This thread's output element and its initial value.
    SmallVector<Value> own = base;
    Value ownInRange;
    if (dims.m >= 0) {
      own[dims.m] = arith::AddIOp::create(rewriter, loc, m0, thread.y);
      ownInRange = both(ownInRange, inRange(own[dims.m], dims.m));
    }
    if (dims.n >= 0) {
      own[dims.n] = arith::AddIOp::create(rewriter, loc, n0, thread.x);
      ownInRange = both(ownInRange, inRange(own[dims.n], dims.n));
    }
    SmallVector<Value> outIdx = applyMap(rewriter, loc, maps[2], own);
    Value zero = arith::ConstantOp::create(
        rewriter, loc, cast<TypedAttr>(rewriter.getZeroAttr(outElem)));
    auto initIf = scf::IfOp::create(
        rewriter, loc, ownInRange,
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(
              b, l, ValueRange{memref::LoadOp::create(b, l, out, outIdx)});
        },
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l, ValueRange{zero});
        });

    // Copies one tile (rows x cols elements, row r/col c -> loop dims
    // rowDim/colDim at rowBase+r, colBase+c) from `src` into `dst`, every
    // thread taking elements tid, tid + threads, ...
    auto loadTile = [&](OpBuilder &b, Value src, AffineMap map, Value dst,
                        int64_t rows, int64_t cols, int64_t rowDim,
                        Value rowBase, int64_t colDim, Value colBase) {
      Value colsV = arith::ConstantIndexOp::create(b, loc, cols);
      Value count = arith::ConstantIndexOp::create(b, loc, rows * cols);
      auto copyOne = [&](OpBuilder &b, Value e) {
        Value r = arith::DivUIOp::create(b, loc, e, colsV);
        Value c = arith::RemUIOp::create(b, loc, e, colsV);
        SmallVector<Value> idx = base;
        auto place = [&](int64_t dim, Value origin, Value offset) -> Value {
          if (dim < 0)
            return Value();
          idx[dim] = arith::AddIOp::create(b, loc, origin, offset);
          return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                       idx[dim], sizes[dim]);
        };
        Value rowOk = place(rowDim, rowBase, r);
        Value colOk = place(colDim, colBase, c);
        Value ok = rowOk && colOk
                       ? Value(arith::AndIOp::create(b, loc, rowOk, colOk))
                       : (rowOk ? rowOk : colOk);
        scf::IfOp::create(b, loc, ok, [&](OpBuilder &b, Location l) {
          Value v = memref::LoadOp::create(b, l, src, applyMap(b, l, map, idx));
          memref::StoreOp::create(b, l, v, dst, ValueRange{r, c});
          scf::YieldOp::create(b, l);
        });
      };
      if (rows * cols == tm * tn) {
        copyOne(b, tid);
        return;
      }
      scf::ForOp::create(b, loc, tid, count, threads, ValueRange{},
                         [&](OpBuilder &b, Location, Value e, ValueRange) {
                           copyOne(b, e);
                           scf::YieldOp::create(b, loc);
                         });
    };

    Value kSize = sizes[dims.k];
    Value acc = buildGuardedFor(
        rewriter, loc, c0, kSize, cTile, initIf.getResult(0),
        [&](OpBuilder &b, Location l, Value k0, Value acc) {
          // A's tile: rows along m (or one row), columns along k; B's: rows
          // along k, columns along n (or one column).
          loadTile(b, lhs, maps[dims.lhs], lhsShared, tm, kTile, dims.m, m0,
                   dims.k, k0);
          loadTile(b, rhs, maps[dims.rhs], rhsShared, kTile, tn, dims.k, k0,
                   dims.n, n0);
          gpu::BarrierOp::create(b, l);
          // The last K-tile may be partial; its bound is the same for every
          // thread, so the barriers stay uniform. It is at least 1.
          Value left = arith::SubIOp::create(b, l, kSize, k0);
          Value kEnd = arith::MinUIOp::create(b, l, left, cTile);
          Value c0i = arith::ConstantIndexOp::create(b, l, 0);
          Value c1i = arith::ConstantIndexOp::create(b, l, 1);
          Value row = dims.m >= 0 ? thread.y : c0i;
          Value col = dims.n >= 0 ? thread.x : c0i;
          Value sum = buildGuardedFor(
              b, l, c0i, kEnd, c1i, acc,
              [&](OpBuilder &b, Location l, Value kk, Value acc) {
                Value a = memref::LoadOp::create(b, l, lhsShared,
                                                 ValueRange{row, kk});
                Value bv = memref::LoadOp::create(b, l, rhsShared,
                                                  ValueRange{kk, col});
                SmallVector<Value> args(3);
                args[dims.lhs] = a;
                args[dims.rhs] = bv;
                args[2] = acc;
                return cloneBody(b, op, args)[0];
              });
          gpu::BarrierOp::create(b, l);
          return sum;
        });

    scf::IfOp::create(rewriter, loc, ownInRange, [&](OpBuilder &b, Location l) {
      memref::StoreOp::create(b, l, acc, out, outIdx);
      scf::YieldOp::create(b, l);
    });
    gpu::TerminatorOp::create(rewriter, loc);
    rewriter.eraseOp(op);
    return success();
  }
};

struct GpuTileMatmul : public nnc::impl::NNCGpuTileMatmulBase<GpuTileMatmul> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<TileMatmulInWorkgroupMemory>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
