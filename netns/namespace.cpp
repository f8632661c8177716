#include "netns/namespace.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace azlb::netns {
namespace {

std::string pathOf(std::string_view name) { return std::string(kNetnsRunDir) + "/" + std::string(name); }

Result<void> checkName(std::string_view op, std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == ".." ||
      name.find('/') != std::string_view::npos) {
    return fail(std::string(op) + " '" + std::string(name) + "'", EINVAL);
  }
  return {};
}

// /run/netns must be a shared mount point so that bind mounts made under it propagate to other
// mount namespaces (systemd services, `ip netns exec` children). Same recipe as iproute2: try to
// mark it shared; if it is not a mount point yet (EINVAL), bind it onto itself and try again.
Result<void> prepareRunDir() {
  if (::mkdir(kNetnsRunDir, 0755) != 0 && errno != EEXIST) {
    return fail(std::string("mkdir ") + kNetnsRunDir, errno);
  }
  if (::mount("", kNetnsRunDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return {};
  if (errno != EINVAL) return fail(std::string("mount --make-rshared ") + kNetnsRunDir, errno);
  if (::mount(kNetnsRunDir, kNetnsRunDir, "none", MS_BIND | MS_REC, nullptr) != 0) {
    return fail(std::string("mount --bind ") + kNetnsRunDir, errno);
  }
  if (::mount("", kNetnsRunDir, "none", MS_SHARED | MS_REC, nullptr) != 0) {
    return fail(std::string("mount --make-rshared ") + kNetnsRunDir, errno);
  }
  return {};
}

Result<void> checkIsNetns(int fd, const std::string& what) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return fail("fstatfs " + what, errno);
  if (static_cast<unsigned long>(fs.f_type) != static_cast<unsigned long>(NSFS_MAGIC)) {
    return fail(what + " is not a namespace (stale entry? run azlb cleanup)", EINVAL);
  }
  return {};
}

}  // namespace

Result<void> setThreadNamespace(int nsFd, std::string_view what) {
  if (::setns(nsFd, CLONE_NEWNET) != 0) {
    return fail("setns netns " + (what.empty() ? std::string("(unnamed)") : std::string(what)),
                errno);
  }
  return {};
}

Result<NetNamespace> NetNamespace::create(std::string_view name) {
  if (auto ok = checkName("netns create", name); !ok) return unexpected(ok.error());
  if (auto ok = prepareRunDir(); !ok) return unexpected(ok.error());

  const std::string path = pathOf(name);
  {
    Fd placeholder(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (!placeholder) return fail("netns create " + std::string(name) + " (" + path + ")", errno);
  }

  // unshare() on a throwaway thread: the new namespace is pinned by the bind mount, and no
  // caller thread ever leaves its own namespace. /proc/thread-self, not /proc/self: the latter
  // names the main thread's namespace.
  int err = 0;
  const char* step = "";
  try {
    std::thread worker([&] {
      if (::unshare(CLONE_NEWNET) != 0) {
        err = errno;
        step = "unshare(CLONE_NEWNET)";
        return;
      }
      if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
        err = errno;
        step = "bind mount";
      }
    });
    worker.join();
  } catch (const std::system_error& e) {
    err = e.code().value();
    step = "thread";
  }
  if (err != 0) {
    ::unlink(path.c_str());
    return fail("netns create " + std::string(name) + ": " + step, err);
  }

  auto opened = open(name);
  if (!opened) {
    (void)remove(name);
    return unexpected(opened.error());
  }
  NetNamespace ns = std::move(*opened);
  ns.owned_ = true;
  return ns;
}

Result<NetNamespace> NetNamespace::open(std::string_view name) {
  if (auto ok = checkName("netns open", name); !ok) return unexpected(ok.error());
  const std::string path = pathOf(name);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail("netns open " + std::string(name), errno);
  if (auto ok = checkIsNetns(fd.get(), "netns " + std::string(name)); !ok) {
    return unexpected(ok.error());
  }
  return NetNamespace(std::string(name), std::move(fd), false);
}

Result<NetNamespace> NetNamespace::current() {
  Fd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd) return fail("open /proc/thread-self/ns/net", errno);
  return NetNamespace(std::string(), std::move(fd), false);
}

Result<void> NetNamespace::remove(std::string_view name) {
  if (auto ok = checkName("netns delete", name); !ok) return ok;
  const std::string path = pathOf(name);
  // MNT_DETACH: processes still inside keep the namespace; only the name goes (as iproute2).
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return fail("netns delete " + std::string(name) + ": umount", errno);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return fail("netns delete " + std::string(name) + ": unlink", errno);
  }
  return {};
}

Result<std::vector<std::string>> NetNamespace::list() {
  std::vector<std::string> names;
  DIR* dir = ::opendir(kNetnsRunDir);
  if (dir == nullptr) {
    if (errno == ENOENT) return names;
    return fail(std::string("opendir ") + kNetnsRunDir, errno);
  }
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view n(entry->d_name);
    if (n == "." || n == "..") continue;
    names.emplace_back(n);
  }
  ::closedir(dir);
  return names;
}

NetNamespace& NetNamespace::operator=(NetNamespace&& other) noexcept {
  if (this != &other) {
    (void)destroy();
    name_ = std::move(other.name_);
    fd_ = std::move(other.fd_);
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

NetNamespace::~NetNamespace() { (void)destroy(); }

Result<void> NetNamespace::destroy() {
  fd_.reset();
  if (!owned_) return {};
  owned_ = false;
  return remove(name_);
}

Result<ScopedNetnsEnter> ScopedNetnsEnter::enter(const NetNamespace& ns) {
  return enter(ns.fd(), ns.name());
}

Result<ScopedNetnsEnter> ScopedNetnsEnter::enter(int nsFd, std::string_view what) {
  Fd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!original) return fail("open /proc/thread-self/ns/net", errno);
  if (auto ok = setThreadNamespace(nsFd, what); !ok) return unexpected(ok.error());
  return ScopedNetnsEnter(std::move(original));
}

ScopedNetnsEnter::~ScopedNetnsEnter() {
  if (auto ok = restore(); !ok) {
    std::fprintf(stderr, "azlb: cannot return thread to its network namespace: %s\n",
                 ok.error().message().c_str());
    std::abort();
  }
}

Result<void> ScopedNetnsEnter::restore() {
  if (!original_) return {};
  Fd original = std::move(original_);
  return setThreadNamespace(original.get(), "original");
}

}  // namespace azlb::netns
