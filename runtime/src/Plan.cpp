// Plan: launch plan text -> structures, and their evaluation for given shapes.
#include "runtime/src/Plan.h"
#include "runtime/src/PlanArith.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace nnc::rt {

namespace {

std::vector<std::string> split(const std::string &line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string tok;
  while (in >> tok)
    out.push_back(tok);
  return out;
}

bool toInt(const std::string &s, int64_t &v) {
  if (s.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  long long x = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end)
    return false;
  v = x;
  return true;
}

bool toOperand(const std::string &s, int64_t numRegs, PlanOperand &o) {
  if (!s.empty() && s[0] == '%') {
    o.isReg = true;
    return toInt(s.substr(1), o.value) && o.value >= 0 && o.value < numRegs;
  }
  o.isReg = false;
  return toInt(s, o.value);
}

bool isBinary(const std::string &op) {
  static const char *ops[] = {"add",  "sub",      "mul",      "divs",
                              "divu", "ceildivs", "ceildivu", "floordivs",
                              "rems", "remu",     "mins",     "maxs",
                              "minu", "maxu",     "and",      "or",
                              "xor"};
  for (const char *o : ops)
    if (op == o)
      return true;
  return false;
}

} // namespace

size_t planDTypeBytes(const std::string &dtype) {
  if (dtype == "f64" || dtype == "i64")
    return 8;
  if (dtype == "f16" || dtype == "bf16" || dtype == "i16")
    return 2;
  if (dtype == "bool" || dtype == "i8")
    return 1;
  if (dtype == "f32" || dtype == "i32")
    return 4;
  return 0;
}

const PlanEntry *Plan::entry(const std::string &name) const {
  for (const PlanEntry &e : entries)
    if (e.name == name)
      return &e;
  return nullptr;
}

std::string parsePlan(const std::string &text, Plan &plan) {
  std::istringstream in(text);
  std::string line;
  int lineNo = 0;
  PlanEntry *entry = nullptr;
  auto err = [&](const std::string &m) {
    return "plan:" + std::to_string(lineNo) + ": " + m;
  };
  bool header = false;
  while (std::getline(in, line)) {
    ++lineNo;
    std::vector<std::string> t = split(line);
    if (t.empty())
      continue;
    const std::string &w = t[0];
    if (!header) {
      if (w != "nnc-plan" || t.size() != 2 || t[1] != "1")
        return err("expected 'nnc-plan 1'");
      header = true;
      continue;
    }
    int64_t n = 0;
    if (w == "kernel") {
      PlanKernel k;
      int64_t b[3];
      if (t.size() != 7 || !toInt(t[1], n) ||
          n != int64_t(plan.kernels.size()) || !toInt(t[4], b[0]) ||
          !toInt(t[5], b[1]) || !toInt(t[6], b[2]))
        return err("malformed kernel line");
      k.module = t[2];
      k.function = t[3];
      for (int d = 0; d < 3; ++d) {
        if (b[d] < 1 || b[d] > 1024)
          return err("kernel block size out of range");
        k.block[d] = uint32_t(b[d]);
      }
      plan.kernels.push_back(k);
    } else if (w == "global") {
      PlanGlobal g;
      int64_t bytes;
      if (t.size() != 5 || !toInt(t[1], n) ||
          n != int64_t(plan.globals.size()) || !toInt(t[4], bytes) ||
          bytes < 0 || !planDTypeBytes(t[3]))
        return err("malformed global line");
      g.name = t[2];
      g.dtype = t[3];
      g.bytes = uint64_t(bytes);
      plan.globals.push_back(g);
    } else if (w == "entry") {
      if (t.size() != 2 || entry)
        return err("malformed entry line");
      plan.entries.emplace_back();
      entry = &plan.entries.back();
      entry->name = t[1];
    } else if (!entry) {
      return err("'" + w + "' outside an entry");
    } else if (w == "end") {
      entry = nullptr;
    } else if (w == "arg") {
      PlanArg a;
      int64_t rank;
      if (t.size() < 7 || !toInt(t[1], n) || n != int64_t(entry->args.size()) ||
          !toInt(t[6], rank) || rank < 0 || t.size() != size_t(7 + rank) ||
          !planDTypeBytes(t[4]) || (t[5] != "used" && t[5] != "unused"))
        return err("malformed arg line");
      a.role = t[2];
      a.name = t[3];
      a.dtype = t[4];
      a.used = t[5] == "used";
      for (int64_t i = 0; i < rank; ++i) {
        int64_t d = -1;
        if (t[7 + i] != "?" && (!toInt(t[7 + i], d) || d < 0))
          return err("malformed arg dim");
        a.dims.push_back(d);
      }
      entry->args.push_back(a);
    } else if (w == "r") {
      PlanInstr in;
      in.kind = PlanInstr::Kind::Reg;
      if (t.size() < 3 || !toInt(t[1], in.index) || in.index != entry->numRegs)
        return err("registers must be numbered in order");
      in.op = t[2];
      size_t first = 3, count = 0;
      if (in.op == "indim") {
        int64_t arg, axis;
        if (t.size() != 5 || !toInt(t[3], arg) || !toInt(t[4], axis) ||
            arg < 0 || arg >= int64_t(entry->args.size()) || axis < 0 ||
            axis >= int64_t(entry->args[arg].dims.size()))
          return err("malformed indim");
        in.operands = {{false, arg}, {false, axis}};
      } else {
        if (in.op == "cmp") {
          if (t.size() != 6)
            return err("malformed cmp");
          in.predicate = t[3];
          first = 4;
          count = 2;
        } else if (in.op == "select") {
          count = 3;
        } else if (isBinary(in.op)) {
          count = 2;
        } else {
          return err("unknown register op '" + in.op + "'");
        }
        if (t.size() != first + count)
          return err("wrong operand count for '" + in.op + "'");
        for (size_t i = first; i < t.size(); ++i) {
          PlanOperand o;
          if (!toOperand(t[i], entry->numRegs, o))
            return err("bad operand '" + t[i] + "'");
          in.operands.push_back(o);
        }
      }
      ++entry->numRegs;
      entry->instrs.push_back(in);
    } else if (w == "b") {
      PlanInstr in;
      in.kind = PlanInstr::Kind::Alloc;
      PlanOperand bytes;
      if (t.size() != 4 || t[2] != "alloc" || !toInt(t[1], in.index) ||
          in.index != entry->numBuffers ||
          !toOperand(t[3], entry->numRegs, bytes))
        return err("malformed alloc");
      in.operands = {bytes};
      ++entry->numBuffers;
      entry->instrs.push_back(in);
    } else if (w == "free") {
      PlanInstr in;
      in.kind = PlanInstr::Kind::Free;
      if (t.size() != 2 || !toInt(t[1], in.index) || in.index < 0 ||
          in.index >= entry->numBuffers)
        return err("malformed free");
      entry->instrs.push_back(in);
    } else if (w == "v") {
      PlanInstr in;
      in.kind = PlanInstr::Kind::View;
      int64_t rank;
      PlanViewDef &v = in.view;
      if (t.size() < 7 || !toInt(t[1], in.index) ||
          in.index != entry->numViews || !toInt(t[3], v.rootIndex) ||
          !planDTypeBytes(t[4]) || !toOperand(t[5], entry->numRegs, v.offset) ||
          !toInt(t[6], rank) || rank < 0 || rank > 16 ||
          t.size() != size_t(7 + 2 * rank))
        return err("malformed view");
      v.dtype = t[4];
      int64_t limit;
      if (t[2] == "arg") {
        v.root = PlanViewDef::Root::Arg;
        limit = int64_t(entry->args.size());
      } else if (t[2] == "buf") {
        v.root = PlanViewDef::Root::Buffer;
        limit = entry->numBuffers;
      } else if (t[2] == "global") {
        v.root = PlanViewDef::Root::Global;
        limit = int64_t(plan.globals.size());
      } else {
        return err("unknown view root '" + t[2] + "'");
      }
      if (v.rootIndex < 0 || v.rootIndex >= limit)
        return err("view root out of range");
      for (int64_t i = 0; i < 2 * rank; ++i) {
        PlanOperand o;
        if (!toOperand(t[7 + i], entry->numRegs, o))
          return err("bad view operand '" + t[7 + i] + "'");
        (i < rank ? v.sizes : v.strides).push_back(o);
      }
      ++entry->numViews;
      entry->instrs.push_back(in);
    } else if (w == "launch") {
      PlanInstr in;
      in.kind = PlanInstr::Kind::Launch;
      int64_t nargs;
      if (t.size() < 6 || !toInt(t[1], in.kernel) || in.kernel < 0 ||
          in.kernel >= int64_t(plan.kernels.size()) || !toInt(t[5], nargs) ||
          nargs < 0 || t.size() != size_t(6 + nargs))
        return err("malformed launch");
      for (int d = 0; d < 3; ++d)
        if (!toOperand(t[2 + d], entry->numRegs, in.grid[d]))
          return err("bad grid operand");
      for (int64_t i = 0; i < nargs; ++i) {
        const std::string &a = t[6 + i];
        PlanLaunchArg arg;
        size_t colon = a.find(':');
        if (a.size() > 1 && a[0] == 'v') {
          if (!toInt(a.substr(1), arg.view) || arg.view < 0 ||
              arg.view >= entry->numViews)
            return err("bad view argument '" + a + "'");
        } else if (colon != std::string::npos) {
          arg.isView = false;
          arg.scalarType = a.substr(0, colon);
          if (!toOperand(a.substr(colon + 1), entry->numRegs, arg.value) ||
              (arg.scalarType != "index" && !planDTypeBytes(arg.scalarType)))
            return err("bad scalar argument '" + a + "'");
        } else {
          return err("bad launch argument '" + a + "'");
        }
        in.args.push_back(arg);
      }
      entry->instrs.push_back(in);
    } else if (w == "result" || w == "update") {
      int64_t v;
      if (t.size() != 3 || t[2].size() < 2 || t[2][0] != 'v' ||
          !toInt(t[2].substr(1), v) || v < 0 || v >= entry->numViews)
        return err("malformed " + w);
      (w == "result" ? entry->results : entry->updates).push_back({t[1], v});
    } else {
      return err("unknown line '" + w + "'");
    }
  }
  if (!header)
    return "plan: empty";
  if (entry)
    return "plan: entry '" + entry->name + "' has no end";
  return "";
}

bool EvalView::contiguous() const {
  int64_t expect = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] != 1 && strides[i] != expect)
      return false;
    expect *= sizes[i];
  }
  return true;
}

int64_t EvalView::numel() const {
  int64_t n = 1;
  for (int64_t s : sizes)
    n *= s;
  return n;
}

namespace {

bool evalCmp(const std::string &p, int64_t a, int64_t b, int64_t &r) {
  uint64_t ua = uint64_t(a), ub = uint64_t(b);
  if (p == "eq") r = a == b;
  else if (p == "ne") r = a != b;
  else if (p == "slt") r = a < b;
  else if (p == "sle") r = a <= b;
  else if (p == "sgt") r = a > b;
  else if (p == "sge") r = a >= b;
  else if (p == "ult") r = ua < ub;
  else if (p == "ule") r = ua <= ub;
  else if (p == "ugt") r = ua > ub;
  else if (p == "uge") r = ua >= ub;
  else return false;
  return true;
}

/// First-fit allocation of aligned ranges in one arena.
class ArenaPlanner {
public:
  uint64_t allocate(uint64_t bytes) {
    bytes = std::max<uint64_t>(kArenaAlignment,
                               (bytes + kArenaAlignment - 1) /
                                   kArenaAlignment * kArenaAlignment);
    for (size_t i = 0; i < free_.size(); ++i) {
      if (free_[i].second >= bytes) {
        uint64_t at = free_[i].first;
        free_[i].first += bytes;
        free_[i].second -= bytes;
        if (free_[i].second == 0)
          free_.erase(free_.begin() + long(i));
        return at;
      }
    }
    // Grow the arena, merging with a free range at its end.
    uint64_t at = top_;
    if (!free_.empty() && free_.back().first + free_.back().second == top_) {
      at = free_.back().first;
      free_.pop_back();
    }
    top_ = at + bytes;
    return at;
  }
  void release(uint64_t at, uint64_t bytes) {
    bytes = std::max<uint64_t>(kArenaAlignment,
                               (bytes + kArenaAlignment - 1) /
                                   kArenaAlignment * kArenaAlignment);
    free_.push_back({at, bytes});
    std::sort(free_.begin(), free_.end());
    std::vector<std::pair<uint64_t, uint64_t>> merged;
    for (auto &r : free_) {
      if (!merged.empty() && merged.back().first + merged.back().second == r.first)
        merged.back().second += r.second;
      else
        merged.push_back(r);
    }
    free_ = merged;
  }
  uint64_t top() const { return top_; }

private:
  uint64_t top_ = 0;
  std::vector<std::pair<uint64_t, uint64_t>> free_; // offset, size
};

} // namespace

std::string shapeString(const std::vector<int64_t> &dims) {
  std::string t = "[";
  for (size_t d = 0; d < dims.size(); ++d)
    t += (d ? ", " : "") + (dims[d] < 0 ? std::string("?") : std::to_string(dims[d]));
  return t + "]";
}

std::string evaluateEntry(const Plan &plan, const PlanEntry &entry,
                          const std::vector<std::vector<int64_t>> &argShapes,
                          EvalEntry &out) {
  out = EvalEntry();
  if (argShapes.size() != entry.args.size())
    return "plan: wrong number of argument shapes";
  // A model compiled with --dim has static sizes where its graph names a
  // dim: the tensors must have them.
  for (size_t i = 0; i < entry.args.size(); ++i) {
    const PlanArg &a = entry.args[i];
    const std::vector<int64_t> &shape = argShapes[i];
    if (!a.used)
      continue;
    bool fits = shape.size() == a.dims.size();
    for (size_t d = 0; fits && d < shape.size(); ++d)
      fits = a.dims[d] < 0 || a.dims[d] == shape[d];
    if (!fits) {
      if (shape.size() != a.dims.size())
        return a.role + " '" + a.name + "' has shape " + shapeString(shape) +
               "; this model takes " + shapeString(a.dims);
      return a.role + " '" + a.name + "' has shape " + shapeString(shape) +
             "; this model was compiled for " + shapeString(a.dims) +
             " (nnc --dim fixed its sizes)";
    }
  }
  std::vector<int64_t> regs(size_t(entry.numRegs), 0);
  std::vector<EvalView> views(size_t(entry.numViews));
  out.bufferBytes.assign(size_t(entry.numBuffers), 0);
  out.bufferOffset.assign(size_t(entry.numBuffers), 0);
  std::vector<bool> live(size_t(entry.numBuffers), false);
  ArenaPlanner arena;
  auto val = [&](const PlanOperand &o) {
    return o.isReg ? regs[size_t(o.value)] : o.value;
  };
  // Elements a root holds, to check each view against.
  auto rootElements = [&](const EvalView &v, int64_t &n) -> bool {
    uint64_t bytes = 0;
    switch (v.root) {
    case PlanViewDef::Root::Arg: {
      const PlanArg &a = entry.args[size_t(v.rootIndex)];
      bytes = planDTypeBytes(a.dtype);
      for (int64_t d : argShapes[size_t(v.rootIndex)])
        bytes *= uint64_t(d);
      break;
    }
    case PlanViewDef::Root::Buffer:
      if (!live[size_t(v.rootIndex)])
        return false;
      bytes = out.bufferBytes[size_t(v.rootIndex)];
      break;
    case PlanViewDef::Root::Global:
      bytes = plan.globals[size_t(v.rootIndex)].bytes;
      break;
    }
    n = int64_t(bytes / v.elementBytes);
    return true;
  };
  for (const PlanInstr &in : entry.instrs) {
    switch (in.kind) {
    case PlanInstr::Kind::Reg: {
      int64_t &r = regs[size_t(in.index)];
      if (in.op == "indim") {
        const auto &shape = argShapes[size_t(in.operands[0].value)];
        size_t axis = size_t(in.operands[1].value);
        if (axis >= shape.size())
          return "plan: argument " + std::to_string(in.operands[0].value) +
                 " has no dim " + std::to_string(axis);
        r = shape[axis];
      } else if (in.op == "cmp") {
        if (!evalCmp(in.predicate, val(in.operands[0]), val(in.operands[1]), r))
          return "plan: unknown comparison '" + in.predicate + "'";
      } else if (in.op == "select") {
        r = val(in.operands[0]) ? val(in.operands[1]) : val(in.operands[2]);
      } else if (!plan::evalBinary(in.op, val(in.operands[0]), val(in.operands[1]),
                             r)) {
        return "plan: '" + in.op + "' divides by zero";
      }
      break;
    }
    case PlanInstr::Kind::Alloc: {
      int64_t bytes = val(in.operands[0]);
      if (bytes < 0 || bytes > (int64_t(1) << 46))
        return "plan: a buffer of " + std::to_string(bytes) +
               " bytes is out of range";
      out.bufferBytes[size_t(in.index)] = uint64_t(bytes);
      out.bufferOffset[size_t(in.index)] = arena.allocate(uint64_t(bytes));
      live[size_t(in.index)] = true;
      break;
    }
    case PlanInstr::Kind::Free:
      if (live[size_t(in.index)]) {
        arena.release(out.bufferOffset[size_t(in.index)],
                      out.bufferBytes[size_t(in.index)]);
        live[size_t(in.index)] = false;
      }
      break;
    case PlanInstr::Kind::View: {
      EvalView &v = views[size_t(in.index)];
      v.root = in.view.root;
      v.rootIndex = in.view.rootIndex;
      v.dtype = in.view.dtype;
      v.elementBytes = uint32_t(planDTypeBytes(v.dtype));
      v.offset = val(in.view.offset);
      int64_t last = v.offset;
      bool empty = false;
      for (size_t i = 0; i < in.view.sizes.size(); ++i) {
        v.sizes.push_back(val(in.view.sizes[i]));
        v.strides.push_back(val(in.view.strides[i]));
        if (v.sizes.back() < 0)
          return "plan: view " + std::to_string(in.index) +
                 " has a negative size";
        int64_t reach;
        if (v.sizes.back() == 0)
          empty = true;
        else if (__builtin_mul_overflow(v.sizes.back() - 1, v.strides.back(), &reach) ||
                 __builtin_add_overflow(last, reach, &last))
          return "plan: view " + std::to_string(in.index) + " overflows";
      }
      int64_t n = 0;
      if (!rootElements(v, n))
        return "plan: view " + std::to_string(in.index) +
               " reads a freed buffer";
      if (!empty && (v.offset < 0 || last < 0 || last >= n))
        return "plan: view " + std::to_string(in.index) +
               " reaches outside its buffer";
      break;
    }
    case PlanInstr::Kind::Launch: {
      EvalLaunch l;
      l.kernel = in.kernel;
      for (int d = 0; d < 3; ++d) {
        int64_t g = val(in.grid[d]);
        if (g < 0)
          return "plan: negative grid size";
        l.grid[d] = uint64_t(g);
      }
      for (const PlanLaunchArg &a : in.args) {
        EvalLaunch::Arg arg;
        arg.isView = a.isView;
        if (a.isView) {
          arg.view = views[size_t(a.view)];
          int64_t n;
          if (!rootElements(arg.view, n))
            return "plan: a launch reads a freed buffer";
        } else {
          arg.scalarType = a.scalarType;
          arg.value = val(a.value);
        }
        l.args.push_back(std::move(arg));
      }
      out.launches.push_back(std::move(l));
      break;
    }
    }
  }
  for (const auto &[name, v] : entry.results)
    out.results.push_back({name, views[size_t(v)]});
  for (const auto &[name, v] : entry.updates)
    out.updates.push_back({name, views[size_t(v)]});
  out.arenaBytes = arena.top();
  return "";
}

} // namespace nnc::rt
