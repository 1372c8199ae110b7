// Parser for the graph text format: lines → declarations, train line, funcs.
#include "reference/Graph.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace nnc::ref {

std::string TypeSpec::str() const {
  std::string s = std::string(dtypeName(dtype)) + "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      s += ",";
    if (dims[i].isStatic())
      s += std::to_string(dims[i].size);
    else if (!dims[i].name.empty())
      s += dims[i].name;
    else
      s += "?";
  }
  return s + "]";
}

const Attr *Op::attr(const std::string &key) const {
  for (const auto &kv : attrs)
    if (kv.first == key)
      return &kv.second;
  return nullptr;
}

const Func *Graph::func(const std::string &name) const {
  for (const auto &f : funcs)
    if (f.name == name)
      return &f;
  return nullptr;
}

const Decl *Graph::decl(const std::string &name) const {
  for (const auto &d : decls)
    if (d.name == name)
      return &d;
  return nullptr;
}

namespace {

bool isNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool isNameChar(char c) {
  return isNameStart(c) || (c >= '0' && c <= '9') || c == '.';
}
bool isName(const std::string &s) {
  if (s.empty() || !isNameStart(s[0]))
    return false;
  for (char c : s)
    if (!isNameChar(c))
      return false;
  return true;
}
bool isDigits(const std::string &s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

bool parseInt(const std::string &s, int64_t &out) {
  if (s.empty())
    return false;
  size_t start = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (!isDigits(s.substr(start)))
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0')
    return false;
  out = v;
  return true;
}

bool parseFloat(const std::string &s, double &out) {
  if (s == "inf" || s == "+inf") {
    out = HUGE_VAL;
    return true;
  }
  if (s == "-inf") {
    out = -HUGE_VAL;
    return true;
  }
  if (s == "nan" || s == "-nan") {
    out = std::nan("");
    return true;
  }
  if (s.empty())
    return false;
  // Only decimal notation: digits, sign, '.', exponent.
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
          c == 'e' || c == 'E'))
      return false;
  char *end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

// Splits a line into space-separated tokens; quoted strings keep spaces and a
// '#' outside quotes starts a comment.
bool tokenize(const std::string &line, std::vector<std::string> &tokens,
              std::string &error) {
  std::string cur;
  bool inQuote = false, haveToken = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (inQuote) {
      cur += c;
      if (c == '\\') {
        if (i + 1 >= line.size()) {
          error = "unterminated string";
          return false;
        }
        cur += line[++i];
      } else if (c == '"') {
        inQuote = false;
      }
      continue;
    }
    if (c == '#')
      break;
    if (c == ' ' || c == '\t' || c == '\r') {
      if (haveToken)
        tokens.push_back(cur);
      cur.clear();
      haveToken = false;
      continue;
    }
    if (c == '"')
      inQuote = true;
    cur += c;
    haveToken = true;
  }
  if (inQuote) {
    error = "unterminated string";
    return false;
  }
  if (haveToken)
    tokens.push_back(cur);
  return true;
}

class Parser {
public:
  Parser(const std::string &source) : source_(source) {}

  Status run(const std::string &text, Graph &g);

private:
  Status err(int line, const std::string &msg) const {
    return Status::failure(source_ + ":" + std::to_string(line) +
                           ": error: " + msg);
  }
  bool parseType(const std::string &s, bool allowNames, TypeSpec &t,
                 std::string &error);
  bool parseAttrValue(const std::string &s, Attr &a, std::string &error);
  bool parseInit(const std::string &s, Init &init, std::string &error);
  Status parseOpLine(int line, const std::vector<std::string> &toks, Op &op);

  std::string source_;
};

bool Parser::parseType(const std::string &s, bool allowNames, TypeSpec &t,
                       std::string &error) {
  size_t lb = s.find('[');
  if (lb == std::string::npos || s.back() != ']') {
    error = "expected a type like f32[2,3], got '" + s + "'";
    return false;
  }
  std::string dt = s.substr(0, lb);
  if (!parseDType(dt, t.dtype)) {
    error = "unknown dtype '" + dt +
            "' (expected f64, f32, f16, bf16, i8, i16, i32, i64, u8, u16, u32, "
            "u64 or bool)";
    return false;
  }
  std::string inner = s.substr(lb + 1, s.size() - lb - 2);
  t.dims.clear();
  if (inner.empty())
    return true;
  std::stringstream ss(inner);
  std::string piece;
  size_t count = 0;
  while (std::getline(ss, piece, ',')) {
    ++count;
    Dim d;
    int64_t v;
    if (isDigits(piece) && parseInt(piece, v)) {
      d.size = v;
    } else if (piece == "?") {
      d.size = -1;
    } else if (isName(piece)) {
      if (!allowNames) {
        error = "dimension name '" + piece + "' is only allowed in declarations";
        return false;
      }
      d.name = piece;
    } else {
      error = "bad dimension '" + piece + "' in type '" + s + "'";
      return false;
    }
    t.dims.push_back(d);
  }
  if (inner.back() == ',' || count == 0) {
    error = "bad dimension list in type '" + s + "'";
    return false;
  }
  return true;
}

bool Parser::parseAttrValue(const std::string &s, Attr &a, std::string &error) {
  if (s.empty()) {
    error = "missing attribute value";
    return false;
  }
  if (s[0] == '[') {
    if (s.back() != ']') {
      error = "unterminated list '" + s + "'";
      return false;
    }
    a.kind = Attr::Kind::List;
    std::string inner = s.substr(1, s.size() - 2);
    if (inner.empty())
      return true;
    std::stringstream ss(inner);
    std::string piece;
    while (std::getline(ss, piece, ',')) {
      Attr e;
      if (piece.empty() || piece[0] == '[' || !parseAttrValue(piece, e, error)) {
        if (error.empty())
          error = "bad list element '" + piece + "' in '" + s + "'";
        return false;
      }
      a.list.push_back(e);
    }
    if (inner.back() == ',') {
      error = "bad list '" + s + "'";
      return false;
    }
    return true;
  }
  if (s[0] == '"') {
    if (s.size() < 2 || s.back() != '"') {
      error = "unterminated string " + s;
      return false;
    }
    a.kind = Attr::Kind::String;
    for (size_t i = 1; i + 1 < s.size(); ++i) {
      if (s[i] == '\\' && i + 2 < s.size())
        ++i;
      a.s += s[i];
    }
    return true;
  }
  if (s == "true" || s == "false") {
    a.kind = Attr::Kind::Bool;
    a.b = s == "true";
    return true;
  }
  if (parseInt(s, a.i)) {
    a.kind = Attr::Kind::Int;
    return true;
  }
  if (parseFloat(s, a.f)) {
    a.kind = Attr::Kind::Float;
    return true;
  }
  if (isName(s)) {
    a.kind = Attr::Kind::Ident;
    a.s = s;
    return true;
  }
  error = "bad attribute value '" + s + "'";
  return false;
}

// INIT: zeros | ones | const(value=V) | uniform(lo=A,hi=B,seed=S) |
// normal(mean=M,std=D,seed=S) | glorot_uniform(seed=S) | he_normal(seed=S) |
// data(HEX)
bool Parser::parseInit(const std::string &s, Init &init, std::string &error) {
  init.text = s;
  if (s == "zeros") {
    init.kind = Init::Kind::Zeros;
    return true;
  }
  if (s == "ones") {
    init.kind = Init::Kind::Ones;
    return true;
  }
  size_t lp = s.find('(');
  if (lp == std::string::npos || s.back() != ')') {
    error = "unknown initializer '" + s + "'";
    return false;
  }
  std::string kind = s.substr(0, lp);
  std::string args = s.substr(lp + 1, s.size() - lp - 2);
  if (kind == "data") {
    init.kind = Init::Kind::Data;
    if (args.size() % 2) {
      error = "data(...) needs an even number of hex digits";
      return false;
    }
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9')
        return c - '0';
      if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
      if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
      return -1;
    };
    for (size_t i = 0; i < args.size(); i += 2) {
      int hi = hex(args[i]), lo = hex(args[i + 1]);
      if (hi < 0 || lo < 0) {
        error = "bad hex digit in data(...)";
        return false;
      }
      init.data.push_back(static_cast<uint8_t>(hi * 16 + lo));
    }
    return true;
  }
  struct Want {
    const char *key = nullptr;
    double *target = nullptr;
    bool found = false;
  };
  double seed = 0;
  Want wants[3];
  int numWants = 0;
  auto want = [&](const char *key, double *target) {
    wants[numWants++] = Want{key, target, false};
  };
  if (kind == "const") {
    init.kind = Init::Kind::Const;
    want("value", &init.value);
  } else if (kind == "uniform") {
    init.kind = Init::Kind::Uniform;
    want("lo", &init.a);
    want("hi", &init.b);
    want("seed", &seed);
  } else if (kind == "normal") {
    init.kind = Init::Kind::Normal;
    want("mean", &init.a);
    want("std", &init.b);
    want("seed", &seed);
  } else if (kind == "glorot_uniform") {
    init.kind = Init::Kind::GlorotUniform;
    want("seed", &seed);
  } else if (kind == "he_normal") {
    init.kind = Init::Kind::HeNormal;
    want("seed", &seed);
  } else {
    error = "unknown initializer '" + kind + "'";
    return false;
  }
  std::stringstream ss(args);
  std::string piece;
  while (std::getline(ss, piece, ',')) {
    size_t eq = piece.find('=');
    if (eq == std::string::npos) {
      error = "expected KEY=VALUE in initializer '" + s + "'";
      return false;
    }
    std::string key = piece.substr(0, eq), val = piece.substr(eq + 1);
    Want *w = nullptr;
    for (int j = 0; j < numWants; ++j)
      if (key == wants[j].key)
        w = &wants[j];
    if (!w) {
      error = "unknown argument '" + key + "' of initializer " + kind;
      return false;
    }
    if (key == "seed") {
      int64_t v;
      if (!parseInt(val, v)) {
        // Seeds up to 2^64-1 are allowed.
        char *end = nullptr;
        errno = 0;
        unsigned long long u = std::strtoull(val.c_str(), &end, 10);
        if (!isDigits(val) || errno == ERANGE || *end) {
          error = "bad seed '" + val + "' in initializer '" + s + "'";
          return false;
        }
        init.seed = u;
      } else {
        init.seed = static_cast<uint64_t>(v);
      }
      w->found = true;
      continue;
    }
    if (!parseFloat(val, *w->target)) {
      error = "bad number '" + val + "' in initializer '" + s + "'";
      return false;
    }
    w->found = true;
  }
  for (int j = 0; j < numWants; ++j) {
    const Want &w = wants[j];
    if (!w.found) {
      error = std::string("initializer '") + s + "' is missing " + w.key + "=";
      return false;
    }
  }
  (void)seed;
  return true;
}

Status Parser::parseOpLine(int line, const std::vector<std::string> &toks,
                           Op &op) {
  op.line = line;
  if (toks.size() < 5 || toks[1] != "=")
    return err(line, "expected '%RESULT = OP OPERANDS... : TYPE'");
  if (toks[0].size() < 2 || toks[0][0] != '%')
    return err(line, "result must be a %value, got '" + toks[0] + "'");
  op.result = toks[0].substr(1);
  op.name = toks[2];
  if (!isName(op.name))
    return err(line, "bad op name '" + op.name + "'");
  if (toks[toks.size() - 2] != ":")
    return err(line, "expected ': TYPE' at the end of the op");
  std::string error;
  if (!parseType(toks.back(), false, op.type, error))
    return err(line, error);
  for (size_t i = 3; i + 2 < toks.size(); ++i) {
    const std::string &t = toks[i];
    if (t[0] == '%') {
      if (!op.attrs.empty())
        return err(line, "operand '" + t + "' after attributes");
      if (t.size() < 2)
        return err(line, "empty value name '%'");
      op.operands.push_back(t.substr(1));
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0)
      return err(line, "expected an operand %v or an attribute KEY=VALUE, got '" +
                           t + "'");
    Attr a;
    if (!parseAttrValue(t.substr(eq + 1), a, error))
      return err(line, error);
    std::string key = t.substr(0, eq);
    if (op.attr(key))
      return err(line, "duplicate attribute '" + key + "'");
    op.attrs.emplace_back(key, a);
  }
  return Status::success();
}

Status Parser::run(const std::string &text, Graph &g) {
  g = Graph();
  std::vector<std::string> lines;
  {
    std::string cur;
    for (char c : text) {
      if (c == '\n') {
        lines.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    if (!cur.empty())
      lines.push_back(cur);
  }
  bool sawVersion = false, sawModel = false;
  Func *cur = nullptr;
  bool returned = false;
  std::set<std::string> defined; // values visible in the current func
  std::set<std::string> declNames;
  for (size_t idx = 0; idx < lines.size(); ++idx) {
    int line = static_cast<int>(idx + 1);
    std::vector<std::string> toks;
    std::string error;
    if (!tokenize(lines[idx], toks, error))
      return err(line, error);
    if (toks.empty())
      continue;
    const std::string &kw = toks[0];
    if (!sawVersion) {
      if (kw != "nngraph" || toks.size() != 2)
        return err(line, "expected 'nngraph 1' as the first line (is this a "
                         "graph file?)");
      int64_t v;
      if (!parseInt(toks[1], v))
        return err(line, "bad version '" + toks[1] + "'");
      if (v != 1)
        return err(line, "unsupported graph format version " + toks[1] +
                             " (this reader understands version 1)");
      sawVersion = true;
      continue;
    }
    if (cur) {
      if (kw == "end") {
        if (toks.size() != 1)
          return err(line, "unexpected text after 'end'");
        if (!returned)
          return err(line, "func '" + cur->name + "' has no return");
        cur = nullptr;
        continue;
      }
      if (returned)
        return err(line, "expected 'end' after return");
      if (kw == "return" || kw == "update") {
        // return NAME=%V, NAME=%V   (update: the same, once, before return)
        bool isUpdate = kw == "update";
        if (isUpdate && !cur->updates.empty())
          return err(line, "a func has at most one 'update' line");
        auto &list = isUpdate ? cur->updates : cur->returns;
        for (size_t i = 1; i < toks.size(); ++i) {
          std::string t = toks[i];
          bool last = i + 1 == toks.size();
          if (!last) {
            if (t.empty() || t.back() != ',')
              return err(line, "expected ', ' between returned values");
            t.pop_back();
          }
          size_t eq = t.find('=');
          if (eq == std::string::npos || eq + 2 > t.size() || t[eq + 1] != '%')
            return err(line, "expected NAME=%VALUE in return, got '" + t + "'");
          std::string name = t.substr(0, eq), value = t.substr(eq + 2);
          if (!isName(name))
            return err(line, "bad output name '" + name + "'");
          if (!defined.count(value))
            return err(line, kw + " of undefined value %" + value);
          for (const auto &r : list)
            if (r.first == name)
              return err(line, isUpdate ? "'" + name + "' updated twice"
                                        : "output '" + name + "' returned twice");
          if (isUpdate) {
            const Decl *d = g.decl(name);
            if (!d || d->kind == Decl::Kind::Input)
              return err(line, "update of '" + name +
                                   "', which is not a param or state");
          }
          list.emplace_back(name, value);
        }
        returned = !isUpdate;
        continue;
      }
      Op op;
      Status s = parseOpLine(line, toks, op);
      if (!s.ok())
        return s;
      for (const auto &operand : op.operands)
        if (!defined.count(operand))
          return err(line, "use of undefined value %" + operand);
      if (defined.count(op.result))
        return err(line, "value %" + op.result + " is defined twice");
      defined.insert(op.result);
      cur->ops.push_back(std::move(op));
      continue;
    }
    if (kw == "model") {
      if (sawModel)
        return err(line, "'model' given twice");
      if (toks.size() != 2 || !isName(toks[1]))
        return err(line, "expected 'model NAME'");
      g.model = toks[1];
      sawModel = true;
      continue;
    }
    if (kw == "input" || kw == "param" || kw == "state") {
      Decl d;
      d.line = line;
      d.kind = kw == "input"   ? Decl::Kind::Input
               : kw == "param" ? Decl::Kind::Param
                               : Decl::Kind::State;
      size_t want = d.kind == Decl::Kind::Input ? 3 : 4;
      if (toks.size() != want)
        return err(line, d.kind == Decl::Kind::Input
                             ? "expected 'input NAME TYPE'"
                             : "expected '" + kw + " NAME TYPE INIT'");
      if (!isName(toks[1]))
        return err(line, "bad name '" + toks[1] + "'");
      if (!g.funcs.empty())
        return err(line, "declarations must come before the funcs");
      d.name = toks[1];
      if (declNames.count(d.name))
        return err(line, "'" + d.name + "' is declared twice");
      if (!parseType(toks[2], true, d.type, error))
        return err(line, error);
      for (const auto &dim : d.type.dims)
        if (!dim.isStatic() && dim.name.empty())
          return err(line, "declarations use dimension names, not '?'");
      if (d.kind != Decl::Kind::Input && !parseInit(toks[3], d.init, error))
        return err(line, error);
      declNames.insert(d.name);
      g.decls.push_back(std::move(d));
      continue;
    }
    if (kw == "train") {
      if (g.train.present)
        return err(line, "'train' given twice");
      if (toks.size() < 3 || !isName(toks[1]) || !isName(toks[2]))
        return err(line, "expected 'train LOSS OPTIMIZER k=v ...'");
      g.train.present = true;
      g.train.loss = toks[1];
      g.train.optimizer = toks[2];
      for (size_t i = 3; i < toks.size(); ++i) {
        size_t eq = toks[i].find('=');
        double v;
        if (eq == std::string::npos || !parseFloat(toks[i].substr(eq + 1), v))
          return err(line, "expected KEY=NUMBER in train line, got '" +
                               toks[i] + "'");
        g.train.hyper.emplace_back(toks[i].substr(0, eq), v);
      }
      continue;
    }
    if (kw == "func") {
      if (toks.size() != 2 || !isName(toks[1]))
        return err(line, "expected 'func NAME'");
      if (g.func(toks[1]))
        return err(line, "func '" + toks[1] + "' defined twice");
      Func f;
      f.line = line;
      f.name = toks[1];
      g.funcs.push_back(std::move(f));
      cur = &g.funcs.back();
      returned = false;
      defined = declNames;
      continue;
    }
    if (kw == "nngraph")
      return err(line, "'nngraph' may only appear on the first line");
    if (kw == "end" || kw == "return")
      return err(line, "'" + kw + "' outside a func");
    return err(line, "unknown statement '" + kw + "'");
  }
  int lastLine = static_cast<int>(lines.size());
  if (!sawVersion)
    return err(lastLine == 0 ? 1 : lastLine, "empty graph (expected 'nngraph 1')");
  if (cur)
    return err(lastLine, "func '" + cur->name + "' is missing 'end'");
  if (!sawModel)
    return err(lastLine, "missing 'model NAME'");
  return Status::success();
}

} // namespace

Status parseGraph(const std::string &text, Graph &graph,
                  const std::string &sourceName) {
  Parser p(sourceName);
  return p.run(text, graph);
}

Status parseGraphFile(const std::string &path, Graph &graph) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::failure("cannot open graph file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return parseGraph(ss.str(), graph, path);
}

} // namespace nnc::ref
