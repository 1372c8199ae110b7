// Graph: the parsed form of nnc's graph text format (docs/graph-format.md).
#ifndef NNC_REFERENCE_GRAPH_H
#define NNC_REFERENCE_GRAPH_H

#include "reference/Status.h"
#include "reference/Tensor.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nnc::ref {

/// One dim of a type: a size, `?` (dynamic) or a dimension name.
struct Dim {
  int64_t size = -1;  // >= 0 when static
  std::string name;   // non-empty for a named dim (declarations)
  bool isStatic() const { return size >= 0; }
};

struct TypeSpec {
  DType dtype = DType::F32;
  std::vector<Dim> dims;
  std::string str() const; // "f32[B,784]"
};

/// An attribute value: int, float, bool, string, identifier (dtype names,
/// bare words) or a list of those.
struct Attr {
  enum class Kind { Int, Float, Bool, String, Ident, List };
  Kind kind = Kind::Int;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s; // String and Ident
  std::vector<Attr> list;

  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  double asDouble() const { return kind == Kind::Int ? double(i) : f; }
};

struct Op {
  int line = 0;
  std::string result;                // without '%'
  std::string name;                  // "matmul"
  std::vector<std::string> operands; // without '%'
  std::vector<std::pair<std::string, Attr>> attrs;
  TypeSpec type;

  const Attr *attr(const std::string &key) const;
};

struct Func {
  int line = 0;
  std::string name;
  std::vector<Op> ops;
  std::vector<std::pair<std::string, std::string>> returns; // name, value
  /// The next value of params and states (`update NAME=%V, ...`).
  std::vector<std::pair<std::string, std::string>> updates; // name, value
};

struct Init {
  enum class Kind { Zeros, Ones, Const, Uniform, Normal, GlorotUniform, HeNormal, Data };
  Kind kind = Kind::Zeros;
  double value = 0;              // const
  double a = 0, b = 1;           // uniform lo/hi, normal mean/std
  uint64_t seed = 0;
  std::vector<uint8_t> data;     // data(HEX)
  std::string text;              // as written
};

struct Decl {
  enum class Kind { Input, Param, State };
  Kind kind = Kind::Input;
  int line = 0;
  std::string name;
  TypeSpec type;
  Init init; // params and states
};

struct Train {
  bool present = false;
  std::string loss;
  std::string optimizer;
  std::vector<std::pair<std::string, double>> hyper;
};

struct Graph {
  int version = 1;
  std::string model;
  std::vector<Decl> decls;
  Train train;
  std::vector<Func> funcs;

  const Func *func(const std::string &name) const;
  const Decl *decl(const std::string &name) const;
};

/// Parses graph text. Errors read "graph:LINE: error: ..." (`sourceName`
/// replaces "graph" when given).
Status parseGraph(const std::string &text, Graph &graph,
                  const std::string &sourceName = "graph");
Status parseGraphFile(const std::string &path, Graph &graph);

} // namespace nnc::ref

#endif // NNC_REFERENCE_GRAPH_H
