// The control end of a data-plane process: a Unix stream socket that accepts the manager (and
// tools) at any time, frames newline-delimited requests and writes one response line each. Runs
// on the process's control thread; the forwarding thread never waits for it. The protocol itself
// is in control_protocol.h.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "netns/fd.h"

namespace azlb::runtime {

class ControlServer {
 public:
  /// Most connections served at once; more are accepted and closed at once.
  static constexpr std::size_t kMaxConnections = 16;

  /// Binds and listens on `path` (mode 0600). A socket file nobody listens on any more (a
  /// previous run's) is replaced; one that accepts connections is EADDRINUSE, anything else
  /// at the path EEXIST. ENAMETOOLONG beyond 107 bytes.
  static Result<ControlServer> listen(const std::string& path);

  ControlServer(ControlServer&& other) noexcept;
  ControlServer& operator=(ControlServer&&) = delete;
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  /// Closes every connection and removes the socket file if it is still the one bound here.
  ~ControlServer();

  const std::string& path() const { return path_; }

  /// Serves on the calling thread until `stopFd` (a signalfd or eventfd) becomes readable, or
  /// `tick` (called about every 100 ms) returns false. `handle` maps one request line (without
  /// '\n') to one response line (with '\n'); it runs on this thread. Errors: poll/accept
  /// failures other than EINTR and per-connection errors (those only close the connection).
  Result<void> serve(int stopFd, const std::function<std::string(std::string_view)>& handle,
                     const std::function<bool()>& tick);

 private:
  ControlServer(std::string path, netns::Fd fd, dev_t dev, ino_t ino)
      : path_(std::move(path)), fd_(std::move(fd)), dev_(dev), ino_(ino) {}

  std::string path_;
  netns::Fd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace azlb::runtime
