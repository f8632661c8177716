// The thread structure shared by `azlb mux` and `azlb host-agent`: one forwarding thread running
// runPump() over the engine, and the calling (control) thread serving the control socket until
// a termination signal; then the forwarding thread is stopped and joined. Internal to runtime.
#pragma once

#include <atomic>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "emulator/runtime/control_server.h"
#include "emulator/runtime/packet_pump.h"
#include "emulator/runtime/process_support.h"

namespace azlb::runtime {

/// Returns the process exit code: 0 after a termination signal, 1 when the forwarding thread or
/// the control socket failed. `reclaim` runs on the control thread about every 100 ms;
/// `beforeStop` (if any) after the termination signal, while the forwarding thread still runs.
template <typename Engine>
int runProcessLoop(const std::string& what, Engine& engine, const PumpOptions& pumpOptions,
                   ControlServer& server, int signalFd, const WakeFd& wake,
                   const std::function<std::string(std::string_view)>& handle,
                   const std::function<void()>& reclaim,
                   const std::function<void()>& beforeStop = {}) {
  std::atomic<bool> stop{false};
  std::atomic<bool> pumpFailed{false};
  std::string pumpError;  // written before pumpFailed is released
  std::thread forwarding;
  try {
    forwarding = std::thread([&] {
      auto ok = runPump(engine, wake.fd(), stop, pumpOptions);
      if (!ok) {
        pumpError = ok.error().message();
        pumpFailed.store(true, std::memory_order_release);
      }
    });
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "%s: cannot start the forwarding thread: %s\n", what.c_str(), e.what());
    return 1;
  }
  auto served = server.serve(signalFd, handle, [&] {
    reclaim();
    return !pumpFailed.load(std::memory_order_acquire);
  });
  if (beforeStop) beforeStop();
  stop.store(true, std::memory_order_release);
  wake.wake();
  forwarding.join();
  reclaim();
  if (pumpFailed.load(std::memory_order_acquire)) {
    std::fprintf(stderr, "%s: forwarding thread failed: %s\n", what.c_str(), pumpError.c_str());
    return 1;
  }
  if (!served) {
    std::fprintf(stderr, "%s: control socket failed: %s\n", what.c_str(),
                 served.error().message().c_str());
    return 1;
  }
  std::fprintf(stderr, "%s: stopped\n", what.c_str());
  return 0;
}

}  // namespace azlb::runtime
