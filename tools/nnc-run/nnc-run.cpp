// nnc-run: runs an nnc model.so (or a .nn, compiled first) on a device
// through libnnrt, checks it against the reference interpreter, times it.
#include "nnc/runtime.h"
#include "reference/Graph.h"
#include "reference/Init.h"
#include "reference/Interpreter.h"
#include "reference/Npy.h"
#include "reference/Philox.h"
#include "tools/common/Args.h"
#include "tools/common/Compile.h"
#include "tools/common/Session.h"
#include "tools/nnc-run/Inputs.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace nnc::ref;
using namespace nnc::run;
using namespace nnc::tools;

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
    "  nnc-run model.so --entry train_step --steps 20 --input x=x.npy --input y=y.npy\n"
    "  nnc-run model.so --save-params init.npz   initial params, nothing run\n"
    "\n"
    "options:\n"
    "  --device NAME           auto (default: cuda, then vulkan, then reference),\n"
    "                          cuda, vulkan, reference; cuda:N / vulkan:N pick a\n"
    "                          device by ordinal\n"
    "  --check                 also run on the reference interpreter from the\n"
    "                          graph inside model.so and compare every output\n"
    "                          (max abs and rel error; exit 1 beyond 1e-10\n"
    "                          relative for f64, 1e-4 for f32, 1e-2 for\n"
    "                          f16/bf16, exact for integers; an optimizer\n"
    "                          state at its param's: opt.m.w of an f16 w is\n"
    "                          f32 but checked to 1e-2); random inputs\n"
    "                          when none are given\n"
    "  --tolerance R           with --check: the relative tolerance of every\n"
    "                          floating output instead (e.g. 1e-3 for params\n"
    "                          after Adam steps, where gradients that are zero\n"
    "                          up to rounding move a weight by +-lr)\n"
    "  --bench N               time N runs of each entry (or of --entry) after\n"
    "                          3 warm-up runs; print median and min\n"
    "  --input NAME=FILE.npy   an input tensor (repeatable)\n"
    "  --output NAME=FILE.npy  write an output to .npy (repeatable); without any\n"
    "                          --output every output is summarized on stdout\n"
    "  --dim NAME=N            size of a dynamic dim (for --random-inputs)\n"
    "  --random-inputs         make seeded random inputs for those not given\n"
    "                          (floats in [-1, 1), integers in [0, 10), or in\n"
    "                          range where they are labels or indices;\n"
    "                          other dims: the size nnc --dim compiled the\n"
    "                          model for, else 4)\n"
    "  --seed S                seed for --random-inputs (default 0)\n"
    "  --entry NAME            entry to run (default forward; 'loss' and\n"
    "                          'train_step' exist when the model has a train line:\n"
    "                          train_step updates every param and the optimizer\n"
    "                          state (opt.*) in the session)\n"
    "  --steps N               run the entry N times on the same inputs (default\n"
    "                          1) and print 'step I: loss L' on stderr after each\n"
    "                          run (L: the entry's 'loss' output, if any);\n"
    "                          outputs and --save-params are those of the last\n"
    "                          run; with --check the reference runs the same\n"
    "                          steps and, after train_step, every param and\n"
    "                          state is compared too (needs a model.so or a .nn)\n"
    "  --load-params FILE.npz  start from these params/states instead of their\n"
    "                          initializers\n"
    "  --save-params FILE.npz  write params/states after the run; with no input,\n"
    "                          --random-inputs, --output, --check, --bench or\n"
    "                          --steps, write the initial values and run nothing\n"
    "  -h, --help              show this help\n";

int fail(const std::string &msg) {
  std::fprintf(stderr, "nnc-run: error: %s\n", msg.c_str());
  return 1;
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
  int64_t steps = 1;
  bool stepsSet = false;
  std::string loadParams, saveParams;
  double tolerance = 0; // --tolerance; 0: by dtype
};

int parseArgs(int argc, char **argv, Options &o, bool &help) {
  help = false;
  ArgReader args(argc, argv);
  while (args.next()) {
    const std::string &a = args.arg();
    std::string v;
    if (a == "-h" || a == "--help") {
      help = true;
      return 0;
    } else if (args.is("--device")) {
      if (!args.value(v))
        return fail("--device needs a value");
      o.device = v;
    } else if (a == "--check") {
      o.check = true;
    } else if (args.is("--bench")) {
      if (!args.value(v) || !parseI64(v, o.bench) || o.bench < 1)
        return fail("--bench needs a positive number of runs");
    } else if (args.is("--steps")) {
      if (!args.value(v) || !parseI64(v, o.steps) || o.steps < 1)
        return fail("--steps needs a positive number of runs, got '" + v + "'");
      o.stepsSet = true;
    } else if (args.is("--input") || args.is("--output")) {
      bool input = args.is("--input");
      const char *flag = input ? "--input" : "--output";
      if (!args.value(v))
        return fail(std::string(flag) + " needs NAME=FILE.npy");
      std::string name, file;
      if (!splitAssign(v, name, file))
        return fail(std::string(flag) + " needs NAME=FILE.npy, got '" + v + "'");
      (input ? o.inputs : o.outputs).emplace_back(name, file);
    } else if (args.is("--dim")) {
      if (!args.value(v))
        return fail("--dim needs NAME=N");
      std::string name, num;
      int64_t n;
      if (!splitAssign(v, name, num) || !parseI64(num, n) || n < 0)
        return fail("--dim needs NAME=N with N >= 0, got '" + v + "'");
      o.dims[name] = n;
    } else if (a == "--random-inputs") {
      o.randomInputs = true;
    } else if (args.is("--tolerance")) {
      char *end = nullptr;
      if (!args.value(v) || v.empty() ||
          !((o.tolerance = std::strtod(v.c_str(), &end)) > 0) || *end)
        return fail("--tolerance needs a number above 0, got '" + v + "'");
    } else if (args.is("--seed")) {
      int64_t s;
      if (!args.value(v) || !parseI64(v, s))
        return fail("--seed needs an integer");
      o.seed = static_cast<uint64_t>(s);
    } else if (args.is("--entry")) {
      if (!args.value(v))
        return fail("--entry needs a name");
      o.entry = v;
      o.entrySet = true;
    } else if (args.is("--load-params")) {
      if (!args.value(v))
        return fail("--load-params needs FILE.npz");
      o.loadParams = v;
    } else if (args.is("--save-params")) {
      if (!args.value(v))
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
  if (o.stepsSet && o.bench)
    return fail("--steps and --bench do not combine (--bench repeats the entry itself)");
  return 0;
}

/// `nnc-run MODEL --save-params F` with nothing to run on: the entry needs
/// inputs and none was given or asked for. Then the initial params are saved
/// as they are (the way to start an external training from nnc's init).
bool savesInitialParamsOnly(const Options &o, const Graph &graph, const Func &entry) {
  if (o.saveParams.empty() || !o.inputs.empty() || !o.outputs.empty() ||
      o.randomInputs || o.check || o.bench || o.stepsSet)
    return false;
  for (const Decl &d : graph.decls)
    if (d.kind == Decl::Kind::Input && readsValue(entry, d.name))
      return true;
  return false;
}

// Reads --input files and makes --random-inputs; checks them against the
// graph's declarations and --dim.
int prepareInputs(const Graph &graph, const Func *entry, Options &o,
                  TensorMap &inputs, const DimMap &compiled = {}) {
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
    // Dims from the given inputs first, then --dim, then the sizes the
    // model was compiled for (nnc --dim), then 4.
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
        if (!dim.isStatic() && !dims.count(dim.name)) {
          auto c = compiled.find(dim.name);
          dims[dim.name] = c != compiled.end() ? c->second : 4;
        }
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
  ModelFile file;
  Status s = file.open(o.model, /*graph=*/true);
  if (s.ok())
    s = parseGraphFile(file.path(), graph);
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
  // The interpreter returns an entry's outputs and keeps no session.
  if (o.entry == "train_step" || o.stepsSet)
    return fail("--steps and train_step update the params of a session: give "
                "a model.so (or a .nn) instead of a .graph");

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
  auto saveParams = [&]() {
    NamedTensors toSave;
    for (const Decl &d : graph.decls)
      if (d.kind != Decl::Kind::Input)
        toSave.emplace_back(d.name, params[d.name]);
    Status st = writeNpz(o.saveParams, toSave);
    return st.ok() ? 0 : fail(st.message());
  };
  if (savesInitialParamsOnly(o, graph, *entry)) {
    std::fprintf(stderr, "nnc-run: no inputs given: saving the initial params of %s to "
                 "%s without running\n", graph.model.c_str(), o.saveParams.c_str());
    return saveParams();
  }

  TensorMap inputs;
  if (prepareInputs(graph, entry, o, inputs) != 0)
    return 1;
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
  return o.saveParams.empty() ? 0 : saveParams();
}

/// Reports a failed status; 0 on success.
int check(const Status &s) { return s.ok() ? 0 : fail(s.message()); }
int check(nnrt_status_t s, const std::string &context = "") {
  return check(takeStatus(s, context));
}

int setInputs(Session &rt, const TensorMap &inputs) {
  for (const auto &[name, t] : inputs)
    if (check(setInput(rt.session, name, t)))
      return 1;
  return 0;
}

int getOutputs(Session &rt, const std::string &entry, NamedTensors &outputs) {
  std::vector<std::string> names;
  if (check(entryOutputs(rt.model, entry, names)))
    return 1;
  for (const std::string &name : names) {
    Tensor t;
    if (check(getOutput(rt.session, name, t)))
      return 1;
    outputs.emplace_back(name, std::move(t));
  }
  return 0;
}

/// Runs the entry o.steps times; with --steps, prints each run's loss on
/// stderr, prefixed by `who` (the reference, under --check).
int runSteps(Session &rt, const Options &o, const std::string &who = "") {
  std::vector<std::string> names;
  if (check(entryOutputs(rt.model, o.entry, names)))
    return 1;
  // The loss entries return the loss first, named after the train line's
  // value ("loss" in the examples).
  std::string lossName = "loss";
  if ((o.entry == "train_step" || o.entry == "loss") && !names.empty())
    lossName = names[0];
  bool hasLoss = std::find(names.begin(), names.end(), lossName) != names.end();
  std::string prefix = who.empty() ? "" : who + ": ";
  for (int64_t step = 1; step <= o.steps; ++step) {
    if (check(nnrt_session_run(rt.session, o.entry.c_str()), who))
      return 1;
    if (!o.stepsSet)
      continue;
    Tensor loss;
    if (hasLoss && check(getOutput(rt.session, lossName, loss)))
      return 1;
    if (hasLoss && loss.numel() == 1)
      std::fprintf(stderr, "%sstep %lld: loss %.6f\n", prefix.c_str(), (long long)step,
                   loss.getDouble(0));
    else
      std::fprintf(stderr, "%sstep %lld: done\n", prefix.c_str(), (long long)step);
  }
  return 0;
}

/// The relative tolerance of a --check of `dtype` (--tolerance overrides it).
double defaultTolerance(DType dtype) {
  return dtype == DType::F64 ? 1e-10 : dtype == DType::F32 ? 1e-4 : 1e-2;
}

/// Compares a device output with the reference's; prints one line. False
/// when beyond tolerance: --tolerance, else `precision`'s (the output's
/// dtype, unless it holds a value computed from a narrower one).
bool compareOutput(const std::string &name, const Tensor &got, const Tensor &want,
                   double tolerance, std::optional<DType> precision = {}) {
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
  double tol = tolerance > 0 ? tolerance
                             : defaultTolerance(precision.value_or(got.dtype()));
  bool ok = !nan && rel <= tol;
  std::printf("check %s: %s: max abs err %.3g, max rel err %.3g (tolerance %.0e)%s\n",
              name.c_str(), got.typeString().c_str(), maxAbs, rel, tol,
              nan ? ", NaN mismatch" : "");
  return ok;
}

int runModel(Options &o, const std::string &path) {
  Session dev;
  Graph graph;
  if (check(openSession(o.device, path, o.loadParams, dev)) ||
      check(modelGraph(dev, path, graph)))
    return 1;
  const Func *entry = graph.func(o.entry);
  if (!entry)
    return fail("model " + graph.model + " has no entry '" + o.entry + "' (entries: " +
                entryNames(dev.model) + ")");
  if (savesInitialParamsOnly(o, graph, *entry)) {
    std::fprintf(stderr, "nnc-run: no inputs given: saving the initial params of %s to "
                 "%s without running\n", graph.model.c_str(), o.saveParams.c_str());
    return check(nnrt_session_save_params(dev.session, o.saveParams.c_str()));
  }
  if ((o.check || o.bench) && o.inputs.empty())
    o.randomInputs = true;
  TensorMap inputs;
  if (prepareInputs(graph, entry, o, inputs, compiledDims(dev.model)) != 0 ||
      setInputs(dev, inputs) != 0)
    return 1;
  std::fprintf(stderr, "nnc-run: %s of %s on %s\n", o.entry.c_str(), graph.model.c_str(),
               nnrt_context_device_name(dev.context));
  if (runSteps(dev, o) != 0)
    return 1;
  Status s;
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
    Session ref;
    if (check(openSession("reference", path, o.loadParams, ref)) ||
        setInputs(ref, inputs) != 0 || runSteps(ref, o, "reference") != 0)
      return 1;
    NamedTensors want;
    if (getOutputs(ref, o.entry, want) != 0)
      return 1;
    std::printf("check %s on %s against the reference interpreter\n", o.entry.c_str(),
                device.c_str());
    for (size_t i = 0; i < outputs.size() && i < want.size(); ++i)
      checked &= compareOutput(outputs[i].first, outputs[i].second, want[i].second,
                               o.tolerance);
    // train_step's real results are the updated params and optimizer state.
    // An optimizer state (opt.m.w) is checked at its param's precision: an
    // f16 param's Adam moments are f32, computed from f16 gradients.
    if (o.entry == "train_step") {
      std::map<std::string, DType> dtypes;
      for (const std::string &name : paramNames(dev.model)) {
        Tensor got, ref_;
        if (check(getParam(dev.session, name, got)) ||
            check(getParam(ref.session, name, ref_)))
          return 1;
        std::optional<DType> precision;
        size_t dot = name.rfind("opt.", 0) == 0 ? name.find('.', 4) : std::string::npos;
        if (dot != std::string::npos && dtypes.count(name.substr(dot + 1)))
          precision = dtypes[name.substr(dot + 1)];
        else
          dtypes[name] = got.dtype();
        checked &= compareOutput(name, got, ref_, o.tolerance, precision);
      }
    }
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
  // A .nn on the reference device needs no code generation, unless a session
  // must keep params from one run to the next.
  if (isNN && o.device == "reference" && !o.check && !o.bench && !o.stepsSet &&
      o.entry != "train_step")
    return runGraph(o);
  ModelFile file;
  return check(file.open(o.model, /*graph=*/false)) ? 1 : runModel(o, file.path());
}

} // namespace

int main(int argc, char **argv) { return runMain(argc, argv); }
