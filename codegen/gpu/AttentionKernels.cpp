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

#include <algorithm>
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

/// Where the kernels read or write a buffer in another order than their
/// [batch..., row, col] (see readInPlace): per buffer, the logical dim
/// that each of its dims holds.
using Layouts = llvm::DenseMap<Value, SmallVector<int64_t>>;

class AttentionKernel {
public:
  AttentionKernel(nnc::nn::AttentionKernelOp op, int64_t rowsPerThread,
                  const Layouts &layouts)
      : op(op), rowsPerThread(rowsPerThread), layouts(layouts) {}
  /// One launch computing `kind` into `outs` (the op's outputs, or one of
  /// a `grad_kv` op's).
  void build(StringRef kind, ValueRange outs);

private:
  nnc::nn::AttentionKernelOp op;
  int64_t rowsPerThread;
  const Layouts &layouts;
  int64_t threadCount = kThreads;
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
  /// Which dim of `buffer` holds its logical dim `i`.
  int64_t physical(Value buffer, int64_t i) const {
    auto it = layouts.find(buffer);
    return it == layouts.end()
               ? i
               : int64_t(llvm::find(it->second, i) - it->second.begin());
  }
  /// The static size of logical dim `i` of `buffer` (dynamic or not).
  int64_t sizeOf(Value buffer, int64_t i) const {
    return cast<MemRefType>(buffer.getType()).getDimSize(physical(buffer, i));
  }
  /// The indices of `buffer` for the logical ones `at` (its layout's
  /// order where it has one).
  SmallVector<Value> indices(Value buffer, SmallVector<Value> at) const {
    auto it = layouts.find(buffer);
    if (it == layouts.end())
      return at;
    return llvm::map_to_vector(it->second, [&](int64_t k) { return at[k]; });
  }
  /// Element `at` (logical indices) of `buffer`, as f32.
  Value loadAt(OpBuilder &b, Location l, Value buffer, SmallVector<Value> at) {
    return f32(b, l, memref::LoadOp::create(b, l, buffer, indices(buffer, at)));
  }
  /// Element [batch..., row, col] of `buffer`, as f32.
  Value load(OpBuilder &b, Location l, Value buffer, Value row, Value col) {
    SmallVector<Value> at(batch);
    at.push_back(row);
    if (col)
      at.push_back(col);
    return loadAt(b, l, buffer, std::move(at));
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
    memref::StoreOp::create(b, l, x, buffer, indices(buffer, at));
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
    if (mask)
      s = arith::AddFOp::create(b, l, s, loadAt(b, l, mask, {i, j}));
    return s;
  }

  /// The thread's rows `rows` (clamped into range; `valid` says which are
  /// real, the others are computed and not stored).
  void buildRows(OpBuilder &b, Location l, StringRef kind,
                 ArrayRef<Value> rows, ArrayRef<Value> valid,
                 Value otherCount, ValueRange outs);
};

void AttentionKernel::build(StringRef kind, ValueRange outs) {
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
  d = sizeOf(q, rank - 1);
  dv = v ? sizeOf(v, rank - 1) : 0;
  scale = float(op.getScale().convertToDouble());

  OpBuilder b(op);
  Location loc = op.getLoc();
  // Host side: batch sizes, the row counts, the grid.
  // The size of logical dim i of an operand (its own dim that holds it).
  auto dimOf = [&](Value buffer, int64_t i) -> Value {
    auto t = cast<MemRefType>(buffer.getType());
    i = physical(buffer, i);
    if (!t.isDynamicDim(i))
      return idx(b, loc, t.getDimSize(i));
    return memref::DimOp::create(b, loc, buffer, i);
  };
  SmallVector<Value> batchSizes;
  for (int64_t i = 0; i + 2 < rank; ++i)
    batchSizes.push_back(dimOf(q, i));
  Value tq = dimOf(q, rank - 2), tk = dimOf(k, rank - 2);
  bool keyRows = kind == "grad_k" || kind == "grad_v" || kind == "grad_kv";
  Value rowsPerBatch = keyRows ? tk : tq, otherCount = keyRows ? tq : tk;
  // One row per thread: 64 threads. More (Vulkan): no more than the batch's
  // rows fill; with a static row count T, the fewest threads (8 to 64, a
  // power of two) that take T rows at rowsPerThread each, then ceil(T /
  // threads) rows each (a dynamic T: 64 threads, up to 4 rows each).
  Value rowSource = keyRows ? k : q;
  int64_t staticRows = sizeOf(rowSource, rank - 2);
  if (rowsPerThread > 1 && ShapedType::isDynamic(staticRows)) {
    rowsPerThread = std::min<int64_t>(rowsPerThread, 4);
  } else if (rowsPerThread > 1) {
    threadCount = std::clamp<int64_t>(
        llvm::PowerOf2Ceil(llvm::divideCeil(staticRows, rowsPerThread)), 8,
        kThreads);
    rowsPerThread = std::clamp<int64_t>(
        llvm::divideCeil(staticRows, threadCount), 1, rowsPerThread);
  }
  Value c1 = idx(b, loc, 1);
  Value batches = productOf(b, loc, batchSizes, c1);
  Value threads = idx(b, loc, threadCount);
  Value maxGroups = idx(b, loc, kMaxGroups);
  Value rowsPerBlock = idx(b, loc, threadCount * rowsPerThread);
  Value blocks = arith::MinUIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, rowsPerBatch, rowsPerBlock),
      maxGroups);
  Value batchGroups = arith::MinUIOp::create(b, loc, batches, maxGroups);
  auto launch = gpu::LaunchOp::create(b, loc, blocks, batchGroups, c1, threads,
                                      c1, c1);

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  // The batch is the workgroup's (grid y), so every address of the other
  // operand's rows is the same in all its threads (a broadcast, and a
  // scalar load on lavapipe); grid x takes blocks of 64 x rowsPerThread
  // rows, thread t rows t, t + 64, ... of its block.
  scf::ForOp::create(
      b, loc, launch.getBlockIds().y, batches, launch.getGridSize().y,
      ValueRange{}, [&](OpBuilder &b, Location l, Value n, ValueRange) {
        batch.assign(batchSizes.size(), Value());
        SmallVector<int64_t> dims =
            llvm::to_vector(llvm::seq<int64_t>(0, batchSizes.size()));
        if (!batchSizes.empty())
          delinearize(b, l, n, dims, batchSizes, batch);
        Value first = arith::AddIOp::create(
            b, l,
            arith::MulIOp::create(b, l, launch.getBlockIds().x, rowsPerBlock),
            launch.getThreadIds().x);
        Value step =
            arith::MulIOp::create(b, l, launch.getGridSize().x, rowsPerBlock);
        Value last = arith::SubIOp::create(b, l, rowsPerBatch, idx(b, l, 1));
        scf::ForOp::create(
            b, l, first, rowsPerBatch, step, ValueRange{},
            [&](OpBuilder &b, Location l, Value row, ValueRange) {
              SmallVector<Value> rows, valid;
              for (int64_t r = 0; r < rowsPerThread; ++r) {
                Value at = arith::AddIOp::create(b, l, row,
                                                 idx(b, l, r * threadCount));
                valid.push_back(arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::ult, at, rowsPerBatch));
                rows.push_back(arith::MinUIOp::create(b, l, at, last));
              }
              buildRows(b, l, kind, rows, valid, otherCount, outs);
              scf::YieldOp::create(b, l);
            });
        scf::YieldOp::create(b, l);
      });
  gpu::TerminatorOp::create(b, loc);
}

void AttentionKernel::buildRows(OpBuilder &b, Location l, StringRef kind,
                                ArrayRef<Value> rows, ArrayRef<Value> valid,
                                Value otherCount, ValueRange outs) {
  Value c0 = idx(b, l, 0), c1 = idx(b, l, 1);
  Value scaleV = constF(b, l, scale), zero = constF(b, l, 0);
  int64_t n = rows.size();
  // Stores of row r only where it exists.
  auto storeRow = [&](int64_t r, llvm::function_ref<void(OpBuilder &)> body) {
    scf::IfOp::create(b, l, valid[r], [&](OpBuilder &b, Location l) {
      body(b);
      scf::YieldOp::create(b, l);
    });
  };
  auto add = [&](OpBuilder &b, Value x, Value y) -> Value {
    return arith::AddFOp::create(b, l, x, y);
  };
  auto mul = [&](OpBuilder &b, Value x, Value y) -> Value {
    return arith::MulFOp::create(b, l, x, y);
  };
  auto sub = [&](OpBuilder &b, Value x, Value y) -> Value {
    return arith::SubFOp::create(b, l, x, y);
  };
  auto exp = [&](OpBuilder &b, Value x) -> Value {
    return math::ExpOp::create(b, l, x);
  };

  if (kind == "forward" || kind == "lse") {
    // Per row, carried: m, l, acc[0..dv).
    bool forward = kind == "forward";
    int64_t chunk = 2 + (forward ? dv : 0);
    SmallVector<SmallVector<Value>> qs;
    SmallVector<Value> inits;
    for (int64_t r = 0; r < n; ++r) {
      qs.push_back(loadRow(b, l, q, rows[r], d, scaleV));
      inits.push_back(constF(b, l, -FLT_MAX));
      inits.append(chunk - 1, zero);
    }
    SmallVector<Value> result = buildGuardedLoop(
        b, l, c0, otherCount, c1, inits,
        [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
          SmallVector<Value> kj = loadRow(b, l, k, j, d), vj;
          if (forward)
            vj = loadRow(b, l, v, j, dv);
          SmallVector<Value> next;
          for (int64_t r = 0; r < n; ++r) {
            ValueRange a = acc.slice(r * chunk, chunk);
            Value s = score(b, l, qs[r], kj, rows[r], j);
            Value mNew = arith::MaximumFOp::create(b, l, a[0], s);
            Value corr = exp(b, sub(b, a[0], mNew));
            Value p = exp(b, sub(b, s, mNew));
            next.push_back(mNew);
            next.push_back(add(b, mul(b, a[1], corr), p));
            for (int64_t e = 0; e < chunk - 2; ++e)
              next.push_back(add(b, mul(b, a[2 + e], corr), mul(b, p, vj[e])));
          }
          return next;
        });
    for (int64_t r = 0; r < n; ++r)
      storeRow(r, [&](OpBuilder &b) {
        ArrayRef<Value> a = ArrayRef<Value>(result).slice(r * chunk, chunk);
        for (int64_t e = 0; e < chunk - 2; ++e)
          store(b, l, arith::DivFOp::create(b, l, a[2 + e], a[1]), outs[0],
                rows[r], idx(b, l, e));
        if (!forward || outs.size() == 2)
          store(b, l, add(b, a[0], math::LogOp::create(b, l, a[1])),
                outs.back(), rows[r], nullptr);
      });
    return;
  }

  if (kind == "grad_q") {
    SmallVector<SmallVector<Value>> qs, dO;
    SmallVector<Value> li, di;
    for (int64_t r = 0; r < n; ++r) {
      qs.push_back(loadRow(b, l, q, rows[r], d, scaleV));
      dO.push_back(loadRow(b, l, dout, rows[r], dv));
      li.push_back(load(b, l, lse, rows[r], nullptr));
      di.push_back(load(b, l, delta, rows[r], nullptr));
    }
    SmallVector<Value> result = buildGuardedLoop(
        b, l, c0, otherCount, c1, SmallVector<Value>(n * d, zero),
        [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
          SmallVector<Value> kj = loadRow(b, l, k, j, d);
          SmallVector<Value> vj = loadRow(b, l, v, j, dv);
          SmallVector<Value> next;
          for (int64_t r = 0; r < n; ++r) {
            Value p = exp(b, sub(b, score(b, l, qs[r], kj, rows[r], j), li[r]));
            Value ds = mul(b, p, sub(b, dot(b, l, dO[r], vj), di[r]));
            for (int64_t e = 0; e < d; ++e)
              next.push_back(add(b, acc[r * d + e], mul(b, ds, kj[e])));
          }
          return next;
        });
    for (int64_t r = 0; r < n; ++r)
      storeRow(r, [&](OpBuilder &b) {
        for (int64_t e = 0; e < d; ++e)
          store(b, l, mul(b, result[r * d + e], scaleV), outs[0], rows[r],
                idx(b, l, e));
      });
    return;
  }

  // grad_k, grad_v and both (grad_kv: dk into outs[0], dv into outs[1]):
  // key rows j, over the query rows i.
  bool wantK = kind != "grad_v", wantV = kind != "grad_k";
  int64_t width = (wantK ? d : 0) + (wantV ? dv : 0);
  SmallVector<SmallVector<Value>> ks, vs;
  for (int64_t r = 0; r < n; ++r) {
    ks.push_back(loadRow(b, l, k, rows[r], d, scaleV));
    if (wantK)
      vs.push_back(loadRow(b, l, v, rows[r], dv));
  }
  SmallVector<Value> result = buildGuardedLoop(
      b, l, c0, otherCount, c1, SmallVector<Value>(n * width, zero),
      [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
        SmallVector<Value> qi = loadRow(b, l, q, i, d);
        SmallVector<Value> dOi = loadRow(b, l, dout, i, dv);
        Value lseI = load(b, l, lse, i, nullptr);
        Value deltaI = wantK ? load(b, l, delta, i, nullptr) : Value();
        SmallVector<Value> next;
        for (int64_t r = 0; r < n; ++r) {
          ValueRange a = acc.slice(r * width, width);
          Value p = exp(b, sub(b, score(b, l, ks[r], qi, i, rows[r]), lseI));
          if (wantK) {
            Value ds = mul(b, p, sub(b, dot(b, l, dOi, vs[r]), deltaI));
            for (int64_t e = 0; e < d; ++e)
              next.push_back(add(b, a[e], mul(b, ds, qi[e])));
          }
          if (wantV)
            for (int64_t e = 0; e < dv; ++e)
              next.push_back(
                  add(b, a[(wantK ? d : 0) + e], mul(b, p, dOi[e])));
        }
        return next;
      });
  for (int64_t r = 0; r < n; ++r)
    storeRow(r, [&](OpBuilder &b) {
      ArrayRef<Value> a = ArrayRef<Value>(result).slice(r * width, width);
      for (int64_t e = 0; wantK && e < d; ++e)
        store(b, l, mul(b, a[e], scaleV), outs[0], rows[r], idx(b, l, e));
      for (int64_t e = 0; wantV && e < dv; ++e)
        store(b, l, a[(wantK ? d : 0) + e], outs.back(), rows[r],
              idx(b, l, e));
    });
}

/// The accesses of `op` for conflict checks: an attention kernel reads its
/// inputs and writes its outputs; anything else as accessOf says.
class Accesses {
public:
  const Access &operator()(Operation *op) {
    auto [it, inserted] = cache.try_emplace(op);
    if (!inserted)
      return it->second;
    if (auto kernel = dyn_cast<nnc::nn::AttentionKernelOp>(op)) {
      for (Value in : kernel.getInputs())
        it->second.reads.insert(rootOf(in));
      for (Value out : kernel.getOutputs()) {
        it->second.reads.insert(rootOf(out));
        it->second.writes.insert(rootOf(out));
      }
    } else {
      it->second = accessOf(op);
    }
    return it->second;
  }
  void forget(Operation *op) { cache.erase(op); }

private:
  llvm::DenseMap<Operation *, Access> cache;
};

/// `buffer`'s users other than those in `except` and deallocations: each
/// must read it as an input of an attention kernel or a linalg.generic in
/// `block`; false if one does anything else.
bool readersOf(Value buffer, ArrayRef<Operation *> except, Block *block,
               SmallVectorImpl<OpOperand *> &readers,
               SmallVectorImpl<Operation *> &frees) {
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (llvm::is_contained(except, user))
      continue;
    if (isa<memref::DeallocOp>(user)) {
      frees.push_back(user);
      continue;
    }
    if (user->getBlock() != block)
      return false;
    if (auto kernel = dyn_cast<nnc::nn::AttentionKernelOp>(user)) {
      if (use.getOperandNumber() >= kernel.getInputs().size())
        return false;
    } else if (auto g = dyn_cast<linalg::GenericOp>(user)) {
      if (!g.isDpsInput(&use))
        return false;
    } else {
      return false;
    }
    readers.push_back(&use);
  }
  return true;
}

/// The last of `ops` in their block.
Operation *lastOf(ArrayRef<Operation *> ops) {
  Operation *last = ops.front();
  for (Operation *op : ops)
    if (last->isBeforeInBlock(op))
      last = op;
  return last;
}

/// The frees of `root` (or of a view of it) after `from` up to `last`, which
/// must wait until after `last`; false if one is not directly in the block
/// (inside another op: it cannot move alone).
bool freesBetween(Operation *from, Operation *last, Value root,
                  SmallVectorImpl<Operation *> &frees) {
  bool movable = true;
  for (Operation *x = from->getNextNode(); x && x != last->getNextNode();
       x = x->getNextNode())
    x->walk([&](memref::DeallocOp f) {
      if (rootOf(f.getMemref()) != root)
        return;
      if (f.getOperation() == x)
        frees.push_back(x);
      else
        movable = false;
    });
  return movable;
}

/// Moves `frees` (in their order) after `last`.
void moveAfter(ArrayRef<Operation *> frees, Operation *last) {
  for (Operation *f : llvm::reverse(frees))
    f->moveAfter(last);
}

/// Makes linalg.generic `g` read `buffer` (dim k holding its old operand's
/// dim order[k]) where its operand `use` read the old operand.
void readThrough(linalg::GenericOp g, OpOperand *use, Value buffer,
                 ArrayRef<int64_t> order) {
  AffineMap old = g.getMatchingIndexingMap(use);
  SmallVector<AffineExpr> results;
  for (int64_t k : order)
    results.push_back(old.getResult(k));
  SmallVector<AffineMap> maps = g.getIndexingMapsArray();
  maps[use->getOperandNumber()] =
      AffineMap::get(old.getNumDims(), old.getNumSymbols(), results,
                     g.getContext());
  g.setIndexingMapsAttr(ArrayAttr::get(
      g.getContext(), llvm::map_to_vector(maps, [](AffineMap m) -> Attribute {
        return AffineMapAttr::get(m);
      })));
  use->set(buffer);
}

/// The heads' transposes around attention: q, k and v are written in
/// [B, T, H, D] and copied into [B, H, T, D] for the kernels, whose outputs
/// are copied back. An input copy that only attention kernels and
/// linalg.generic ops read goes: they read its source in its own order
/// (which nothing may write before the last of them; its frees move after
/// it). An output that one transpose copies out goes too: the kernel writes
/// the copy's destination in its order, and the output's other readers
/// (generics, kernels) read it there (nothing may touch the destination
/// between the kernel and the copy, nor write it before the last reader).
/// A buffer that kernels use in its own order, or in another order
/// already, is left alone. Returns the buffers the kernels address in
/// another order.
Layouts readInPlace(ArrayRef<nnc::nn::AttentionKernelOp> kernels) {
  Layouts layouts;
  Accesses accesses;
  auto accessFn = [&](Operation *x) -> const Access & { return accesses(x); };
  auto isTranspose = [](Operation *op) {
    auto t = dyn_cast<linalg::TransposeOp>(op);
    return t && t->getNumResults() == 0;
  };
  // Whether kernels may address `buffer` with dim k holding logical dim
  // order[k]: it has that order already, or no order and no kernel uses it
  // (in its own order).
  auto canAddress = [&](Value buffer, ArrayRef<int64_t> order) {
    auto it = layouts.find(buffer);
    if (it != layouts.end())
      return ArrayRef<int64_t>(it->second) == order;
    return llvm::none_of(buffer.getUsers(), [](Operation *user) {
      return isa<nnc::nn::AttentionKernelOp>(user);
    });
  };
  auto kernelAmong = [](ArrayRef<OpOperand *> uses) {
    return llvm::any_of(uses, [](OpOperand *u) {
      return isa<nnc::nn::AttentionKernelOp>(u->getOwner());
    });
  };
  // Whether one of `ops` writes `root`.
  auto writes = [&](ArrayRef<Operation *> ops, Value root) {
    return llvm::any_of(ops, [&](Operation *op) {
      const Access &a = accesses(op);
      return !a.known || a.writes.contains(root);
    });
  };
  // Replaces the reads `readers` of an old operand (dims in logical order)
  // by reads of `buffer` whose dim k holds logical dim order[k] (checked
  // with canAddress where a kernel is among them), recording that order.
  auto redirect = [&](ArrayRef<OpOperand *> readers, Value buffer,
                      ArrayRef<int64_t> order) {
    if (kernelAmong(readers))
      layouts.try_emplace(buffer, order);
    for (OpOperand *use : readers) {
      Operation *owner = use->getOwner();
      accesses.forget(owner);
      if (auto g = dyn_cast<linalg::GenericOp>(owner))
        readThrough(g, use, buffer, order);
      else
        use->set(buffer);
    }
  };

  // Inputs: copy = transpose(src, p), copy dim j = src dim p[j]; src dim
  // p[j] holds logical dim j.
  llvm::SetVector<Operation *> copies;
  for (nnc::nn::AttentionKernelOp kernel : kernels)
    for (Value in : kernel.getInputs())
      for (Operation *user : in.getUsers())
        if (isTranspose(user) &&
            cast<linalg::TransposeOp>(user).getInit() == in &&
            in.getDefiningOp<memref::AllocOp>())
          copies.insert(user);
  for (Operation *op : copies) {
    auto t = cast<linalg::TransposeOp>(op);
    Value copy = t.getInit(), src = t.getInput();
    SmallVector<OpOperand *> readers;
    SmallVector<Operation *> frees;
    if (!readersOf(copy, {t}, t->getBlock(), readers, frees) ||
        readers.empty())
      continue;
    SmallVector<Operation *> readerOps = llvm::map_to_vector(
        readers, [](OpOperand *u) { return u->getOwner(); });
    if (llvm::any_of(readerOps,
                     [&](Operation *r) { return r->isBeforeInBlock(t); }))
      continue;
    Operation *last = lastOf(readerOps);
    // Nothing up to the last reader (nor a reader) writes the source; its
    // frees can wait.
    Value root = rootOf(src);
    Access reads;
    reads.reads.insert(root);
    SmallVector<Operation *> srcFrees;
    if (!noConflictBetween(t, last, {}, reads, nullptr, accessFn) ||
        writes(readerOps, root) || !freesBetween(t, last, root, srcFrees))
      continue;
    ArrayRef<int64_t> p = t.getPermutation();
    SmallVector<int64_t> order(p.size());
    for (size_t j = 0; j < p.size(); ++j)
      order[p[j]] = int64_t(j);
    if (kernelAmong(readers) && !canAddress(src, order))
      continue;
    redirect(readers, src, order);
    moveAfter(srcFrees, last);
    Operation *alloc = copy.getDefiningOp();
    for (Operation *f : frees)
      f->erase();
    t->erase();
    alloc->erase();
  }

  // Outputs: dst = transpose(out, p), dst dim j = out dim p[j]: dst dim j
  // holds logical dim p[j].
  for (nnc::nn::AttentionKernelOp kernel : kernels)
    for (OpOperand &outUse : kernel.getOutputsMutable()) {
      Value out = outUse.get();
      auto alloc = out.getDefiningOp<memref::AllocOp>();
      if (!alloc)
        continue;
      // The one transpose copying it out, after the kernel.
      linalg::TransposeOp t;
      for (Operation *user : out.getUsers())
        if (isTranspose(user) && !t &&
            cast<linalg::TransposeOp>(user).getInput() == out &&
            user->getBlock() == kernel->getBlock() &&
            kernel->isBeforeInBlock(user))
          t = cast<linalg::TransposeOp>(user);
      if (!t)
        continue;
      // The destination must exist at the kernel: defined before it, or an
      // allocation that can move there.
      Value dst = t.getInit();
      auto later = [&](Value v) {
        Operation *def = v.getDefiningOp();
        return def && def->getBlock() == kernel->getBlock() &&
               !def->isBeforeInBlock(kernel);
      };
      auto dstAlloc = dst.getDefiningOp<memref::AllocOp>();
      if (later(dst) && (!dstAlloc || llvm::any_of(dstAlloc->getOperands(),
                                                    later)))
        continue;
      SmallVector<OpOperand *> readers;
      SmallVector<Operation *> frees;
      if (!readersOf(out, {kernel, t}, kernel->getBlock(), readers, frees))
        continue;
      SmallVector<Operation *> readerOps = llvm::map_to_vector(
          readers, [](OpOperand *u) { return u->getOwner(); });
      if (llvm::any_of(readerOps,
                       [&](Operation *r) { return r->isBeforeInBlock(kernel); }))
        continue;
      Operation *last = readerOps.empty() ? t : lastOf(readerOps);
      if (last->isBeforeInBlock(t))
        last = t;
      // Nothing between the kernel and the copy touches the destination,
      // nor does the kernel read it; nothing after the copy (nor a reader)
      // writes it before the last reader; its frees can wait.
      Value root = rootOf(dst);
      Access touches, reads;
      touches.writes.insert(root);
      reads.reads.insert(root);
      SmallVector<Operation *> dstFrees;
      if (!noConflictBetween(kernel, t, {}, touches, nullptr, accessFn) ||
          (t->isBeforeInBlock(last) &&
           !noConflictBetween(t, last, {}, reads, nullptr, accessFn)) ||
          accesses(kernel).reads.contains(root) || writes(readerOps, root) ||
          !freesBetween(kernel, last, root, dstFrees))
        continue;
      ArrayRef<int64_t> p = t.getPermutation();
      SmallVector<int64_t> order(p.begin(), p.end());
      if (!canAddress(dst, order))
        continue;
      layouts.try_emplace(dst, order);
      redirect(readers, dst, order);
      if (later(dst))
        dstAlloc->moveBefore(kernel);
      outUse.set(dst);
      accesses.forget(kernel);
      moveAfter(dstFrees, last);
      for (Operation *f : frees)
        f->erase();
      t->erase();
      alloc->erase();
    }
  return layouts;
}

struct NNCGpuAttentionPass
    : nnc::impl::NNCGpuAttentionBase<NNCGpuAttentionPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<nnc::nn::AttentionKernelOp> kernels;
    getOperation()->walk([&](nnc::nn::AttentionKernelOp op) {
      kernels.push_back(op);
    });
    Layouts layouts = readInPlace(kernels);
    for (nnc::nn::AttentionKernelOp op : kernels) {
      if (op.getNumResults() != 0) {
        op.emitError("nnc-gpu-attention: the kernel is not bufferized");
        return signalPassFailure();
      }
      // dk and dv: one kernel with several rows a thread; with one (CUDA)
      // two, each keeping fewer registers.
      ValueRange outs = op.getOutputs();
      if (op.getKind() == "grad_kv" && rowsPerThread == 1) {
        AttentionKernel(op, rowsPerThread, layouts).build("grad_k", outs.take_front());
        AttentionKernel(op, rowsPerThread, layouts).build("grad_v", outs.drop_front());
      } else {
        AttentionKernel(op, rowsPerThread, layouts).build(op.getKind(), outs);
      }
      op->erase();
    }
  }
};

} // namespace
