// Profile: the NNRT_PROFILE table (see Profile.h). No session internals
// here, so that the runtime tests can compile it in; ProfileExecute.cpp
// times a session's run.
#include "runtime/src/Profile.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace nnc::rt {
namespace {

std::string triple(const uint64_t v[3]) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " +
         std::to_string(v[2]) + ")";
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string pad(const std::string &s, size_t width, bool right) {
  if (s.size() >= width)
    return s;
  std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

} // namespace

std::string formatProfile(const ProfileRun &run, int64_t top) {
  const double runs = double(std::max<uint64_t>(run.runs, 1));
  std::vector<size_t> order(run.rows.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return run.rows[a].ms > run.rows[b].ms;
  });
  double total = 0;
  size_t launches = 0, copies = 0;
  for (const ProfileRow &r : run.rows) {
    total += r.ms;
    (r.copy ? copies : launches)++;
  }
  size_t shown = top > 0 ? std::min(order.size(), size_t(top)) : order.size();

  // Columns: rank, #, kernel, grid, block, ms, %.
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"rank", "#", "kernel", "grid", "block", "ms", "%"});
  for (size_t i = 0; i < shown; ++i) {
    const ProfileRow &r = run.rows[order[i]];
    cells.push_back({std::to_string(i + 1), std::to_string(r.command), r.kernel,
                     r.copy ? "-" : triple(r.grid),
                     r.copy ? "-" : triple(r.block), fixed(r.ms / runs, 3),
                     fixed(total > 0 ? 100 * r.ms / total : 0, 1)});
  }
  const bool right[7] = {true, true, false, false, false, true, true};
  size_t width[7] = {};
  for (const auto &row : cells)
    for (size_t c = 0; c < 7; ++c)
      width[c] = std::max(width[c], row[c].size());

  std::string out = "nnrt profile: " + run.entry + " on " + run.device;
  if (run.runs > 1)
    out += ", mean of " + std::to_string(run.runs) + " runs";
  out += " (" + run.clock + ")\n";
  for (const auto &row : cells) {
    std::string line;
    for (size_t c = 0; c < 7; ++c)
      line += (c ? "  " : " ") + pad(row[c], width[c], right[c]);
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  if (shown < order.size()) {
    double rest = 0;
    for (size_t i = shown; i < order.size(); ++i)
      rest += run.rows[order[i]].ms;
    out += " ... " + std::to_string(order.size() - shown) + " more: " +
           fixed(rest / runs, 3) + " ms, " +
           fixed(total > 0 ? 100 * rest / total : 0, 1) + "%\n";
  }
  out += " total " + fixed(total / runs, 3) + " ms in " +
         std::to_string(launches) + " launches and " + std::to_string(copies) +
         " copies; " + fixed(run.wallMs / runs, 3) + " ms wall\n";
  return out;
}

SessionProfile::~SessionProfile() {
  for (auto &[entry, run] : sums)
    std::fputs(formatProfile(run, sumTop).c_str(), stderr);
}

} // namespace nnc::rt
