// ConfigMailbox: hands immutable configuration snapshots from the control thread to one
// forwarding thread (glb's "steal the ref"). A single slot: a newer post replaces an unread one.
// The forwarding thread checks it between batches with one atomic load; it takes the lock only
// when something new is there. Old snapshots are handed back and destroyed on the control
// thread, so closing TUN fds or freeing Maglev tables never stalls the packet path.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace azlb::runtime {

template <typename T>
class ConfigMailbox {
 public:
  ConfigMailbox() { retired_.reserve(4); }

  /// Control thread: offers `value`, replacing one not taken yet. Returns its ticket for
  /// waitTaken().
  std::uint64_t post(std::shared_ptr<const T> value) {
    std::shared_ptr<const T> replaced;
    std::uint64_t ticket = 0;
    {
      std::lock_guard lock(mutex_);
      replaced = std::exchange(pending_, std::move(value));
      ticket = posted_.load(std::memory_order_relaxed) + 1;
      posted_.store(ticket, std::memory_order_release);
    }
    return ticket;  // `replaced` dies here, on the control thread
  }

  /// Forwarding thread, between batches: the newest posted value since the last call, or null.
  /// Lock-free unless something was posted.
  std::shared_ptr<const T> take() {
    const std::uint64_t posted = posted_.load(std::memory_order_acquire);
    if (posted == seen_) return nullptr;
    std::shared_ptr<const T> value;
    {
      std::lock_guard lock(mutex_);
      seen_ = posted_.load(std::memory_order_relaxed);
      value = std::move(pending_);
      taken_ = seen_;
    }
    changed_.notify_all();
    return value;
  }

  /// Forwarding thread: gives the snapshot it just replaced back, to be destroyed by reclaim().
  void retire(std::shared_ptr<const T> old) {
    if (!old) return;
    std::lock_guard lock(mutex_);
    retired_.push_back(std::move(old));  // reserved: allocates only if reclaim() falls behind
  }

  /// Control thread: destroys retired snapshots (closing whatever they own).
  void reclaim() {
    std::vector<std::shared_ptr<const T>> dead;
    {
      std::lock_guard lock(mutex_);
      dead.swap(retired_);
      retired_.reserve(4);
    }
  }

  /// Control thread: waits until the forwarding thread has taken post() number `ticket` (or a
  /// later one). False on timeout (e.g. the forwarding thread is gone).
  bool waitTaken(std::uint64_t ticket, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return taken_ >= ticket; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::shared_ptr<const T> pending_;
  std::vector<std::shared_ptr<const T>> retired_;
  std::atomic<std::uint64_t> posted_{0};
  std::uint64_t seen_ = 0;   // forwarding thread only
  std::uint64_t taken_ = 0;  // under mutex_
};

}  // namespace azlb::runtime
