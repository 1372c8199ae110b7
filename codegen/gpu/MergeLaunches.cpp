//===- MergeLaunches.cpp - independent kernels as one launch ---------------===//
//
// `nnc-gpu-merge-launches` (horizontal fusion): after every kernel has its
// gpu.launch, launches that are independent of each other (none reads or
// writes a buffer another writes) become one launch whose workgroups are the
// members' workgroups end to end. Workgroup (x, y) is number y * 65535 + x;
// a branch the same for the whole workgroup picks the member whose range
// holds it, which runs with its own 3-D workgroup and thread indices
// recovered. Grids are counted on the host.
//
// The tail of a training step is many kernels that do not depend on each
// other (a conv's input-gradient GEMM beside its weight-gradient GEMM, the
// bias-gradient sums, the optimizer epilogues): each costs a launch, and on
// a GPU a wave that fills few of its SMs. PyTorch's `foreach` optimizers
// and XLA's horizontal fusion batch work the same way. Fusion does not
// change what a member reads or writes: `nnc --stats` still counts each
// member's bytes (see `nnc-gpu-record-launch-parts`).
//
// The block has the most threads any member has. A narrower member runs
// several of its workgroups side by side in one (threads / its threads of
// them: no thread idles), which needs it to have no barrier and no
// workgroup memory, and enough workgroups to fill a block. A launch that
// waits at a barrier is not merged, except for CUDA (option `barriers`),
// and then only where it fills the whole block: every thread of the block
// then reaches its barriers, in a branch the whole workgroup takes. These
// rules and the second grid dim
// come from lavapipe, the device CI runs: a barrier anywhere in a shader
// made all of it slower (a max-pool gradient merged with a reduction: 4x;
// the 8 bias-gradient reductions of an 8-layer MLP in one shader: 28 ms
// against 7), guarding a narrow member's body in a wide block cost its
// width (inactive SIMD lanes run masked), and a grid-stride loop around
// the members cost the GEMMs 10%. With these rules the CNN's step there
// is still 5-9% slower merged than not (two GEMMs in one shader): a launch
// costs little on a CPU device, so nnc runs this pass for --target=cuda
// only unless told (--merge-launches=on|off).
//
// A launch joins the earliest of the last 16 open batches it can (each try
// walks the ops in between): either it runs at the
// batch's anchor (nothing in between conflicts with it; the host work that
// defines what it uses moves up), or the batch runs where the launch stands
// (nothing in between conflicts with the batch or frees what it uses; the
// launch becomes the anchor, and the members move next to it, so that the
// order of the ops is always the order the batches run in). Either way the bytes of temporaries live then
// stay under the function's peak (LiveBytes). Limits: 20 buffers and 26
// kernel arguments in all (lavapipe binds at most 32 storage buffers), 16
// KiB of workgroup memory unless one member alone uses more (and then no
// other uses any); a kernel on 64-bit values merges only with others that
// are.
//===----------------------------------------------------------------------===//
#include "codegen/gpu/KernelUtils.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/FoldUtils.h"
#include "mlir/Transforms/RegionUtils.h"

#include <unordered_map>

namespace nnc {
#define GEN_PASS_DEF_NNCGPUMERGELAUNCHES
#define GEN_PASS_DEF_NNCGPURECORDLAUNCHPARTS
#include "codegen/gpu/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc::gpu_kernel;

namespace {

constexpr int64_t kMaxGroups = 65535;
constexpr size_t kMaxBuffers = 20;
constexpr size_t kMaxArguments = 26;
constexpr int64_t kWorkgroupBytes = 16384;
/// With option `barriers` (CUDA's kernels): two GEMMs staging tiles (8-11
/// KiB each) fit; lavapipe, which runs them in CI, has 32 KiB, a CUDA block
/// 48 KiB of static shared memory.
constexpr int64_t kWorkgroupBytesWithBarriers = 32768;
/// Open batches a launch may join: the most recent ones.
constexpr size_t kWindow = 16;
/// A dynamic dim, where the peak of live temporaries is estimated.
constexpr int64_t kAssumedDim = 256;
/// Marks the scf.if that runs member N of a merged launch.
constexpr llvm::StringLiteral kPartAttr = "nnc.part";
/// On a kernel argument: the members of the merged launch that use it.
constexpr llvm::StringLiteral kPartsArgAttr = "nnc.parts";

std::optional<int64_t> constantOf(Value v) {
  return getConstantIntValue(getAsOpFoldResult(v));
}

int64_t threadsOf(gpu::LaunchOp l) {
  return *constantOf(l.getBlockSizeX()) * *constantOf(l.getBlockSizeY()) *
         *constantOf(l.getBlockSizeZ());
}

/// A launch this pass can take apart: one block, constant block sizes, no
/// async tokens, clusters or dynamic workgroup memory, and no gpu op in its
/// body but barriers (a subgroup op would see other members' threads).
bool isMergeable(gpu::LaunchOp l) {
  if (!l.getBody().hasOneBlock() || l.getAsyncToken() ||
      !l.getAsyncDependencies().empty() || l.getDynamicSharedMemorySize() ||
      l.hasClusterSize())
    return false;
  for (Value v : {l.getBlockSizeX(), l.getBlockSizeY(), l.getBlockSizeZ()})
    if (!constantOf(v))
      return false;
  return !l.getBody()
              .walk([](Operation *op) {
                if (isa<gpu::GPUDialect>(op->getDialect()) &&
                    !isa<gpu::BarrierOp, gpu::TerminatorOp>(op))
                  return WalkResult::interrupt();
                return WalkResult::advance();
              })
              .wasInterrupted();
}

/// What the batching asks of a launch, again and again: computed once.
struct LaunchFacts {
  int64_t threads = 0;
  /// Its workgroup memory, in bytes.
  int64_t shared = 0;
  bool barrier = false;
  /// Computes on 64-bit integers or floats: its SPIR-V needs the Int64 or
  /// Float64 capability, which a device may lack, so a kernel that does not
  /// stays apart from one that does (the device runs it still).
  bool wide = false;
  /// Workgroups, where its grid is constant.
  std::optional<int64_t> groups;
  /// Kernel arguments it brings: the values its body uses from above
  /// (constants are sunk into the kernel) and its grid where not constant.
  llvm::SetVector<Value> captured;
};

LaunchFacts factsOf(gpu::LaunchOp l) {
  LaunchFacts f;
  f.threads = threadsOf(l);
  for (BlockArgument a : l.getWorkgroupAttributions())
    f.shared += memrefBytes(cast<MemRefType>(a.getType()));
  auto wide = [](Type t) {
    if (auto m = dyn_cast<MemRefType>(t))
      t = m.getElementType();
    return !t.isIndex() && t.isIntOrFloat() && t.getIntOrFloatBitWidth() == 64;
  };
  l.getBody().walk([&](Operation *op) {
    f.barrier |= isa<gpu::BarrierOp>(op);
    f.wide |= llvm::any_of(op->getOperandTypes(), wide) ||
              llvm::any_of(op->getResultTypes(), wide);
  });
  f.groups = 1;
  for (Value v : {l.getGridSizeX(), l.getGridSizeY(), l.getGridSizeZ()}) {
    if (std::optional<int64_t> g = constantOf(v)) {
      if (f.groups)
        *f.groups *= *g;
    } else {
      f.groups.reset();
      f.captured.insert(v);
    }
  }
  llvm::SetVector<Value> used;
  getUsedValuesDefinedAbove(l.getBody(), used);
  for (Value v : used)
    if (!matchPattern(v, m_Constant()))
      f.captured.insert(v);
  return f;
}

/// The accesses and launch facts of the ops of one function, each computed
/// once (the ops do not change until the batches are flushed). The
/// references it returns stay valid while more are computed (node-based
/// maps): a join holds a launch's accesses while it asks for those of every
/// op it passes. (With llvm::DenseMap, a rehash in between left the
/// reference dangling, and a launch could pass an op it conflicts with: the
/// merged resnet_bn step read a split-K sum before its slices were written.)
class Facts {
public:
  const Access &access(Operation *op) {
    auto it = accesses.find(op);
    if (it == accesses.end())
      it = accesses.try_emplace(op, accessOf(op)).first;
    return it->second;
  }
  const LaunchFacts &launch(gpu::LaunchOp l) {
    auto it = launches.find(l.getOperation());
    if (it == launches.end())
      it = launches.try_emplace(l.getOperation(), factsOf(l)).first;
    return it->second;
  }
  /// Drops what is known of `op`, which is erased (or new): a later op may
  /// be allocated at its address, and would be given its accesses -- a
  /// merged launch taken for an erased member could pass a launch that
  /// writes what it reads (a param's in-place update hoisted above the
  /// kernel that reads the old param: found by random models on CUDA's
  /// kernel set).
  void forget(Operation *op) {
    accesses.erase(op);
    launches.erase(op);
  }

private:
  std::unordered_map<Operation *, Access> accesses;
  std::unordered_map<Operation *, LaunchFacts> launches;
};

/// How many of a launch's workgroups one workgroup of `threads` threads
/// runs side by side (1 when it has that many threads), or 0 when it cannot
/// share one: a narrower launch's workgroups are independent slices of the
/// block only without barriers and workgroup memory, and only where it has
/// enough of them to fill one.
int64_t packOf(const LaunchFacts &f, int64_t threads) {
  if (f.threads == threads)
    return 1;
  if (threads % f.threads != 0 || f.barrier || f.shared > 0)
    return 0;
  int64_t pack = threads / f.threads;
  return !f.groups || *f.groups >= pack ? pack : 0;
}

/// Bytes of temporaries live at each op of a function body: an allocation
/// from its alloc to its last use (through views), to the end if returned;
/// dynamic dims counted as 256. A launch that joins a batch runs at the
/// batch's first launch: the allocations of what it writes move up with it
/// (live longer) and the buffers it was the last to use die there (live
/// shorter). A join is allowed only where the sum keeps the peak (the
/// arena the runtime lays out follows these ranges).
class LiveBytes {
public:
  LiveBytes(Block &body, Facts &facts) : facts(facts) {
    for (Operation &op : body)
      pos[&op] = live.size(), live.push_back(0);
    for (Operation &op : body) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc)
        continue;
      Buffer &buffer = buffers[alloc];
      buffer.bytes = memrefBytes(alloc.getType(), kAssumedDim);
      SmallVector<OpOperand *> uses;
      usesThroughViews(alloc.getResult(), uses);
      for (OpOperand *use : uses) {
        Operation *top = body.findAncestorOpInBlock(*use->getOwner());
        if (!top || isa<memref::DeallocOp>(top))
          continue;
        if (isa<func::ReturnOp>(top))
          buffer.returned = true;
        else
          buffer.users.push_back(top);
      }
      for (size_t p = pos[&op], e = lastOf(alloc); p <= e; ++p)
        live[p] += buffer.bytes;
    }
    for (int64_t b : live)
      peak = std::max(peak, b);
  }

  /// Whether running `launch` at `front`, with the allocations among
  /// `moved` just before it, keeps the peak; records it if so.
  bool tryMove(Operation *launch, ArrayRef<Operation *> moved,
               Operation *front) {
    size_t to = pos.lookup(front), from = pos.lookup(launch);
    std::vector<int64_t> delta(from - to + 1, 0);
    SmallVector<memref::AllocOp> allocs;
    for (Operation *op : moved)
      if (auto alloc = dyn_cast<memref::AllocOp>(op);
          alloc && buffers.count(alloc) && pos[op] > to) {
        allocs.push_back(alloc);
        for (size_t p = to; p < pos[op]; ++p)
          delta[p - to] += buffers[alloc].bytes;
      }
    // The buffers it uses that no later op uses die at `to`.
    llvm::SetVector<memref::AllocOp> used;
    allocsUsedBy(launch, used);
    SmallVector<size_t> before;
    for (memref::AllocOp alloc : used)
      before.push_back(lastOf(alloc));
    size_t old = pos[launch];
    pos[launch] = to;
    for (auto [alloc, last] : llvm::zip(used, before))
      for (size_t p = lastOf(alloc) + 1; p <= last && p <= from; ++p)
        delta[p - to] -= buffers[alloc].bytes;
    bool keeps = true;
    for (size_t i = 0; i < delta.size() && keeps; ++i)
      keeps = delta[i] <= 0 || live[to + i] + delta[i] <= peak;
    if (!keeps) {
      pos[launch] = old;
      return false;
    }
    for (size_t i = 0; i < delta.size(); ++i)
      live[to + i] += delta[i];
    for (memref::AllocOp alloc : allocs)
      pos[alloc] = to;
    return true;
  }

  /// Whether running `launches` at `to`, later, keeps the peak (the
  /// buffers they use live until then); records it if so.
  bool tryDelay(ArrayRef<Operation *> launches, Operation *to) {
    size_t at = pos.lookup(to);
    llvm::SetVector<memref::AllocOp> used;
    for (Operation *launch : launches)
      allocsUsedBy(launch, used);
    SmallVector<size_t> old, before;
    for (Operation *launch : launches)
      old.push_back(pos[launch]);
    for (memref::AllocOp alloc : used)
      before.push_back(lastOf(alloc));
    for (Operation *launch : launches)
      pos[launch] = at;
    // Each buffer's life ends at `after` instead of `before`.
    SmallVector<std::tuple<int64_t, size_t, size_t>> longer;
    size_t lo = at;
    for (auto [alloc, last] : llvm::zip(used, before))
      if (size_t after = lastOf(alloc); after > last) {
        longer.push_back({buffers[alloc].bytes, last + 1, after});
        lo = std::min(lo, last + 1);
      }
    for (auto [launch, p] : llvm::zip(launches, old))
      pos[launch] = p;
    std::vector<int64_t> delta(at - lo + 1, 0);
    for (auto [bytes, first, last] : longer)
      for (size_t p = first; p <= last; ++p)
        delta[p - lo] += bytes;
    for (size_t i = 0; i < delta.size(); ++i)
      if (delta[i] > 0 && live[lo + i] + delta[i] > peak)
        return false;
    for (size_t i = 0; i < delta.size(); ++i)
      live[lo + i] += delta[i];
    for (Operation *launch : launches)
      pos[launch] = at;
    return true;
  }

private:
  /// The allocations (of this body) whose buffers `launch` reads or writes.
  void allocsUsedBy(Operation *launch, llvm::SetVector<memref::AllocOp> &out) {
    const Access &access = facts.access(launch);
    for (Value root : llvm::concat<const Value>(access.reads, access.writes))
      if (auto alloc = root.getDefiningOp<memref::AllocOp>();
          alloc && buffers.count(alloc))
        out.insert(alloc);
  }

  struct Buffer {
    int64_t bytes = 0;
    bool returned = false;
    SmallVector<Operation *> users;
  };

  size_t lastOf(memref::AllocOp alloc) {
    Buffer &buffer = buffers[alloc];
    if (buffer.returned)
      return live.size() - 1;
    size_t last = pos[alloc];
    for (Operation *user : buffer.users)
      last = std::max(last, pos[user]);
    return last;
  }

  Facts &facts;
  llvm::DenseMap<Operation *, size_t> pos;
  llvm::DenseMap<Operation *, Buffer> buffers;
  std::vector<int64_t> live;
  int64_t peak = 0;
};

/// Kernel arguments `v` becomes: a memref whose layout is dynamic reaches
/// the kernel as a 1-D view, its offset and its strides
/// (nnc-gpu-flatten-memrefs).
size_t argumentsOf(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type)
    return 1;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      ShapedType::isDynamic(offset) || type.getRank() == 0 ||
      llvm::any_of(strides, ShapedType::isDynamic))
    return 2 + type.getRank();
  return 1;
}

class Batch {
public:
  Batch(gpu::LaunchOp first, Facts &facts, int64_t workgroupBytes)
      : facts(facts), workgroupBytes(workgroupBytes), members{first},
        anchor(first), access(facts.access(first)) {
    add(facts.launch(first));
  }

  /// Adds `l` when it can run with the batch: at the batch's anchor (`l`
  /// moves after the batch's last member, what it needs before the
  /// anchor), or the batch at `l` (which becomes the anchor).
  bool tryJoin(gpu::LaunchOp l, LiveBytes &liveBytes);
  /// Replaces the members (two or more) by one launch at the anchor.
  void flush();

private:
  /// Whether `f` fits beside the members: 64-bit values in all or none,
  /// every narrower member able to share the widest one's blocks (see the
  /// file comment), workgroup memory and kernel arguments within the
  /// limits.
  bool fits(const LaunchFacts &f);
  void add(const LaunchFacts &f);
  /// Whether the batch can run at `l` instead: nothing between conflicts
  /// with it or frees what it uses, and the peak holds.
  bool sinkTo(gpu::LaunchOp l, LiveBytes &liveBytes);
  /// The cached accesses, for noConflictBetween and hoistTo.
  auto accessFn() {
    return [this](Operation *op) -> const Access & { return facts.access(op); };
  }

  Facts &facts;
  int64_t workgroupBytes; // the members' workgroup memory at most
  SmallVector<gpu::LaunchOp> members;
  gpu::LaunchOp anchor; // the member where the batch runs
  Access access;
  // Of the members together:
  int64_t threads = 0, shared = 0, sharers = 0;
  size_t buffers = 0, arguments = 0, dynamic = 0;
  llvm::DenseSet<Value> captured;
};

bool Batch::fits(const LaunchFacts &f) {
  const LaunchFacts &first = facts.launch(members.front());
  if (f.wide != first.wide)
    return false;
  if (packOf(f, std::max(threads, f.threads)) == 0)
    return false;
  if (f.threads > threads)
    for (gpu::LaunchOp m : members)
      if (packOf(facts.launch(m), f.threads) == 0)
        return false;
  if (f.shared > 0 && sharers > 0 && shared + f.shared > workgroupBytes)
    return false;
  // Each member with a dynamic grid adds its workgroup count, its slot
  // count and its offset, and then the total.
  size_t moreBuffers = buffers, moreArguments = arguments;
  for (Value v : f.captured)
    if (!captured.contains(v)) {
      moreBuffers += isa<MemRefType>(v.getType());
      moreArguments += argumentsOf(v);
    }
  size_t moreDynamic = dynamic + !f.groups;
  return moreBuffers <= kMaxBuffers &&
         moreArguments + 3 * moreDynamic + (moreDynamic > 0) <= kMaxArguments;
}

void Batch::add(const LaunchFacts &f) {
  threads = std::max(threads, f.threads);
  shared += f.shared;
  sharers += f.shared > 0;
  dynamic += !f.groups;
  for (Value v : f.captured)
    if (captured.insert(v).second) {
      buffers += isa<MemRefType>(v.getType());
      arguments += argumentsOf(v);
    }
}

bool Batch::sinkTo(gpu::LaunchOp l, LiveBytes &liveBytes) {
  llvm::DenseSet<Value> used;
  for (Value v : llvm::concat<Value>(access.reads, access.writes))
    used.insert(v);
  SmallVector<Operation *> ops(members.begin(), members.end());
  if (!noConflictBetween(anchor, l, ops, access, &used, accessFn()))
    return false;
  return liveBytes.tryDelay(ops, l);
}

bool Batch::tryJoin(gpu::LaunchOp l, LiveBytes &liveBytes) {
  const Access &mine = facts.access(l);
  const LaunchFacts &f = facts.launch(l);
  if (conflicts(mine, access) || !fits(f))
    return false;
  SmallVector<Operation *> skip(members.begin(), members.end());
  if (hoistTo(
          l, anchor, skip, mine,
          [&](ArrayRef<Operation *> moved) {
            return liveBytes.tryMove(l, moved, anchor);
          },
          accessFn())) {
    l->moveAfter(members.back());
  } else if (sinkTo(l, liveBytes)) {
    // The members move to where the batch runs: later checks (a launch
    // hoisted to another batch's anchor, past this one's) see their
    // accesses where they happen, not where they stood (a member left
    // behind let a param's in-place update be hoisted above it, which read
    // the old param: found by random models on CUDA's kernel set).
    for (gpu::LaunchOp m : members)
      m->moveBefore(l);
    anchor = l;
  } else {
    return false;
  }
  members.push_back(l);
  add(f);
  for (Value v : mine.reads)
    access.reads.insert(v);
  for (Value v : mine.writes)
    access.writes.insert(v);
  return true;
}

void Batch::flush() {
  if (members.size() < 2)
    return;
  OpBuilder b(anchor);
  Location loc = anchor.getLoc();
  auto cst = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  SmallVector<Value> offsets, groups, slots;
  SmallVector<int64_t> packs;
  Value total = cst(b, 0);
  SmallVector<Type> workgroup, priv;
  for (gpu::LaunchOp m : members) {
    Value count = b.createOrFold<arith::MulIOp>(
        loc,
        b.createOrFold<arith::MulIOp>(loc, m.getGridSizeX(),
                                      m.getGridSizeY()),
        m.getGridSizeZ());
    packs.push_back(packOf(facts.launch(m), threads));
    Value slot = packs.back() == 1 ? count
                                   : b.createOrFold<arith::CeilDivUIOp>(
                                         loc, count, cst(b, packs.back()));
    offsets.push_back(total);
    groups.push_back(count);
    slots.push_back(slot);
    total = b.createOrFold<arith::AddIOp>(loc, total, slot);
    for (BlockArgument a : m.getWorkgroupAttributions())
      workgroup.push_back(a.getType());
    for (BlockArgument a : m.getPrivateAttributions())
      priv.push_back(a.getType());
  }
  // Workgroup `group` = y * 65535 + x (a second grid dim past 65535 rather
  // than a grid-stride loop around every member: the loop cost lavapipe
  // 10% on the CNN's GEMMs).
  Value cap = cst(b, kMaxGroups);
  Value gridX = b.createOrFold<arith::MinUIOp>(loc, total, cap);
  Value gridY = b.createOrFold<arith::CeilDivUIOp>(loc, total, cap);
  Value one = cst(b, 1);
  auto launch = gpu::LaunchOp::create(
      b, loc, gridX, gridY, one, cst(b, threads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, workgroup, priv);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  Value tid = launch.getThreadIds().x;
  Value group = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, launch.getBlockIds().y, cap),
      launch.getBlockIds().x);
  unsigned nextWorkgroup = 0, nextPrivate = 0;
  for (auto [k, m] : llvm::enumerate(members)) {
    Value local = arith::SubIOp::create(b, loc, group, offsets[k]);
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         local, slots[k]);
    auto part = scf::IfOp::create(b, loc, inside, /*withElse=*/false);
    part->setAttr(kPartAttr, b.getI64IntegerAttr(int64_t(k)));
    OpBuilder pb = part.getThenBodyBuilder();
    int64_t mine = facts.launch(m).threads;
    Value memberGroup = local, memberThread = tid;
    if (packs[k] > 1) {
      memberGroup = arith::AddIOp::create(
          pb, loc, arith::MulIOp::create(pb, loc, local, cst(pb, packs[k])),
          arith::DivUIOp::create(pb, loc, tid, cst(pb, mine)));
      memberThread = arith::RemUIOp::create(pb, loc, tid, cst(pb, mine));
      auto slice = scf::IfOp::create(
          pb, loc,
          arith::CmpIOp::create(pb, loc, arith::CmpIPredicate::ult,
                                memberGroup, groups[k]),
          /*withElse=*/false);
      pb = slice.getThenBodyBuilder();
    }
    // The member's workgroup and thread indices (row major, x fastest).
    Value grids[3] = {m.getGridSizeX(), m.getGridSizeY(), m.getGridSizeZ()};
    int64_t blocks[3] = {*constantOf(m.getBlockSizeX()),
                         *constantOf(m.getBlockSizeY()),
                         *constantOf(m.getBlockSizeZ())};
    Value blockIds[3], threadIds[3];
    auto split = [&](Value linear, const Value sizes[3], Value out[3]) {
      Value zero = cst(pb, 0);
      if (constantOf(sizes[1]) == 1 && constantOf(sizes[2]) == 1) {
        out[0] = linear;
        out[1] = out[2] = zero;
        return;
      }
      out[0] = arith::RemUIOp::create(pb, loc, linear, sizes[0]);
      Value rest = arith::DivUIOp::create(pb, loc, linear, sizes[0]);
      if (constantOf(sizes[2]) == 1) {
        out[1] = rest;
        out[2] = zero;
        return;
      }
      out[1] = arith::RemUIOp::create(pb, loc, rest, sizes[1]);
      out[2] = arith::DivUIOp::create(pb, loc, rest, sizes[1]);
    };
    split(memberGroup, grids, blockIds);
    Value blockSizes[3] = {cst(pb, blocks[0]), cst(pb, blocks[1]),
                           cst(pb, blocks[2])};
    split(memberThread, blockSizes, threadIds);
    IRMapping map;
    gpu::KernelDim3 ids = m.getBlockIds(), tids = m.getThreadIds(),
                    gsz = m.getGridSize(), bsz = m.getBlockSize();
    Value from[12] = {ids.x,  ids.y,  ids.z,  tids.x, tids.y, tids.z,
                      gsz.x,  gsz.y,  gsz.z,  bsz.x,  bsz.y,  bsz.z};
    Value to[12] = {blockIds[0],   blockIds[1],   blockIds[2],
                    threadIds[0],  threadIds[1],  threadIds[2],
                    grids[0],      grids[1],      grids[2],
                    blockSizes[0], blockSizes[1], blockSizes[2]};
    for (int i = 0; i < 12; ++i)
      map.map(from[i], to[i]);
    for (BlockArgument a : m.getWorkgroupAttributions())
      map.map(a, launch.getWorkgroupAttributions()[nextWorkgroup++]);
    for (BlockArgument a : m.getPrivateAttributions())
      map.map(a, launch.getPrivateAttributions()[nextPrivate++]);
    for (Operation &op : m.getBody().front().without_terminator())
      pb.clone(op, map);
  }
  b.setInsertionPointToEnd(&body);
  gpu::TerminatorOp::create(b, loc);
  for (gpu::LaunchOp m : members) {
    facts.forget(m);
    m->erase();
  }
  facts.forget(launch);
}

struct GpuMergeLaunches
    : public nnc::impl::NNCGpuMergeLaunchesBase<GpuMergeLaunches> {
  using Base::Base;
  void runOnOperation() override {
    getOperation()->walk([&](func::FuncOp func) {
      if (func.isExternal() || !func.getBody().hasOneBlock())
        return;
      // Grid sizes that are constants at fixed dims become constants here
      // (no canonicalization since the kernels were made), so that the
      // argument counts below see them as such.
      OperationFolder folder(&getContext());
      for (Operation &op :
           llvm::make_early_inc_range(func.getBody().front()))
        if (isa<arith::ArithDialect>(op.getDialect()) &&
            llvm::all_of(op.getOperands(), [](Value v) {
              return matchPattern(v, m_Constant());
            }))
          (void)folder.tryToFold(&op);
      Facts facts;
      SmallVector<gpu::LaunchOp> launches;
      for (Operation &op : func.getBody().front())
        if (auto l = dyn_cast<gpu::LaunchOp>(op);
            l && isMergeable(l) && facts.access(l).known &&
            (barriers || !facts.launch(l).barrier))
          launches.push_back(l);
      int64_t workgroupBytes =
          barriers ? kWorkgroupBytesWithBarriers : kWorkgroupBytes;
      LiveBytes liveBytes(func.getBody().front(), facts);
      std::vector<Batch> batches;
      for (gpu::LaunchOp l : launches) {
        bool joined = false;
        // The earliest of the last kWindow batches that takes it (each try
        // walks the ops in between: all batches would be quadratic in a
        // GPT-2 step's thousand launches).
        size_t first = batches.size() > kWindow ? batches.size() - kWindow : 0;
        for (size_t i = first; i < batches.size() && !joined; ++i)
          joined = batches[i].tryJoin(l, liveBytes);
        if (!joined)
          batches.emplace_back(l, facts, workgroupBytes);
      }
      for (Batch &batch : batches)
        batch.flush();
    });
  }
};

/// After kernel outlining: each argument of a merged kernel says which
/// members (`nnc.part` regions) use it, so that `nnc --stats` counts a
/// buffer two members read as read twice.
struct GpuRecordLaunchParts
    : public nnc::impl::NNCGpuRecordLaunchPartsBase<GpuRecordLaunchParts> {
  void runOnOperation() override {
    getOperation()->walk([&](gpu::GPUFuncOp func) {
      bool merged = false;
      func.walk([&](scf::IfOp part) {
        if (part->hasAttr(kPartAttr))
          merged = true;
      });
      if (!merged)
        return;
      // The entry block also holds the workgroup attributions.
      for (unsigned i = 0, e = func.getFunctionType().getNumInputs(); i < e;
           ++i) {
        SmallVector<OpOperand *> uses;
        usesThroughViews(func.getArgument(i), uses);
        llvm::SmallSetVector<int64_t, 4> parts;
        for (OpOperand *use : uses) {
          Operation *p = use->getOwner();
          while (p && !p->hasAttr(kPartAttr))
            p = p->getParentOp();
          if (p)
            parts.insert(cast<IntegerAttr>(p->getAttr(kPartAttr)).getInt());
        }
        if (parts.empty())
          continue;
        SmallVector<int64_t> sorted(parts.begin(), parts.end());
        llvm::sort(sorted);
        func.setArgAttr(i, kPartsArgAttr,
                        DenseI64ArrayAttr::get(&getContext(), sorted));
      }
      func.walk([&](scf::IfOp part) { part->removeAttr(kPartAttr); });
    });
  }
};

} // namespace
