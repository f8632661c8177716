// Fd: the owning file-descriptor handle used by every system object in netns/ (namespaces, TUN
// queues, sockets). Closes on destruction; move-only. Nothing else.
#pragma once

#include <unistd.h>

#include <utility>

namespace azlb::netns {

class Fd {
 public:
  Fd() = default;
  /// Takes ownership of `fd` (-1 for none).
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }

  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  /// Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }
  /// Closes the current descriptor (if any) and takes `fd`. close() errors are ignored: the
  /// descriptor is released either way and there is nothing useful to retry.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace azlb::netns
