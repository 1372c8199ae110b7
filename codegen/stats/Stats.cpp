//===- Stats.cpp - nnc --stats figures -------------------------------------===//
#include "codegen/stats/Stats.h"

#include "ir/NNOps.h"
#include "runtime/src/Plan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"

#include <set>
#include <tuple>

using namespace mlir;

namespace {

uint64_t elementBytes(Type t) {
  unsigned bits = t.getIntOrFloatBitWidth();
  return bits < 8 ? 1 : bits / 8;
}

/// Bytes of a static tensor, or nullopt.
std::optional<uint64_t> tensorBytes(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || !t.hasStaticShape())
    return std::nullopt;
  return uint64_t(t.getNumElements()) * elementBytes(t.getElementType());
}

int64_t numel(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.hasStaticShape() ? t.getNumElements() : 0;
}

/// Ops that only rearrange or select data: no arithmetic.
bool isDataMovement(Operation *op) {
  return isa<nnc::nn::ConstantOp, nnc::nn::ReshapeOp, nnc::nn::TransposeOp,
             nnc::nn::FlattenOp, nnc::nn::ConcatOp, nnc::nn::SliceOp,
             nnc::nn::BroadcastToOp, nnc::nn::GatherOp,
             nnc::nn::EmbeddingOp>(op);
}

double flopsOf(Operation *op) {
  using namespace nnc::nn;
  if (op->getNumResults() == 0 || isDataMovement(op))
    return 0;
  if (auto mm = dyn_cast<MatmulOp>(op)) {
    auto a = cast<RankedTensorType>(mm->getOperand(0).getType());
    return 2.0 * double(numel(mm->getResult(0))) * double(a.getShape().back());
  }
  // conv2d and its gradients: 2 flops per (output element, window tap,
  // input channel of the group).
  auto convFlops = [](Value y, Value w) {
    auto wt = cast<RankedTensorType>(w.getType());
    double taps = 1;
    for (int64_t d : wt.getShape().drop_front())
      taps *= double(d);
    return 2.0 * double(numel(y)) * taps;
  };
  if (auto c = dyn_cast<Conv2DOp>(op))
    return convFlops(c->getResult(0), c->getOperand(1));
  if (auto c = dyn_cast<Conv2DGradInputOp>(op))
    return convFlops(c->getOperand(0), c->getOperand(1));
  if (auto c = dyn_cast<Conv2DGradWeightOp>(op))
    return convFlops(c->getOperand(1), c->getResult(0));
  // Attention: the products its kernel computes, 2 flops per multiply-add
  // (the scores q . k, D each, recomputed by every kernel; p v or dout . v,
  // Dv; the gradient's ds k or ds q, D).
  // An nn.attention_lse of an nn.attention's scores is computed by the
  // forward's kernel: nothing more.
  if (isa<AttentionOp, AttentionLseOp, AttentionGradOp>(op)) {
    auto q = cast<RankedTensorType>(op->getOperand(0).getType());
    auto k = cast<RankedTensorType>(op->getOperand(1).getType());
    int64_t rank = q.getRank();
    if (auto lse = dyn_cast<AttentionLseOp>(op); lse && scoresOf(lse))
      return 0;
    if (k.isDynamicDim(rank - 2) || numel(op->getOperand(0)) == 0)
      return 0;
    double pairs = double(numel(op->getOperand(0))) / double(q.getShape().back()) *
                   double(k.getDimSize(rank - 2));
    double d = double(q.getShape().back()), dv = 0;
    if (!isa<AttentionLseOp>(op))
      dv = double(cast<RankedTensorType>(op->getOperand(2).getType())
                      .getShape()
                      .back());
    double perPair = d + dv;
    if (auto g = dyn_cast<AttentionGradOp>(op))
      perPair = g.getWrt() == "v" ? d + dv : 2 * d + dv;
    return 2.0 * pairs * perPair;
  }
  // Reductions, norms, pools, losses: one per input element; elementwise:
  // one per output element.
  int64_t in = op->getNumOperands() ? numel(op->getOperand(0)) : 0;
  int64_t out = numel(op->getResult(0));
  return double(std::max(in, out));
}

/// The value `v` is a free view of (reshape, flatten), else itself.
Value storageOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<nnc::nn::ReshapeOp, nnc::nn::FlattenOp>(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

LogicalResult entryStats(func::FuncOp f, nnc::EntryStats &s) {
  Block &body = f.getBody().front();
  uint64_t bytes = 0;
  for (BlockArgument arg : f.getArguments()) {
    auto t = dyn_cast<RankedTensorType>(arg.getType());
    if (!t || !t.hasStaticShape()) {
      auto name = f.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "nn.name");
      auto dims = f.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), "nn.dims");
      std::string dim = "NAME";
      if (t && dims && int64_t(dims.size()) == t.getRank())
        for (int64_t i = 0; i < t.getRank(); ++i)
          if (t.isDynamicDim(i))
            if (auto s = dyn_cast<StringAttr>(dims[i]))
              dim = s.str();
      return f.emitError("nnc --stats: '")
             << (name ? name.getValue() : StringRef("?"))
             << "' has a dynamic dim; give its size with --dim " << dim
             << "=N";
    }
    s.argShapes.emplace_back(t.getShape().begin(), t.getShape().end());
    if (!arg.use_empty())
      bytes += *tensorBytes(t);
  }
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  llvm::DenseSet<Value> written;
  for (Value r : ret.getOperands()) {
    std::optional<uint64_t> b = tensorBytes(r.getType());
    if (!b)
      return f.emitError("nnc --stats: a result of @")
             << f.getSymName() << " has a dynamic shape";
    if (isa<BlockArgument>(r) && !written.insert(r).second)
      continue;
    bytes += *b;
  }
  // Training entries: what the forward half (everything the loss, result 0,
  // depends on) hands to the backward half is written once and read once.
  StringRef name = f.getSymName();
  if ((name == "train_step" || name == "loss_grad") &&
      ret.getNumOperands() > 0) {
    llvm::DenseSet<Operation *> forward;
    SmallVector<Value> work{ret.getOperand(0)};
    while (!work.empty()) {
      Operation *def = work.pop_back_val().getDefiningOp();
      if (!def || !forward.insert(def).second)
        continue;
      for (Value o : def->getOperands())
        work.push_back(o);
    }
    llvm::SetVector<Value> saved;
    for (Operation &op : body) {
      if (forward.contains(&op) || isa<func::ReturnOp>(op))
        continue;
      for (Value o : op.getOperands()) {
        Operation *def = o.getDefiningOp();
        if (def && forward.contains(def) && def->getNumOperands() > 0)
          saved.insert(storageOf(o));
      }
    }
    for (Value v : saved)
      if (!isa<BlockArgument>(v))
        if (std::optional<uint64_t> b = tensorBytes(v.getType()))
          bytes += 2 * *b;
  }
  s.bytesMin = bytes;
  for (Operation &op : body)
    s.flops += flopsOf(&op);
  return success();
}

} // namespace

LogicalResult nnc::computeGraphStats(ModuleOp module, ModelStats &stats) {
  for (auto f : module.getOps<func::FuncOp>()) {
    if (f.isExternal() || f.isPrivate())
      continue;
    EntryStats s;
    if (failed(entryStats(f, s)))
      return failure();
    stats[f.getSymName().str()] = std::move(s);
  }
  return success();
}

nnc::KernelParts nnc::collectKernelParts(ModuleOp module) {
  KernelParts out;
  module.walk([&](gpu::GPUFuncOp func) {
    auto gpuModule = func->getParentOfType<gpu::GPUModuleOp>();
    unsigned n = func.getFunctionType().getNumInputs();
    std::vector<std::vector<int64_t>> args(n);
    bool any = false;
    for (unsigned i = 0; i < n; ++i)
      if (auto parts = func.getArgAttrOfType<DenseI64ArrayAttr>(i, "nnc.parts")) {
        args[i].assign(parts.asArrayRef().begin(), parts.asArrayRef().end());
        any = true;
      }
    if (any && gpuModule)
      out[(gpuModule.getName() + "/" + func.getName()).str()] = std::move(args);
  });
  return out;
}

std::string nnc::computePlanStats(const std::string &planText,
                                  ModelStats &stats, const KernelParts &parts) {
  rt::Plan plan;
  std::string error = rt::parsePlan(planText, plan);
  if (!error.empty())
    return error;
  for (const rt::PlanEntry &entry : plan.entries) {
    auto it = stats.find(entry.name);
    if (it == stats.end())
      continue;
    EntryStats &s = it->second;
    rt::EvalEntry eval;
    error = rt::evaluateEntry(plan, entry, s.argShapes, eval);
    if (!error.empty())
      return "@" + entry.name + ": " + error;
    auto viewBytes = [](const rt::EvalView &v) {
      return uint64_t(v.numel()) * v.elementBytes;
    };
    s.kernels = int64_t(eval.launches.size());
    s.arenaBytes = eval.arenaBytes;
    for (const rt::EvalLaunch &launch : eval.launches) {
      uint64_t before = s.bytesMoved;
      const rt::PlanKernel &kernel = plan.kernels[size_t(launch.kernel)];
      auto merged = parts.find(kernel.module + "/" + kernel.function);
      // Each distinct view once per member: a kernel given one buffer twice
      // (as an input and as the output it accumulates into) moves it once;
      // two members of a merged launch that read it read it twice.
      std::set<std::tuple<int64_t, int, int64_t, int64_t,
                          std::vector<int64_t>, std::vector<int64_t>>>
          seen;
      for (auto [i, a] : llvm::enumerate(launch.args)) {
        if (!a.isView)
          continue;
        const rt::EvalView &v = a.view;
        std::vector<int64_t> users{-1};
        if (merged != parts.end() && i < merged->second.size() &&
            !merged->second[i].empty())
          users = merged->second[i];
        for (int64_t user : users)
          if (seen.insert({user, int(v.root), v.rootIndex, v.offset, v.sizes,
                           v.strides})
                  .second)
            s.bytesMoved += viewBytes(v);
      }
      s.launchBytes.emplace_back(kernel.module, s.bytesMoved - before);
    }
    for (auto &[name, view] : eval.updates) {
      // The value already in the param's own buffer (written in place by
      // the kernel that computed it): the runtime copies nothing.
      // The kernel that wrote it counted the view once, as one read or
      // write: add the other pass over it.
      if (view.root == rt::PlanViewDef::Root::Arg && view.offset == 0 &&
          entry.args[size_t(view.rootIndex)].name == name) {
        s.bytesMoved += viewBytes(view);
        s.launchBytes.emplace_back("in-place write of " + name,
                                   viewBytes(view));
        continue;
      }
      ++s.copies;
      s.bytesMoved += 2 * viewBytes(view);
      s.launchBytes.emplace_back("copy " + name, 2 * viewBytes(view));
    }
  }
  return "";
}

void nnc::printStatsJson(const ModelStats &stats, llvm::raw_ostream &os) {
  os << "{";
  bool first = true;
  for (auto &[name, s] : stats) {
    os << (first ? "\n" : ",\n") << "  \"" << name << "\": {\"kernels\": "
       << s.kernels << ", \"bytes_moved\": " << s.bytesMoved
       << ", \"bytes_min\": " << s.bytesMin
       << ", \"arena_bytes\": " << s.arenaBytes << ", \"flops\": "
       << llvm::format("%.0f", s.flops) << "}";
    first = false;
  }
  os << "\n}\n";
}

void nnc::printStatsKernels(const ModelStats &stats, llvm::raw_ostream &os) {
  for (auto &[name, s] : stats) {
    os << name << ": " << s.kernels << " kernels, " << s.copies
       << " update copies, bytes_moved " << s.bytesMoved << ", bytes_min "
       << s.bytesMin << "\n";
    std::vector<std::pair<std::string, uint64_t>> sorted = s.launchBytes;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](auto &a, auto &b) { return a.second > b.second; });
    for (auto &[kernel, bytes] : sorted)
      os << llvm::format("  %12llu  %5.1f%%  ", (unsigned long long)bytes,
                         s.bytesMoved ? 100.0 * bytes / s.bytesMoved : 0.0)
         << kernel << "\n";
  }
}
