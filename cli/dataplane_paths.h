// Where a data-plane instance keeps its run state (sockets, pids, logs, status.json), shared by
// serve, status, exec and cleanup.
#pragma once

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace azlb::cli {

inline std::string runDirFor(const std::string& instance) {
  return "/run/azlb/" + instance;
}

inline std::string selfPath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("azlb");
}

/// How a shell reaches this binary: "azlb" when that is what PATH finds (scripts/start.sh links
/// /usr/local/bin/azlb), else the full path, so printed commands work when copied.
inline std::string commandName() {
  const std::string self = selfPath();
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/azlb";
    char buf[4096];
    if (const char* real = realpath(candidate.c_str(), buf); real && self == real) return "azlb";
    if (access(candidate.c_str(), X_OK) == 0) break;  // PATH finds another azlb first
    start = end + 1;
  }
  return self;
}

}  // namespace azlb::cli
