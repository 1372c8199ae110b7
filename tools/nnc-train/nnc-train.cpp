// nnc-train: trains an nnc model with its compiled train_step on a folder of
// .npy arrays, and scores its forward pass on a held-out folder each epoch.
#include "nnc/runtime.h"
#include "reference/Graph.h"
#include "reference/Interpreter.h"
#include "tools/common/Args.h"
#include "tools/common/Compile.h"
#include "tools/common/Session.h"
#include "tools/nnc-train/Dataset.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace nnc;
using namespace nnc::tools;
using namespace nnc::train;
using ref::Status;

namespace {

const char *kUsage =
    "usage: nnc-train MODEL --train DIR --test DIR [options]\n"
    "\n"
    "Trains an nnc model (a model.so from `nnc model.nn -o model.so`, or a\n"
    ".nn compiled first with the nnc beside nnc-train) by running its\n"
    "compiled train_step, from the model's `train LOSS with OPTIMIZER` line,\n"
    "once per batch, and scores its forward on the test set after each epoch.\n"
    "\n"
    "  nnc-train mlp.so --train mnist/train --test mnist/test --epochs 15\n"
    "\n"
    "Each DIR holds NAME.npy for every input of train_step, the samples\n"
    "along the first axis (x.npy and y.npy for examples/mnist). Integer\n"
    "arrays are converted to the declared integer dtype; floats must match.\n"
    "\n"
    "Each epoch visits the training samples in a new order: Fisher-Yates\n"
    "(j = next() mod (i + 1) for i = N-1 down to 1) over 0..N-1, drawing\n"
    "from one splitmix64 generator whose state starts at --seed. Batches are\n"
    "consecutive runs of that order; the last, partial batch is trained on\n"
    "too (the batch dim is dynamic), as with PyTorch's\n"
    "DataLoader(shuffle=True, drop_last=False).\n"
    "\n"
    "Scoring: the labels are the one input that train_step reads and\n"
    "forward does not (y); the prediction is the first output of forward\n"
    "that is [B, C] floats (argmax over axis 1, the first maximum on ties)\n"
    "or [B] integers (the predicted classes). The test set runs in batches\n"
    "of --batch.\n"
    "\n"
    "Progress goes to stderr: a bar redrawn in place when stderr is a\n"
    "terminal, and one line per epoch,\n"
    "  epoch 3/10: loss 0.1234, test accuracy 0.9712, 1234 samples/s, 12.3 s\n"
    "(loss: the mean over the epoch's training samples; samples/s: training\n"
    "only; s: the whole epoch, scoring included). The last line, on stdout:\n"
    "  test accuracy: 0.9712\n"
    "\n"
    "options:\n"
    "  --train DIR             training set (required)\n"
    "  --test DIR              held-out set, scored after each epoch\n"
    "                          (required)\n"
    "  --epochs N              passes over the training set (default 10)\n"
    "  --batch B               samples per train_step (default 64; for a\n"
    "                          model compiled with nnc --dim B=N, N: then\n"
    "                          every batch has N samples and a remainder\n"
    "                          is left out)\n"
    "  --seed S                seed of the shuffle (default 0)\n"
    "  --limit N               train on the first N training samples only\n"
    "  --device NAME           auto (default: cuda, then vulkan, then\n"
    "                          reference), cuda, vulkan, reference; cuda:N /\n"
    "                          vulkan:N pick a device by ordinal\n"
    "  --load-params FILE.npz  start from these params and optimizer state\n"
    "                          (nnc-run --save-params writes them)\n"
    "  --save-params FILE.npz  write params and optimizer state at the end\n"
    "  -h, --help              show this help\n";

int fail(const std::string &msg) {
  std::fprintf(stderr, "nnc-train: error: %s\n", msg.c_str());
  return 1;
}

int check(const Status &s) { return s.ok() ? 0 : fail(s.message()); }

struct Options {
  std::string model, trainDir, testDir;
  int64_t epochs = 10, batch = 64, limit = -1;
  bool batchGiven = false;
  /// The model takes batches of exactly `batch` (nnc --dim fixed its size):
  /// a last, smaller batch is left out.
  bool exactBatch = false;

  /// The train_steps of an epoch over `n` samples, and the samples they take.
  int64_t batches(int64_t n) const {
    return exactBatch ? n / batch : (n + batch - 1) / batch;
  }
  int64_t trained(int64_t n) const { return exactBatch ? n / batch * batch : n; }
  uint64_t seed = 0;
  std::string device = "auto";
  std::string loadParams, saveParams;
};

int parseArgs(int argc, char **argv, Options &o, bool &help) {
  help = false;
  ArgReader args(argc, argv);
  auto positive = [&](const char *flag, int64_t &out) {
    std::string v;
    if (!args.value(v) || !parseI64(v, out) || out < 1)
      return fail(std::string(flag) + " needs a positive integer, got '" + v +
                  "'");
    return 0;
  };
  auto text = [&](const char *flag, const char *what, std::string &out) {
    if (!args.value(out) || out.empty())
      return fail(std::string(flag) + " needs " + what);
    return 0;
  };
  while (args.next()) {
    const std::string &a = args.arg();
    int rc = 0;
    if (a == "-h" || a == "--help") {
      help = true;
      return 0;
    } else if (args.is("--train")) {
      rc = text("--train", "a folder", o.trainDir);
    } else if (args.is("--test")) {
      rc = text("--test", "a folder", o.testDir);
    } else if (args.is("--epochs")) {
      rc = positive("--epochs", o.epochs);
    } else if (args.is("--batch")) {
      rc = positive("--batch", o.batch);
      o.batchGiven = true;
    } else if (args.is("--limit")) {
      rc = positive("--limit", o.limit);
    } else if (args.is("--seed")) {
      std::string v;
      int64_t s;
      if (!args.value(v) || !parseI64(v, s))
        return fail("--seed needs an integer, got '" + v + "'");
      o.seed = uint64_t(s);
    } else if (args.is("--device")) {
      rc = text("--device", "a device name", o.device);
    } else if (args.is("--load-params")) {
      rc = text("--load-params", "FILE.npz", o.loadParams);
    } else if (args.is("--save-params")) {
      rc = text("--save-params", "FILE.npz", o.saveParams);
    } else if (a.size() > 1 && a[0] == '-') {
      return fail("unknown option '" + a + "' (see --help)");
    } else if (o.model.empty()) {
      o.model = a;
    } else {
      return fail("more than one model given ('" + o.model + "' and '" + a +
                  "')");
    }
    if (rc)
      return rc;
  }
  if (o.model.empty())
    return fail("no model given (see --help)");
  if (o.trainDir.empty() || o.testDir.empty())
    return fail("both --train DIR and --test DIR are needed (see --help)");
  for (const std::string &dir : {o.trainDir, o.testDir}) {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return fail("'" + dir + "' is not a folder");
  }
  return 0;
}

/// What the model reads and how it is scored, from its graph.
struct Plan {
  std::vector<const ref::Decl *> trainInputs; // read by train_step
  std::vector<const ref::Decl *> testInputs; // read by forward, then the labels
  std::string labels;
};

int planModel(const Session &s, const ref::Graph &graph, Plan &plan) {
  if (!hasEntry(s.model, "train_step"))
    return fail("model " + graph.model +
                " has no train_step entry (entries: " + entryNames(s.model) +
                "): nnc compiles one where the .nn has a "
                "`train LOSS with OPTIMIZER(...)` line");
  // train_step reads what the loss entry reads.
  const ref::Func *step = graph.func("train_step");
  if (!step)
    step = graph.func("loss");
  const ref::Func *forward = graph.func("forward");
  if (!step || !forward)
    return fail("the graph inside " + graph.model +
                " lacks its train_step or forward");
  std::vector<std::string> labels;
  for (const ref::Decl &d : graph.decls) {
    if (d.kind != ref::Decl::Kind::Input || !ref::readsValue(*step, d.name))
      continue;
    plan.trainInputs.push_back(&d);
    if (ref::readsValue(*forward, d.name))
      plan.testInputs.push_back(&d);
    else
      labels.push_back(d.name);
  }
  if (labels.size() != 1)
    return fail(
        "cannot tell which input of " + graph.model + " holds the labels: " +
        "nnc-train scores with the one input that train_step reads and forward "
        "does not, and there are " +
        std::to_string(labels.size()));
  plan.labels = labels[0];
  const ref::Decl *l = graph.decl(plan.labels);
  if (!ref::isInt(l->type.dtype) || l->type.dims.size() != 1)
    return fail("the labels '" + plan.labels + "' are " + l->type.str() +
                ": nnc-train scores integer class labels of shape [B]");
  plan.testInputs.push_back(l);
  return 0;
}

/// The progress bar on a terminal: redrawn in place, at most every 0.1 s.
class Progress {
public:
  explicit Progress(bool tty) : tty_(tty) {}

  void update(int64_t epoch, int64_t epochs, int64_t batch, int64_t batches,
              double meanLoss, double samplesPerSecond) {
    if (!tty_)
      return;
    auto now = std::chrono::steady_clock::now();
    if (batch != batches && now - last_ < std::chrono::milliseconds(100))
      return;
    last_ = now;
    const int width = 24;
    int filled = int(width * batch / batches);
    std::string bar(size_t(filled), '=');
    bar += std::string(size_t(width - filled), ' ');
    std::fprintf(
        stderr,
        "\r\033[Kepoch %lld/%lld [%s] %lld/%lld  loss %.4f  %.0f samples/s",
        (long long)epoch, (long long)epochs, bar.c_str(), (long long)batch,
        (long long)batches, meanLoss, samplesPerSecond);
    std::fflush(stderr);
  }
  /// Replaces the bar with `text` (a terminal only).
  void show(const std::string &text) {
    if (tty_)
      std::fprintf(stderr, "\r\033[K%s", text.c_str());
  }
  void clear() { show(""); }

private:
  bool tty_;
  std::chrono::steady_clock::time_point last_{};
};

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

/// Appends the classes that `out` predicts for a batch of `n` (see --help);
/// false when `out` is neither [n, C] floats nor [n] integers.
bool predictions(const ref::Tensor &out, int64_t n,
                 std::vector<int64_t> &pred) {
  if (out.rank() == 2 && ref::isFloat(out.dtype()) && out.shape()[0] == n &&
      out.shape()[1] > 0) {
    int64_t c = out.shape()[1];
    for (int64_t i = 0; i < n; ++i) {
      int64_t best = 0;
      for (int64_t k = 1; k < c; ++k)
        if (out.getDouble(i * c + k) > out.getDouble(i * c + best))
          best = k;
      pred.push_back(best);
    }
    return true;
  }
  if (out.rank() == 1 && ref::isInt(out.dtype()) && out.shape()[0] == n) {
    for (int64_t i = 0; i < n; ++i)
      pred.push_back(out.getInt(i));
    return true;
  }
  return false;
}

/// Runs forward over the test set in batches; the fraction of right labels.
int score(Session &s, const Plan &plan, const Dataset &test, const Options &o,
          std::string &scoreOutput, double &accuracy) {
  int64_t batch = o.batch;
  std::vector<std::string> outputs;
  if (check(entryOutputs(s.model, "forward", outputs)))
    return 1;
  const ref::Tensor &labels = *test.column(plan.labels);
  int64_t right = 0;
  std::vector<int64_t> rows(static_cast<size_t>(batch));
  int64_t scored = o.trained(test.size);
  if (scored == 0)
    return fail("the test set has " + std::to_string(test.size) +
                " samples, fewer than one batch of " + std::to_string(batch) +
                " (the size nnc --dim compiled the model for)");
  for (int64_t start = 0; start < scored; start += batch) {
    int64_t n = std::min(batch, test.size - start);
    std::iota(rows.begin(), rows.begin() + n, start);
    // The labels too: forward does not read them, but the session checks
    // that every input it holds agrees on the batch dim.
    for (const ref::Decl *d : plan.testInputs)
      if (check(setInput(s.session, d->name,
                         gatherRows(*test.column(d->name), rows.data(), n))))
        return 1;
    if (check(takeStatus(nnrt_session_run(s.session, "forward"), "forward")))
      return 1;
    std::vector<int64_t> pred;
    // The first batch picks the output; later ones read only that one.
    for (const std::string &name : outputs) {
      if (!scoreOutput.empty() && name != scoreOutput)
        continue;
      ref::Tensor out;
      if (check(getOutput(s.session, name, out)))
        return 1;
      if (predictions(out, n, pred)) {
        scoreOutput = name;
        break;
      }
      if (!scoreOutput.empty())
        return fail("forward output '" + name + "' is " + out.typeString() +
                    " for a batch of " + std::to_string(n));
    }
    if (scoreOutput.empty())
      return fail(
          "forward has no output to score: nnc-train needs logits [B, C] "
          "(floats) or predicted classes [B] (integers)");
    for (int64_t i = 0; i < n; ++i)
      right += pred[size_t(i)] == labels.getInt(start + i);
  }
  accuracy = double(right) / double(scored);
  return 0;
}

/// One pass over `train` in `order`, a train_step per batch; the mean loss
/// over the samples and the seconds spent in training.
int trainEpoch(Session &s, const Dataset &train, const Options &o,
               const std::string &lossName,
               const std::vector<int64_t> &order, int64_t epoch,
               Progress &progress, double &meanLoss, double &trainSeconds) {
  int64_t batches = o.batches(train.size);
  double lossSum = 0;
  int64_t seen = 0;
  trainSeconds = 0;
  for (int64_t b = 0; b < batches; ++b) {
    int64_t start = b * o.batch, n = std::min(o.batch, train.size - start);
    auto t0 = std::chrono::steady_clock::now();
    for (const auto &[name, column] : train.columns)
      if (check(setInput(s.session, name,
                         gatherRows(column, order.data() + start, n))))
        return 1;
    ref::Tensor loss;
    if (check(takeStatus(nnrt_session_run(s.session, "train_step"),
                         "train_step")) ||
        check(getOutput(s.session, lossName, loss)))
      return 1;
    trainSeconds += secondsSince(t0);
    double l = loss.numel() == 1 ? loss.getDouble(0) : NAN;
    if (!std::isfinite(l)) {
      progress.clear();
      return fail("the loss is " + std::to_string(l) + " at epoch " +
                  std::to_string(epoch) + ", batch " + std::to_string(b + 1) +
                  ": training diverged (try a lower learning rate)");
    }
    lossSum += l * double(n);
    seen += n;
    progress.update(epoch, o.epochs, b + 1, batches, lossSum / double(seen),
                    double(seen) / trainSeconds);
  }
  meanLoss = lossSum / double(seen);
  return 0;
}

int trainModel(Options o, const std::string &path) {
  Session s;
  ref::Graph graph;
  if (check(openSession(o.device, path, o.loadParams, s)) ||
      check(modelGraph(s, path, graph)))
    return 1;
  Plan plan;
  if (planModel(s, graph, plan) != 0)
    return 1;
  // A batch size that nnc --dim fixed: the default, and the only one.
  const ref::Dim &batchDim = graph.decl(plan.labels)->type.dims[0];
  std::map<std::string, int64_t> fixed = compiledDims(s.model);
  if (!batchDim.isStatic() && fixed.count(batchDim.name)) {
    int64_t f = fixed[batchDim.name];
    if (o.batchGiven && o.batch != f)
      return fail("--batch " + std::to_string(o.batch) + ": " + graph.model +
                  " was compiled for batches of " + std::to_string(f) +
                  " (nnc --dim " + batchDim.name + "=" + std::to_string(f) +
                  "); pass --batch " + std::to_string(f) +
                  " or compile without --dim");
    o.batch = f;
    o.exactBatch = true;
  }
  Dataset train, test;
  if (check(loadDataset(o.trainDir, plan.trainInputs, train)) ||
      check(loadDataset(o.testDir, plan.testInputs, test)))
    return 1;
  if (o.limit > 0 && o.limit < train.size) {
    train.size = o.limit;
    for (auto &[name, t] : train.columns) {
      std::vector<int64_t> first(static_cast<size_t>(o.limit));
      std::iota(first.begin(), first.end(), 0);
      t = gatherRows(t, first.data(), o.limit);
    }
  }
  std::vector<std::string> stepOutputs;
  if (check(entryOutputs(s.model, "train_step", stepOutputs)))
    return 1;
  // train_step returns the loss first, named after the `train` line's value.
  if (stepOutputs.empty())
    return fail("train_step of " + graph.model + " returns nothing");
  const std::string lossName = stepOutputs[0];

  std::fprintf(stderr,
               "nnc-train: %s on %s: %lld training samples (%lld batches of "
               "%s%lld), %lld test samples\n",
               graph.model.c_str(), nnrt_context_device_name(s.context),
               (long long)train.size,
               (long long)o.batches(train.size),
               o.exactBatch ? "" : "up to ", (long long)o.batch,
               (long long)test.size);
  if (o.exactBatch && (train.size % o.batch || test.size % o.batch))
    std::fprintf(stderr,
                 "nnc-train: the model takes batches of exactly %lld (nnc "
                 "--dim): the last %lld training and %lld test samples are "
                 "left out\n",
                 (long long)o.batch, (long long)(train.size % o.batch),
                 (long long)(test.size % o.batch));

  Progress progress(isatty(fileno(stderr)));
  SplitMix64 rng(o.seed);
  std::vector<int64_t> order(size_t(train.size));
  std::string scoreOutput;
  double accuracy = 0;
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    auto epochStart = std::chrono::steady_clock::now();
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, rng);
    double loss = 0, trainSeconds = 0;
    if (trainEpoch(s, train, o, lossName, order, epoch, progress, loss,
                   trainSeconds) !=
        0)
      return 1;
    progress.show("epoch " + std::to_string(epoch) + "/" +
                  std::to_string(o.epochs) + ": scoring " +
                  std::to_string(test.size) + " test samples");
    if (score(s, plan, test, o, scoreOutput, accuracy) != 0)
      return 1;
    progress.clear();
    std::fprintf(stderr,
                 "epoch %lld/%lld: loss %.4f, test accuracy %.4f, %.0f "
                 "samples/s, %.1f s\n",
                 (long long)epoch, (long long)o.epochs, loss, accuracy,
                 double(o.trained(train.size)) / trainSeconds,
                 secondsSince(epochStart));
  }
  if (!o.saveParams.empty() && check(takeStatus(nnrt_session_save_params(
                                   s.session, o.saveParams.c_str()))))
    return 1;
  std::printf("test accuracy: %.4f\n", accuracy);
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
  ModelFile file;
  return check(file.open(o.model, /*graph=*/false))
             ? 1
             : trainModel(o, file.path());
}

} // namespace

int main(int argc, char **argv) { return runMain(argc, argv); }
