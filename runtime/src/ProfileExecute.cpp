// ProfileExecute: a session's run with NNRT_PROFILE set, timed by the
// driver and reported (Profile.h), and the testing hook.
#include "runtime/src/Internal.h"
#include "runtime/src/Profile.h"

#include <chrono>
#include <cstdio>

namespace nnc::rt {
namespace {

/// Identifies a row across runs of one entry (shapes may change the list).
std::string rowKey(const ProfileRow &r) {
  return std::to_string(r.command) + " " + r.kernel + " " +
         std::to_string(r.grid[0]) + "," + std::to_string(r.grid[1]) + "," +
         std::to_string(r.grid[2]);
}

} // namespace

DriverStatus executeProfiled(nnrt_session_s &s, const PlanEntry &entry,
                             const std::vector<Command> &commands) {
  nnrt_model_s &m = *s.model;
  Driver &driver = *m.context->driver;
  ProfileOptions options = parseProfileOptions(std::getenv("NNRT_PROFILE"));
  if (!options.enabled)
    return driver.execute(*m.program, commands);
  if (!s.profile)
    s.profile = std::make_shared<SessionProfile>();
  SessionProfile &p = *s.profile;
  if (!options.unknown.empty() && !p.warned) {
    for (const std::string &u : options.unknown)
      std::fprintf(stderr, "nnrt profile: ignoring unknown NNRT_PROFILE option '%s'\n",
                   u.c_str());
    p.warned = true;
  }

  Driver::CommandTimes times;
  auto start = std::chrono::steady_clock::now();
  // The qualified call is the driver interface's host-clock fallback.
  DriverStatus status = options.hostClock
                            ? driver.Driver::executeTimed(*m.program, commands, times)
                            : driver.executeTimed(*m.program, commands, times);
  double wall = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  if (!status.ok())
    return status;
  times.ms.resize(commands.size(), 0.0);

  ProfileRun run;
  run.entry = entry.name;
  run.device = m.context->name;
  run.clock = times.clock;
  run.wallMs = wall;
  for (size_t i = 0; i < commands.size(); ++i) {
    const Command &c = commands[i];
    ProfileRow r;
    r.command = int64_t(i);
    r.ms = times.ms[i];
    if (c.kind == Command::Kind::Copy) {
      r.copy = true;
      r.kernel = "copy";
      for (const auto &[name, buffer] : s.paramBuffers)
        if (buffer.get() == c.dst)
          r.kernel = "copy -> " + name;
    } else {
      const PlanKernel &k = m.plan.kernels[c.kernel];
      r.kernel = k.module;
      r.function = k.function;
      for (int d = 0; d < 3; ++d) {
        r.grid[d] = c.grid[d];
        r.block[d] = c.block[d];
      }
    }
    run.rows.push_back(std::move(r));
  }
  run.table = formatProfile(run, options.top);

  if (options.sum) {
    p.sumTop = options.top;
    ProfileRun &sum = p.sums[entry.name];
    std::map<std::string, size_t> &index = p.sumRows[entry.name];
    if (sum.rows.empty() && index.empty()) {
      sum.entry = run.entry;
      sum.device = run.device;
      sum.runs = 0;
    }
    sum.clock = run.clock;
    sum.runs += 1;
    sum.wallMs += run.wallMs;
    for (const ProfileRow &r : run.rows) {
      auto [it, added] = index.emplace(rowKey(r), sum.rows.size());
      if (added) {
        sum.rows.push_back(r);
      } else {
        sum.rows[it->second].ms += r.ms;
      }
    }
    sum.table = formatProfile(sum, options.top);
  } else {
    std::fputs(run.table.c_str(), stderr);
  }
  p.last = std::move(run);
  return DriverStatus::success();
}

} // namespace nnc::rt

extern "C" const nnc::rt::ProfileRun *
nnrt_testing_session_profile(const nnrt_session_t *session, const char *entry) {
  if (!session || !session->profile)
    return nullptr;
  const nnc::rt::SessionProfile &p = *session->profile;
  if (!entry)
    return p.last.rows.empty() && p.last.entry.empty() ? nullptr : &p.last;
  auto it = p.sums.find(entry);
  return it == p.sums.end() ? nullptr : &it->second;
}
