// Compile: the model file a tool loads (see Compile.h).
#include "tools/common/Compile.h"

#include "tools/common/Args.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace nnc::tools {

namespace {

/// Runs `<dir of this executable>/nnc MODEL -o TMP`, leaving TMP's path in
/// `outPath` (set, and to be removed, also when nnc fails).
bool compileWithNnc(const std::string &model, bool graph, std::string &outPath,
                    std::string &error) {
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (len <= 0) {
    error = "cannot locate the running program (/proc/self/exe)";
    return false;
  }
  self[len] = '\0';
  std::string dir(self);
  dir = dir.substr(0, dir.rfind('/'));
  std::string nnc = dir + "/nnc";
  if (access(nnc.c_str(), X_OK) != 0) {
    error = "cannot compile '" + model + "': the compiler " + nnc +
            " is missing (build the nnc target, or pass a compiled model.so)";
    return false;
  }
  char tmpl[] = "/tmp/nnc-XXXXXX.so";
  int fd = mkstemps(tmpl, 3);
  if (fd < 0) {
    error =
        std::string("cannot create a temporary file: ") + std::strerror(errno);
    return false;
  }
  close(fd);
  outPath = tmpl;
  std::vector<std::string> args = {
      nnc, model, graph ? "--emit=graph" : "--emit=so", "-o", outPath};
  std::vector<char *> argv;
  for (auto &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  int rc =
      posix_spawn(&pid, nnc.c_str(), nullptr, nullptr, argv.data(), environ);
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
    error = "nnc failed to compile '" + model + "'";
    return false;
  }
  return true;
}

} // namespace

ModelFile::~ModelFile() {
  if (!tmp_.empty())
    unlink(tmp_.c_str());
}

ref::Status ModelFile::open(const std::string &path, bool graph) {
  path_ = path;
  if (!endsWith(path, ".nn"))
    return ref::Status::success();
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return ref::Status::failure("cannot open '" + path + "'");
  std::string error;
  bool ok = compileWithNnc(path, graph, tmp_, error);
  path_ = tmp_;
  return ok ? ref::Status::success() : ref::Status::failure(error);
}

} // namespace nnc::tools
