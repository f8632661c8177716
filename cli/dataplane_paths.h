// Where a data-plane instance keeps its run state (sockets, pids, logs, status.json), shared by
// serve, status, exec and cleanup.
#pragma once

#include <unistd.h>

#include <string>

namespace azlb::cli {

inline std::string runDirFor(const std::string& instance) { return "/run/azlb/" + instance; }

inline std::string selfPath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("azlb");
}

}  // namespace azlb::cli
