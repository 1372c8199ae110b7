//===- AttentionKernels.cpp - nn.attention_kernel as gpu launches ---------===//
//
// `nnc-gpu-attention`: each nn.attention_kernel on memrefs becomes one
// gpu.launch with one thread per row of its result: a query row for
// `forward`, `lse` and `grad_q`, a key row for `grad_k` and `grad_v` (64
// threads a workgroup, neighbouring rows of one batch, so a workgroup's
// threads read the same key or query row at once). A thread keeps its own
// row (q or k, scaled, and its accumulators: D or Dv values) in registers and
// walks the other operand's rows, so the [Tq, Tk] scores exist one at a time
// in a register and are never stored:
//  - forward: online softmax (running max m, sum l, out = sum p v, rescaled
//    by exp(m_old - m_new) when the max grows); out = acc / l,
//    lse = m + log(l);
//  - grad_q: p = exp(s - lse_i), ds = p (dout_i . v_j - delta_i),
//    dq_i = scale sum_j ds k_j;
//  - grad_k: dk_j = scale sum_i ds q_i; grad_v: dv_j = sum_i p dout_i.
// All arithmetic is f32; f16 and bf16 operands are extended when loaded and
// the results rounded when stored.
//===----------------------------------------------------------------------===//
#include "codegen/gpu/KernelUtils.h"
#include "codegen/gpu/Passes.h"
#include "ir/NNOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cfloat>

namespace nnc {
#define GEN_PASS_DEF_NNCGPUATTENTION
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::gpu_kernel;

namespace {

constexpr int64_t kThreads = 64;
constexpr int64_t kMaxGroups = 65535;

class AttentionKernel {
public:
  explicit AttentionKernel(nnc::nn::AttentionKernelOp op) : op(op) {}
  void build();

private:
  nnc::nn::AttentionKernelOp op;
  Value q, k, v, lse, delta, dout, mask;
  int64_t d = 0, dv = 0;
  float scale = 1;
  SmallVector<Value> batch; // the row's batch indices (in the kernel)

  Value f32(OpBuilder &b, Location l, Value x) {
    return x.getType().isF32()
               ? x
               : arith::ExtFOp::create(b, l, b.getF32Type(), x).getResult();
  }
  Value constF(OpBuilder &b, Location l, float x) {
    return arith::ConstantOp::create(b, l, b.getF32FloatAttr(x));
  }
  Value idx(OpBuilder &b, Location l, int64_t i) {
    return arith::ConstantIndexOp::create(b, l, i);
  }
  /// Element [batch..., row, col] of `buffer`, as f32.
  Value load(OpBuilder &b, Location l, Value buffer, Value row, Value col) {
    SmallVector<Value> at(batch);
    at.push_back(row);
    if (col)
      at.push_back(col);
    return f32(b, l, memref::LoadOp::create(b, l, buffer, at));
  }
  /// Row `row` of `buffer` (`width` values), each times `factor` if given.
  SmallVector<Value> loadRow(OpBuilder &b, Location l, Value buffer, Value row,
                             int64_t width, Value factor = nullptr) {
    SmallVector<Value> values;
    for (int64_t e = 0; e < width; ++e) {
      Value x = load(b, l, buffer, row, idx(b, l, e));
      values.push_back(factor ? arith::MulFOp::create(b, l, x, factor) : x);
    }
    return values;
  }
  void store(OpBuilder &b, Location l, Value x, Value buffer, Value row,
             Value col) {
    Type t = cast<MemRefType>(buffer.getType()).getElementType();
    if (t != x.getType())
      x = arith::TruncFOp::create(b, l, t, x);
    SmallVector<Value> at(batch);
    at.push_back(row);
    if (col)
      at.push_back(col);
    memref::StoreOp::create(b, l, x, buffer, at);
  }
  /// sum_e x[e] y[e], added pairwise (a tree, not a chain of D dependent
  /// adds).
  static Value dot(OpBuilder &b, Location l, ArrayRef<Value> x,
                   ArrayRef<Value> y) {
    SmallVector<Value> terms;
    for (size_t e = 0; e < x.size(); ++e)
      terms.push_back(arith::MulFOp::create(b, l, x[e], y[e]));
    while (terms.size() > 1) {
      SmallVector<Value> next;
      for (size_t e = 0; e + 1 < terms.size(); e += 2)
        next.push_back(arith::AddFOp::create(b, l, terms[e], terms[e + 1]));
      if (terms.size() % 2)
        next.push_back(terms.back());
      terms = std::move(next);
    }
    return terms.front();
  }
  /// The score of query row i and key row j from the scaled row `scaled`
  /// and the other row `other`, with the mask added.
  Value score(OpBuilder &b, Location l, ArrayRef<Value> scaled,
              ArrayRef<Value> other, Value i, Value j) {
    Value s = dot(b, l, scaled, other);
    if (mask) {
      SmallVector<Value> saved;
      std::swap(saved, batch);
      s = arith::AddFOp::create(b, l, s, load(b, l, mask, i, j));
      std::swap(saved, batch);
    }
    return s;
  }

  void buildRow(OpBuilder &b, Location l, StringRef kind, Value row,
                Value otherCount, ValueRange outs);
};

void AttentionKernel::build() {
  StringRef kind = op.getKind();
  ValueRange ins = op.getInputs();
  bool grad = kind.starts_with("grad_");
  q = ins[0];
  k = ins[1];
  if (kind != "lse")
    v = ins[2];
  if (grad) {
    lse = ins[3];
    delta = ins[4];
    dout = ins[5];
  }
  if (op.getMasked())
    mask = ins.back();
  auto qType = cast<MemRefType>(q.getType());
  int64_t rank = qType.getRank();
  d = qType.getShape().back();
  dv = v ? cast<MemRefType>(v.getType()).getShape().back() : 0;
  scale = float(op.getScale().convertToDouble());

  OpBuilder b(op);
  Location loc = op.getLoc();
  // Host side: batch sizes, the row counts, the grid.
  auto dimOf = [&](Value buffer, int64_t i) -> Value {
    auto t = cast<MemRefType>(buffer.getType());
    if (!t.isDynamicDim(i))
      return idx(b, loc, t.getDimSize(i));
    return memref::DimOp::create(b, loc, buffer, i);
  };
  SmallVector<Value> batchSizes;
  for (int64_t i = 0; i + 2 < rank; ++i)
    batchSizes.push_back(dimOf(q, i));
  Value tq = dimOf(q, rank - 2), tk = dimOf(k, rank - 2);
  bool keyRows = kind == "grad_k" || kind == "grad_v";
  Value rowsPerBatch = keyRows ? tk : tq, otherCount = keyRows ? tq : tk;
  Value c1 = idx(b, loc, 1);
  Value rows = arith::MulIOp::create(b, loc, productOf(b, loc, batchSizes, c1),
                                     rowsPerBatch);
  Value threads = idx(b, loc, kThreads);
  Value blocks = arith::CeilDivUIOp::create(b, loc, rows, threads);
  Value groups =
      arith::MinUIOp::create(b, loc, blocks, idx(b, loc, kMaxGroups));
  auto launch = gpu::LaunchOp::create(b, loc, groups, c1, c1, threads, c1, c1);

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value first = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().x, threads),
      launch.getThreadIds().x);
  Value step =
      arith::MulIOp::create(b, loc, launch.getGridSize().x, threads);
  SmallVector<Value> outs(op.getOutputs());
  scf::ForOp::create(
      b, loc, first, rows, step, ValueRange{},
      [&](OpBuilder &b, Location l, Value r, ValueRange) {
        Value n = arith::DivUIOp::create(b, l, r, rowsPerBatch);
        Value row = arith::RemUIOp::create(b, l, r, rowsPerBatch);
        batch.assign(batchSizes.size(), Value());
        SmallVector<int64_t> dims =
            llvm::to_vector(llvm::seq<int64_t>(0, batchSizes.size()));
        if (!batchSizes.empty())
          delinearize(b, l, n, dims, batchSizes, batch);
        buildRow(b, l, kind, row, otherCount, outs);
        scf::YieldOp::create(b, l);
      });
  gpu::TerminatorOp::create(b, loc);
}

void AttentionKernel::buildRow(OpBuilder &b, Location l, StringRef kind,
                               Value row, Value otherCount, ValueRange outs) {
  Value c0 = idx(b, l, 0), c1 = idx(b, l, 1);
  Value scaleV = constF(b, l, scale), zero = constF(b, l, 0);
  if (kind == "forward" || kind == "lse") {
    Value i = row;
    SmallVector<Value> qs = loadRow(b, l, q, i, d, scaleV);
    // Carried: m, l, acc[0..dv).
    SmallVector<Value> inits{constF(b, l, -FLT_MAX), zero};
    if (kind == "forward")
      inits.append(dv, zero);
    SmallVector<Value> result = buildGuardedLoop(
        b, l, c0, otherCount, c1, inits,
        [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
          Value s = score(b, l, qs, loadRow(b, l, k, j, d), i, j);
          Value m = acc[0], mNew = arith::MaximumFOp::create(b, l, m, s);
          Value corr =
              math::ExpOp::create(b, l, arith::SubFOp::create(b, l, m, mNew));
          Value p =
              math::ExpOp::create(b, l, arith::SubFOp::create(b, l, s, mNew));
          SmallVector<Value> next{
              mNew, arith::AddFOp::create(
                        b, l, arith::MulFOp::create(b, l, acc[1], corr), p)};
          if (kind == "forward") {
            SmallVector<Value> vj = loadRow(b, l, v, j, dv);
            for (int64_t e = 0; e < dv; ++e)
              next.push_back(arith::AddFOp::create(
                  b, l, arith::MulFOp::create(b, l, acc[2 + e], corr),
                  arith::MulFOp::create(b, l, p, vj[e])));
          }
          return next;
        });
    Value m = result[0], sum = result[1];
    if (kind == "forward")
      for (int64_t e = 0; e < dv; ++e)
        store(b, l, arith::DivFOp::create(b, l, result[2 + e], sum), outs[0],
              i, idx(b, l, e));
    if (kind == "lse" || outs.size() == 2)
      store(b, l,
            arith::AddFOp::create(b, l, m, math::LogOp::create(b, l, sum)),
            outs.back(), i, nullptr);
    return;
  }

  if (kind == "grad_q") {
    Value i = row;
    SmallVector<Value> qs = loadRow(b, l, q, i, d, scaleV);
    SmallVector<Value> dO = loadRow(b, l, dout, i, dv);
    Value li = load(b, l, lse, i, nullptr), di = load(b, l, delta, i, nullptr);
    SmallVector<Value> result = buildGuardedLoop(
        b, l, c0, otherCount, c1, SmallVector<Value>(d, zero),
        [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
          SmallVector<Value> kj = loadRow(b, l, k, j, d);
          Value p = math::ExpOp::create(
              b, l, arith::SubFOp::create(b, l, score(b, l, qs, kj, i, j), li));
          Value dp = dot(b, l, dO, loadRow(b, l, v, j, dv));
          Value ds = arith::MulFOp::create(
              b, l, p, arith::SubFOp::create(b, l, dp, di));
          SmallVector<Value> next;
          for (int64_t e = 0; e < d; ++e)
            next.push_back(arith::AddFOp::create(
                b, l, acc[e], arith::MulFOp::create(b, l, ds, kj[e])));
          return next;
        });
    for (int64_t e = 0; e < d; ++e)
      store(b, l, arith::MulFOp::create(b, l, result[e], scaleV), outs[0], i,
            idx(b, l, e));
    return;
  }

  // grad_k and grad_v: key row j, over the query rows i.
  Value j = row;
  bool wantK = kind == "grad_k";
  SmallVector<Value> ks = loadRow(b, l, k, j, d, scaleV);
  SmallVector<Value> vj;
  if (wantK)
    vj = loadRow(b, l, v, j, dv);
  int64_t width = wantK ? d : dv;
  SmallVector<Value> result = buildGuardedLoop(
      b, l, c0, otherCount, c1, SmallVector<Value>(width, zero),
      [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
        SmallVector<Value> qi = loadRow(b, l, q, i, d);
        Value p = math::ExpOp::create(
            b, l,
            arith::SubFOp::create(b, l, score(b, l, ks, qi, i, j),
                                  load(b, l, lse, i, nullptr)));
        SmallVector<Value> dOi = loadRow(b, l, dout, i, dv);
        SmallVector<Value> next;
        if (!wantK) {
          for (int64_t e = 0; e < dv; ++e)
            next.push_back(arith::AddFOp::create(
                b, l, acc[e], arith::MulFOp::create(b, l, p, dOi[e])));
          return next;
        }
        Value dp = dot(b, l, dOi, vj);
        Value ds = arith::MulFOp::create(
            b, l, p,
            arith::SubFOp::create(b, l, dp, load(b, l, delta, i, nullptr)));
        for (int64_t e = 0; e < d; ++e)
          next.push_back(arith::AddFOp::create(
              b, l, acc[e], arith::MulFOp::create(b, l, ds, qi[e])));
        return next;
      });
  for (int64_t e = 0; e < width; ++e) {
    Value x = wantK ? arith::MulFOp::create(b, l, result[e], scaleV).getResult()
                    : result[e];
    store(b, l, x, outs[0], j, idx(b, l, e));
  }
}

struct NNCGpuAttentionPass
    : nnc::impl::NNCGpuAttentionBase<NNCGpuAttentionPass> {
  void runOnOperation() override {
    SmallVector<nnc::nn::AttentionKernelOp> kernels;
    getOperation()->walk([&](nnc::nn::AttentionKernelOp op) {
      kernels.push_back(op);
    });
    for (nnc::nn::AttentionKernelOp op : kernels) {
      if (op.getNumResults() != 0) {
        op.emitError("nnc-gpu-attention: the kernel is not bufferized");
        return signalPassFailure();
      }
      AttentionKernel(op).build();
      op->erase();
    }
  }
};

} // namespace
