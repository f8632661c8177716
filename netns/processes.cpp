#include "netns/processes.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "netns/namespace.h"
#include "netns/naming.h"

namespace azlb::netns {

std::size_t killProcessesInNamespace(const std::string& nsName) {
  struct stat target {};
  if (stat((std::string(kNetnsRunDir) + "/" + nsName).c_str(), &target) != 0) return 0;
  std::size_t killed = 0;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(opendir("/proc"), closedir);
  if (!proc) return 0;
  while (dirent* e = readdir(proc.get())) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (!end || *end != '\0' || pid <= 1 || pid == getpid()) continue;
    struct stat st {};
    if (stat(("/proc/" + std::string(e->d_name) + "/ns/net").c_str(), &st) != 0) continue;
    if (st.st_ino == target.st_ino && st.st_dev == target.st_dev) {
      if (kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++killed;
    }
  }
  return killed;
}

std::size_t killProcessesInNamespaces(std::string_view prefix, std::optional<std::string_view> instance) {
  auto list = NetNamespace::list();
  if (!list) return 0;
  std::size_t killed = 0;
  for (const auto& name : *list) {
    auto parsed = netns_model::parseName(name, prefix);
    if (parsed && (!instance || parsed->instance == *instance)) killed += killProcessesInNamespace(name);
  }
  return killed;
}

}  // namespace azlb::netns
