// nnc-run: runs an nnc model.so (or a .nn, compiled first) on a device
// through libnnrt, checks it against the reference interpreter, times it.
#include "nnc/runtime.h"
#include "reference/Graph.h"
#include "reference/Init.h"
#include "reference/Interpreter.h"
#include "reference/Npy.h"
#include "reference/Philox.h"
#include "tools/nnc-run/Inputs.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

using namespace nnc::ref;
using namespace nnc::run;

namespace {

const char *kUsage =
    "usage: nnc-run MODEL [options]\n"
    "\n"
    "Runs an nnc model -- a model.so from `nnc model.nn -o model.so`, a .nn\n"
    "source (compiled first with the nnc beside nnc-run) or a .graph file\n"
    "(reference only) -- and prints or saves its outputs.\n"
    "\n"
    "  nnc-run model.so --device vulkan --input x=x.npy\n"
    "  nnc-run model.so --check             device vs reference, random inputs\n"
    "  nnc-run model.so --bench 100 --dim B=64\n"
    "\n"
    "options:\n"
    "  --device NAME           auto (default: cuda, then vulkan, then reference),\n"
    "                          cuda, vulkan, reference; cuda:N / vulkan:N pick a\n"
    "                          device by ordinal\n"
    "  --check                 also run on the reference interpreter from the\n"
    "                          graph inside model.so and compare every output\n"
    "                          (max abs and rel error; exit 1 beyond 1e-4\n"
    "                          relative for f32, 1e-2 for f16/bf16, exact for\n"
    "                          integers); random inputs when none are given\n"
    "  --bench N               time N runs of each entry (or of --entry) after\n"
    "                          3 warm-up runs; print median and min\n"
    "  --input NAME=FILE.npy   an input tensor (repeatable)\n"
    "  --output NAME=FILE.npy  write an output to .npy (repeatable); without any\n"
    "                          --output every output is summarized on stdout\n"
    "  --dim NAME=N            size of a dynamic dim (for --random-inputs)\n"
    "  --random-inputs         make seeded random inputs for those not given\n"
    "                          (floats in [-1, 1), integers in [0, 10), or in\n"
    "                          range where they are labels or indices;\n"
    "                          unknown dims default to 4)\n"
    "  --seed S                seed for --random-inputs (default 0)\n"
    "  --entry NAME            entry to run (default forward; 'loss' exists when\n"
    "                          the model has a train line)\n"
    "  --load-params FILE.npz  start from these params/states instead of their\n"
    "                          initializers\n"
    "  --save-params FILE.npz  write params/states after the run\n"
    "  -h, --help              show this help\n";

int fail(const std::string &msg) {
  std::fprintf(stderr, "nnc-run: error: %s\n", msg.c_str());
  return 1;
}

bool splitAssign(const std::string &arg, std::string &name, std::string &value) {
  size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    return false;
  name = arg.substr(0, eq);
  value = arg.substr(eq + 1);
  return true;
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool parseI64(const std::string &s, int64_t &out) {
  if (s.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end)
    return false;
  out = v;
  return true;
}

struct Options {
  std::string model;
  std::string device = "auto";
  bool check = false;
  int64_t bench = 0;
  bool entrySet = false; // --entry given: --bench times that entry alone
  std::vector<std::pair<std::string, std::string>> inputs, outputs;
  DimMap dims;
  bool randomInputs = false;
  uint64_t seed = 0;
  std::string entry = "forward";
  std::string loadParams, saveParams;
};

int parseArgs(int argc, char **argv, Options &o, bool &help) {
  help = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string &out) -> bool {
      size_t eq = a.find('=');
      if (a.rfind("--", 0) == 0 && eq != std::string::npos &&
          a.substr(0, eq) != "--input" && a.substr(0, eq) != "--output" &&
          a.substr(0, eq) != "--dim") {
        out = a.substr(eq + 1);
        return true;
      }
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    auto flagIs = [&](const char *flag) {
      return a == flag || (a.rfind(std::string(flag) + "=", 0) == 0 &&
                           std::string(flag) != "--input" &&
                           std::string(flag) != "--output" &&
                           std::string(flag) != "--dim");
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      help = true;
      return 0;
    } else if (flagIs("--device")) {
      if (!value(v))
        return fail("--device needs a value");
      o.device = v;
    } else if (a == "--check") {
      o.check = true;
    } else if (flagIs("--bench")) {
      if (!value(v) || !parseI64(v, o.bench) || o.bench < 1)
        return fail("--bench needs a positive number of runs");
    } else if (a == "--input" || a == "--output") {
      if (!value(v))
        return fail(a + " needs NAME=FILE.npy");
      std::string name, file;
      if (!splitAssign(v, name, file))
        return fail(a + " needs NAME=FILE.npy, got '" + v + "'");
      (a == "--input" ? o.inputs : o.outputs).emplace_back(name, file);
    } else if (a == "--dim") {
      if (!value(v))
        return fail("--dim needs NAME=N");
      std::string name, num;
      int64_t n;
      if (!splitAssign(v, name, num) || !parseI64(num, n) || n < 0)
        return fail("--dim needs NAME=N with N >= 0, got '" + v + "'");
      o.dims[name] = n;
    } else if (a == "--random-inputs") {
      o.randomInputs = true;
    } else if (flagIs("--seed")) {
      int64_t s;
      if (!value(v) || !parseI64(v, s))
        return fail("--seed needs an integer");
      o.seed = static_cast<uint64_t>(s);
    } else if (flagIs("--entry")) {
      if (!value(v))
        return fail("--entry needs a name");
      o.entry = v;
      o.entrySet = true;
    } else if (flagIs("--load-params")) {
      if (!value(v))
        return fail("--load-params needs FILE.npz");
      o.loadParams = v;
    } else if (flagIs("--save-params")) {
      if (!value(v))
        return fail("--save-params needs FILE.npz");
      o.saveParams = v;
    } else if (a.size() > 1 && a[0] == '-') {
      return fail("unknown option '" + a + "' (see --help)");
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      return fail("more than one model given ('" + o.model + "' and '" + a + "')");
    }
  }
  if (o.model.empty())
    return fail("no model given (see --help)");
  return 0;
}

// Reads --input files and makes --random-inputs; checks them against the
// graph's declarations and --dim.
int prepareInputs(const Graph &graph, const Func *entry, Options &o,
                  TensorMap &inputs) {
  Status s;
  for (const auto &[name, file] : o.inputs) {
    const Decl *d = graph.decl(name);
    if (!d || d->kind != Decl::Kind::Input) {
      std::string names;
      for (const Decl &x : graph.decls)
        if (x.kind == Decl::Kind::Input)
          names += (names.empty() ? "" : ", ") + x.name;
      return fail("model " + graph.model + " has no input '" + name +
                  "' (inputs: " + names + ")");
    }
    Tensor t;
    if (!(s = readNpy(file, t)).ok())
      return fail("input " + name + ": " + s.message());
    inputs[name] = std::move(t);
  }
  if (o.randomInputs) {
    // Dims from the given inputs first, then --dim, then 4.
    DimMap dims = o.dims;
    uint64_t stream = 0;
    for (const Decl &d : graph.decls) {
      if (d.kind != Decl::Kind::Input)
        continue;
      ++stream;
      auto it = inputs.find(d.name);
      if (it == inputs.end())
        continue;
      for (size_t i = 0; i < d.type.dims.size() && i < (size_t)it->second.rank(); ++i)
        if (!d.type.dims[i].isStatic() && !dims.count(d.type.dims[i].name))
          dims[d.type.dims[i].name] = it->second.shape()[i];
    }
    stream = 0;
    for (const Decl &d : graph.decls) {
      if (d.kind != Decl::Kind::Input)
        continue;
      ++stream;
      if (inputs.count(d.name))
        continue;
      for (const Dim &dim : d.type.dims)
        if (!dim.isStatic() && !dims.count(dim.name))
          dims[dim.name] = 4;
      Shape shape;
      if (!(s = declShape(d, dims, shape)).ok())
        return fail(s.message());
      inputs[d.name] = randomInput(d.type.dtype, shape, o.seed, stream,
                                   indexBound(graph, d.name));
    }
  } else {
    for (const Decl &d : graph.decls)
      if (d.kind == Decl::Kind::Input && !inputs.count(d.name) &&
          readsValue(*entry, d.name))
        return fail("missing input '" + d.name + "' (" + d.type.str() +
                    "): pass --input " + d.name +
                    "=FILE.npy or --random-inputs");
  }
  // --dim must agree with the inputs.
  DimMap bound;
  if (!(s = bindInputs(graph, inputs, bound, entry)).ok())
    return fail(s.message());
  for (const auto &[name, n] : o.dims)
    if (bound.count(name) && bound[name] != n)
      return fail("--dim " + name + "=" + std::to_string(n) +
                  " but the inputs say " + std::to_string(bound[name]));

  return 0;
}

// The reference interpreter on a .graph (or a .nn compiled to one).
int runGraph(Options &o) {

  Graph graph;
  std::string graphPath = o.model, tmpGraph;
  if (endsWith(o.model, ".nn")) {
    struct stat st;
    if (stat(o.model.c_str(), &st) != 0)
      return fail("cannot open '" + o.model + "'");
    std::string error;
    bool reported;
    if (!compileWithNnc(o.model, /*graph=*/true, tmpGraph, error, reported)) {
      if (!tmpGraph.empty())
        unlink(tmpGraph.c_str());
      return fail(error);
    }
    graphPath = tmpGraph;
  }
  Status s = parseGraphFile(graphPath, graph);
  if (!tmpGraph.empty())
    unlink(tmpGraph.c_str());
  if (!s.ok())
    return fail(s.message());

  const Func *entry = graph.func(o.entry);
  if (!entry) {
    std::string names;
    for (const Func &f : graph.funcs)
      names += (names.empty() ? "" : ", ") + f.name;
    return fail("model " + graph.model + " has no entry '" + o.entry +
                "' (entries: " + names + ")");
  }

  TensorMap inputs;
  if (prepareInputs(graph, entry, o, inputs) != 0)
    return 1;
  TensorMap params;
  if (!(s = initParams(graph, params)).ok())
    return fail(s.message());
  if (!o.loadParams.empty()) {
    NamedTensors loaded;
    if (!(s = readNpz(o.loadParams, loaded)).ok())
      return fail(s.message());
    for (auto &[name, t] : loaded) {
      auto it = params.find(name);
      if (it == params.end())
        return fail(o.loadParams + ": '" + name + "' is not a param or state of " +
                    graph.model);
      if (it->second.dtype() != t.dtype() || it->second.shape() != t.shape())
        return fail(o.loadParams + ": '" + name + "' is " + t.typeString() +
                    " but the model declares " + it->second.typeString());
      it->second = std::move(t);
    }
  }

  for (const auto &[name, file] : o.outputs) {
    bool found = false;
    for (const auto &r : entry->returns)
      found |= r.first == name;
    if (!found) {
      std::string names;
      for (const auto &r : entry->returns)
        names += (names.empty() ? "" : ", ") + r.first;
      return fail("entry " + o.entry + " has no output '" + name +
                  "' (outputs: " + names + ")");
    }
  }

  NamedTensors outputs;
  if (!(s = runFunc(graph, o.entry, inputs, params, outputs)).ok())
    return fail(s.message());

  if (o.outputs.empty()) {
    for (const auto &[name, t] : outputs)
      printSummary(name, t);
  } else {
    for (const auto &[name, file] : o.outputs)
      for (const auto &[outName, t] : outputs)
        if (outName == name && !(s = writeNpy(file, t)).ok())
          return fail(s.message());
  }
  if (!o.saveParams.empty()) {
    NamedTensors toSave;
    for (const Decl &d : graph.decls)
      if (d.kind != Decl::Kind::Input)
        toSave.emplace_back(d.name, params[d.name]);
    if (!(s = writeNpz(o.saveParams, toSave)).ok())
      return fail(s.message());
  }
  return 0;
}



nnrt_dtype_t apiDType(DType d) {
  switch (d) {
  case DType::F32: return NNRT_F32;
  case DType::F16: return NNRT_F16;
  case DType::BF16: return NNRT_BF16;
  case DType::I32: return NNRT_I32;
  case DType::I64: return NNRT_I64;
  case DType::Bool: return NNRT_BOOL;
  }
  return NNRT_F32;
}

DType refDType(nnrt_dtype_t d) {
  switch (d) {
  case NNRT_F32: return DType::F32;
  case NNRT_F16: return DType::F16;
  case NNRT_BF16: return DType::BF16;
  case NNRT_I32: return DType::I32;
  case NNRT_I64: return DType::I64;
  case NNRT_BOOL: return DType::Bool;
  }
  return DType::F32;
}

/// Owns the runtime objects of one device.
struct Runtime {
  nnrt_context_t *context = nullptr;
  nnrt_model_t *model = nullptr;
  nnrt_session_t *session = nullptr;
  ~Runtime() {
    nnrt_session_release(session);
    nnrt_model_release(model);
    nnrt_context_release(context);
  }
};

/// Frees `s` and reports its message; 0 when `s` is success.
int check(nnrt_status_t s, const std::string &context = "") {
  if (!s)
    return 0;
  std::string m = nnrt_status_message(s);
  nnrt_status_free(s);
  return fail(context.empty() ? m : context + ": " + m);
}

int openModel(const std::string &device, const std::string &path,
              const Options &o, Runtime &rt) {
  if (check(nnrt_context_create(device.c_str(), &rt.context)) ||
      check(nnrt_model_load(rt.context, path.c_str(), &rt.model)) ||
      check(nnrt_session_create(rt.model, &rt.session)))
    return 1;
  if (!o.loadParams.empty() &&
      check(nnrt_session_load_params(rt.session, o.loadParams.c_str())))
    return 1;
  return 0;
}

int setInputs(Runtime &rt, const TensorMap &inputs) {
  for (const auto &[name, t] : inputs) {
    nnrt_tensor_t *tensor = nullptr;
    if (check(nnrt_tensor_create(apiDType(t.dtype()), int32_t(t.rank()),
                                 t.shape().data(), t.bytes().data(), &tensor)))
      return 1;
    nnrt_status_t s = nnrt_session_set_input(rt.session, name.c_str(), tensor);
    nnrt_tensor_release(tensor);
    if (check(s))
      return 1;
  }
  return 0;
}

int getOutputs(Runtime &rt, const std::string &entry, NamedTensors &outputs) {
  int32_t count = 0;
  const char *const *names = nullptr;
  if (check(nnrt_model_entry_outputs(rt.model, entry.c_str(), &count, &names)))
    return 1;
  for (int32_t i = 0; i < count; ++i) {
    nnrt_tensor_t *t = nullptr;
    if (check(nnrt_session_get_output(rt.session, names[i], &t)))
      return 1;
    Shape shape(nnrt_tensor_dims(t), nnrt_tensor_dims(t) + nnrt_tensor_rank(t));
    Tensor copy(refDType(nnrt_tensor_dtype(t)), shape);
    if (!copy.bytes().empty())
      std::memcpy(copy.bytes().data(), nnrt_tensor_data(t), copy.bytes().size());
    nnrt_tensor_release(t);
    outputs.emplace_back(names[i], std::move(copy));
  }
  return 0;
}

/// Compares a device output with the reference's; prints one line. False
/// when beyond tolerance.
bool compareOutput(const std::string &name, const Tensor &got, const Tensor &want) {
  if (got.dtype() != want.dtype() || got.shape() != want.shape()) {
    std::printf("check %s: FAIL: device gives %s, reference %s\n", name.c_str(),
                got.typeString().c_str(), want.typeString().c_str());
    return false;
  }
  if (!isFloat(got.dtype())) {
    int64_t wrong = 0;
    for (int64_t i = 0; i < got.numel(); ++i)
      wrong += got.getInt(i) != want.getInt(i);
    std::printf("check %s: %s: %lld of %lld values differ (exact match required)\n",
                name.c_str(), got.typeString().c_str(), (long long)wrong,
                (long long)got.numel());
    return wrong == 0;
  }
  double maxAbs = 0, maxRef = 0;
  bool nan = false;
  for (int64_t i = 0; i < got.numel(); ++i) {
    double a = got.getDouble(i), b = want.getDouble(i);
    if (std::isnan(a) != std::isnan(b))
      nan = true;
    if (!std::isnan(a) && !std::isnan(b))
      maxAbs = std::max(maxAbs, std::fabs(a - b));
    if (!std::isnan(b))
      maxRef = std::max(maxRef, std::fabs(b));
  }
  // Relative to the largest reference value: elementwise ratios blow up on
  // values that are zero up to rounding.
  double rel = maxRef > 0 ? maxAbs / maxRef : maxAbs;
  double tol = got.dtype() == DType::F32 ? 1e-4 : 1e-2;
  bool ok = !nan && rel <= tol;
  std::printf("check %s: %s: max abs err %.3g, max rel err %.3g (tolerance %.0e)%s\n",
              name.c_str(), got.typeString().c_str(), maxAbs, rel, tol,
              nan ? ", NaN mismatch" : "");
  return ok;
}

int runModel(Options &o, const std::string &path) {
  Runtime dev;
  if (openModel(o.device, path, o, dev) != 0)
    return 1;
  const char *text = nullptr;
  size_t size = 0;
  Graph graph;
  if (check(nnrt_model_graph(dev.model, &text, &size)))
    return 1;
  Status s = parseGraph(std::string(text, size), graph, path + ":graph");
  if (!s.ok())
    return fail(s.message());
  const Func *entry = graph.func(o.entry);
  if (!entry) {
    std::string names;
    for (int32_t i = 0; i < nnrt_model_entry_count(dev.model); ++i)
      names += std::string(i ? ", " : "") + nnrt_model_entry_name(dev.model, i);
    return fail("model " + graph.model + " has no entry '" + o.entry +
                "' (entries: " + names + ")");
  }
  if ((o.check || o.bench) && o.inputs.empty())
    o.randomInputs = true;
  TensorMap inputs;
  if (prepareInputs(graph, entry, o, inputs) != 0 || setInputs(dev, inputs) != 0)
    return 1;
  std::fprintf(stderr, "nnc-run: %s of %s on %s\n", o.entry.c_str(), graph.model.c_str(),
               nnrt_context_device_name(dev.context));
  if (check(nnrt_session_run(dev.session, o.entry.c_str())))
    return 1;
  NamedTensors outputs;
  if (getOutputs(dev, o.entry, outputs) != 0)
    return 1;
  std::string device = nnrt_context_device_name(dev.context);

  if (o.bench) {
    // Every entry whose inputs are all here, unless --entry picked one.
    std::vector<std::string> entries;
    for (const Func &f : graph.funcs) {
      if (o.entrySet && f.name != o.entry)
        continue;
      bool ready = true;
      for (const Decl &d : graph.decls)
        if (d.kind == Decl::Kind::Input && !inputs.count(d.name) &&
            readsValue(f, d.name))
          ready = false;
      if (ready)
        entries.push_back(f.name);
      else
        std::printf("bench %s: skipped (needs inputs that were not given)\n",
                    f.name.c_str());
    }
    std::string dimText;
    DimMap bound;
    bindInputs(graph, inputs, bound, entry);
    for (const auto &[n, v] : bound)
      dimText += " " + n + "=" + std::to_string(v);
    for (const std::string &e : entries) {
      int64_t warm = std::min<int64_t>(3, o.bench);
      for (int64_t i = 0; i < warm; ++i)
        if (check(nnrt_session_run(dev.session, e.c_str())))
          return 1;
      std::vector<double> ms;
      for (int64_t i = 0; i < o.bench; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        if (check(nnrt_session_run(dev.session, e.c_str())))
          return 1;
        auto t1 = std::chrono::steady_clock::now();
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
      std::sort(ms.begin(), ms.end());
      std::printf("bench %s on %s:%s: median %.3f ms, min %.3f ms over %lld runs\n",
                  e.c_str(), device.c_str(), dimText.c_str(), ms[ms.size() / 2],
                  ms.front(), (long long)o.bench);
    }
  }

  bool checked = true;
  if (o.check) {
    Runtime ref;
    if (openModel("reference", path, o, ref) != 0 || setInputs(ref, inputs) != 0 ||
        check(nnrt_session_run(ref.session, o.entry.c_str()), "reference"))
      return 1;
    NamedTensors want;
    if (getOutputs(ref, o.entry, want) != 0)
      return 1;
    std::printf("check %s on %s against the reference interpreter\n", o.entry.c_str(),
                device.c_str());
    for (size_t i = 0; i < outputs.size() && i < want.size(); ++i)
      checked &= compareOutput(outputs[i].first, outputs[i].second, want[i].second);
  }

  if (o.outputs.empty()) {
    if (!o.check && !o.bench) {
      for (const auto &[name, t] : outputs)
        printSummary(name, t);
    }
  } else {
    for (const auto &[name, file] : o.outputs) {
      bool found = false;
      for (const auto &[outName, t] : outputs)
        if (outName == name) {
          found = true;
          if (!(s = writeNpy(file, t)).ok())
            return fail(s.message());
        }
      if (!found) {
        std::string names;
        for (const auto &r : outputs)
          names += (names.empty() ? "" : ", ") + r.first;
        return fail("entry " + o.entry + " has no output '" + name +
                    "' (outputs: " + names + ")");
      }
    }
  }
  if (!o.saveParams.empty() &&
      check(nnrt_session_save_params(dev.session, o.saveParams.c_str())))
    return 1;
  if (!checked)
    return fail("the device's results differ from the reference interpreter's");
  return 0;
}

int runMain(int argc, char **argv) {
  Options o;
  bool help;
  if (parseArgs(argc, argv, o, help) != 0)
    return 1;
  if (help) {
    std::printf("%s", kUsage);
    return 0;
  }
  bool isGraph = endsWith(o.model, ".graph");
  bool isNN = endsWith(o.model, ".nn");
  if (isGraph) {
    if (o.device != "reference" && o.device != "auto")
      return fail("a .graph file runs on the reference interpreter only; "
                  "compile a model.so with nnc for --device " + o.device);
    if (o.check || o.bench)
      return fail("--check and --bench need a model.so (or a .nn)");
    return runGraph(o);
  }
  // A .nn on the reference device needs no code generation.
  if (isNN && o.device == "reference" && !o.check && !o.bench)
    return runGraph(o);
  std::string path = o.model, tmp;
  if (isNN) {
    struct stat st;
    if (stat(o.model.c_str(), &st) != 0)
      return fail("cannot open '" + o.model + "'");
    std::string error;
    bool reported;
    if (!compileWithNnc(o.model, /*graph=*/false, tmp, error, reported)) {
      if (!tmp.empty())
        unlink(tmp.c_str());
      return fail(error);
    }
    path = tmp;
  }
  int rc = runModel(o, path);
  if (!tmp.empty())
    unlink(tmp.c_str());
  return rc;
}

} // namespace

int main(int argc, char **argv) { return runMain(argc, argv); }
