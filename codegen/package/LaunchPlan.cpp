//===- LaunchPlan.cpp - host side of a gpu entry -> launch plan text ------===//
#include "codegen/package/LaunchPlan.h"
#include "runtime/src/PlanArith.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <optional>

using namespace mlir;

std::string nnc::planDTypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF64())
    return "f64";
  if (type.isInteger(1))
    return "bool";
  if (type.isInteger(8))
    return "i8";
  if (type.isInteger(16))
    return "i16";
  if (type.isInteger(32))
    return "i32";
  if (type.isInteger(64))
    return "i64";
  return "";
}

namespace {

/// An index value: a plan register or an immediate.
struct Operand {
  bool isReg = false;
  int64_t value = 0; // the immediate, or the register number

  static Operand imm(int64_t v) { return {false, v}; }
  static Operand reg(int64_t r) { return {true, r}; }
  std::string str() const {
    return isReg ? "%" + std::to_string(value) : std::to_string(value);
  }
};

/// A memref value: a view of a root allocation.
struct View {
  enum class Root { Arg, Buffer, Global };
  Root root = Root::Arg;
  int64_t rootIndex = 0;
  std::string dtype;
  Operand offset;
  SmallVector<Operand> sizes, strides;
  int64_t emitted = -1; // its `v` number once written
};

uint64_t dtypeBytes(StringRef dtype) {
  if (dtype == "f64" || dtype == "i64")
    return 8;
  if (dtype == "f16" || dtype == "bf16" || dtype == "i16")
    return 2;
  if (dtype == "bool" || dtype == "i8")
    return 1;
  return 4;
}

class PlanBuilder {
public:
  PlanBuilder(func::FuncOp func, nnc::PlanTables &tables, llvm::raw_ostream &os)
      : func(func), tables(tables), os(os) {}

  LogicalResult run();

private:
  // Registers.
  Operand binary(StringRef op, Operand a, Operand b);
  std::optional<int64_t> fold(StringRef op, int64_t a, int64_t b);
  Operand newReg(const std::string &text);
  LogicalResult index(Operation *at, Value v, Operand &out);
  Operand mixed(OpFoldResult r, Operation *at, bool &ok);

  // Views.
  LogicalResult view(Operation *at, Value v, View *&out);
  int64_t emitView(View &view);
  SmallVector<Operand> contiguousStrides(ArrayRef<Operand> sizes);
  LogicalResult visit(Operation *op);
  LogicalResult visitLaunch(gpu::LaunchFuncOp launch);
  LogicalResult visitGlobal(memref::GetGlobalOp op);

  func::FuncOp func;
  nnc::PlanTables &tables;
  llvm::raw_ostream &os;
  llvm::DenseMap<Value, Operand> indices;
  llvm::DenseMap<Value, View> views;
  llvm::DenseMap<Value, int64_t> buffers; // alloc result -> b number
  int64_t numRegs = 0, numViews = 0, numBuffers = 0;
};

Operand PlanBuilder::newReg(const std::string &text) {
  os << "r " << numRegs << " " << text << "\n";
  return Operand::reg(numRegs++);
}

std::optional<int64_t> PlanBuilder::fold(StringRef op, int64_t a, int64_t b) {
  // A division by zero is left to the runtime, which reports it.
  int64_t r;
  if (nnc::plan::evalBinary(op.str(), a, b, r))
    return r;
  return std::nullopt;
}

Operand PlanBuilder::binary(StringRef op, Operand a, Operand b) {
  if (!a.isReg && !b.isReg)
    if (std::optional<int64_t> v = fold(op, a.value, b.value))
      return Operand::imm(*v);
  // Identities that keep static strides and sizes free of registers.
  if (op == "mul" && !a.isReg && a.value == 1)
    return b;
  if ((op == "mul" || op == "divs" || op == "divu") && !b.isReg && b.value == 1)
    return a;
  if ((op == "add" || op == "sub") && !b.isReg && b.value == 0)
    return a;
  if (op == "add" && !a.isReg && a.value == 0)
    return b;
  return newReg((op + " " + a.str() + " " + b.str()).str());
}

LogicalResult PlanBuilder::index(Operation *at, Value v, Operand &out) {
  auto it = indices.find(v);
  if (it != indices.end()) {
    out = it->second;
    return success();
  }
  return at->emitError("launch plan: this index value is computed by an op "
                       "the plan does not know");
}

Operand PlanBuilder::mixed(OpFoldResult r, Operation *at, bool &ok) {
  if (auto attr = dyn_cast<Attribute>(r))
    return Operand::imm(cast<IntegerAttr>(attr).getInt());
  Operand out;
  if (failed(index(at, cast<Value>(r), out)))
    ok = false;
  return out;
}

SmallVector<Operand> PlanBuilder::contiguousStrides(ArrayRef<Operand> sizes) {
  SmallVector<Operand> strides(sizes.size());
  Operand running = Operand::imm(1);
  for (int64_t i = int64_t(sizes.size()) - 1; i >= 0; --i) {
    strides[i] = running;
    if (i > 0)
      running = binary("mul", running, sizes[i]);
  }
  return strides;
}

LogicalResult PlanBuilder::view(Operation *at, Value v, View *&out) {
  auto it = views.find(v);
  if (it == views.end())
    return at->emitError("launch plan: this memref comes from an op the plan "
                         "does not know");
  out = &it->second;
  return success();
}

int64_t PlanBuilder::emitView(View &v) {
  if (v.emitted >= 0)
    return v.emitted;
  const char *root = v.root == View::Root::Arg      ? "arg"
                     : v.root == View::Root::Buffer ? "buf"
                                                    : "global";
  os << "v " << numViews << " " << root << " " << v.rootIndex << " " << v.dtype
     << " " << v.offset.str() << " " << v.sizes.size();
  for (const Operand &s : v.sizes)
    os << " " << s.str();
  for (const Operand &s : v.strides)
    os << " " << s.str();
  os << "\n";
  v.emitted = numViews++;
  return v.emitted;
}

LogicalResult PlanBuilder::visitGlobal(memref::GetGlobalOp op) {
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      op, op.getNameAttr());
  if (!global)
    return op.emitError("launch plan: unknown memref.global");
  MemRefType type = op.getType();
  std::string dtype = nnc::planDTypeName(type.getElementType());
  auto init = dyn_cast_or_null<DenseElementsAttr>(
      global.getInitialValue().value_or(Attribute()));
  if (dtype.empty() || !init || !type.hasStaticShape())
    return op.emitError("launch plan: a constant needs a static shape, a "
                        "dense initial value and a supported element type");
  int64_t index = -1;
  for (size_t i = 0; i < tables.globals.size(); ++i)
    if (tables.globals[i].name == global.getSymName())
      index = int64_t(i);
  if (index < 0) {
    nnc::PlanGlobal g;
    g.name = global.getSymName().str();
    g.dtype = dtype;
    uint64_t width = dtypeBytes(dtype);
    auto put = [&](uint64_t bits) {
      for (uint64_t b = 0; b < width; ++b)
        g.bytes.push_back(uint8_t(bits >> (8 * b)));
    };
    int64_t n = type.getNumElements();
    if (isa<FloatType>(type.getElementType())) {
      auto values = init.getValues<APFloat>();
      for (int64_t i = 0; i < n; ++i)
        put(values[init.isSplat() ? 0 : i].bitcastToAPInt().getZExtValue());
    } else {
      auto values = init.getValues<APInt>();
      for (int64_t i = 0; i < n; ++i)
        put(values[init.isSplat() ? 0 : i].getZExtValue());
    }
    index = int64_t(tables.globals.size());
    tables.globals.push_back(std::move(g));
  }
  View v;
  v.root = View::Root::Global;
  v.rootIndex = index;
  v.dtype = dtype;
  v.offset = Operand::imm(0);
  for (int64_t s : type.getShape())
    v.sizes.push_back(Operand::imm(s));
  v.strides = contiguousStrides(v.sizes);
  views[op.getResult()] = v;
  return success();
}

LogicalResult PlanBuilder::visitLaunch(gpu::LaunchFuncOp launch) {
  std::string module = launch.getKernelModuleName().str();
  std::string function = launch.getKernelName().str();
  int64_t kernel = -1;
  for (size_t i = 0; i < tables.kernels.size(); ++i)
    if (tables.kernels[i].module == module &&
        tables.kernels[i].function == function)
      kernel = int64_t(i);
  Value blockSizes[3] = {launch.getBlockSizeX(), launch.getBlockSizeY(),
                         launch.getBlockSizeZ()};
  Value gridSizes[3] = {launch.getGridSizeX(), launch.getGridSizeY(),
                        launch.getGridSizeZ()};
  Operand grid[3], block[3];
  for (int d = 0; d < 3; ++d) {
    if (failed(index(launch, gridSizes[d], grid[d])) ||
        failed(index(launch, blockSizes[d], block[d])))
      return failure();
    // The SPIR-V entry point bakes the workgroup size in; it must be static.
    if (block[d].isReg)
      return launch.emitError("launch plan: a kernel's block size must be a "
                              "constant");
  }
  if (kernel < 0) {
    nnc::PlanKernel k;
    k.module = module;
    k.function = function;
    for (int d = 0; d < 3; ++d)
      k.block[d] = block[d].value;
    kernel = int64_t(tables.kernels.size());
    tables.kernels.push_back(k);
  } else {
    for (int d = 0; d < 3; ++d)
      if (tables.kernels[kernel].block[d] != block[d].value)
        return launch.emitError("launch plan: one kernel launched with two "
                                "block sizes");
  }
  std::string args;
  for (Value operand : launch.getKernelOperands()) {
    Type type = operand.getType();
    if (isa<MemRefType>(type)) {
      View *v;
      if (failed(view(launch, operand, v)))
        return failure();
      args += " v" + std::to_string(emitView(*v));
      continue;
    }
    std::string scalar = type.isIndex() ? "index" : nnc::planDTypeName(type);
    Operand value;
    if (scalar.empty() || !type.isIntOrIndex() ||
        failed(index(launch, operand, value)))
      return launch.emitError("launch plan: kernel argument of type ")
             << type << " cannot be computed on the host";
    args += " " + scalar + ":" + value.str();
  }
  os << "launch " << kernel;
  for (const Operand &g : grid)
    os << " " << g.str();
  os << " " << launch.getKernelOperands().size() << args << "\n";
  return success();
}

LogicalResult PlanBuilder::visit(Operation *op) {
  auto bin = [&](StringRef name) -> LogicalResult {
    Operand a, b;
    if (failed(index(op, op->getOperand(0), a)) ||
        failed(index(op, op->getOperand(1), b)))
      return failure();
    indices[op->getResult(0)] = binary(name, a, b);
    return success();
  };
  auto isIndexLike = [](Type t) { return t.isIndex() || t.isSignlessInteger(); };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](arith::ConstantOp c) -> LogicalResult {
        if (auto i = dyn_cast<IntegerAttr>(c.getValue());
            i && isIndexLike(c.getType())) {
          indices[c.getResult()] = Operand::imm(i.getValue().getSExtValue());
          return success();
        }
        if (c->use_empty())
          return success();
        return c.emitError("launch plan: only integer constants may live on "
                           "the host");
      })
      .Case([&](arith::AddIOp) { return bin("add"); })
      .Case([&](arith::SubIOp) { return bin("sub"); })
      .Case([&](arith::MulIOp) { return bin("mul"); })
      .Case([&](arith::DivSIOp) { return bin("divs"); })
      .Case([&](arith::DivUIOp) { return bin("divu"); })
      .Case([&](arith::CeilDivSIOp) { return bin("ceildivs"); })
      .Case([&](arith::CeilDivUIOp) { return bin("ceildivu"); })
      .Case([&](arith::FloorDivSIOp) { return bin("floordivs"); })
      .Case([&](arith::RemSIOp) { return bin("rems"); })
      .Case([&](arith::RemUIOp) { return bin("remu"); })
      .Case([&](arith::MinSIOp) { return bin("mins"); })
      .Case([&](arith::MaxSIOp) { return bin("maxs"); })
      .Case([&](arith::MinUIOp) { return bin("minu"); })
      .Case([&](arith::MaxUIOp) { return bin("maxu"); })
      .Case([&](arith::AndIOp) { return bin("and"); })
      .Case([&](arith::OrIOp) { return bin("or"); })
      .Case([&](arith::XOrIOp) { return bin("xor"); })
      .Case([&](arith::IndexCastOp c) -> LogicalResult {
        Operand a;
        if (failed(index(op, c.getIn(), a)))
          return failure();
        indices[c.getResult()] = a;
        return success();
      })
      .Case([&](arith::CmpIOp c) -> LogicalResult {
        Operand a, b;
        if (failed(index(op, c.getLhs(), a)) ||
            failed(index(op, c.getRhs(), b)))
          return failure();
        indices[c.getResult()] =
            newReg(("cmp " + arith::stringifyCmpIPredicate(c.getPredicate()) +
                    " " + a.str() + " " + b.str())
                       .str());
        return success();
      })
      .Case([&](arith::SelectOp s) -> LogicalResult {
        if (isa<MemRefType>(s.getType()))
          return s.emitError("launch plan: a choice between two buffers "
                             "cannot be planned");
        Operand c, a, b;
        if (failed(index(op, s.getCondition(), c)) ||
            failed(index(op, s.getTrueValue(), a)) ||
            failed(index(op, s.getFalseValue(), b)))
          return failure();
        indices[s.getResult()] =
            c.isReg ? newReg("select " + c.str() + " " + a.str() + " " +
                             b.str())
                    : (c.value ? a : b);
        return success();
      })
      .Case([&](memref::DimOp d) -> LogicalResult {
        View *v;
        std::optional<int64_t> axis = d.getConstantIndex();
        if (failed(view(op, d.getSource(), v)))
          return failure();
        if (!axis || *axis < 0 || *axis >= int64_t(v->sizes.size()))
          return d.emitError("launch plan: memref.dim needs a constant, "
                             "in-range axis");
        indices[d.getResult()] = v->sizes[*axis];
        return success();
      })
      .Case([&](memref::AllocOp a) -> LogicalResult {
        MemRefType type = a.getType();
        View v;
        v.root = View::Root::Buffer;
        v.dtype = nnc::planDTypeName(type.getElementType());
        if (v.dtype.empty() || !type.getLayout().isIdentity())
          return a.emitError("launch plan: unsupported allocation type ")
                 << type;
        auto dynamic = a.getDynamicSizes().begin();
        for (int64_t s : type.getShape()) {
          if (!ShapedType::isDynamic(s)) {
            v.sizes.push_back(Operand::imm(s));
            continue;
          }
          Operand o;
          if (failed(index(op, *dynamic++, o)))
            return failure();
          v.sizes.push_back(o);
        }
        v.strides = contiguousStrides(v.sizes);
        v.offset = Operand::imm(0);
        Operand bytes = Operand::imm(int64_t(dtypeBytes(v.dtype)));
        for (const Operand &s : v.sizes)
          bytes = binary("mul", bytes, s);
        v.rootIndex = numBuffers++;
        os << "b " << v.rootIndex << " alloc " << bytes.str() << "\n";
        buffers[a.getResult()] = v.rootIndex;
        views[a.getResult()] = v;
        return success();
      })
      .Case([&](memref::DeallocOp d) -> LogicalResult {
        auto it = buffers.find(d.getMemref());
        if (it == buffers.end())
          return d.emitError("launch plan: dealloc of a memref that is not "
                             "an allocation");
        os << "free " << it->second << "\n";
        return success();
      })
      .Case([&](memref::CastOp c) -> LogicalResult {
        View *v;
        if (failed(view(op, c.getSource(), v)))
          return failure();
        View copy = *v;
        copy.emitted = -1;
        views[c.getResult()] = copy;
        return success();
      })
      .Case([&](memref::CollapseShapeOp c) -> LogicalResult {
        View *src;
        if (failed(view(op, c.getSrc(), src)))
          return failure();
        View v = *src;
        v.emitted = -1;
        v.sizes.clear();
        v.strides.clear();
        for (const ReassociationIndices &group : c.getReassociationIndices()) {
          Operand size = Operand::imm(1);
          for (int64_t i : group)
            size = binary("mul", size, src->sizes[i]);
          v.sizes.push_back(size);
          // A group is contiguous (the verifier checks it): its stride is
          // that of its innermost dim.
          v.strides.push_back(src->strides[group.back()]);
        }
        views[c.getResult()] = v;
        return success();
      })
      .Case([&](memref::ExpandShapeOp e) -> LogicalResult {
        View *src;
        if (failed(view(op, e.getSrc(), src)))
          return failure();
        View v = *src;
        v.emitted = -1;
        bool ok = true;
        SmallVector<OpFoldResult> shape = e.getMixedOutputShape();
        v.sizes.clear();
        for (OpFoldResult r : shape)
          v.sizes.push_back(mixed(r, op, ok));
        if (!ok)
          return failure();
        v.strides.assign(v.sizes.size(), Operand::imm(0));
        for (auto [g, group] : llvm::enumerate(e.getReassociationIndices())) {
          Operand stride = src->strides[g];
          for (int64_t i = int64_t(group.size()) - 1; i >= 0; --i) {
            v.strides[group[i]] = stride;
            stride = binary("mul", stride, v.sizes[group[i]]);
          }
        }
        views[e.getResult()] = v;
        return success();
      })
      .Case([&](memref::SubViewOp s) -> LogicalResult {
        View *src;
        if (failed(view(op, s.getSource(), src)))
          return failure();
        View v = *src;
        v.emitted = -1;
        bool ok = true;
        SmallVector<OpFoldResult> offsets = s.getMixedOffsets(),
                                  sizes = s.getMixedSizes(),
                                  steps = s.getMixedStrides();
        llvm::SmallBitVector dropped = s.getDroppedDims();
        v.sizes.clear();
        v.strides.clear();
        for (size_t i = 0; i < offsets.size(); ++i) {
          Operand off = mixed(offsets[i], op, ok);
          v.offset = binary("add", v.offset,
                            binary("mul", off, src->strides[i]));
          if (dropped.test(i))
            continue;
          v.sizes.push_back(mixed(sizes[i], op, ok));
          v.strides.push_back(
              binary("mul", src->strides[i], mixed(steps[i], op, ok)));
        }
        if (!ok)
          return failure();
        views[s.getResult()] = v;
        return success();
      })
      .Case([&](memref::ReinterpretCastOp r) -> LogicalResult {
        View *src;
        if (failed(view(op, r.getSource(), src)))
          return failure();
        View v = *src;
        v.emitted = -1;
        bool ok = true;
        SmallVector<OpFoldResult> offsets = r.getMixedOffsets();
        v.offset = mixed(offsets.front(), op, ok);
        v.sizes.clear();
        v.strides.clear();
        for (OpFoldResult s : r.getMixedSizes())
          v.sizes.push_back(mixed(s, op, ok));
        for (OpFoldResult s : r.getMixedStrides())
          v.strides.push_back(mixed(s, op, ok));
        if (!ok)
          return failure();
        views[r.getResult()] = v;
        return success();
      })
      .Case([&](memref::ExtractStridedMetadataOp m) -> LogicalResult {
        View *src;
        if (failed(view(op, m.getSource(), src)))
          return failure();
        View base = *src;
        base.emitted = -1;
        base.offset = Operand::imm(0);
        base.sizes.clear();
        base.strides.clear();
        views[m.getBaseBuffer()] = base;
        indices[m.getOffset()] = src->offset;
        for (auto [i, s] : llvm::enumerate(m.getSizes()))
          indices[s] = src->sizes[i];
        for (auto [i, s] : llvm::enumerate(m.getStrides()))
          indices[s] = src->strides[i];
        return success();
      })
      .Case([&](memref::GetGlobalOp g) { return visitGlobal(g); })
      .Case([&](gpu::LaunchFuncOp l) { return visitLaunch(l); })
      .Case([&](func::ReturnOp r) -> LogicalResult {
        for (auto [i, value] : llvm::enumerate(r.getOperands())) {
          View *v;
          if (failed(view(op, value, v)))
            return failure();
          auto name = func.getResultAttrOfType<StringAttr>(i, "nn.name");
          // nn.update: the next value of a param or state (@train_step).
          auto update = func.getResultAttrOfType<StringAttr>(i, "nn.update");
          std::string n = update ? update.getValue().str()
                          : name ? name.getValue().str()
                                 : "out" + std::to_string(i);
          // The view's own line first: it must not land inside this one.
          int64_t index = emitView(*v);
          os << (update ? "update " : "result ") << n << " v" << index
             << "\n";
        }
        return success();
      })
      .Default([&](Operation *other) -> LogicalResult {
        return other->emitError("launch plan: host op '")
               << other->getName() << "' has no plan form";
      });
}

LogicalResult PlanBuilder::run() {
  if (!func.getBody().hasOneBlock())
    return func.emitError("launch plan: an entry must be one block of host "
                          "code");
  os << "entry " << func.getName() << "\n";
  for (BlockArgument arg : func.getArguments()) {
    unsigned i = arg.getArgNumber();
    auto type = dyn_cast<MemRefType>(arg.getType());
    std::string dtype = type ? nnc::planDTypeName(type.getElementType()) : "";
    if (!type || dtype.empty() || !type.getLayout().isIdentity())
      return func.emitError("launch plan: argument #")
             << i << " must be a memref with a supported element type";
    auto role = func.getArgAttrOfType<StringAttr>(i, "nn.role");
    auto name = func.getArgAttrOfType<StringAttr>(i, "nn.name");
    std::string n = name ? name.getValue().str() : "arg" + std::to_string(i);
    os << "arg " << i << " " << (role ? role.getValue() : "input") << " " << n
       << " " << dtype << " " << (arg.use_empty() ? "unused" : "used") << " "
       << type.getRank();
    for (int64_t s : type.getShape())
      os << " " << (ShapedType::isDynamic(s) ? "?" : std::to_string(s));
    os << "\n";
  }
  for (BlockArgument arg : func.getArguments()) {
    unsigned i = arg.getArgNumber();
    auto type = cast<MemRefType>(arg.getType());
    View v;
    v.root = View::Root::Arg;
    v.rootIndex = i;
    v.dtype = nnc::planDTypeName(type.getElementType());
    v.offset = Operand::imm(0);
    // An argument the entry never reads may be absent at run time (labels
    // in inference): its dynamic dims are never asked for.
    for (auto [axis, s] : llvm::enumerate(type.getShape()))
      v.sizes.push_back(
          ShapedType::isDynamic(s) && !arg.use_empty()
              ? newReg("indim " + std::to_string(i) + " " +
                       std::to_string(axis))
              : Operand::imm(ShapedType::isDynamic(s) ? 0 : s));
    v.strides = contiguousStrides(v.sizes);
    views[arg] = v;
  }
  for (Operation &op : func.getBody().front())
    if (failed(visit(&op)))
      return failure();
  os << "end\n";
  return success();
}

} // namespace

LogicalResult nnc::buildLaunchPlan(func::FuncOp func, PlanTables &tables,
                                   llvm::raw_ostream &os) {
  return PlanBuilder(func, tables, os).run();
}

LogicalResult nnc::buildLaunchPlans(ModuleOp module, PlanTables &tables,
                                    llvm::raw_ostream &os) {
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isPrivate() || func.isExternal())
      continue;
    if (failed(buildLaunchPlan(func, tables, os)))
      return failure();
  }
  return success();
}
