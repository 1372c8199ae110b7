// Model: nnrt_model_load reads model.so (dlopen, then the `nnc_model_blob`
// container), its graph and plans, and loads the kernels on the device.
#include "runtime/src/Internal.h"

#include "reference/Init.h"

#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <fstream>
#include <sys/stat.h>

using namespace nnc;

nnrt_model_s::~nnrt_model_s() {
  program.reset();
  if (handle)
    dlclose(handle);
}

namespace {

uint32_t u32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}
uint64_t u64(const uint8_t *p) { return uint64_t(u32(p)) | uint64_t(u32(p + 4)) << 32; }

/// dlopen maps a file's segments as its headers say: a truncated or damaged
/// .so faults on first touch instead of failing. Check the ELF headers
/// against the file (and this process's machine) before handing it over.
std::string checkElf(const std::string &path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    return "cannot read it";
  uint64_t size = uint64_t(in.tellg());
  Elf64_Ehdr eh;
  in.seekg(0);
  if (size < sizeof eh || !in.read(reinterpret_cast<char *>(&eh), sizeof eh) ||
      std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return "not an ELF file";
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
    return "not a 64-bit little-endian ELF file";
#if defined(__x86_64__)
  const int machine = EM_X86_64;
#elif defined(__aarch64__)
  const int machine = EM_AARCH64;
#else
  const int machine = eh.e_machine;
#endif
  if (eh.e_machine != machine)
    return "built for another CPU architecture (ELF machine " +
           std::to_string(eh.e_machine) + ")";
  if (eh.e_type != ET_DYN)
    return "not a shared object";
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
      eh.e_phoff > size || uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr) > size - eh.e_phoff)
    return "truncated or damaged (program headers)";
  if (eh.e_shoff != 0 &&
      (eh.e_shoff > size || uint64_t(eh.e_shnum) * eh.e_shentsize > size - eh.e_shoff))
    return "truncated or damaged (section headers)";
  in.seekg(std::streamoff(eh.e_phoff));
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (!in.read(reinterpret_cast<char *>(&ph), sizeof ph))
      return "truncated or damaged (program headers)";
    if ((ph.p_type == PT_LOAD || ph.p_type == PT_DYNAMIC) &&
        (ph.p_offset > size || ph.p_filesz > size - ph.p_offset))
      return "truncated or damaged (a segment runs past the end of the file)";
  }
  return "";
}

nnrt_status_t parseContainer(nnrt_model_s &m, const uint8_t *blob) {
  const std::string &path = m.path;
  if (std::memcmp(blob, "NNCMODEL", 8) != 0)
    return nnrtError(NNRT_INCOMPATIBLE,
                     "'" + path + "' is not an nnc model (bad magic)");
  uint32_t version = u32(blob + 8);
  // Version 2 added `plan:cuda`; a version-1 file reads as it did.
  if (version < 1 || version > NNRT_MODEL_FORMAT_VERSION)
    return nnrtError(NNRT_INCOMPATIBLE,
                     "'" + path + "' has model format version " +
                         std::to_string(version) + " but this runtime reads versions 1 to " +
                         std::to_string(NNRT_MODEL_FORMAT_VERSION) +
                         ": recompile it with the nnc that matches this runtime");
  uint32_t count = u32(blob + 12);
  uint64_t total = u64(blob + 16);
  if (total < 24 || total > (uint64_t(1) << 34))
    return nnrtError(NNRT_INCOMPATIBLE, "'" + path + "': corrupt container size");
  uint64_t at = 24;
  for (uint32_t i = 0; i < count; ++i) {
    if (at + 4 > total)
      return nnrtError(NNRT_INCOMPATIBLE, "'" + path + "': truncated section table");
    uint32_t nameLen = u32(blob + at);
    at += 4;
    if (nameLen > 4096 || at + nameLen + 8 > total)
      return nnrtError(NNRT_INCOMPATIBLE, "'" + path + "': corrupt section name");
    std::string name(reinterpret_cast<const char *>(blob + at), nameLen);
    at += nameLen;
    uint64_t size = u64(blob + at);
    at += 8;
    if (size > total - at)
      return nnrtError(NNRT_INCOMPATIBLE,
                       "'" + path + "': section '" + name + "' runs past the end");
    m.sections[name] = {blob + at, size};
    at += size;
  }
  for (const char *required : {"graph", "plan"})
    if (!m.sections.count(required))
      return nnrtError(NNRT_INCOMPATIBLE,
                       "'" + path + "' has no '" + required + "' section");
  return nullptr;
}

std::string sectionText(const nnrt_model_s &m, const std::string &name) {
  auto it = m.sections.find(name);
  if (it == m.sections.end())
    return "";
  return std::string(reinterpret_cast<const char *>(it->second.first),
                     it->second.second);
}

ValueInfo makeInfo(const std::string &name, const ref::TypeSpec &type) {
  ValueInfo v;
  v.name = name;
  v.dtype = rt::toApiDType(type.dtype);
  for (const ref::Dim &d : type.dims) {
    v.dims.push_back(d.isStatic() ? d.size : -1);
    v.dimNames.push_back(d.isStatic() ? "" : (d.name.empty() ? "?" : d.name));
  }
  return v;
}

/// The type of `value` as func `f` computes or declares it.
const ref::TypeSpec *typeOf(const ref::Graph &g, const ref::Func &f,
                            const std::string &value) {
  for (const ref::Op &op : f.ops)
    if (op.result == value)
      return &op.type;
  if (const ref::Decl *d = g.decl(value))
    return &d->type;
  return nullptr;
}

nnrt_status_t describe(nnrt_model_s &m) {
  for (const ref::Decl &d : m.graph.decls) {
    int kind = d.kind == ref::Decl::Kind::Input   ? NNRT_VALUE_INPUT
               : d.kind == ref::Decl::Kind::Param ? NNRT_VALUE_PARAM
                                                  : NNRT_VALUE_STATE;
    m.values[kind].push_back(makeInfo(d.name, d.type));
  }
  // A dim that nnc --dim fixed is dynamic in the graph but static in the
  // plan: an input's info gives the size its kernels were compiled for.
  for (ValueInfo &v : m.values[NNRT_VALUE_INPUT])
    for (const rt::PlanEntry &e : m.plan.entries)
      for (const rt::PlanArg &a : e.args)
        if (a.used && a.role == "input" && a.name == v.name &&
            a.dims.size() == v.dims.size())
          for (size_t i = 0; i < v.dims.size(); ++i)
            if (v.dims[i] < 0 && a.dims[i] >= 0)
              v.dims[i] = a.dims[i];
  for (const rt::PlanEntry &e : m.plan.entries) {
    const ref::Func *f = m.graph.func(e.name);
    if (!f)
      return nnrtError(NNRT_INCOMPATIBLE, "'" + m.path + "': entry '" + e.name +
                                              "' is missing from the graph");
    EntryInfo info;
    info.name = e.name;
    for (const auto &[name, value] : f->returns) {
      info.outputs.push_back(name);
      bool known = false;
      for (const ValueInfo &v : m.values[NNRT_VALUE_OUTPUT])
        known |= v.name == name;
      const ref::TypeSpec *type = typeOf(m.graph, *f, value);
      if (!known && type)
        m.values[NNRT_VALUE_OUTPUT].push_back(makeInfo(name, *type));
    }
    m.entries.push_back(std::move(info));
  }
  // So does an output's: the sizes of the view the plan returns it in
  // are numbers where --dim fixed them (registers where they are dynamic).
  for (const rt::PlanEntry &e : m.plan.entries)
    for (const auto &[name, view] : e.results)
      for (ValueInfo &v : m.values[NNRT_VALUE_OUTPUT]) {
        if (v.name != name)
          continue;
        for (const rt::PlanInstr &in : e.instrs)
          if (in.kind == rt::PlanInstr::Kind::View && in.index == view &&
              in.view.sizes.size() == v.dims.size())
            for (size_t i = 0; i < v.dims.size(); ++i)
              if (v.dims[i] < 0 && !in.view.sizes[i].isReg)
                v.dims[i] = in.view.sizes[i].value;
      }
  for (auto &list : m.values)
    for (ValueInfo &v : list)
      for (const std::string &n : v.dimNames)
        v.dimNamePtrs.push_back(n.c_str());
  for (EntryInfo &e : m.entries)
    for (const std::string &n : e.outputs)
      e.outputPtrs.push_back(n.c_str());
  return nullptr;
}

nnrt_status_t loadKernels(nnrt_model_s &m) {
  rt::Driver &driver = *m.context->driver;
  std::string target = driver.target();
  std::vector<rt::KernelBlob> blobs;
  std::string ptx;
  if (target == "cuda") {
    ptx = sectionText(m, "ptx");
    if (ptx.empty())
      return nnrtError(NNRT_INCOMPATIBLE,
                       "'" + m.path + "' has no CUDA kernels (it was compiled "
                       "with --target=vulkan); recompile without --target");
  }
  for (const rt::PlanKernel &k : m.plan.kernels) {
    rt::KernelBlob b;
    for (int d = 0; d < 3; ++d)
      b.block[d] = k.block[d];
    if (target == "cuda") {
      b.module = "nnc_kernels";
      b.function = k.module;
      b.code.assign(ptx.begin(), ptx.end());
    } else {
      auto it = m.sections.find("spirv:" + k.module);
      if (it == m.sections.end())
        return nnrtError(NNRT_INCOMPATIBLE,
                         "'" + m.path + "' has no SPIR-V for kernel " + k.module +
                             (m.sections.count("ptx")
                                  ? " (it was compiled with --target=cuda)"
                                  : ""));
      b.module = k.module;
      b.function = k.function;
      b.code.assign(it->second.first, it->second.first + it->second.second);
      std::string caps = sectionText(m, "spirv-caps:" + k.module);
      size_t at = 0;
      while (at < caps.size()) {
        size_t sp = caps.find(' ', at);
        if (sp == std::string::npos)
          sp = caps.size();
        if (sp > at)
          b.capabilities.push_back(caps.substr(at, sp - at));
        at = sp + 1;
      }
    }
    blobs.push_back(std::move(b));
  }
  rt::DriverStatus s = driver.loadKernels(blobs, m.program);
  if (!s.ok())
    return nnrtError(NNRT_FAILED, "loading the kernels of '" + m.path + "': " + s.message);
  return nullptr;
}

} // namespace

extern "C" {

nnrt_status_t nnrt_model_load(nnrt_context_t *context, const char *path,
                              nnrt_model_t **out_model) {
  if (!out_model)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_model_load: out_model is NULL");
  *out_model = nullptr;
  if (!context || !path)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_model_load: NULL context or path");
  auto m = std::make_unique<nnrt_model_s>();
  m->context = context;
  m->path = path;
  struct stat st;
  if (stat(path, &st) != 0)
    return nnrtError(NNRT_NOT_FOUND, "cannot open '" + m->path + "': no such file");
  std::string elf = checkElf(m->path);
  if (!elf.empty())
    return nnrtError(NNRT_INCOMPATIBLE, "'" + m->path + "' is not a loadable model: " + elf);
  // dlopen needs a path with a slash to not search the library path.
  std::string open = m->path.find('/') == std::string::npos ? "./" + m->path : m->path;
  m->handle = dlopen(open.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m->handle) {
    const char *e = dlerror();
    return nnrtError(NNRT_INCOMPATIBLE, "'" + m->path + "' is not a loadable model: " +
                                            (e ? e : "dlopen failed"));
  }
  dlerror();
  auto *blob = static_cast<const uint8_t *>(dlsym(m->handle, "nnc_model_blob"));
  if (!blob)
    return nnrtError(NNRT_INCOMPATIBLE,
                     "'" + m->path + "' is not an nnc model (no nnc_model_blob "
                     "symbol); compile one with `nnc model.nn -o model.so`");
  if (nnrt_status_t s = parseContainer(*m, blob))
    return s;
  ref::Status gs = ref::parseGraph(sectionText(*m, "graph"), m->graph, m->path + ":graph");
  if (!gs.ok())
    return nnrtError(NNRT_INCOMPATIBLE, gs.message());
  // A model.so for both targets may hold CUDA's own kernels and plans
  // (merged launches, workgroup-memory tiles); `plan` is Vulkan's and the
  // plan of a single-target build.
  const char *planSection = "plan";
  if (context->driver && std::string(context->driver->target()) == "cuda" &&
      m->sections.count("plan:cuda"))
    planSection = "plan:cuda";
  std::string pe = rt::parsePlan(sectionText(*m, planSection), m->plan);
  if (!pe.empty())
    return nnrtError(NNRT_INCOMPATIBLE, "'" + m->path + "': " + pe);
  if (nnrt_status_t s = describe(*m))
    return s;
  if (context->driver)
    if (nnrt_status_t s = loadKernels(*m))
      return s;
  *out_model = m.release();
  return nullptr;
}

void nnrt_model_release(nnrt_model_t *model) { delete model; }

const char *nnrt_model_name(const nnrt_model_t *model) {
  return model ? model->graph.model.c_str() : "";
}

int32_t nnrt_model_value_count(const nnrt_model_t *model, nnrt_value_kind_t kind) {
  if (!model || kind < 0 || kind > NNRT_VALUE_OUTPUT)
    return 0;
  return int32_t(model->values[kind].size());
}

nnrt_status_t nnrt_model_value_info(const nnrt_model_t *model, nnrt_value_kind_t kind,
                                    int32_t index, nnrt_value_info_t *out_info) {
  if (!model || !out_info || kind < 0 || kind > NNRT_VALUE_OUTPUT)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_model_value_info: bad arguments");
  const auto &list = model->values[kind];
  if (index < 0 || size_t(index) >= list.size())
    return nnrtError(NNRT_NOT_FOUND, "nnrt_model_value_info: index " +
                                         std::to_string(index) + " out of range");
  const ValueInfo &v = list[size_t(index)];
  out_info->name = v.name.c_str();
  out_info->dtype = v.dtype;
  out_info->rank = int32_t(v.dims.size());
  out_info->dims = v.dims.data();
  out_info->dim_names = v.dimNamePtrs.data();
  return nullptr;
}

int32_t nnrt_model_entry_count(const nnrt_model_t *model) {
  return model ? int32_t(model->entries.size()) : 0;
}

const char *nnrt_model_entry_name(const nnrt_model_t *model, int32_t index) {
  if (!model || index < 0 || size_t(index) >= model->entries.size())
    return nullptr;
  return model->entries[size_t(index)].name.c_str();
}

nnrt_status_t nnrt_model_entry_outputs(const nnrt_model_t *model, const char *entry,
                                       int32_t *out_count,
                                       const char *const **out_names) {
  if (!model || !entry || !out_count || !out_names)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_model_entry_outputs: bad arguments");
  for (const EntryInfo &e : model->entries)
    if (e.name == entry) {
      *out_count = int32_t(e.outputs.size());
      *out_names = e.outputPtrs.data();
      return nullptr;
    }
  return nnrtError(NNRT_NOT_FOUND, "model " + model->graph.model + " has no entry '" +
                                       entry + "'");
}

nnrt_status_t nnrt_model_graph(const nnrt_model_t *model, const char **out_text,
                               size_t *out_size) {
  if (!model || !out_text || !out_size)
    return nnrtError(NNRT_INVALID_ARGUMENT, "nnrt_model_graph: NULL argument");
  auto it = model->sections.find("graph");
  *out_text = reinterpret_cast<const char *>(it->second.first);
  *out_size = it->second.second;
  return nullptr;
}

} // extern "C"
