// Compile: the model file a tool loads, compiling a .nn first with the nnc
// beside the running tool, so that nnc-run and nnc-train take a .nn
// wherever they take a model.so.
#ifndef NNC_TOOLS_COMMON_COMPILE_H
#define NNC_TOOLS_COMMON_COMPILE_H

#include "reference/Status.h"

#include <string>

namespace nnc::tools {

/// The path a tool was given, or for a .nn the output of
/// `<dir of this executable>/nnc` in a temporary file that lives as long as
/// this object. nnc's diagnostics reach stderr unchanged.
class ModelFile {
public:
  ModelFile() = default;
  ModelFile(const ModelFile &) = delete;
  ModelFile &operator=(const ModelFile &) = delete;
  ~ModelFile();

  /// `path` as it is, unless it ends in .nn: then nnc compiles it to a
  /// model.so, or with `graph` to a .graph (--emit=graph).
  ref::Status open(const std::string &path, bool graph);
  const std::string &path() const { return path_; }

private:
  std::string path_, tmp_;
};

} // namespace nnc::tools

#endif // NNC_TOOLS_COMMON_COMPILE_H
