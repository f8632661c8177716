// Counter and ForwarderCounters: per-forwarder packet, byte and drop counts. Each forwarder is
// written by its one forwarding thread; other threads (status, metrics) may read at any time.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "emulator/dataplane/verdict.h"

namespace azlb::dataplane {

/// A single-writer counter: the owning thread adds with a relaxed load + store (a plain add, no
/// locked instruction); any thread may read value() without a data race. Two writers would lose
/// counts: give each forwarding thread its own counters and sum them when reporting.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void add(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }
  void reset() { value_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

/// Packets and bytes in and out of one forwarder, and drops per DropReason.
struct ForwarderCounters {
  Counter rxPackets;
  Counter rxBytes;
  Counter txPackets;   ///< packets with a Forward verdict
  Counter txBytes;     ///< their size after rewriting/encapsulation
  Counter flowHits;    ///< packets that found their flow (MUX flow table, host reverse table)
  Counter flowMisses;  ///< packets that created a flow
  Counter snatReturns;  ///< MUX: packets to a SNAT port, sent to the VM that owns it
  Counter fastpathRedirects;  ///< MUX: VIP-to-VIP flows handed to their hosts (Fastpath)
  Counter pingReplies;        ///< MUX: echo replies from a frontend (a rule has a healthy backend)
  Counter pingUnreachables;   ///< MUX: host unreachable for a frontend whose backends are all down
  std::array<Counter, kDropReasonCount> drops{};

  Counter& drop(DropReason reason) { return drops[static_cast<std::size_t>(reason)]; }
  std::uint64_t dropped(DropReason reason) const {
    return drops[static_cast<std::size_t>(reason)].value();
  }
  std::uint64_t droppedTotal() const {
    std::uint64_t total = 0;
    for (const auto& c : drops) total += c.value();
    return total;
  }
};

}  // namespace azlb::dataplane
