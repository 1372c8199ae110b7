// nnc-run: command-line runner for nnc models on the reference interpreter.
#include "reference/Graph.h"
#include "reference/Init.h"
#include "reference/Interpreter.h"
#include "reference/Npy.h"
#include "reference/Philox.h"

#include <cerrno>
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

namespace {

const char *kUsage =
    "usage: nnc-run MODEL [options]\n"
    "\n"
    "Runs an nnc model (a .nn source, compiled with the nnc beside nnc-run, or\n"
    "a .graph file from `nnc --emit=graph`) and prints or saves its outputs.\n"
    "\n"
    "options:\n"
    "  --device NAME           device to run on (only 'reference' in this build)\n"
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

// Runs `<dir of nnc-run>/nnc MODEL --emit=graph -o TMP`; nnc's diagnostics
// reach the user's stderr unchanged.
bool compileWithNnc(const std::string &model, std::string &graphPath,
                    std::string &error, bool &nncReported) {
  nncReported = false;
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (len <= 0) {
    error = "cannot locate nnc-run itself (/proc/self/exe)";
    return false;
  }
  self[len] = '\0';
  std::string dir(self);
  dir = dir.substr(0, dir.rfind('/'));
  std::string nnc = dir + "/nnc";
  if (access(nnc.c_str(), X_OK) != 0) {
    error = "cannot compile '" + model + "': the compiler " + nnc +
            " is missing (build the nnc target, or pass a .graph file)";
    return false;
  }
  char tmpl[] = "/tmp/nnc-run-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) {
    error = std::string("cannot create a temporary file: ") + std::strerror(errno);
    return false;
  }
  close(fd);
  graphPath = tmpl;
  std::vector<std::string> args = {nnc, model, "--emit=graph", "-o", graphPath};
  std::vector<char *> argv;
  for (auto &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, nnc.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) {
    error = "cannot run " + nnc + ": " + std::strerror(rc);
    return false;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      error = "waiting for nnc failed";
      return false;
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    nncReported = true; // nnc printed its own diagnostics
    error = "nnc failed to compile '" + model + "'";
    return false;
  }
  return true;
}

std::string formatValue(const Tensor &t, int64_t i) {
  char buf[64];
  if (isFloat(t.dtype()))
    std::snprintf(buf, sizeof buf, "%.6g", t.getDouble(i));
  else if (t.dtype() == DType::Bool)
    std::snprintf(buf, sizeof buf, "%s", t.getInt(i) ? "true" : "false");
  else
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(t.getInt(i)));
  return buf;
}

void printSummary(const std::string &name, const Tensor &t) {
  std::string line = name + ": " + t.typeString() + " = ";
  if (t.rank() == 0) {
    line += formatValue(t, 0);
  } else {
    line += "[";
    int64_t n = t.numel(), shown = n < 8 ? n : 8;
    for (int64_t i = 0; i < shown; ++i)
      line += (i ? ", " : "") + formatValue(t, i);
    if (n > shown)
      line += ", ... (" + std::to_string(n) + " values)";
    line += "]";
  }
  std::printf("%s\n", line.c_str());
}

Tensor randomInput(DType dtype, const Shape &shape, uint64_t seed,
                   uint64_t stream, int64_t intBound) {
  Tensor t(dtype, shape);
  // Each input draws from its own seed so that adding an input does not
  // change the others.
  uint64_t s = seed * 1000003u + stream;
  for (int64_t i = 0; i < t.numel(); ++i) {
    double u = philoxUniform(s, uint64_t(i));
    if (isFloat(dtype))
      t.setDouble(i, 2 * u - 1);
    else if (dtype == DType::Bool)
      t.setInt(i, u < 0.5 ? 0 : 1);
    else
      t.setInt(i, static_cast<int64_t>(std::floor(u * double(intBound))));
  }
  return t;
}

// The exclusive upper bound for random values of an integer input that some
// op uses as labels or indices (cross_entropy, embedding, gather), read from
// the declared static dim they index; 10 when nothing bounds it.
int64_t indexBound(const Graph &graph, const std::string &input) {
  int64_t bound = 10;
  for (const Func &f : graph.funcs) {
    std::map<std::string, const TypeSpec *> types;
    for (const Decl &d : graph.decls)
      types[d.name] = &d.type;
    for (const Op &op : f.ops) {
      types[op.result] = &op.type;
      if (op.operands.size() != 2 || op.operands[1] != input)
        continue;
      int64_t axis = -1;
      if (op.name == "cross_entropy")
        axis = 1;
      else if (op.name == "embedding")
        axis = 0;
      else if (op.name == "gather")
        axis = op.attr("axis") && op.attr("axis")->kind == Attr::Kind::Int
                   ? op.attr("axis")->i
                   : 0;
      auto it = types.find(op.operands[0]);
      if (axis < 0 || it == types.end() ||
          axis >= static_cast<int64_t>(it->second->dims.size()))
        continue;
      const Dim &dim = it->second->dims[axis];
      if (dim.isStatic() && dim.size > 0 && dim.size < bound)
        bound = dim.size;
    }
  }
  return bound;
}

struct Options {
  std::string model;
  std::string device = "reference";
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

int runMain(int argc, char **argv) {
  Options o;
  bool help;
  if (parseArgs(argc, argv, o, help) != 0)
    return 1;
  if (help) {
    std::printf("%s", kUsage);
    return 0;
  }
  if (o.device != "reference")
    return fail("device '" + o.device +
                "' is not available in this build (available: reference)");

  Graph graph;
  std::string graphPath = o.model, tmpGraph;
  if (endsWith(o.model, ".nn")) {
    struct stat st;
    if (stat(o.model.c_str(), &st) != 0)
      return fail("cannot open '" + o.model + "'");
    std::string error;
    bool reported;
    if (!compileWithNnc(o.model, tmpGraph, error, reported)) {
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

} // namespace

int main(int argc, char **argv) { return runMain(argc, argv); }
