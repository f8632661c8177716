// eventually(): poll a condition against a deadline — how every tier waits for asynchronous
// state (a server answering, the kernel dropping a link, a probe going down), never a bare sleep.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace azlb::testsupport {

/// Polls `condition` every `every` until it holds or `timeout` passes; returns its last value.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds every = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace azlb::testsupport
