// Status: the error-or-success result every reference API returns (no exceptions).
#ifndef NNC_REFERENCE_STATUS_H
#define NNC_REFERENCE_STATUS_H

#include <string>
#include <utility>

namespace nnc::ref {

class Status {
public:
  static Status success() { return Status(); }
  static Status failure(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    return s;
  }
  bool ok() const { return !failed_; }
  const std::string &message() const { return message_; }

private:
  bool failed_ = false;
  std::string message_;
};

} // namespace nnc::ref

#endif // NNC_REFERENCE_STATUS_H
