#include "netns/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace azlb::netns {
namespace {

Result<std::string> sysctlPath(std::string_view key) {
  if (key.empty() || key.front() == '/' || key.find("..") != std::string_view::npos) {
    return fail("sysctl '" + std::string(key) + "'", EINVAL);
  }
  std::string path = "/proc/sys/";
  const bool dotted = key.find('/') == std::string_view::npos;
  for (char c : key) path += (dotted && c == '.') ? '/' : c;
  return path;
}

std::string where(const NetNamespace& ns) {
  return ns.name().empty() ? std::string() : " in netns " + ns.name();
}

}  // namespace

Result<void> writeSysctl(const NetNamespace& ns, std::string_view key, std::string_view value) {
  auto path = sysctlPath(key);
  if (!path) return unexpected(path.error());
  const std::string context =
      "sysctl " + std::string(key) + "=" + std::string(value) + where(ns);
  return runInNamespace(ns, [&]() -> Result<void> {
    Fd fd(::open(path->c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return fail(context, errno);
    const std::string line = std::string(value) + "\n";
    ssize_t n = ::write(fd.get(), line.data(), line.size());
    if (n < 0) return fail(context, errno);
    if (static_cast<size_t>(n) != line.size()) return fail(context + ": short write", EIO);
    return {};
  });
}

Result<std::string> readSysctl(const NetNamespace& ns, std::string_view key) {
  auto path = sysctlPath(key);
  if (!path) return unexpected(path.error());
  const std::string context = "sysctl " + std::string(key) + where(ns);
  return runInNamespace(ns, [&]() -> Result<std::string> {
    Fd fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail(context, errno);
    std::string out;
    char buf[256];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0) return fail(context, errno);
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  });
}

Result<void> setIpForwarding(const NetNamespace& ns, bool on) {
  return writeSysctl(ns, "net/ipv4/ip_forward", on ? "1" : "0");
}

Result<void> setRpFilter(const NetNamespace& ns, std::string_view iface, int mode) {
  if (mode < 0 || mode > 2) return fail("rp_filter mode " + std::to_string(mode), EINVAL);
  return writeSysctl(ns, "net/ipv4/conf/" + std::string(iface) + "/rp_filter",
                     std::to_string(mode));
}

Result<void> setAcceptLocal(const NetNamespace& ns, std::string_view iface, bool on) {
  return writeSysctl(ns, "net/ipv4/conf/" + std::string(iface) + "/accept_local", on ? "1" : "0");
}

Result<void> setMultipathHashPolicy(const NetNamespace& ns, int policy) {
  if (policy < 0 || policy > 3) {
    return fail("fib_multipath_hash_policy " + std::to_string(policy), EINVAL);
  }
  return writeSysctl(ns, "net/ipv4/fib_multipath_hash_policy", std::to_string(policy));
}

}  // namespace azlb::netns
