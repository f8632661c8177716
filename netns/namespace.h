// Named network namespaces, made the way `ip netns add` makes them (a bind mount of the
// namespace at /run/netns/<name>, so `ip netns exec` works on ours), and ways to run code inside
// one: ScopedNetnsEnter (setns on this thread and back) and runInNamespace (a helper thread).
// Not here: links, addresses, routes (netns/netlink.h), naming (netns/naming.h).
#pragma once

#include <sched.h>

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/result.h"
#include "netns/fd.h"

namespace azlb::netns {

inline constexpr const char* kNetnsRunDir = "/run/netns";

/// A handle on a network namespace. Move-only. An *owned* handle (from create()) deletes the
/// namespace's name on destruction (umount + unlink, as `ip netns delete`); the kernel frees the
/// namespace, and the links in it, once no process, socket or fd refers to it any more.
class NetNamespace {
 public:
  /// Creates /run/netns/<name> holding a new, empty network namespace (loopback down). Needs
  /// CAP_SYS_ADMIN. Makes /run/netns a shared mount point first, as iproute2 does, so the name is
  /// visible to other mount namespaces. Errors: EEXIST when the name is taken, EPERM without
  /// privileges; on failure nothing is left behind. Any thread may call (the namespace is made on
  /// a short-lived helper thread, the caller's namespace is untouched).
  static Result<NetNamespace> create(std::string_view name);
  /// Opens an existing named namespace (not owned: destruction only closes the fd). ENOENT when
  /// absent, EINVAL when /run/netns/<name> is not a namespace mount (a stale entry).
  static Result<NetNamespace> open(std::string_view name);
  /// The calling thread's current namespace (not owned, name() is empty).
  static Result<NetNamespace> current();
  /// `ip netns delete`: detaches the mount and unlinks /run/netns/<name>. Succeeds when the entry
  /// is already gone (idempotent).
  static Result<void> remove(std::string_view name);
  /// Names under /run/netns (empty when the directory does not exist).
  static Result<std::vector<std::string>> list();

  NetNamespace(NetNamespace&& other) noexcept
      : name_(std::move(other.name_)), fd_(std::move(other.fd_)),
        owned_(std::exchange(other.owned_, false)) {}
  NetNamespace& operator=(NetNamespace&& other) noexcept;
  NetNamespace(const NetNamespace&) = delete;
  NetNamespace& operator=(const NetNamespace&) = delete;
  ~NetNamespace();

  /// Deletes an owned namespace now and reports errors (the destructor ignores them).
  Result<void> destroy();
  /// Stops owning: the namespace outlives this handle.
  void release() { owned_ = false; }

  const std::string& name() const { return name_; }
  int fd() const { return fd_.get(); }
  bool owned() const { return owned_; }

 private:
  NetNamespace(std::string name, Fd fd, bool owned)
      : name_(std::move(name)), fd_(std::move(fd)), owned_(owned) {}

  std::string name_;
  Fd fd_;
  bool owned_ = false;
};

/// Moves the calling thread into a namespace and back on destruction (setns(CLONE_NEWNET)).
/// Only this thread moves: sockets, TUN devices and /proc/sys entries it opens while inside
/// belong to that namespace, and keep doing so after the restore. Use it on a dedicated thread,
/// or make sure the scope ends before the thread does anything else (prefer runInNamespace).
/// If the restore fails the process aborts: a thread silently left in the wrong namespace
/// would send traffic into it.
class ScopedNetnsEnter {
 public:
  /// EPERM without CAP_SYS_ADMIN; EINVAL when the fd is not a network namespace.
  static Result<ScopedNetnsEnter> enter(const NetNamespace& ns);
  /// The same for a namespace the caller holds only as an fd; `what` names it in errors.
  static Result<ScopedNetnsEnter> enter(int nsFd, std::string_view what);

  ScopedNetnsEnter(ScopedNetnsEnter&&) noexcept = default;
  ScopedNetnsEnter& operator=(ScopedNetnsEnter&&) = delete;
  ScopedNetnsEnter(const ScopedNetnsEnter&) = delete;
  ScopedNetnsEnter& operator=(const ScopedNetnsEnter&) = delete;
  ~ScopedNetnsEnter();

  /// Returns to the original namespace now (the destructor then does nothing).
  Result<void> restore();

 private:
  explicit ScopedNetnsEnter(Fd original) : original_(std::move(original)) {}
  Fd original_;
};

/// setns(fd, CLONE_NEWNET) on the calling thread; `what` names the namespace in the error.
Result<void> setThreadNamespace(int nsFd, std::string_view what);

/// Runs `fn` (returning Result<T>) on a new thread that first enters `ns`, waits for it and
/// returns its result. The caller's thread never changes namespace. Objects `fn` creates
/// (sockets, TUN fds) stay bound to `ns` and can be used from any thread afterwards.
template <typename F>
auto runInNamespace(const NetNamespace& ns, F&& fn) -> std::invoke_result_t<F&> {
  using R = std::invoke_result_t<F&>;
  std::optional<R> out;
  try {
    std::thread worker([&] {
      if (auto entered = setThreadNamespace(ns.fd(), ns.name()); !entered) {
        out.emplace(unexpected(entered.error()));
        return;
      }
      out.emplace(fn());
    });
    worker.join();
  } catch (const std::system_error& e) {
    return fail("thread for netns " + ns.name(), e.code().value());
  }
  return std::move(*out);
}

}  // namespace azlb::netns
