// Session: params, inputs and device memory of one model instance, and
// nnrt_session_run, which evaluates an entry's plan and hands the launches
// to the device's driver (or runs the graph on the reference interpreter).
#include "runtime/src/Internal.h"
#include "runtime/src/Profile.h"

#include "reference/Init.h"
#include "reference/Npy.h"

#include <cstring>

using namespace nnc;

namespace {

uint64_t alignUp(uint64_t n) {
  return (n + rt::kArenaAlignment - 1) / rt::kArenaAlignment * rt::kArenaAlignment;
}

std::string joinNames(const std::vector<std::string> &names) {
  std::string out;
  for (const std::string &n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

nnrt_status_t driverError(const std::string &what, const rt::DriverStatus &s) {
  return nnrtError(NNRT_FAILED, what + ": " + s.message);
}

bool onDevice(const nnrt_session_s &s) { return s.model->context->driver != nullptr; }

nnrt_status_t uploadParam(nnrt_session_s &s, const std::string &name) {
  rt::Driver &driver = *s.model->context->driver;
  const ref::Tensor &t = s.params[name];
  std::unique_ptr<rt::DeviceBuffer> &buffer = s.paramBuffers[name];
  if (!buffer) {
    rt::DriverStatus st = driver.allocate(t.bytes().size(), buffer);
    if (!st.ok())
      return driverError("allocating param " + name, st);
  }
  rt::DriverStatus st = driver.write(*buffer, 0, t.bytes().data(), t.bytes().size());
  return st.ok() ? nullptr : driverError("uploading param " + name, st);
}

/// Copies the device's params back to the host cache.
nnrt_status_t syncParams(nnrt_session_s &s) {
  if (s.paramsOnHost || !onDevice(s))
    return nullptr;
  for (auto &[name, t] : s.params) {
    rt::DriverStatus st = s.model->context->driver->read(
        *s.paramBuffers[name], 0, t.bytes().data(), t.bytes().size());
    if (!st.ok())
      return driverError("reading param " + name, st);
  }
  s.paramsOnHost = true;
  return nullptr;
}

nnrt_status_t checkValue(const nnrt_session_s &s, const std::string &name,
                         const ref::Tensor &have, const ref::TypeSpec &want,
                         const char *what) {
  const std::string &model = s.model->graph.model;
  bool ok = have.dtype() == want.dtype && size_t(have.rank()) == want.dims.size();
  for (size_t i = 0; ok && i < want.dims.size(); ++i)
    ok = !want.dims[i].isStatic() || want.dims[i].size == have.shape()[i];
  if (ok)
    return nullptr;
  return nnrtError(NNRT_INVALID_ARGUMENT, std::string(what) + " '" + name + "' of " +
                                              model + " is " + want.str() + ", got " +
                                              have.typeString());
}

/// An input against the sizes `nnc --dim` fixed where the graph names a dim
/// (describe() put them in the input's info): on every device, the
/// reference included, a tensor of another size is the caller's mistake.
nnrt_status_t checkCompiledDims(const nnrt_session_s &s, const std::string &name,
                                const ref::Tensor &have) {
  for (const ValueInfo &v : s.model->values[NNRT_VALUE_INPUT]) {
    if (v.name != name || v.dims.size() != size_t(have.rank()))
      continue;
    bool fits = true;
    for (size_t i = 0; i < v.dims.size(); ++i)
      fits &= v.dims[i] < 0 || v.dims[i] == have.shape()[i];
    if (fits)
      return nullptr;
    return nnrtError(NNRT_INVALID_ARGUMENT,
                     "input '" + name + "' has shape " + rt::shapeString(have.shape()) +
                         "; this model was compiled for " + rt::shapeString(v.dims) +
                         " (nnc --dim fixed its sizes)");
  }
  return nullptr;
}

nnrt_status_t runOnDevice(nnrt_session_s &s, const rt::PlanEntry &entry) {
  nnrt_model_s &m = *s.model;
  rt::Driver &driver = *m.context->driver;
  std::vector<std::vector<int64_t>> shapes;
  for (const rt::PlanArg &a : entry.args) {
    if (a.role == "input") {
      auto it = s.inputs.find(a.name);
      shapes.push_back(it != s.inputs.end() ? it->second.shape()
                                            : std::vector<int64_t>(a.dims.size(), 0));
    } else {
      auto it = s.params.find(a.name);
      if (it == s.params.end())
        return nnrtError(NNRT_INCOMPATIBLE, "plan argument '" + a.name +
                                                "' is not a param of the graph");
      shapes.push_back(it->second.shape());
    }
    if (a.used && a.role == "input" && !s.inputs.count(a.name))
      return nnrtError(NNRT_INVALID_ARGUMENT, "missing input '" + a.name + "'");
  }
  std::string e = rt::evaluateEntry(m.plan, entry, shapes, s.eval);
  if (!e.empty())
    return nnrtError(NNRT_INTERNAL, "entry " + entry.name + ": " + e);

  // The arena: the plan's buffers, then the inputs.
  uint64_t top = alignUp(s.eval.arenaBytes);
  std::map<std::string, uint64_t> inputOffset;
  for (const rt::PlanArg &a : entry.args)
    if (a.role == "input" && a.used) {
      inputOffset[a.name] = top;
      top += alignUp(std::max<uint64_t>(1, s.inputs[a.name].bytes().size()));
    }
  if (!s.arena || s.arena->size < top) {
    s.arena.reset();
    rt::DriverStatus st = driver.allocate(top, s.arena);
    if (!st.ok())
      return nnrtError(NNRT_RESOURCE_EXHAUSTED,
                       "allocating " + std::to_string(top) + " bytes of device memory: " +
                           st.message);
    s.inputsDirty = true;
  }
  if (inputOffset != s.inputOffset)
    s.inputsDirty = true;
  if (s.inputsDirty) {
    for (const auto &[name, offset] : inputOffset) {
      const ref::Tensor &t = s.inputs[name];
      rt::DriverStatus st = driver.write(*s.arena, offset, t.bytes().data(), t.bytes().size());
      if (!st.ok())
        return driverError("uploading input " + name, st);
    }
    s.inputOffset = inputOffset;
    s.inputsDirty = false;
  }

  auto bind = [&](const rt::EvalView &v, rt::KernelArg &arg) -> nnrt_status_t {
    arg.kind = rt::KernelArg::Kind::Memref;
    arg.elementBytes = v.elementBytes;
    arg.offset = v.offset;
    arg.sizes = v.sizes;
    arg.strides = v.strides;
    switch (v.root) {
    case rt::PlanViewDef::Root::Arg: {
      const rt::PlanArg &a = entry.args[size_t(v.rootIndex)];
      if (a.role == "input") {
        arg.buffer = s.arena.get();
        arg.byteOffset = s.inputOffset[a.name];
        arg.byteSize = s.inputs[a.name].bytes().size();
      } else {
        arg.buffer = s.paramBuffers[a.name].get();
        arg.byteOffset = 0;
        arg.byteSize = s.params[a.name].bytes().size();
      }
      break;
    }
    case rt::PlanViewDef::Root::Buffer:
      arg.buffer = s.arena.get();
      arg.byteOffset = s.eval.bufferOffset[size_t(v.rootIndex)];
      arg.byteSize = s.eval.bufferBytes[size_t(v.rootIndex)];
      break;
    case rt::PlanViewDef::Root::Global:
      arg.buffer = s.globalBuffers[size_t(v.rootIndex)].get();
      arg.byteOffset = 0;
      arg.byteSize = m.plan.globals[size_t(v.rootIndex)].bytes;
      break;
    }
    if (!arg.buffer)
      return nnrtError(NNRT_INTERNAL, "a kernel argument has no buffer");
    return nullptr;
  };

  std::vector<rt::Command> commands;
  for (const rt::EvalLaunch &l : s.eval.launches) {
    rt::Command c;
    c.kind = rt::Command::Kind::Launch;
    c.kernel = uint32_t(l.kernel);
    const rt::PlanKernel &k = m.plan.kernels[size_t(l.kernel)];
    for (int d = 0; d < 3; ++d) {
      c.grid[d] = l.grid[d];
      c.block[d] = k.block[d];
    }
    for (const rt::EvalLaunch::Arg &a : l.args) {
      rt::KernelArg arg;
      if (a.isView) {
        if (nnrt_status_t st = bind(a.view, arg))
          return st;
      } else {
        arg.kind = rt::KernelArg::Kind::Scalar;
        arg.value = a.value;
        const std::string &t = a.scalarType;
        arg.scalarType = t == "index" ? rt::ScalarType::Index
                         : t == "i64" ? rt::ScalarType::I64
                         : t == "i32" ? rt::ScalarType::I32
                         : t == "i16" ? rt::ScalarType::I16
                         : t == "i8"  ? rt::ScalarType::I8
                                      : rt::ScalarType::I1;
      }
      c.args.push_back(std::move(arg));
    }
    commands.push_back(std::move(c));
  }
  // Updates (train_step): after every launch, copy each next value into its
  // param's or state's own buffer. Sources that are params themselves go
  // first, before any param is overwritten.
  std::vector<rt::Command> copies, late;
  for (const auto &[name, v] : s.eval.updates) {
    auto param = s.params.find(name);
    if (param == s.params.end())
      return nnrtError(NNRT_INCOMPATIBLE, "entry " + entry.name + " updates '" + name +
                                              "', which is not a param or state");
    rt::KernelArg src;
    if (nnrt_status_t st = bind(v, src))
      return st;
    uint64_t bytes = param->second.bytes().size();
    if (!v.contiguous() || uint64_t(v.numel()) * v.elementBytes != bytes)
      return nnrtError(NNRT_INTERNAL, "entry " + entry.name + ": the update of '" + name +
                                          "' is not a contiguous " + std::to_string(bytes) +
                                          "-byte value");
    rt::Command c;
    c.kind = rt::Command::Kind::Copy;
    c.src = src.buffer;
    c.srcOffset = src.byteOffset + uint64_t(v.offset) * v.elementBytes;
    c.dst = s.paramBuffers[name].get();
    c.bytes = bytes;
    if (c.src == c.dst && c.srcOffset == 0)
      continue; // the value is the param itself
    bool fromParam = v.root == rt::PlanViewDef::Root::Arg &&
                     entry.args[size_t(v.rootIndex)].role != "input";
    (fromParam ? copies : late).push_back(std::move(c));
  }
  for (rt::Command &c : late)
    copies.push_back(std::move(c));
  for (rt::Command &c : copies)
    commands.push_back(std::move(c));
  if (!s.eval.updates.empty())
    s.paramsOnHost = false;
  // driver.execute, or with NNRT_PROFILE set, timed and reported.
  rt::DriverStatus st = rt::executeProfiled(s, entry, commands);
  if (!st.ok())
    return driverError("running " + entry.name + " on " + m.context->name, st);
  return nullptr;
}

} // namespace

extern "C" {

nnrt_status_t nnrt_session_create(nnrt_model_t *model, nnrt_session_t **out_session) {
  if (!out_session)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_create: out_session is NULL");
  *out_session = nullptr;
  if (!model)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_create: model is NULL");
  auto s = std::make_unique<nnrt_session_s>();
  s->model = model;
  ref::Status rs = ref::initParams(model->graph, s->params);
  if (!rs.ok())
    return nnrtError(NNRT_INCOMPATIBLE, rs.message());
  if (onDevice(*s)) {
    for (const auto &[name, t] : s->params)
      if (nnrt_status_t st = uploadParam(*s, name))
        return st;
    rt::Driver &driver = *model->context->driver;
    for (const rt::PlanGlobal &g : model->plan.globals) {
      auto it = model->sections.find("global:" + g.name);
      if (it == model->sections.end() || it->second.second != g.bytes)
        return nnrtError(NNRT_INCOMPATIBLE, "'" + model->path + "': constant " + g.name +
                                                " is missing or has the wrong size");
      std::unique_ptr<rt::DeviceBuffer> b;
      rt::DriverStatus st = driver.allocate(g.bytes, b);
      if (st.ok())
        st = driver.write(*b, 0, it->second.first, g.bytes);
      if (!st.ok())
        return driverError("uploading constant " + g.name, st);
      s->globalBuffers.push_back(std::move(b));
    }
  }
  *out_session = s.release();
  return nullptr;
}

void nnrt_session_release(nnrt_session_t *session) { delete session; }

nnrt_status_t nnrt_session_set_input(nnrt_session_t *s, const char *name,
                                     const nnrt_tensor_t *tensor) {
  if (!s || !name || !tensor)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_set_input: NULL argument");
  const ref::Graph &g = s->model->graph;
  const ref::Decl *d = g.decl(name);
  if (!d || d->kind != ref::Decl::Kind::Input) {
    std::vector<std::string> names;
    for (const ref::Decl &x : g.decls)
      if (x.kind == ref::Decl::Kind::Input)
        names.push_back(x.name);
    return nnrtError(NNRT_NOT_FOUND, "model " + g.model + " has no input '" + name +
                                         "' (inputs: " + joinNames(names) + ")");
  }
  if (nnrt_status_t st = checkValue(*s, name, tensor->tensor, d->type, "input"))
    return st;
  if (nnrt_status_t st = checkCompiledDims(*s, name, tensor->tensor))
    return st;
  s->inputs[name] = tensor->tensor;
  s->inputsDirty = true;
  return nullptr;
}

nnrt_status_t nnrt_session_run(nnrt_session_t *s, const char *entry) {
  if (!s || !entry)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_run: NULL argument");
  nnrt_model_s &m = *s->model;
  const ref::Func *func = m.graph.func(entry);
  const rt::PlanEntry *planEntry = m.plan.entry(entry);
  if (!func || !planEntry) {
    std::vector<std::string> names;
    for (const EntryInfo &e : m.entries)
      names.push_back(e.name);
    return nnrtError(NNRT_NOT_FOUND, "model " + m.graph.model + " has no entry '" +
                                         entry + "' (entries: " + joinNames(names) + ")");
  }
  for (const ref::Decl &d : m.graph.decls)
    if (d.kind == ref::Decl::Kind::Input && !s->inputs.count(d.name) &&
        ref::readsValue(*func, d.name))
      return nnrtError(NNRT_INVALID_ARGUMENT, "missing input '" + d.name + "' (" +
                                                  d.type.str() + ") for entry " + entry);
  ref::DimMap dims;
  ref::Status bs = ref::bindInputs(m.graph, s->inputs, dims, func);
  if (!bs.ok())
    return nnrtError(NNRT_INVALID_ARGUMENT, bs.message());
  s->lastEntry.clear();
  s->refOutputs.clear();
  if (onDevice(*s)) {
    if (nnrt_status_t st = runOnDevice(*s, *planEntry))
      return st;
    s->planEntry = planEntry;
  } else {
    ref::NamedTensors updates;
    ref::Status rs =
        ref::runFunc(m.graph, entry, s->inputs, s->params, s->refOutputs, &updates);
    if (!rs.ok())
      return nnrtError(NNRT_FAILED, rs.message());
    for (auto &[name, t] : updates) {
      auto it = s->params.find(name);
      if (it == s->params.end() || it->second.dtype() != t.dtype() ||
          it->second.shape() != t.shape())
        return nnrtError(NNRT_INCOMPATIBLE, "entry " + std::string(entry) + " updates '" +
                                                name + "' with " + t.typeString() +
                                                ", which does not match its declaration");
      it->second = std::move(t);
    }
  }
  s->lastEntry = entry;
  return nullptr;
}

nnrt_status_t nnrt_session_get_output(nnrt_session_t *s, const char *name,
                                      nnrt_tensor_t **out_tensor) {
  if (!out_tensor)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_get_output: out_tensor is NULL");
  *out_tensor = nullptr;
  if (!s || !name)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_get_output: NULL argument");
  if (s->lastEntry.empty())
    return nnrtError(NNRT_INVALID_ARGUMENT,
                     "no output yet: nnrt_session_run has not succeeded");
  std::vector<std::string> names;
  if (!onDevice(*s)) {
    for (const auto &[n, t] : s->refOutputs) {
      if (n == name) {
        *out_tensor = new nnrt_tensor_s{t};
        return nullptr;
      }
      names.push_back(n);
    }
  } else {
    for (const auto &[n, v] : s->eval.results) {
      names.push_back(n);
      if (n != name)
        continue;
      ref::DType dtype;
      if (!rt::planToDType(v.dtype, dtype))
        return nnrtError(NNRT_INTERNAL, "output " + n + " has dtype " + v.dtype +
                                            ", which the API cannot hold");
      // Plans see signless integers (u8 data is "i8" there); the declared
      // output keeps the signedness.
      for (const ValueInfo &info : s->model->values[NNRT_VALUE_OUTPUT]) {
        ref::DType declared = rt::fromApiDType(info.dtype);
        if (info.name == n && ref::dtypeSize(declared) == ref::dtypeSize(dtype))
          dtype = declared;
      }
      if (!v.contiguous())
        return nnrtError(NNRT_INTERNAL, "output " + n + " is not contiguous");
      auto t = std::make_unique<nnrt_tensor_s>(nnrt_tensor_s{ref::Tensor(dtype, v.sizes)});
      rt::DeviceBuffer *buffer = nullptr;
      uint64_t base = 0;
      const rt::PlanEntry &entry = *s->planEntry;
      switch (v.root) {
      case rt::PlanViewDef::Root::Arg: {
        const rt::PlanArg &a = entry.args[size_t(v.rootIndex)];
        if (a.role == "input") {
          buffer = s->arena.get();
          base = s->inputOffset[a.name];
        } else {
          buffer = s->paramBuffers[a.name].get();
        }
        break;
      }
      case rt::PlanViewDef::Root::Buffer:
        buffer = s->arena.get();
        base = s->eval.bufferOffset[size_t(v.rootIndex)];
        break;
      case rt::PlanViewDef::Root::Global:
        buffer = s->globalBuffers[size_t(v.rootIndex)].get();
        break;
      }
      std::vector<uint8_t> &bytes = t->tensor.bytes();
      if (!bytes.empty()) {
        rt::DriverStatus st = s->model->context->driver->read(
            *buffer, base + uint64_t(v.offset) * v.elementBytes, bytes.data(), bytes.size());
        if (!st.ok())
          return driverError("reading output " + n, st);
      }
      *out_tensor = t.release();
      return nullptr;
    }
  }
  return nnrtError(NNRT_NOT_FOUND, "entry " + s->lastEntry + " has no output '" + name +
                                       "' (outputs: " + joinNames(names) + ")");
}

nnrt_status_t nnrt_session_get_param(nnrt_session_t *s, const char *name,
                                     nnrt_tensor_t **out_tensor) {
  if (!out_tensor)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_get_param: out_tensor is NULL");
  *out_tensor = nullptr;
  if (!s || !name)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_get_param: NULL argument");
  if (nnrt_status_t st = syncParams(*s))
    return st;
  auto it = s->params.find(name);
  if (it == s->params.end())
    return nnrtError(NNRT_NOT_FOUND, "model " + s->model->graph.model +
                                         " has no param or state '" + name + "'");
  *out_tensor = new nnrt_tensor_s{it->second};
  return nullptr;
}

nnrt_status_t nnrt_session_set_param(nnrt_session_t *s, const char *name,
                                     const nnrt_tensor_t *tensor) {
  if (!s || !name || !tensor)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_set_param: NULL argument");
  const ref::Decl *d = s->model->graph.decl(name);
  if (!d || d->kind == ref::Decl::Kind::Input)
    return nnrtError(NNRT_NOT_FOUND, "model " + s->model->graph.model +
                                         " has no param or state '" + name + "'");
  if (nnrt_status_t st = checkValue(*s, name, tensor->tensor, d->type, "param"))
    return st;
  if (nnrt_status_t st = syncParams(*s))
    return st;
  s->params[name] = tensor->tensor;
  return onDevice(*s) ? uploadParam(*s, name) : nullptr;
}

nnrt_status_t nnrt_session_save_params(nnrt_session_t *s, const char *path) {
  if (!s || !path)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_save_params: NULL argument");
  if (nnrt_status_t st = syncParams(*s))
    return st;
  ref::NamedTensors out;
  for (const ref::Decl &d : s->model->graph.decls)
    if (d.kind != ref::Decl::Kind::Input)
      out.emplace_back(d.name, s->params[d.name]);
  ref::Status rs = ref::writeNpz(path, out);
  return rs.ok() ? nullptr : nnrtError(NNRT_NOT_FOUND, rs.message());
}

nnrt_status_t nnrt_session_load_params(nnrt_session_t *s, const char *path) {
  if (!s || !path)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_session_load_params: NULL argument");
  ref::NamedTensors loaded;
  ref::Status rs = ref::readNpz(path, loaded);
  if (!rs.ok())
    return nnrtError(NNRT_NOT_FOUND, rs.message());
  const ref::Graph &g = s->model->graph;
  std::map<std::string, ref::Tensor> next;
  for (auto &[name, t] : loaded) {
    const ref::Decl *d = g.decl(name);
    if (!d || d->kind == ref::Decl::Kind::Input)
      return nnrtError(NNRT_INVALID_ARGUMENT, std::string(path) + ": '" + name +
                                                  "' is not a param or state of " + g.model);
    // An f16 param's optimizer state is f32 since stop 20; a checkpoint from
    // before holds it in f16: widened, losslessly.
    if (d->type.dtype == ref::DType::F32 && t.dtype() == ref::DType::F16 &&
        name.rfind("opt.", 0) == 0) {
      ref::Tensor wide(ref::DType::F32, t.shape());
      for (int64_t i = 0; i < t.numel(); ++i)
        wide.setDouble(i, t.getDouble(i));
      t = std::move(wide);
    }
    if (nnrt_status_t st = checkValue(*s, name, t, d->type, "param"))
      return st;
    next[name] = std::move(t);
  }
  for (const ref::Decl &d : g.decls)
    if (d.kind != ref::Decl::Kind::Input && !next.count(d.name))
      return nnrtError(NNRT_INVALID_ARGUMENT, std::string(path) + " has no '" + d.name +
                                                  "' (" + d.type.str() + ")");
  if (nnrt_status_t st = syncParams(*s))
    return st;
  for (auto &[name, t] : next) {
    s->params[name] = std::move(t);
    if (onDevice(*s))
      if (nnrt_status_t st = uploadParam(*s, name))
        return st;
  }
  return nullptr;
}

} // extern "C"
