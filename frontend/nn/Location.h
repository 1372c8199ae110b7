// Location: a file/line/column position in .nn source, shared by tokens and AST.
#ifndef NNC_FRONTEND_NN_LOCATION_H
#define NNC_FRONTEND_NN_LOCATION_H

#include <memory>
#include <string>

namespace nnc::nnlang {

struct Location {
  std::shared_ptr<std::string> file;
  unsigned line = 0;
  unsigned col = 0;
};

/// The first error found while lexing or parsing: where and what.
struct SyntaxError {
  Location loc;
  std::string message;
};

} // namespace nnc::nnlang

#endif // NNC_FRONTEND_NN_LOCATION_H
