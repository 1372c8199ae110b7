//===- ContractionToGpu.cpp - convolutions as implicit GEMM on the gpu ----===//
//
// `nnc-gpu-tile-contraction`: a linalg op on memrefs that reads two inputs
// and folds them over one or more reduction loops into one output (the
// convolutions, their gradients, matmuls) is a matrix product once its
// loops are grouped: M = the parallel loops only input A reads, N = those
// only input B reads, K = the reduction loops, each group flattened
// row-major; the parallel loops both read (samples of a per-sample product,
// conv groups) index the grid's z. Indexing maps may be any affine
// expressions (ho * stride + kh * dilation): addresses are computed from
// the loop indices, nothing is materialized (implicit GEMM).
//
// Each thread owns a register tile of RM rows x RN columns; the RM rows are
// the same for the whole workgroup, so every A element a thread reads at
// step k is the one all its neighbours read (a broadcast, one scalar load
// on lavapipe), and each B element it reads feeds RM products. On lavapipe
// this beats staging 4x4-per-thread tiles through workgroup memory by 1.9x
// (the CNN step, B=64): a load whose address differs per lane costs a loop
// over the lanes there, and staging adds a store and a reload per element.
// Each output folds its k in order with the op's own body, so it equals the
// naive kernel's bit for bit.
//
// Workgroup tiles (option `workgroup-tiles`, CUDA's kernels): 16 x 16
// threads share a block of up to 128 x 128 outputs, each thread owning up
// to 8 x 8 of them (rows ty + 16 i, columns tx + 16 j). The K loop walks
// tiles of 8 or 16 steps: all threads load the tile's A and B elements
// (k fastest where the operand's innermost dim follows the innermost K
// loop, so neighbours read neighbouring addresses) into registers, store
// them to workgroup memory between two barriers, and fold them from there,
// A once per row and B once per column of the thread; the next tile's
// loads are issued before the current tile is folded. On CUDA the register
// tiles above need 256 accumulators per thread, beyond the 255 registers a
// thread has (ptxas spills them); the workgroup tiles need at most 64.
//
// Epilogue: the elementwise generics after the op that nnc-fuse-regions
// marked with the op's `nnc.epilogue_group` (bias, activation, residual,
// the ReLU mask of a backward matmul, Adam's update of a weight from its
// gradient) run in the same kernel on each output while it is still in a
// register: each reads the output (and the values earlier ones computed) at
// its own indices, anything else from memory through its maps. A value is
// stored only where it is used after the group (the output of a matmul that
// only its bias-add reads is never written).
//
// Side sum: a reduction that adds up one input of the contraction over
// exactly its K loops (a bias gradient, the sum of the output gradient that
// its weight gradient also reads) runs in the same kernel as one more
// output column (summing A: B is 1 there) or row (summing B: A is 1 there):
// acc + a * 1 is acc + a, so it folds its k in order too, and the input is
// not read a second time.
//
// Prologue: an input that an elementwise op computes for this kernel alone
// (nothing else reads it: the cotangent that max-pool's backward and the
// ReLU mask give the first convolution's weight gradient) is never stored:
// the kernel computes each element it would load from the op's inputs, as
// long as no more than kMaxRecompute workgroups load the same element. With
// workgroup tiles the prologue may be shared: other ops read the producer's
// output too, each contraction among them computes it (also through a
// padded buffer's copy), and the producer goes with its last reader.
//
//===----------------------------------------------------------------------===//
#include "codegen/common/Passes.h"
#include "codegen/gpu/KernelUtils.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

namespace nnc {
#define GEN_PASS_DEF_NNCGPUTILECONTRACTION
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::gpu_kernel;

namespace {

/// Rows (M) and columns (N) of a thread's register tile, and threads per
/// workgroup at most (a warp on CUDA). On lavapipe (the CNN step, B=64),
/// 32 x 8 with 16 or 32 threads was the fastest of 4..32 x 1..16 with
/// 16..64 threads; 16 x 8 was 10% slower.
constexpr int64_t kRegM = 32;
constexpr int64_t kRegN = 8;
constexpr int64_t kMaxThreads = 32;

/// Workgroup tiles (pass option `workgroup-tiles`, the CUDA kernels): 16 x
/// 16 threads, each owning up to kWgRegM x kWgRegN outputs; K-tiles of
/// kWgTileK steps (16 where a thread's tile is smaller than 8 x 8), rows of
/// workgroup memory padded by kWgPad elements so that the threads storing
/// consecutive k of one row hit different banks.
constexpr int64_t kWgThreads = 16;
constexpr int64_t kWgRegM = 8;
constexpr int64_t kWgRegN = 8;
constexpr int64_t kWgTileK = 8;
constexpr int64_t kWgPad = 4;

/// The shape of a contraction's kernel: tx x ty threads, each owning tm rows
/// (ty + i * ty-count) and tn columns (tx + j * tx-count, or tx * tn + j
/// with a pool epilogue); bk > 0 stages K-tiles of bk steps of A and B in
/// workgroup memory, bk = 0 reads them from memory (register tiles: one row
/// of threads, A's element the same for all of them).
struct Tiling {
  int64_t tx, ty, tm, tn, bk;
  int64_t blockM() const { return ty * tm; }
  int64_t blockN() const { return tx * tn; }
};

/// Split-K: a contraction with at most kSplitOutputs outputs (static, no
/// batch loops) and a long K (at least kSplitMinK, a dynamic batch counted
/// as kAssumedBatch: a conv's weight gradient, not a dense layer's) runs as
/// kSplits slices of K on the grid's z, each writing its partial sums, and
/// a second kernel that adds the slices in order and runs the epilogue (a
/// weight gradient: 12800 outputs over N Ho Wo products would otherwise
/// keep two workgroups busy).
constexpr int64_t kSplitOutputs = 1 << 16;
constexpr int64_t kSplitMinK = 1 << 13;
constexpr int64_t kSplits = 32;
constexpr int64_t kAssumedBatch = 256;
constexpr int64_t kSumThreads = 256;

/// A prologue (see the file comment) is computed by at most this many
/// workgroups per element: the row groups for B, the column groups for A.
constexpr int64_t kMaxRecompute = 2;
/// With workgroup tiles, whose threads load each element of a tile once:
/// conv2's cotangent is computed by the 4 column groups of its weight
/// gradient (N = 16 * 5 * 5 + 1 in blocks of 128).
constexpr int64_t kMaxRecomputeWorkgroup = 4;

/// Which loops of the op play which role, each list outer to inner.
struct ContractionDims {
  int64_t lhs, rhs; // operand numbers of A (reads the M loops) and B (N)
  SmallVector<int64_t> m, n, k, batch;
};

/// The product of the static sizes of `dims`, or kDynamic.
int64_t staticProduct(ArrayRef<int64_t> sizes, ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    if (ShapedType::isDynamic(sizes[d]))
      return ShapedType::kDynamic;
    p *= sizes[d];
  }
  return p;
}

/// Whether `map` reads loop `dim`.
bool reads(AffineMap map, int64_t dim) { return map.isFunctionOfDim(dim); }

FailureOr<ContractionDims> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0 || !hasScalarBody(op))
    return failure();
  Block *body = op.getBlock();
  SmallVector<int64_t> read;
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (!isa<MemRefType>(input->get().getType()))
      return failure();
    if (!body->getArgument(input->getOperandNumber()).use_empty())
      read.push_back(input->getOperandNumber());
  }
  if (read.size() != 2)
    return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (llvm::any_of(maps, [](AffineMap m) { return m.getNumSymbols() != 0; }))
    return failure();
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap out = maps[init->getOperandNumber()];
  if (out.getNumResults() == 0 || !out.isProjectedPermutation())
    return failure();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (auto [d, it] : llvm::enumerate(iterators))
    if ((it == utils::IteratorType::parallel) != reads(out, d))
      return failure();

  // B is the input that reads the output's innermost dim, so that
  // neighbouring threads store neighbouring elements.
  int64_t inner = out.getDimPosition(out.getNumResults() - 1);
  for (auto [a, b] : {std::pair{read[0], read[1]}, {read[1], read[0]}}) {
    if (!reads(maps[b], inner) || reads(maps[a], inner))
      continue;
    ContractionDims dims;
    dims.lhs = a;
    dims.rhs = b;
    for (unsigned i = 0; i < out.getNumResults(); ++i) {
      int64_t d = out.getDimPosition(i);
      bool byA = reads(maps[a], d), byB = reads(maps[b], d);
      (byA && !byB ? dims.m : byB && !byA ? dims.n : dims.batch).push_back(d);
    }
    for (auto [d, it] : llvm::enumerate(iterators))
      if (it == utils::IteratorType::reduction)
        dims.k.push_back(d);
    if (dims.m.empty())
      continue;
    return dims;
  }
  return failure();
}

/// `v` without an arith.extf of a block argument around it (the widening of
/// an f16/bf16 element to its f32 accumulator).
Value unextended(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtFOp>();
      ext && isa<BlockArgument>(ext.getIn()))
    return ext.getIn();
  return v;
}

/// Whether the contraction's body is `acc + a * b` (either order in both),
/// a and b each perhaps widened first (f16/bf16 elements, f32 acc).
bool isMulAdd(linalg::LinalgOp op, const ContractionDims &dims) {
  Block *body = op.getBlock();
  FailureOr<Combiner> combiner = matchCombiner(op);
  if (failed(combiner) || combiner->kind != arith::AtomicRMWKind::addf)
    return false;
  auto mul = dyn_cast_or_null<arith::MulFOp>(
      combiner->op->getOperand(1 - combiner->accOperand).getDefiningOp());
  if (!mul || mul->getBlock() != body)
    return false;
  // Nothing else: the mul, the add, the yield and the widenings.
  int64_t widened = (mul.getLhs() != unextended(mul.getLhs())) +
                    (mul.getRhs() != unextended(mul.getRhs()));
  if (int64_t(body->getOperations().size()) != 3 + widened)
    return false;
  Value a = body->getArgument(dims.lhs), b = body->getArgument(dims.rhs);
  Value l = unextended(mul.getLhs()), r = unextended(mul.getRhs());
  return (l == a && r == b) || (l == b && r == a);
}

/// A reduction the contraction's kernel computes too (see the file
/// comment): `sum` adds up input A (`overA`; B is 1 in the extra column
/// n = N) or B (A is 1 in the extra row m = M) over the K loops.
struct SideSum {
  linalg::GenericOp sum;
  bool overA = true;
  Value out;
  linalg::FillOp fill; // of `out` before `sum`, or null (out's value is read)
  Value init;          // the fill's value, or null
  AffineMap outMap;    // sum's map of `out`
  /// Per loop of `sum`: the contraction loop it runs with.
  SmallVector<int64_t> loopOf;

  /// Indices of `out` for the contraction's loop values `loops`.
  SmallVector<Value> indices(OpBuilder &b, Location l,
                             ArrayRef<Value> loops) const {
    SmallVector<Value> own =
        llvm::map_to_vector(loopOf, [&](int64_t c) { return loops[c]; });
    return indicesOf(b, l, outMap, own);
  }
};

/// M and N with a side sum's row (summing B) or column (summing A) added.
std::pair<Value, Value> withSideSum(OpBuilder &b, Location l,
                                    const std::optional<SideSum> &side,
                                    Value m, Value n) {
  if (!side)
    return {m, n};
  Value one = arith::ConstantIndexOp::create(b, l, 1);
  if (side->overA)
    return {m, arith::AddIOp::create(b, l, n, one)};
  return {arith::AddIOp::create(b, l, m, one), n};
}

/// The side sum of contraction `op` whose kernel runs at `at` and replaces
/// the ops of `group`, or nullopt: a generic before `at` in op's block, not
/// in an epilogue group, whose one input is op's A (or B) itself and whose
/// body is `yield in + acc` in op's accumulator type (`in` widened to it
/// where the contraction widens it too: f16/bf16 elements, f32 sums, as
/// exact as the contraction's own `acc + a * 1`); its input map a
/// permutation of its loops, each of which is one loop of op's map of that
/// input, its parallel loops op's M (N) loops and its reduction loops op's K
/// loops, every one of them, and its output indexed by all its parallel
/// loops. Nothing between it and `at` but the group may touch its output or
/// write its input (both then read the same values at `at`), nor may the
/// group touch its output.
std::optional<SideSum> matchSideSum(linalg::LinalgOp op,
                                    const ContractionDims &dims,
                                    Operation *at,
                                    ArrayRef<Operation *> group) {
  if (!dims.batch.empty() || !isMulAdd(op, dims))
    return std::nullopt;
  Type et =
      cast<MemRefType>(op.getDpsInitOperand(0)->get().getType()).getElementType();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (bool overA : {true, false}) {
    int64_t operand = overA ? dims.lhs : dims.rhs;
    Value input = op->getOperand(operand);
    AffineMap map = maps[operand];
    ArrayRef<int64_t> own = overA ? dims.m : dims.n;
    Type inputType = cast<MemRefType>(input.getType()).getElementType();
    if ((inputType != et && (!isa<FloatType>(inputType) ||
                             !isa<FloatType>(et) ||
                             inputType.getIntOrFloatBitWidth() >=
                                 et.getIntOrFloatBitWidth())) ||
        !map.isProjectedPermutation(/*allowZeroInResults=*/false) ||
        map.getNumResults() != own.size() + dims.k.size())
      continue;
    for (Operation *user : input.getUsers()) {
      auto sum = dyn_cast<linalg::GenericOp>(user);
      if (!sum || sum->getBlock() != op->getBlock() ||
          !sum->isBeforeInBlock(at) || llvm::is_contained(group, user) ||
          sum->hasAttr(nnc::kEpilogueGroupAttr) ||
          !sum.hasPureBufferSemantics() || sum.getNumDpsInputs() != 1 ||
          sum.getNumDpsInits() != 1 ||
          sum.getDpsInputOperand(0)->get() != input || !hasScalarBody(sum))
        continue;
      Block *body = sum.getBlock();
      FailureOr<Combiner> combiner = matchCombiner(sum);
      // `acc + in`, or `acc + extf(in)` for a narrower input.
      size_t ops = inputType == et ? 2 : 3;
      if (body->getOperations().size() != ops || failed(combiner) ||
          combiner->kind != arith::AtomicRMWKind::addf)
        continue;
      Value added = combiner->op->getOperand(1 - combiner->accOperand);
      if ((inputType == et ? added : unextended(added)) !=
              body->getArgument(0) ||
          added.getType() != et)
        continue;
      Value out = sum.getDpsInitOperand(0)->get();
      if (cast<MemRefType>(out.getType()).getElementType() != et)
        continue;
      AffineMap inMap = sum.getMatchingIndexingMap(sum.getDpsInputOperand(0));
      AffineMap outMap = sum.getMatchingIndexingMap(sum.getDpsInitOperand(0));
      if (!inMap.isPermutation() || !outMap.isProjectedPermutation())
        continue;
      SmallVector<utils::IteratorType> iterators = sum.getIteratorTypesArray();
      SideSum side{sum, overA, out, linalg::FillOp(), Value(), outMap, {}};
      bool ok = true;
      for (unsigned r = 0; r < sum.getNumLoops() && ok; ++r) {
        int64_t c = map.getDimPosition(*inMap.getResultPosition(
            getAffineDimExpr(r, op->getContext())));
        bool parallel = iterators[r] == utils::IteratorType::parallel;
        ok = llvm::is_contained(parallel ? own : ArrayRef(dims.k), c) &&
             parallel == reads(outMap, r);
        side.loopOf.push_back(c);
      }
      if (!ok)
        continue;
      // It can run at `at`.
      Value outRoot = rootOf(out);
      Access access;
      access.reads.insert(rootOf(input));
      access.writes.insert(outRoot);
      llvm::DenseSet<Value> used{rootOf(input), outRoot};
      // A sum of narrower elements is rounded right after it (a generic
      // that only converts `out`, which is then freed): the rounding and
      // the free wait until after the kernel, if nothing up to `at` touches
      // what the rounding writes.
      SmallVector<Operation *> late;
      if (inputType != et)
        for (Operation *x = sum->getNextNode(); x && x != at;
             x = x->getNextNode()) {
          auto round = dyn_cast<linalg::GenericOp>(x);
          if (round && round.hasPureBufferSemantics() &&
              isa_and_nonnull<arith::TruncFOp>(nnc::floatCastOf(round)) &&
              round.getDpsInputOperand(0)->get() == out &&
              !llvm::is_contained(group, x)) {
            Access mine = accessOf(x);
            Access atAccess = accessOf(at);
            llvm::DenseSet<Value> written{
                rootOf(round.getDpsInitOperand(0)->get())};
            if (mine.known && atAccess.known &&
                noConflictBetween(x, at, {}, mine, &written) &&
                !conflicts(atAccess, mine))
              late.push_back(x);
            continue;
          }
          auto free = dyn_cast<memref::DeallocOp>(x);
          if (free && rootOf(free.getMemref()) == outRoot && !late.empty())
            late.push_back(x);
        }
      SmallVector<Operation *> skip(group.begin(), group.end());
      skip.append(late.begin(), late.end());
      if (!noConflictBetween(sum, at, skip, access, &used))
        continue;
      if (llvm::any_of(group, [&](Operation *x) {
            Access a = accessOf(x);
            return !a.known || a.reads.contains(outRoot) ||
                   a.writes.contains(outRoot);
          }))
        continue;
      side.fill = fillBefore(sum, out);
      if (side.fill)
        side.init = side.fill.getInputs()[0];
      for (Operation *x : llvm::reverse(late))
        x->moveAfter(at);
      return side;
    }
  }
  return std::nullopt;
}

/// The elementwise ops a contraction's kernel runs on its outputs: the
/// generics after it in its epilogue group (see the file comment).
struct Epilogue {
  SmallVector<linalg::GenericOp> ops;
  /// Per op, per DPS input: the buffer a member wrote it to (a register in
  /// the kernel), or null (read from memory through the op's map).
  SmallVector<SmallVector<Value>> fromMember;
  /// Per op, per init: its value is used after the group (stored).
  SmallVector<SmallVector<bool>> stored;
  bool storeOut = true; // the contraction's own output
  Operation *last = nullptr;
};

void markStored(Epilogue &e, linalg::LinalgOp op, Value out, Operation *fill,
                ArrayRef<Operation *> more = {});

/// The epilogue of contraction `op` (writing `out`, initialized by `fill`
/// when not null); empty when it has none or the kernel cannot take it.
Epilogue matchEpilogue(linalg::LinalgOp op, Value out, Operation *fill) {
  Epilogue none;
  auto id = op->getAttrOfType<IntegerAttr>(nnc::kEpilogueGroupAttr);
  if (!id)
    return none;
  Epilogue e;
  // Only host work may sit between the contraction and its last epilogue op.
  bool otherWork = false;
  for (Operation *next = op->getNextNode(); next; next = next->getNextNode()) {
    if (next->getAttrOfType<IntegerAttr>(nnc::kEpilogueGroupAttr) != id) {
      otherWork |= !isHostWork(next);
      continue;
    }
    auto generic = dyn_cast<linalg::GenericOp>(next);
    if (!generic || otherWork)
      return none;
    e.ops.push_back(generic);
  }
  if (e.ops.empty())
    return none;
  e.last = e.ops.back();

  int64_t rank = cast<MemRefType>(out.getType()).getRank();
  llvm::DenseSet<Value> inputRoots;
  for (OpOperand *input : op.getDpsInputOperands())
    if (isa<MemRefType>(input->get().getType()))
      inputRoots.insert(rootOf(input->get()));
  // The buffers the group has written so far (a register each) and those
  // it read from memory at other threads' indices.
  llvm::DenseMap<Value, Value> written{{rootOf(out), out}};
  llvm::DenseSet<Value> readElsewhere;
  for (linalg::GenericOp g : e.ops) {
    if (!g.hasPureBufferSemantics() || g.getNumReductionLoops() != 0 ||
        !hasScalarBody(g) || g.getNumLoops() != unsigned(rank))
      return none;
    SmallVector<Value> from;
    for (OpOperand *input : g.getDpsInputOperands()) {
      Value v = input->get();
      Value member;
      AffineMap map = g.getMatchingIndexingMap(input);
      if (isa<MemRefType>(v.getType())) {
        auto it = written.find(rootOf(v));
        if (it != written.end()) {
          // In a register: only the thread's own element, unviewed.
          if (it->second != v || !readsOwnElement(map, v))
            return none;
          member = v;
        } else if (!readsOwnElement(map, v)) {
          readElsewhere.insert(rootOf(v));
        }
      }
      from.push_back(member);
    }
    for (OpOperand &init : g.getDpsInitsMutable()) {
      if (!readsOwnElement(g.getMatchingIndexingMap(&init), init.get()))
        return none;
      Value root = rootOf(init.get());
      // Another thread reads it, or the contraction does: no writing it.
      if (readElsewhere.contains(root) || inputRoots.contains(root))
        return none;
      written[root] = init.get();
    }
    e.fromMember.push_back(std::move(from));
  }
  markStored(e, op, out, fill);
  return e;
}

/// Marks the outputs of contraction `op` (writing `out`, initialized by
/// `fill` when not null) and of its epilogue `e` that ops outside the group
/// (and `more`, ops the kernel also replaces) read: each is stored by its
/// last writer.
void markStored(Epilogue &e, linalg::LinalgOp op, Value out, Operation *fill,
                ArrayRef<Operation *> more) {
  llvm::DenseSet<Operation *> group(e.ops.begin(), e.ops.end());
  group.insert(op);
  if (fill)
    group.insert(fill);
  group.insert(more.begin(), more.end());
  e.stored.clear();
  llvm::DenseMap<Value, std::pair<int64_t, int64_t>> lastWriter;
  for (auto [i, g] : llvm::enumerate(e.ops))
    for (auto [r, init] : llvm::enumerate(g.getDpsInits()))
      lastWriter[rootOf(init)] = {int64_t(i), int64_t(r)};
  for (auto [i, g] : llvm::enumerate(e.ops)) {
    SmallVector<bool> stored;
    for (auto [r, init] : llvm::enumerate(g.getDpsInits())) {
      Value root = rootOf(init);
      stored.push_back(lastWriter[root] == std::pair{int64_t(i), int64_t(r)} &&
                       usedOutside(root, group));
    }
    e.stored.push_back(std::move(stored));
  }
  Value outRoot = rootOf(out);
  e.storeOut = !lastWriter.count(outRoot) && usedOutside(outRoot, group);
}

/// Stores one output `sum` at the output's indices `idx` where it is used
/// after the group, then runs the epilogue on it (inside the guard of a
/// valid output): each op's body on the registers and loads, its values
/// stored where used after the group. Returns the value the group wrote to
/// `want` (`out` or an epilogue op's output), if given.
Value emitEpilogue(OpBuilder &b, Location l, const Epilogue &e, Value out,
                   Value sum, ArrayRef<Value> idx, Value want = nullptr) {
  if (e.storeOut)
    memref::StoreOp::create(b, l, sum, out, idx);
  llvm::DenseMap<Value, Value> registers{{out, sum}};
  for (size_t i = 0; i < e.ops.size(); ++i) {
    linalg::GenericOp g = e.ops[i];
    ArrayRef<Value> from = e.fromMember[i];
    ArrayRef<bool> stored = e.stored[i];
    SmallVector<Value> args;
    for (auto [input, member] : llvm::zip(g.getDpsInputOperands(), from)) {
      Value v = input->get();
      if (member)
        args.push_back(registers.lookup(member));
      else if (!isa<MemRefType>(v.getType()))
        args.push_back(v);
      else
        args.push_back(memref::LoadOp::create(
            b, l, v, applyMap(b, l, g.getMatchingIndexingMap(input), idx)));
    }
    Block *body = g.getBlock();
    for (OpOperand &init : g.getDpsInitsMutable()) {
      Value v = init.get();
      Type et = cast<MemRefType>(v.getType()).getElementType();
      if (body->getArgument(init.getOperandNumber()).use_empty())
        args.push_back(arith::ConstantOp::create(b, l, b.getZeroAttr(et)));
      else if (Value r = registers.lookup(v))
        args.push_back(r);
      else
        args.push_back(memref::LoadOp::create(b, l, v, idx));
    }
    SmallVector<Value> results = cloneBody(b, g, args);
    for (auto [init, value, store] :
         llvm::zip(g.getDpsInits(), results, stored)) {
      registers[init] = value;
      if (store)
        memref::StoreOp::create(b, l, value, init, idx);
    }
  }
  return want ? registers.lookup(want) : Value();
}

/// A 2x2, stride 2 max pool of what the kernel's group computes last (a
/// convolution + bias + ReLU, then max_pool2d): the kernel runs each thread
/// on whole windows (its columns are numbered window by window) and stores
/// the pooled values too, so nothing reads the activation again to pool it
/// (nor stores it, where only the pool read it).
struct PoolEpilogue {
  linalg::PoolingNchwMaxOp pool;
  Value input;          // what it pools: `out` or an epilogue op's output
  Value out;            // the pooled values
  linalg::FillOp fill;  // of `out` before the pool, or null
  Value init;           // the fill's value, or null (out's values are read)
  int64_t rows, cols;   // of the pooled image (static)
  SmallVector<Operation *> hostWork; // between the kernel and the pool
};

/// The pool epilogue of contraction `op` (writing `out`, epilogue `e`, the
/// kernel at `at`), or nullopt: the output is NCHW over the loops (N0, M,
/// N1, N2) with N1, N2 static and even; a linalg.pooling_nchw_max with 2x2
/// windows, stride 2, no dilation, reads the group's last value after `at`
/// with only host work (and the pool's fill) in between.
std::optional<PoolEpilogue> matchPoolEpilogue(linalg::LinalgOp op,
                                              const ContractionDims &dims,
                                              const Epilogue &e, Value out,
                                              Operation *at) {
  if (!dims.batch.empty() || dims.m.size() != 1 || dims.n.size() != 3)
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() != 4 ||
      outMap.getDimPosition(0) != unsigned(dims.n[0]) ||
      outMap.getDimPosition(1) != unsigned(dims.m[0]) ||
      outMap.getDimPosition(2) != unsigned(dims.n[1]) ||
      outMap.getDimPosition(3) != unsigned(dims.n[2]))
    return std::nullopt;
  Value input = out;
  if (!e.ops.empty()) {
    linalg::GenericOp last = e.ops.back();
    if (last.getNumDpsInits() != 1)
      return std::nullopt;
    input = last.getDpsInits()[0];
  }
  auto type = dyn_cast<MemRefType>(input.getType());
  if (!type || type.getRank() != 4 || ShapedType::isDynamic(type.getDimSize(2)) ||
      ShapedType::isDynamic(type.getDimSize(3)) || type.getDimSize(2) % 2 ||
      type.getDimSize(3) % 2)
    return std::nullopt;
  for (Operation *user : input.getUsers()) {
    auto pool = dyn_cast<linalg::PoolingNchwMaxOp>(user);
    if (!pool || pool->getBlock() != op->getBlock() ||
        !at->isBeforeInBlock(pool) || pool.getInputs()[0] != input ||
        !pool.hasPureBufferSemantics() ||
        !llvm::all_of(pool.getStrides().getValues<int64_t>(),
                      [](int64_t v) { return v == 2; }) ||
        !llvm::all_of(pool.getDilations().getValues<int64_t>(),
                      [](int64_t v) { return v == 1; }))
      continue;
    auto window = dyn_cast<MemRefType>(pool.getInputs()[1].getType());
    auto pooled = dyn_cast<MemRefType>(pool.getOutputs()[0].getType());
    if (!window || window.getShape() != ArrayRef<int64_t>{2, 2} || !pooled ||
        pooled.getElementType() != type.getElementType() ||
        pooled.getShape() != ArrayRef<int64_t>{type.getDimSize(0),
                                               type.getDimSize(1),
                                               type.getDimSize(2) / 2,
                                               type.getDimSize(3) / 2})
      continue;
    // Its body folds the pixel itself into the running value.
    FailureOr<Combiner> combiner = matchCombiner(pool);
    if (failed(combiner) ||
        combiner->op->getOperand(1 - combiner->accOperand) !=
            pool.getBlock()->getArgument(0))
      continue;
    PoolEpilogue p;
    p.pool = pool;
    p.input = input;
    p.out = pool.getOutputs()[0];
    p.rows = pooled.getDimSize(2);
    p.cols = pooled.getDimSize(3);
    p.fill = fillBefore(pool, p.out);
    if (p.fill)
      p.init = p.fill.getInputs()[0];
    bool ok = true;
    for (Operation *x = at->getNextNode(); x != pool && ok; x = x->getNextNode()) {
      if (x == p.fill.getOperation())
        continue;
      ok = isHostWork(x);
      if (!isa<memref::DeallocOp>(x))
        p.hostWork.push_back(x);
    }
    if (ok)
      return p;
  }
  return std::nullopt;
}

/// The op's body on (a, b, acc) at `b`; the inputs it never reads
/// (shape-only operands) stay unmapped.
Value foldOne(OpBuilder &b, linalg::LinalgOp op, const ContractionDims &dims,
              Value a, Value bv, Value acc) {
  Block *body = op.getBlock();
  IRMapping map;
  map.map(body->getArgument(dims.lhs), a);
  map.map(body->getArgument(dims.rhs), bv);
  map.map(body->getArgument(op.getDpsInitOperand(0)->getOperandNumber()), acc);
  for (Operation &inner : body->without_terminator())
    b.clone(inner, map);
  return map.lookupOrDefault(body->getTerminator()->getOperand(0));
}

/// An input buffer that holds `value` everywhere except a strided window
/// that is a copy of `src`: what a zero-padded input (tensor.pad) and a
/// cotangent stuffed with zeros between its rows (a strided
/// tensor.insert_slice) bufferize to: alloc, fill, copy into a subview. The
/// kernel reads `src` where the window holds it and `value` elsewhere, so
/// the padded buffer, its fill and its copy need not exist.
struct Padded {
  memref::AllocOp alloc;
  Operation *fill = nullptr, *copy = nullptr;
  memref::SubViewOp window;
  Value src;
  arith::ConstantOp value;
  /// Per dim: where the window starts, its step, src's (static) size, and
  /// whether reads need a range check (false where the window is the dim).
  SmallVector<int64_t> offsets, strides, sizes;
  SmallVector<bool> checked;
};

/// The constant a fill of `buffer` writes everywhere: a linalg.fill, or a
/// linalg.map / generic with no inputs that yields a constant.
arith::ConstantOp fillValue(Operation *op, Value buffer) {
  if (auto fill = dyn_cast<linalg::FillOp>(op))
    return fill.getOutputs()[0] == buffer
               ? fill.getInputs()[0].getDefiningOp<arith::ConstantOp>()
               : arith::ConstantOp();
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumDpsInputs() != 0 ||
      linalgOp.getNumDpsInits() != 1 || linalgOp.getDpsInits()[0] != buffer ||
      !linalgOp.getBlock() ||
      !linalgOp.getBlock()->without_terminator().empty())
    return arith::ConstantOp();
  Value yielded = linalgOp.getBlock()->getTerminator()->getOperand(0);
  return yielded.getDefiningOp<arith::ConstantOp>();
}

/// `operand` of contraction `op` as a Padded buffer, or nullopt: an alloc in
/// op's block whose users are one fill, one subview whose only user is a
/// copy from `src`, deallocs and ops that only read it; fill before copy
/// before op, and nothing between the copy and `at` (where the kernel will
/// run) writes src.
std::optional<Padded> matchPadded(Value operand, linalg::LinalgOp op,
                                  Operation *at) {
  Padded p;
  p.alloc = operand.getDefiningOp<memref::AllocOp>();
  if (!p.alloc || p.alloc->getBlock() != op->getBlock())
    return std::nullopt;
  for (Operation *user : p.alloc->getUsers()) {
    if (isa<memref::DeallocOp>(user))
      continue;
    if (auto window = dyn_cast<memref::SubViewOp>(user)) {
      if (p.window || !window->hasOneUse())
        return std::nullopt;
      p.window = window;
      continue;
    }
    if (arith::ConstantOp value = fillValue(user, operand)) {
      if (p.fill)
        return std::nullopt;
      p.fill = user;
      p.value = value;
      continue;
    }
    auto reader = dyn_cast<linalg::LinalgOp>(user);
    if (!reader || llvm::is_contained(reader.getDpsInits(), operand))
      return std::nullopt;
  }
  if (!p.fill || !p.window)
    return std::nullopt;
  Operation *copy = *p.window->getUsers().begin();
  if (auto c = dyn_cast<linalg::CopyOp>(copy);
      c && c.getOutputs()[0] == p.window.getResult())
    p.src = c.getInputs()[0];
  else if (auto c = dyn_cast<memref::CopyOp>(copy);
           c && c.getTarget() == p.window.getResult())
    p.src = c.getSource();
  if (!p.src)
    return std::nullopt;
  p.copy = copy;
  if (p.fill->getBlock() != op->getBlock() ||
      copy->getBlock() != op->getBlock() ||
      !p.fill->isBeforeInBlock(copy) || !copy->isBeforeInBlock(op))
    return std::nullopt;
  // The window: static offsets and strides, src's shape.
  auto srcType = cast<MemRefType>(p.src.getType());
  auto allocType = p.alloc.getType();
  ArrayRef<int64_t> offsets = p.window.getStaticOffsets(),
                    strides = p.window.getStaticStrides(),
                    sizes = p.window.getStaticSizes();
  if (p.window.getSourceType().getRank() != srcType.getRank() ||
      int64_t(sizes.size()) != srcType.getRank())
    return std::nullopt;
  for (int64_t d = 0; d < srcType.getRank(); ++d) {
    if (ShapedType::isDynamic(offsets[d]) || ShapedType::isDynamic(strides[d]) ||
        strides[d] <= 0)
      return std::nullopt;
    int64_t size = srcType.getDimSize(d);
    bool whole = offsets[d] == 0 && strides[d] == 1 &&
                 size == allocType.getDimSize(d);
    if (whole && ShapedType::isDynamic(size)) {
      // Both dynamic: the same size only when the window's size is the
      // alloc's own operand.
      Value windowSize = p.window.getDynamicSize(d);
      Value allocSize = p.alloc.getDynamicSizes()[allocType.getDynamicDimIndex(d)];
      whole = windowSize == allocSize;
    }
    if (!whole && ShapedType::isDynamic(size))
      return std::nullopt;
    p.offsets.push_back(offsets[d]);
    p.strides.push_back(strides[d]);
    p.sizes.push_back(size);
    p.checked.push_back(!whole);
  }
  // src stays as the copy left it until the kernel reads it.
  Value srcRoot = rootOf(p.src);
  for (Operation *x = copy->getNextNode(); x && x != at; x = x->getNextNode()) {
    if (isa<memref::DeallocOp>(x))
      continue;
    Access access = accessOf(x);
    if (!access.known || access.writes.contains(srcRoot))
      return std::nullopt;
  }
  if (at->getBlock() != op->getBlock() || at->isBeforeInBlock(copy))
    return std::nullopt;
  return p;
}

/// How many ops other than `producer` read what it writes (through views;
/// deallocations aside).
int64_t readersOf(linalg::GenericOp producer) {
  SmallVector<OpOperand *> uses;
  usesThroughViews(producer.getDpsInits()[0], uses);
  return llvm::count_if(uses, [&](OpOperand *use) {
    return use->getOwner() != producer.getOperation() &&
           !isa<memref::DeallocOp>(use->getOwner());
  });
}

/// Element `idx` of `buffer` as `producer` (an all-parallel generic writing
/// it whole through an identity map) computes it, from its inputs.
Value computeAt(OpBuilder &b, Location l, linalg::GenericOp producer,
                Value buffer, ArrayRef<Value> idx) {
  SmallVector<Value> args = loadInputs(b, l, producer, idx);
  Type et = cast<MemRefType>(buffer.getType()).getElementType();
  args.push_back(arith::ConstantOp::create(b, l, b.getZeroAttr(et)));
  return cloneBody(b, producer, args, idx)[0];
}

/// Loads element `idx` of padded buffer `p` in a kernel: src's element where
/// the window holds it, p's fill value elsewhere (the address read there is
/// src's first element on each checked dim, always valid).
Value loadPadded(OpBuilder &b, Location l, const Padded &p,
                 ArrayRef<Value> idx, linalg::GenericOp producer = nullptr) {
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, l, v);
  };
  Value inside;
  SmallVector<Value> at;
  for (auto [d, i] : llvm::enumerate(idx)) {
    if (!p.checked[d]) {
      at.push_back(i);
      continue;
    }
    // rel = i - offset; as unsigned, a negative rel is past every bound.
    Value rel = p.offsets[d] ? arith::SubIOp::create(b, l, i, cst(p.offsets[d]))
                             : i;
    Value ok = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, rel,
                                     cst((p.sizes[d] - 1) * p.strides[d] + 1));
    Value q = rel;
    if (p.strides[d] != 1) {
      Value rem = arith::RemUIOp::create(b, l, rel, cst(p.strides[d]));
      ok = arith::AndIOp::create(
          b, l, ok,
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, rem, cst(0)));
      q = arith::DivUIOp::create(b, l, rel, cst(p.strides[d]));
    }
    at.push_back(arith::SelectOp::create(b, l, ok, q, cst(0)));
    inside = inside ? arith::AndIOp::create(b, l, inside, ok).getResult() : ok;
  }
  Value v = producer ? computeAt(b, l, producer, p.src, at)
                     : memref::LoadOp::create(b, l, p.src, at).getResult();
  if (!inside)
    return v;
  Value fill = b.clone(*p.value)->getResult(0);
  return arith::SelectOp::create(b, l, inside, v, fill);
}

/// How the kernel gets an input's elements: from memory, from the buffer
/// copied into a padded one (`pad`), or computed by `producer` (a prologue).
struct Source {
  std::optional<Padded> pad;
  /// Computes the input's elements (a prologue); with `pad`, the elements
  /// of the padded buffer's source.
  linalg::GenericOp producer;
  /// Others read the producer's output too (a shared prologue, workgroup
  /// tiles only): the producer stays while they do.
  bool shared = false;
};

/// The prologue of contraction `op` for `input`, or null: `input` is an
/// alloc in op's block that one all-parallel generic (before op, scalar body,
/// loop indices allowed) writes whole through an identity map without
/// reading it, and that only op and `reader` (the side sum, or null) read.
/// Nothing between the generic and `at` but `skip` (the ops the kernel
/// replaces) may write what it reads, nor may `skip` (the kernel's epilogue
/// runs while other threads still load).
linalg::GenericOp matchPrologue(linalg::LinalgOp op, Value input,
                                Operation *at, ArrayRef<Operation *> skip,
                                Operation *reader, bool *shared = nullptr) {
  auto alloc = input.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != op->getBlock())
    return nullptr;
  linalg::GenericOp producer;
  SmallVector<OpOperand *> uses;
  usesThroughViews(input, uses);
  if (shared)
    *shared = false;
  for (OpOperand *use : uses) {
    Operation *user = use->getOwner();
    if (isa<memref::DeallocOp>(user))
      continue;
    if (user == op.getOperation() || (reader && user == reader)) {
      if (!cast<linalg::LinalgOp>(user).isDpsInput(use))
        return nullptr;
      continue;
    }
    // With `shared`, other ops may read it (the producer stays for them).
    if (auto other = dyn_cast<linalg::LinalgOp>(user);
        shared && other && other.isDpsInput(use)) {
      *shared = true;
      continue;
    }
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (producer || !generic || use->get() != input)
      return nullptr;
    producer = generic;
  }
  if (!producer || producer->getBlock() != op->getBlock() ||
      !producer->isBeforeInBlock(op) || !producer.hasPureBufferSemantics() ||
      producer.getNumDpsInits() != 1 || producer.getNumReductionLoops() != 0 ||
      !hasScalarBody(producer, /*allowIndex=*/true))
    return nullptr;
  OpOperand *init = producer.getDpsInitOperand(0);
  if (init->get() != input ||
      !producer.getMatchingIndexingMap(init).isIdentity() ||
      !producer.getBlock()->getArgument(init->getOperandNumber()).use_empty())
    return nullptr;
  Access reads;
  for (OpOperand *in : producer.getDpsInputOperands()) {
    if (!isa<MemRefType>(in->get().getType()))
      continue;
    if (rootOf(in->get()) == Value(alloc))
      return nullptr;
    reads.reads.insert(rootOf(in->get()));
  }
  SmallVector<Operation *> passed(skip);
  if (!noConflictBetween(producer, at, passed, reads, /*used=*/nullptr))
    return nullptr;
  for (Operation *x : passed) {
    Access a = accessOf(x);
    if (!a.known || intersects(a.writes, reads.reads))
      return nullptr;
  }
  return producer;
}

/// Loads element `idx` of an input the way `src` says.
Value loadFrom(OpBuilder &b, Location l, Value buffer, const Source &src,
               ArrayRef<Value> idx) {
  if (src.pad)
    return loadPadded(b, l, *src.pad, idx, src.producer);
  if (!src.producer)
    return memref::LoadOp::create(b, l, buffer, idx);
  return computeAt(b, l, src.producer, buffer, idx);
}

/// Whether the op folds its products into the output by addition (`acc +
/// f(a, b)`), so that K may be split into slices summed afterwards.
bool addsProducts(linalg::LinalgOp op) {
  FailureOr<Combiner> combiner = matchCombiner(op);
  return succeeded(combiner) &&
         combiner->kind == arith::AtomicRMWKind::addf;
}

/// 0 of the output's element type: where a slice of K starts.
Value foldIdentity(OpBuilder &b, Location l, linalg::LinalgOp op) {
  Type et = cast<MemRefType>(op.getDpsInitOperand(0)->get().getType())
                .getElementType();
  return arith::ConstantOp::create(b, l, b.getZeroAttr(et));
}

/// Column kernel: each thread owns `cols` columns of N and every row of an
/// M-tile of `rowsPerGroup`; A is read straight from memory at indices
/// that are the same for every thread of the workgroup, B at the thread's
/// own columns. No workgroup memory, no barriers.
void buildColumnKernel(RewriterBase &rewriter, linalg::LinalgOp op,
                       const ContractionDims &dims, ArrayRef<Value> sizes,
                       Value mSize, Value nSize, Value kSize, const Tiling &t,
                       Value initValue, const Epilogue &epilogue,
                       const Source &lhsSrc, const Source &rhsSrc,
                       const std::optional<SideSum> &side,
                       const std::optional<PoolEpilogue> &pool,
                       Value partials = Value(), Value chunk = Value()) {
  Location loc = op.getLoc();
  const int64_t rowsPerGroup = t.tm, cols = t.tn, threads = t.tx;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  OpOperand *init = op.getDpsInitOperand(0);
  Value lhs = op->getOperand(dims.lhs), rhs = op->getOperand(dims.rhs);
  Value out = init->get();
  AffineMap lhsMap = maps[dims.lhs], rhsMap = maps[dims.rhs];
  AffineMap outMap = maps[init->getOperandNumber()];
  auto cst = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto sizesOf = [&](ArrayRef<int64_t> group) {
    return llvm::map_to_vector(group, [&](int64_t d) { return sizes[d]; });
  };
  auto ult = [&](OpBuilder &b, Value a, Value c) -> Value {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, a, c);
  };
  Value c1 = cst(rewriter, 1);
  // A side sum is one more column (of A) or row (of B).
  Value mAll, nAll;
  std::tie(mAll, nAll) = withSideSum(rewriter, loc, side, mSize, nSize);
  Value gx = arith::CeilDivUIOp::create(rewriter, loc, nAll,
                                        cst(rewriter, t.blockN()));
  Value gy = arith::CeilDivUIOp::create(rewriter, loc, mAll,
                                        cst(rewriter, t.blockM()));
  // Split-K (`partials` set): grid z is the slice of K, [z chunk, (z + 1)
  // chunk), whose sums go to partials[z, row, col].
  Value gz = partials ? cst(rewriter, kSplits) : c1;
  for (int64_t d : dims.batch)
    gz = arith::MulIOp::create(rewriter, loc, gz, sizes[d]);
  // Workgroup tiles: A's [bk x BM] and B's [bk x BN], rows padded.
  SmallVector<Type> shared;
  if (t.bk) {
    auto elem = [](Value v) {
      return cast<MemRefType>(v.getType()).getElementType();
    };
    shared.push_back(workgroupMemRef({t.bk, t.blockM() + kWgPad}, elem(lhs)));
    shared.push_back(workgroupMemRef({t.bk, t.blockN() + kWgPad}, elem(rhs)));
  }
  auto launch = gpu::LaunchOp::create(
      rewriter, loc, gx, gy, gz, cst(rewriter, t.tx), cst(rewriter, t.ty), c1,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, shared);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(&launch.getBody().front());
  gpu::KernelDim3 block = launch.getBlockIds();
  gpu::KernelDim3 thread = launch.getThreadIds();
  SmallVector<Value> base(sizes.size());
  if (!dims.batch.empty())
    delinearize(rewriter, loc, block.z, dims.batch, sizesOf(dims.batch), base);
  Value m0 =
      arith::MulIOp::create(rewriter, loc, block.y, cst(rewriter, t.blockM()));
  Value n0 =
      arith::MulIOp::create(rewriter, loc, block.x, cst(rewriter, t.blockN()));
  // Row i of the thread within the block: ty + i * (threads along M).
  auto localRow = [&](OpBuilder &b, Location l, int64_t i) -> Value {
    if (t.ty == 1)
      return cst(b, i);
    return arith::AddIOp::create(b, l, thread.y, cst(b, i * t.ty));
  };
  auto rowOf = [&](OpBuilder &b, Location l, int64_t i) -> Value {
    return arith::AddIOp::create(b, l, m0, localRow(b, l, i));
  };
  Value lastRow = arith::SubIOp::create(rewriter, loc, mSize, c1);
  Value lastCol = arith::SubIOp::create(rewriter, loc, nSize, c1);
  // Out-of-range rows and columns compute on the last one (always a valid
  // address) and are never stored.
  // The side sum's row or column is M or N: it computes on the last one
  // too, with 1 for the other operand.
  SmallVector<Value> rowOk, colOk, rowSide, colSide;
  SmallVector<SmallVector<Value>> rowLoops, colLoops;
  // The M loops of row `row` (clamped to the last one).
  auto loopsOfRow = [&](OpBuilder &b, Location l, Value row) {
    Value safe = arith::MinUIOp::create(b, l, row, lastRow);
    SmallVector<Value> loops(sizes.size());
    delinearize(b, l, safe, dims.m, sizesOf(dims.m), loops);
    return loops;
  };
  auto isEdge = [&](Value at, Value size) -> Value {
    return arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, at,
                                 size);
  };
  for (int64_t i = 0; i < rowsPerGroup; ++i) {
    Value row = rowOf(rewriter, loc, i);
    rowOk.push_back(ult(rewriter, row, mAll));
    rowSide.push_back(side && !side->overA ? isEdge(row, mSize) : Value());
    rowLoops.push_back(loopsOfRow(rewriter, loc, row));
  }
  // With a pool epilogue a thread's columns are consecutive and numbered
  // window by window: column c is pixel c % 4 (row-major in the 2x2 window)
  // of window c / 4 (image, pooled row, pooled column, row-major).
  auto localCol = [&](OpBuilder &b, Location l, Value tx, int64_t j) -> Value {
    return pool ? arith::AddIOp::create(
                      b, l, arith::MulIOp::create(b, l, tx, cst(b, cols)),
                      cst(b, j))
                : arith::AddIOp::create(b, l, tx, cst(b, j * threads));
  };
  auto columnOf = [&](OpBuilder &b, Location l, Value tx, int64_t j) -> Value {
    return arith::AddIOp::create(b, l, n0, localCol(b, l, tx, j));
  };
  // The N loops of column `col` (clamped to the last one).
  auto loopsOfColumn = [&](OpBuilder &b, Location l, Value col) {
    Value safe = arith::MinUIOp::create(b, l, col, lastCol);
    SmallVector<Value> loops(sizes.size());
    if (pool) {
      Value window = arith::DivUIOp::create(b, l, safe, cst(b, 4));
      Value pixel = arith::RemUIOp::create(b, l, safe, cst(b, 4));
      Value pc = arith::RemUIOp::create(b, l, window, cst(b, pool->cols));
      Value rest = arith::DivUIOp::create(b, l, window, cst(b, pool->cols));
      Value pr = arith::RemUIOp::create(b, l, rest, cst(b, pool->rows));
      loops[dims.n[0]] = arith::DivUIOp::create(b, l, rest, cst(b, pool->rows));
      loops[dims.n[1]] = arith::AddIOp::create(
          b, l, arith::MulIOp::create(b, l, pr, cst(b, 2)),
          arith::DivUIOp::create(b, l, pixel, cst(b, 2)));
      loops[dims.n[2]] = arith::AddIOp::create(
          b, l, arith::MulIOp::create(b, l, pc, cst(b, 2)),
          arith::RemUIOp::create(b, l, pixel, cst(b, 2)));
    } else {
      delinearize(b, l, safe, dims.n, sizesOf(dims.n), loops);
    }
    return loops;
  };
  for (int64_t j = 0; j < cols; ++j) {
    Value col = columnOf(rewriter, loc, thread.x, j);
    colOk.push_back(ult(rewriter, col, nAll));
    colSide.push_back(side && side->overA ? isEdge(col, nSize) : Value());
    colLoops.push_back(loopsOfColumn(rewriter, loc, col));
  }
  auto merged = [&](ArrayRef<Value> a, ArrayRef<Value> b, ArrayRef<Value> c) {
    SmallVector<Value> loops(base);
    for (auto [i, v] : llvm::enumerate(a))
      if (v)
        loops[i] = v;
    for (auto [i, v] : llvm::enumerate(b))
      if (v)
        loops[i] = v;
    for (auto [i, v] : llvm::enumerate(c))
      if (v)
        loops[i] = v;
    return loops;
  };
  SmallVector<Value> accs, oks, sides;
  SmallVector<SmallVector<Value>> outIdx, sideIdx;
  for (int64_t i = 0; i < rowsPerGroup; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      SmallVector<Value> own = merged(rowLoops[i], colLoops[j], {});
      outIdx.push_back(indicesOf(rewriter, loc, outMap, own));
      oks.push_back(arith::AndIOp::create(rewriter, loc, rowOk[i], colOk[j]));
      // Every (row, column) is a valid address: the init is read unguarded
      // (unless a fill's value is known, see fillBefore).
      // A slice of split K starts from 0 (the second kernel adds the init).
      Value acc = partials    ? foldIdentity(rewriter, loc, op)
                  : initValue ? initValue
                              : memref::LoadOp::create(rewriter, loc, out,
                                                       outIdx.back())
                                    .getResult();
      if (side) {
        sides.push_back(side->overA ? colSide[j] : rowSide[i]);
        sideIdx.push_back(side->indices(rewriter, loc, own));
        if (!partials) {
          Value init =
              side->init ? side->init
                         : memref::LoadOp::create(rewriter, loc, side->out,
                                                  sideIdx.back())
                               .getResult();
          acc = arith::SelectOp::create(rewriter, loc, sides.back(), init, acc);
        }
      }
      accs.push_back(acc);
    }
  // An element of an operand at loop indices `loops`, the way its source
  // says; 1 where `side` holds (a side sum's row or column).
  auto elementAt = [&](OpBuilder &b, Location l, Value buffer,
                       const Source &src, AffineMap map, ArrayRef<Value> loops,
                       Value side) -> Value {
    Value v = loadFrom(b, l, buffer, src, indicesOf(b, l, map, loops));
    if (!side)
      return v;
    Value one =
        arith::ConstantOp::create(b, l, b.getFloatAttr(v.getType(), 1.0));
    return arith::SelectOp::create(b, l, side, one, v);
  };
  // Workgroup tiles: the K loop over [kBegin, kEnd) in tiles of bk steps.
  // Each thread copies `slots` elements of each operand's tile: element e =
  // tid + r * threads of the tile's bk x BM (BN) elements, k fastest where
  // the operand's innermost dim follows the innermost K loop (consecutive
  // threads then read consecutive addresses), the row (column) fastest
  // otherwise. Rows, columns and k past the ends read the last valid one;
  // a side sum's row (column) reads 1.
  auto stagedLoop = [&](Value kBegin, Value kEnd) -> SmallVector<Value> {
    OpBuilder &b = rewriter;
    Value lhsTile = launch.getWorkgroupAttributions()[0];
    Value rhsTile = launch.getWorkgroupAttributions()[1];
    int64_t nThreads = t.tx * t.ty;
    Value tid = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, thread.y, cst(b, t.tx)),
        thread.x);
    struct Slot {
      Value kk, local, side, valid;
      SmallVector<Value> loops;
    };
    struct Operand {
      Value buffer, tile;
      AffineMap map;
      const Source *src;
      SmallVector<Slot> slots;
    };
    auto operandOf = [&](bool isRow) {
      Operand o{isRow ? lhs : rhs,
                isRow ? lhsTile : rhsTile,
                isRow ? lhsMap : rhsMap,
                isRow ? &lhsSrc : &rhsSrc,
                {}};
      int64_t extent = isRow ? t.blockM() : t.blockN();
      int64_t count = extent * t.bk;
      AffineExpr inner = o.map.getResult(o.map.getNumResults() - 1);
      bool kFastest = inner.isFunctionOfDim(dims.k.back());
      for (int64_t r = 0; r * nThreads < count; ++r) {
        Slot s;
        Value e = arith::AddIOp::create(b, loc, tid, cst(b, r * nThreads));
        if ((r + 1) * nThreads > count) {
          s.valid = ult(b, e, cst(b, count));
          e = arith::MinUIOp::create(b, loc, e, cst(b, count - 1));
        }
        Value fast = cst(b, kFastest ? t.bk : extent);
        Value lo = arith::RemUIOp::create(b, loc, e, fast);
        Value hi = arith::DivUIOp::create(b, loc, e, fast);
        s.kk = kFastest ? lo : hi;
        s.local = kFastest ? hi : lo;
        Value at = arith::AddIOp::create(b, loc, isRow ? m0 : n0, s.local);
        s.loops = isRow ? loopsOfRow(b, loc, at) : loopsOfColumn(b, loc, at);
        if (side && side->overA != isRow)
          s.side = isEdge(at, isRow ? mSize : nSize);
        o.slots.push_back(s);
      }
      return o;
    };
    Operand ops[2] = {operandOf(true), operandOf(false)};
    // The elements of both tiles that start at k0, in slot order.
    auto loadTiles = [&](OpBuilder &b, Location l, Value k0, Value kLast) {
      SmallVector<Value> regs;
      for (const Operand &o : ops)
        for (const Slot &s : o.slots) {
          Value k = arith::MinUIOp::create(
              b, l, arith::AddIOp::create(b, l, k0, s.kk), kLast);
          SmallVector<Value> kLoops(sizes.size());
          delinearize(b, l, k, dims.k, sizesOf(dims.k), kLoops);
          regs.push_back(elementAt(b, l, o.buffer, *o.src, o.map,
                                   merged(s.loops, kLoops, {}), s.side));
        }
      return regs;
    };
    auto storeTiles = [&](OpBuilder &b, Location l, ValueRange regs) {
      int64_t at = 0;
      for (const Operand &o : ops)
        for (const Slot &s : o.slots) {
          Value v = regs[at++];
          auto store = [&](OpBuilder &b, Location l) {
            memref::StoreOp::create(b, l, v, o.tile, ValueRange{s.kk, s.local});
          };
          if (!s.valid) {
            store(b, l);
            continue;
          }
          scf::IfOp::create(b, l, s.valid, [&](OpBuilder &b, Location l) {
            store(b, l);
            scf::YieldOp::create(b, l);
          });
        }
    };
    SmallVector<Value> tileRows, tileCols;
    for (int64_t i = 0; i < rowsPerGroup; ++i)
      tileRows.push_back(localRow(b, loc, i));
    for (int64_t j = 0; j < cols; ++j)
      tileCols.push_back(localCol(b, loc, thread.x, j));
    // One step kk of the tile: every output folds A[kk, row] * B[kk, col].
    auto step = [&](OpBuilder &b, Location l, Value kk, ValueRange accs) {
      SmallVector<Value> as, bs, next;
      for (Value row : tileRows)
        as.push_back(
            memref::LoadOp::create(b, l, lhsTile, ValueRange{kk, row}));
      for (Value col : tileCols)
        bs.push_back(
            memref::LoadOp::create(b, l, rhsTile, ValueRange{kk, col}));
      for (int64_t i = 0; i < rowsPerGroup; ++i)
        for (int64_t j = 0; j < cols; ++j)
          next.push_back(
              foldOne(b, op, dims, as[i], bs[j], accs[i * cols + j]));
      return next;
    };
    size_t numAccs = accs.size();
    Value bk = cst(b, t.bk);
    auto guard = scf::IfOp::create(
        b, loc, ult(b, kBegin, kEnd),
        [&](OpBuilder &b, Location l) {
          Value kLast = arith::SubIOp::create(b, l, kEnd, cst(b, 1));
          SmallVector<Value> inits(accs);
          llvm::append_range(inits, loadTiles(b, l, kBegin, kLast));
          auto loop = scf::ForOp::create(
              b, l, kBegin, kEnd, bk, inits,
              [&](OpBuilder &b, Location l, Value k0, ValueRange iters) {
                ValueRange sums = iters.take_front(numAccs);
                // The previous tile's reads are done; this one goes in.
                gpu::BarrierOp::create(b, l);
                storeTiles(b, l, iters.drop_front(numAccs));
                gpu::BarrierOp::create(b, l);
                // The next tile's loads are issued before this one is used.
                SmallVector<Value> next =
                    loadTiles(b, l, arith::AddIOp::create(b, l, k0, bk), kLast);
                Value count = arith::MinUIOp::create(
                    b, l, arith::SubIOp::create(b, l, kEnd, k0), bk);
                Value full = arith::CmpIOp::create(
                    b, l, arith::CmpIPredicate::eq, count, bk);
                // A whole tile runs unrolled; the last one, if shorter, as
                // a loop.
                auto tile = scf::IfOp::create(
                    b, l, full,
                    [&](OpBuilder &b, Location l) {
                      SmallVector<Value> cur(sums);
                      for (int64_t kk = 0; kk < t.bk; ++kk)
                        cur = step(b, l, cst(b, kk), cur);
                      scf::YieldOp::create(b, l, cur);
                    },
                    [&](OpBuilder &b, Location l) {
                      scf::YieldOp::create(b, l,
                                           buildGuardedLoop(b, l, cst(b, 0),
                                                            count, cst(b, 1),
                                                            sums, step));
                    });
                SmallVector<Value> yielded(tile.getResults());
                llvm::append_range(yielded, next);
                scf::YieldOp::create(b, l, yielded);
              });
          scf::YieldOp::create(b, l, loop.getResults().take_front(numAccs));
        },
        [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, accs); });
    return SmallVector<Value>(guard.getResults());
  };
  Value kBegin = cst(rewriter, 0), kEnd = kSize;
  if (partials) {
    kBegin = arith::MulIOp::create(rewriter, loc, block.z, chunk);
    kEnd = arith::MinUIOp::create(
        rewriter, loc, kSize,
        arith::AddIOp::create(rewriter, loc, kBegin, chunk));
  }
  SmallVector<Value> sums;
  if (t.bk) {
    sums = stagedLoop(kBegin, kEnd);
  } else {
    sums = buildGuardedLoop(
        rewriter, loc, kBegin, kEnd, c1, accs,
        [&](OpBuilder &b, Location l, Value k, ValueRange accs) {
          SmallVector<Value> kLoops(sizes.size());
          delinearize(b, l, k, dims.k, sizesOf(dims.k), kLoops);
          SmallVector<Value> as, bs;
          for (int64_t i = 0; i < rowsPerGroup; ++i)
            as.push_back(elementAt(b, l, lhs, lhsSrc, lhsMap,
                                   merged(rowLoops[i], kLoops, {}),
                                   rowSide[i]));
          for (int64_t j = 0; j < cols; ++j)
            bs.push_back(elementAt(b, l, rhs, rhsSrc, rhsMap,
                                   merged(colLoops[j], kLoops, {}),
                                   colSide[j]));
          SmallVector<Value> next;
          for (int64_t i = 0; i < rowsPerGroup; ++i)
            for (int64_t j = 0; j < cols; ++j)
              next.push_back(
                  foldOne(b, op, dims, as[i], bs[j], accs[i * cols + j]));
          return next;
        });
  }
  if (pool) {
    // Per row and window (all four pixels valid or none: N is a multiple of
    // 4 and so is each thread's first column): the group on each pixel,
    // then the pool's body from its init over the pixels in window order.
    Combiner combiner = *matchCombiner(pool->pool);
    for (int64_t i = 0; i < rowsPerGroup; ++i)
      for (int64_t q = 0; q < cols / 4; ++q) {
        int64_t first = i * cols + 4 * q;
        scf::IfOp::create(rewriter, loc, oks[first], [&](OpBuilder &b,
                                                         Location l) {
          SmallVector<Value> pixels;
          for (int64_t r = 0; r < 4; ++r)
            pixels.push_back(emitEpilogue(b, l, epilogue, out, sums[first + r],
                                          outIdx[first + r], pool->input));
          ArrayRef<Value> loops = colLoops[4 * q];
          Value c2 = cst(b, 2);
          SmallVector<Value> at{
              loops[dims.n[0]], rowLoops[i][dims.m[0]],
              arith::DivUIOp::create(b, l, loops[dims.n[1]], c2),
              arith::DivUIOp::create(b, l, loops[dims.n[2]], c2)};
          Value max = pool->init ? pool->init
                                 : memref::LoadOp::create(b, l, pool->out, at)
                                       .getResult();
          for (Value pixel : pixels)
            max = combiner.apply(b, max, pixel);
          memref::StoreOp::create(b, l, max, pool->out, at);
          scf::YieldOp::create(b, l);
        });
      }
    gpu::TerminatorOp::create(rewriter, loc);
    return;
  }
  int64_t at = 0;
  for (auto [sum, idx, ok] : llvm::zip(sums, outIdx, oks)) {
    int64_t i = at / cols, j = at % cols;
    ++at;
    scf::IfOp::create(rewriter, loc, ok, [&](OpBuilder &b, Location l) {
      if (partials) {
        // partials[z, row, col]
        Value row = rowOf(b, l, i);
        Value col = columnOf(b, l, thread.x, j);
        memref::StoreOp::create(b, l, sum, partials,
                                ValueRange{block.z, row, col});
      } else if (side) {
        scf::IfOp::create(
            b, l, sides[i * cols + j],
            [&](OpBuilder &b, Location l) {
              memref::StoreOp::create(b, l, sum, side->out, sideIdx[i * cols + j]);
              scf::YieldOp::create(b, l);
            },
            [&](OpBuilder &b, Location l) {
              emitEpilogue(b, l, epilogue, out, sum, idx);
              scf::YieldOp::create(b, l);
            });
      } else {
        emitEpilogue(b, l, epilogue, out, sum, idx);
      }
      scf::YieldOp::create(b, l);
    });
  }
  gpu::TerminatorOp::create(rewriter, loc);
}

/// The second kernel of split-K: a thread per output (row, col) adds the
/// kSplits partial sums in order to the output's init (the fill's value or
/// what it held), stores it where used and runs the epilogue.
void buildSplitSum(RewriterBase &rewriter, linalg::LinalgOp op,
                   const ContractionDims &dims, ArrayRef<Value> sizes,
                   Value mSize, Value nSize, Value initValue,
                   const Epilogue &epilogue,
                   const std::optional<SideSum> &side, Value partials) {
  Location loc = op.getLoc();
  OpOperand *init = op.getDpsInitOperand(0);
  Value out = init->get();
  AffineMap outMap = op.getMatchingIndexingMap(init);
  Combiner combiner = *matchCombiner(op); // addsProducts held
  auto cst = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto sizesOf = [&](ArrayRef<int64_t> group) {
    return llvm::map_to_vector(group, [&](int64_t d) { return sizes[d]; });
  };
  Value c1 = cst(rewriter, 1);
  // The side sum's row or column (see buildColumnKernel).
  Value mAll, nAll;
  std::tie(mAll, nAll) = withSideSum(rewriter, loc, side, mSize, nSize);
  Value count = arith::MulIOp::create(rewriter, loc, mAll, nAll);
  Value groups = arith::CeilDivUIOp::create(rewriter, loc, count,
                                            cst(rewriter, kSumThreads));
  auto launch = gpu::LaunchOp::create(rewriter, loc, groups, c1, c1,
                                      cst(rewriter, kSumThreads), c1, c1);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(&launch.getBody().front());
  Value flat = arith::AddIOp::create(
      rewriter, loc,
      arith::MulIOp::create(rewriter, loc, launch.getBlockIds().x,
                            cst(rewriter, kSumThreads)),
      launch.getThreadIds().x);
  Value ok = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult,
                                   flat, count);
  scf::IfOp::create(rewriter, loc, ok, [&](OpBuilder &b, Location l) {
    Value row = arith::DivUIOp::create(b, l, flat, nAll);
    Value col = arith::RemUIOp::create(b, l, flat, nAll);
    auto total = [&](OpBuilder &b, Value init) {
      for (int64_t z = 0; z < kSplits; ++z) {
        Value part = memref::LoadOp::create(b, l, partials,
                                            ValueRange{cst(b, z), row, col});
        init = combiner.apply(b, init, part);
      }
      return init;
    };
    // The output's (row, col): a valid one (the side sum's row or column
    // is M or N, handled apart).
    auto output = [&](OpBuilder &b, Location l) {
      SmallVector<Value> loops(sizes.size());
      delinearize(b, l, row, dims.m, sizesOf(dims.m), loops);
      delinearize(b, l, col, dims.n, sizesOf(dims.n), loops);
      SmallVector<Value> idx = indicesOf(b, l, outMap, loops);
      Value init = initValue
                       ? initValue
                       : memref::LoadOp::create(b, l, out, idx).getResult();
      emitEpilogue(b, l, epilogue, out, total(b, init), idx);
      scf::YieldOp::create(b, l);
    };
    if (!side) {
      output(b, l);
      return;
    }
    Value isSide = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                         side->overA ? col : row,
                                         side->overA ? nSize : mSize);
    scf::IfOp::create(
        b, l, isSide,
        [&](OpBuilder &b, Location l) {
          SmallVector<Value> loops(sizes.size());
          if (side->overA)
            delinearize(b, l, row, dims.m, sizesOf(dims.m), loops);
          else
            delinearize(b, l, col, dims.n, sizesOf(dims.n), loops);
          SmallVector<Value> idx = side->indices(b, l, loops);
          Value init =
              side->init
                  ? side->init
                  : memref::LoadOp::create(b, l, side->out, idx).getResult();
          memref::StoreOp::create(b, l, total(b, init), side->out, idx);
          scf::YieldOp::create(b, l);
        },
        output);
    scf::YieldOp::create(b, l);
  });
  gpu::TerminatorOp::create(rewriter, loc);
}

/// Replaces contraction `op` (and its epilogue) by one kernel; false when
/// `op` is no contraction. `erased` collects the ops it erased.
bool tileContraction(RewriterBase &rewriter, linalg::LinalgOp op, bool sideSums,
                     bool poolEpilogues, bool workgroupTiles,
                     llvm::DenseSet<Operation *> &erased) {
  FailureOr<ContractionDims> match = matchContraction(op);
  if (failed(match))
    return false;
  const ContractionDims &dims = *match;
  Location loc = op.getLoc();
  Value out = op.getDpsInitOperand(0)->get();
  // The output covers all parallel loops, so the kernel writes all of it.
  linalg::FillOp fill = fillBefore(op, out);
  Epilogue epilogue = matchEpilogue(op, out, fill);
  // The kernel runs where its last op stood (its epilogue's inputs are
  // ready there); deallocations in between wait until after it.
  Operation *at = epilogue.last ? epilogue.last : op.getOperation();
  rewriter.setInsertionPoint(at);
  SmallVector<Operation *> group(epilogue.ops.begin(), epilogue.ops.end());
  group.push_back(op);
  if (fill)
    group.push_back(fill);
  std::optional<SideSum> side;
  if (sideSums)
    side = matchSideSum(op, dims, at, group);

  // The register tile shrinks to M and N where they are smaller; the
  // workgroup to the threads N needs.
  // (A side sum's row or column counts.)
  SmallVector<int64_t> staticSizes = op.getStaticLoopRanges();
  int64_t m = staticProduct(staticSizes, dims.m);
  int64_t n = staticProduct(staticSizes, dims.n);
  int64_t mAll = m + (side && !side->overA && !ShapedType::isDynamic(m));
  int64_t nAll = n + (side && side->overA && !ShapedType::isDynamic(n));
  int64_t rows = ShapedType::isDynamic(m) ? kRegM : std::min(kRegM, mAll);
  int64_t cols = ShapedType::isDynamic(n) ? kRegN : std::min(kRegN, nAll);
  int64_t threads =
      ShapedType::isDynamic(n)
          ? kMaxThreads
          : std::min<int64_t>(kMaxThreads,
                              llvm::PowerOf2Ceil(llvm::divideCeil(nAll, cols)));
  Tiling tiling{threads, 1, rows, cols, 0};
  if (workgroupTiles) {
    // 16 x 16 threads; a thread's rows (columns) shrink, in powers of two,
    // to what M (N) needs; a small register tile takes deeper K-tiles.
    auto regs = [](int64_t extent, int64_t most) {
      if (ShapedType::isDynamic(extent))
        return most;
      return std::min<int64_t>(
          most, llvm::PowerOf2Ceil(llvm::divideCeil(extent, kWgThreads)));
    };
    tiling.tx = tiling.ty = kWgThreads;
    tiling.tm = regs(mAll, kWgRegM);
    tiling.tn = regs(nAll, kWgRegN);
    tiling.bk =
        tiling.tm * tiling.tn < kWgRegM * kWgRegN ? 2 * kWgTileK : kWgTileK;
  }

  // Host side: loop sizes (memref.dim stays here) and the flat extents.
  SmallVector<Value> sizes = hostLoopSizes(rewriter, loc, op);
  auto product = [&](ArrayRef<int64_t> group) {
    return productOf(rewriter, loc, llvm::map_to_vector(group, [&](int64_t d) {
                       return sizes[d];
                     }));
  };
  // Padded inputs are read from what was copied into them; an input only
  // this kernel reads is computed where its producer's other workgroups
  // would not recompute it too often.
  Source lhsSrc, rhsSrc;
  lhsSrc.pad = matchPadded(op->getOperand(dims.lhs), op, at);
  rhsSrc.pad = matchPadded(op->getOperand(dims.rhs), op, at);
  SmallVector<Operation *> replaced(group);
  Operation *sideOp = side ? side->sum.getOperation() : nullptr;
  if (side)
    replaced.push_back(sideOp);
  bool distinct = op->getOperand(dims.lhs) != op->getOperand(dims.rhs);
  // With workgroup tiles (each element computed once per workgroup that
  // loads it) a prologue may also be shared -- other ops read the
  // producer's output, and it stays for them -- or computed through a
  // padded buffer's copy (conv2's cotangent, which its input gradient reads
  // padded and its weight gradient plainly).
  int64_t maxRecompute = workgroupTiles ? kMaxRecomputeWorkgroup : kMaxRecompute;
  // A shared prologue pays where each of the R readers reading the
  // producer's inputs (I bytes) moves less than storing its output (O) and
  // reading it R times: R I < I + O + R O (a dynamic dim counted as
  // kAssumedBatch). BatchNorm's backward, reading x, the statistics and dy,
  // does not; max-pool's backward with the ReLU mask does.
  auto worthSharing = [&](linalg::GenericOp producer) {
    auto bytes = [](Value v) {
      return memrefBytes(cast<MemRefType>(v.getType()), kAssumedBatch);
    };
    llvm::SetVector<Value> inputs;
    for (Value v : producer.getDpsInputs())
      if (isa<MemRefType>(v.getType()))
        inputs.insert(rootOf(v));
    int64_t in = 0;
    for (Value v : inputs)
      in += bytes(v);
    int64_t readers = readersOf(producer);
    int64_t out = bytes(producer.getDpsInits()[0]);
    return readers * in < in + out + readers * out;
  };
  auto prologueOf = [&](Source &src, Value operand, bool few) {
    if (!distinct || !few || (src.pad && !workgroupTiles))
      return;
    bool shared = false;
    src.producer = matchPrologue(op, src.pad ? src.pad->src : operand, at,
                                 replaced, sideOp,
                                 workgroupTiles ? &shared : nullptr);
    src.shared = src.producer && shared;
    if (src.shared && !worthSharing(src.producer))
      src.producer = nullptr;
  };
  prologueOf(lhsSrc, op->getOperand(dims.lhs),
             !ShapedType::isDynamic(n) &&
                 llvm::divideCeil(nAll, tiling.blockN()) <= maxRecompute);
  prologueOf(rhsSrc, op->getOperand(dims.rhs),
             !ShapedType::isDynamic(m) &&
                 llvm::divideCeil(mAll, tiling.blockM()) <= maxRecompute);
  if (rhsSrc.producer == lhsSrc.producer)
    rhsSrc.producer = nullptr;
  std::optional<Padded> &lhsPad = lhsSrc.pad, &rhsPad = rhsSrc.pad;
  // Split-K where the outputs are few and K long (see kSplitOutputs).
  // A dynamic K loop (the batch) counts as kAssumedBatch.
  int64_t k = 1;
  for (int64_t d : dims.k)
    k *= ShapedType::isDynamic(staticSizes[d]) ? kAssumedBatch
                                               : staticSizes[d];
  bool split = dims.batch.empty() && !ShapedType::isDynamic(m) &&
               !ShapedType::isDynamic(n) && m * n <= kSplitOutputs &&
               k >= kSplitMinK && addsProducts(op);
  // A max pool of the group's last value runs in the kernel too (whole
  // windows per thread: its columns come four by four).
  std::optional<PoolEpilogue> pool;
  if (poolEpilogues && !split && !side && tiling.tn % 4 == 0)
    pool = matchPoolEpilogue(op, dims, epilogue, out, at);
  if (pool) {
    for (Operation *x : pool->hostWork)
      x->moveBefore(at);
    SmallVector<Operation *> more{pool->pool};
    if (pool->fill)
      more.push_back(pool->fill);
    markStored(epilogue, op, out, fill, more);
  }
  Value mSize = product(dims.m), nSize = product(dims.n),
        kSize = product(dims.k);
  Value initValue = fill ? fill.getInputs()[0] : Value();
  Operation *launch;
  if (split) {
    Type et = cast<MemRefType>(out.getType()).getElementType();
    Value partials = memref::AllocOp::create(
        rewriter, loc,
        MemRefType::get({kSplits, mAll, nAll}, et));
    Value chunk = arith::CeilDivUIOp::create(
        rewriter, loc, kSize,
        arith::ConstantIndexOp::create(rewriter, loc, kSplits));
    buildColumnKernel(rewriter, op, dims, sizes, mSize, nSize, kSize, tiling,
                      initValue, epilogue, lhsSrc, rhsSrc, side, pool, partials,
                      chunk);
    buildSplitSum(rewriter, op, dims, sizes, mSize, nSize, initValue,
                  epilogue, side, partials);
    launch = at->getPrevNode();
    memref::DeallocOp::create(rewriter, loc, partials);
  } else {
    buildColumnKernel(rewriter, op, dims, sizes, mSize, nSize, kSize, tiling,
                      initValue, epilogue, lhsSrc, rhsSrc, side, pool);
    launch = at->getPrevNode();
  }
  if (epilogue.last)
    moveDeallocsAfter(op->getNextNode(), at, launch);
  // src lives until the kernel has read it: its deallocs between the copy
  // and the kernel move after it.
  for (const std::optional<Padded> &pad : {lhsPad, rhsPad}) {
    if (!pad)
      continue;
    Value srcRoot = rootOf(pad->src);
    SmallVector<Operation *> frees;
    for (Operation *x = pad->copy->getNextNode(); x != launch;
         x = x->getNextNode())
      if (auto free = dyn_cast<memref::DeallocOp>(x);
          free && free.getMemref() == srcRoot)
        frees.push_back(x);
    for (Operation *x : llvm::reverse(frees))
      x->moveAfter(launch);
  }
  // So do a prologue's inputs, freed between its producer and the kernel.
  for (Source *src : {&lhsSrc, &rhsSrc}) {
    if (!src->producer)
      continue;
    llvm::DenseSet<Value> inputs;
    for (Value v : src->producer.getDpsInputs())
      inputs.insert(rootOf(v));
    SmallVector<Operation *> frees;
    for (Operation *x = src->producer->getNextNode(); x != launch;
         x = x->getNextNode())
      if (auto free = dyn_cast<memref::DeallocOp>(x);
          free && inputs.contains(free.getMemref()))
        frees.push_back(x);
    for (Operation *x : llvm::reverse(frees))
      x->moveAfter(launch);
  }

  // The group's ops go; a buffer only they used goes with them.
  llvm::SetVector<Value> roots;
  roots.insert(rootOf(out));
  for (linalg::GenericOp g : epilogue.ops)
    for (Value init : g.getDpsInits())
      roots.insert(rootOf(init));
  SmallVector<Operation *> dead(group);
  if (side) {
    dead.push_back(side->sum);
    if (side->fill)
      dead.push_back(side->fill);
  }
  if (pool) {
    dead.push_back(pool->pool);
    if (pool->fill)
      dead.push_back(pool->fill);
  }
  for (Source *src : {&lhsSrc, &rhsSrc})
    if (src->producer && !src->shared) {
      dead.push_back(src->producer);
      roots.insert(rootOf(src->producer.getDpsInits()[0]));
    }
  for (Operation *x : dead) {
    erased.insert(x);
    rewriter.eraseOp(x);
  }
  for (Value root : roots)
    eraseIfUnused(root);
  // A padded buffer no other op reads any more goes with its fill and copy.
  for (std::optional<Padded> pad : {lhsPad, rhsPad}) {
    if (!pad)
      continue;
    Operation *alloc = pad->alloc.getOperation();
    if (erased.contains(alloc))
      continue;
    bool read = llvm::any_of(alloc->getUsers(), [&](Operation *user) {
      return user != pad->fill && user != pad->window &&
             !isa<memref::DeallocOp>(user);
    });
    if (read)
      continue;
    for (Operation *x : {pad->copy, pad->fill}) {
      erased.insert(x);
      rewriter.eraseOp(x);
    }
    erased.insert(alloc);
    eraseIfUnused(alloc->getResult(0));
  }
  // A shared prologue's producer goes with the last op that read its
  // output (then the kernel that computes it is the last one).
  for (Source *src : {&lhsSrc, &rhsSrc}) {
    if (!src->producer || !src->shared || readersOf(src->producer) > 0)
      continue;
    Value written = src->producer.getDpsInits()[0];
    erased.insert(src->producer);
    rewriter.eraseOp(src->producer);
    eraseIfUnused(rootOf(written));
  }
  return true;
}

struct GpuTileContraction
    : public nnc::impl::NNCGpuTileContractionBase<GpuTileContraction> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    llvm::DenseSet<Operation *> erased;
    for (linalg::LinalgOp op : ops)
      if (!erased.contains(op.getOperation()))
        tileContraction(rewriter, op, sideSums, poolEpilogues, workgroupTiles,
                        erased);
    // The marks have done their work (a group the kernel did not take
    // keeps its separate kernels).
    getOperation()->walk([&](linalg::LinalgOp op) {
      op->removeAttr(nnc::kEpilogueGroupAttr);
    });
  }
};

} // namespace
