// Profile: per-kernel times of nnrt_session_run on a device, switched on by
// the environment variable NNRT_PROFILE (read at every run):
//
//   NNRT_PROFILE=1          after each run, print to stderr the commands of
//                           the entry sorted by time: rank, launch number,
//                           kernel (the plan's gpu.module), grid, block, ms,
//                           % of the run, and the total; the 15 slowest
//   NNRT_PROFILE=top=N      the N slowest (top=0 or `all`: every command)
//   NNRT_PROFILE=sum        no table per run: add up the runs of each entry
//                           and print one table per entry (ms = mean per run)
//                           when the session is released
//   NNRT_PROFILE=host       time on the host clock, one submission per
//                           command, instead of the device's timers
//
// Options combine with commas (NNRT_PROFILE=sum,top=30); 0, off or an empty
// value leave profiling off. Vulkan times with timestamp queries (falling
// back to the host clock on a queue without them), CUDA with events. The
// reference device is not profiled. Profiling serializes nothing that the
// normal path does not, but the host-clock fallback adds one submit-and-wait
// per command, so its times include that overhead.
#ifndef NNC_RUNTIME_SRC_PROFILE_H
#define NNC_RUNTIME_SRC_PROFILE_H

#include "nnc/runtime.h"
#include "runtime/drivers/Driver.h"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace nnc::rt {

struct PlanEntry;

struct ProfileOptions {
  bool enabled = false;
  bool sum = false;
  bool hostClock = false;
  int64_t top = 15; // 0: every command
  std::vector<std::string> unknown; // options not understood (reported)
};

/// Parses NNRT_PROFILE's value (null: unset, profiling off).
inline ProfileOptions parseProfileOptions(const char *value) {
  ProfileOptions o;
  if (!value)
    return o;
  std::string v(value);
  if (v.empty() || v == "0" || v == "off")
    return o;
  o.enabled = true;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    std::string opt =
        v.substr(start, comma == std::string::npos ? std::string::npos
                                                   : comma - start);
    start = comma == std::string::npos ? v.size() + 1 : comma + 1;
    if (opt.empty() || opt == "1" || opt == "on")
      continue;
    if (opt == "sum")
      o.sum = true;
    else if (opt == "host")
      o.hostClock = true;
    else if (opt == "all")
      o.top = 0;
    else if (opt.rfind("top=", 0) == 0 && opt.size() > 4 &&
             opt.find_first_not_of("0123456789", 4) == std::string::npos)
      o.top = std::strtoll(opt.c_str() + 4, nullptr, 10);
    else
      o.unknown.push_back(opt);
  }
  return o;
}

/// One command of an entry's run (or the sum of it over runs).
struct ProfileRow {
  int64_t command = 0; // its place in the entry's command list
  bool copy = false;   // a param/state update copy rather than a launch
  std::string kernel;  // the gpu.module ("train_step_kernel_12") or "copy -> w1"
  std::string function; // the entry point inside the module
  uint64_t grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
  double ms = 0; // summed over `runs` in a sum
};

struct ProfileRun {
  std::string entry, device, clock;
  uint64_t runs = 1;
  double wallMs = 0; // host time around the driver's executes
  std::vector<ProfileRow> rows; // in command order
  std::string table; // the report, as printed (or as it would be)
};

/// The report of `run`: its rows by decreasing time, `top` of them (0: all),
/// times divided by run.runs.
std::string formatProfile(const ProfileRun &run, int64_t top);

/// A session's profiles: the last run, and the sums of NNRT_PROFILE=sum,
/// which are printed when it is destroyed (with the session).
struct SessionProfile {
  ProfileRun last;
  std::map<std::string, ProfileRun> sums; // by entry
  std::map<std::string, std::map<std::string, size_t>> sumRows; // key -> row
  int64_t sumTop = 15;
  bool warned = false;
  ~SessionProfile();
};

/// What runOnDevice calls in place of Driver::execute: that, when
/// NNRT_PROFILE is unset; otherwise the timed execute and its report.
DriverStatus executeProfiled(nnrt_session_s &s, const PlanEntry &entry,
                             const std::vector<Command> &commands);

} // namespace nnc::rt

extern "C" {
/// Testing hook (not part of the C API): the profile of `session`'s last
/// profiled run when `entry` is NULL, else its NNRT_PROFILE=sum totals for
/// `entry`; NULL when there is none. Valid until the next run or release.
NNRT_API const nnc::rt::ProfileRun *
nnrt_testing_session_profile(const nnrt_session_t *session, const char *entry);
}

#endif // NNC_RUNTIME_SRC_PROFILE_H
