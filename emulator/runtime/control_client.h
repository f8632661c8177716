// The manager's (and the tests') end of a data-plane process's control socket: connect, send one
// request line, wait for one response line with a deadline. One request at a time; not
// thread-safe. The protocol itself is in control_protocol.h.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"
#include "emulator/runtime/control_protocol.h"
#include "emulator/runtime/snapshot.h"
#include "netns/fd.h"

namespace azlb::runtime {

class ControlClient {
 public:
  /// Connects to the Unix socket at `path`. ENOENT/ECONNREFUSED while the process is not (yet)
  /// listening: callers poll against a deadline.
  static Result<ControlClient> connect(const std::string& path);

  /// Sends `line` (one request, '\n' appended when missing) and returns the parsed response.
  /// ETIMEDOUT when none arrives in time, ECONNRESET when the process closes the connection.
  Result<ControlResponse> request(std::string_view line, std::chrono::milliseconds timeout);

  /// Pushes a snapshot. The error carries the process's message when it rejects it (EINVAL).
  Result<std::uint64_t> sendSnapshot(const Snapshot& snapshot,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  Result<StatusReport> status(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// A MUX's flow-table entry for `key` (EIO with the process's message from a host agent).
  Result<FlowResponse> flow(const dataplane::FlowKey& key,
                            std::chrono::milliseconds timeout = std::chrono::seconds(2));

 private:
  ControlClient(std::string path, netns::Fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  std::string path_;
  netns::Fd fd_;
  LineBuffer input_{};
};

}  // namespace azlb::runtime
