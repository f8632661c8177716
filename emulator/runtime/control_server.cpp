#include "emulator/runtime/control_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "emulator/runtime/control_protocol.h"

namespace azlb::runtime {

namespace {

constexpr std::size_t kMaxPendingOutput = std::size_t{64} << 20U;

Result<sockaddr_un> unixAddress(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return fail("control socket path '" + path + "'", ENAMETOOLONG);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// Whether something accepts connections at `path` right now.
bool someoneListens(const sockaddr_un& addr) {
  netns::Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe) return false;
  return ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

struct Connection {
  netns::Fd fd;
  LineBuffer input;
  std::string output;
  bool closing = false;  // close once output is flushed
};

// Writes as much pending output as the socket takes. False when the connection is dead.
bool flush(Connection& c) {
  while (!c.output.empty()) {
    const ssize_t n = ::send(c.fd.get(), c.output.data(), c.output.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN;
    }
    c.output.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

Result<ControlServer> ControlServer::listen(const std::string& path) {
  auto addr = unixAddress(path);
  if (!addr) return unexpected(addr.error());
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return fail("control socket " + path + ": something that is not a socket is in the way",
                  EEXIST);
    }
    if (someoneListens(*addr)) {
      return fail("control socket " + path + ": another process serves it", EADDRINUSE);
    }
    ::unlink(path.c_str());  // a previous run's socket
  }
  netns::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail("socket(AF_UNIX)", errno);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    return fail("bind control socket " + path, errno);
  }
  ::chmod(path.c_str(), 0600);  // whoever may talk to it controls the data plane
  if (::listen(fd.get(), 8) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return fail("listen on control socket " + path, err);
  }
  if (::lstat(path.c_str(), &st) != 0) return fail("stat control socket " + path, errno);
  return ControlServer(path, std::move(fd), st.st_dev, st.st_ino);
}

ControlServer::ControlServer(ControlServer&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::move(other.fd_)),
      dev_(std::exchange(other.dev_, 0)),
      ino_(std::exchange(other.ino_, 0)) {}

ControlServer::~ControlServer() {
  if (!fd_) return;
  fd_.reset();
  // Only remove the file if it is still ours (a newer process may have replaced it).
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

Result<void> ControlServer::serve(int stopFd,
                                  const std::function<std::string(std::string_view)>& handle,
                                  const std::function<bool()>& tick) {
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<pollfd> pfds;
  std::vector<char> chunk(std::size_t{64} << 10U);
  for (;;) {
    pfds.clear();
    pfds.push_back({stopFd, POLLIN, 0});
    pfds.push_back({fd_.get(), POLLIN, 0});
    for (const auto& c : connections) {
      short events = c->closing ? 0 : POLLIN;
      if (!c->output.empty()) events |= POLLOUT;
      pfds.push_back({c->fd.get(), events, 0});
    }
    const int ready = ::poll(pfds.data(), pfds.size(), 100);
    if (ready < 0 && errno != EINTR) return fail("poll (control thread)", errno);
    if (!tick()) return {};
    if (ready <= 0) continue;
    if (pfds[0].revents != 0) return {};

    for (std::size_t i = 0; i < connections.size(); ++i) {
      Connection& c = *connections[i];
      const short revents = pfds[i + 2].revents;
      bool alive = true;
      if (revents & POLLIN) {
        const ssize_t n = ::recv(c.fd.get(), chunk.data(), chunk.size(), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          alive = false;
        } else if (n > 0) {
          c.input.append(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
          while (auto line = c.input.next()) {
            if (line->empty()) continue;
            c.output += handle(*line);
          }
          if (c.input.overflowed()) {
            c.output += errorLine("control request longer than " +
                                  std::to_string(kMaxControlLine) + " bytes; closing");
            c.closing = true;
          }
        }
      } else if (revents & (POLLERR | POLLHUP | POLLNVAL)) {
        alive = false;
      }
      if (alive) alive = flush(c) && c.output.size() <= kMaxPendingOutput;
      if (alive && c.closing && c.output.empty()) alive = false;
      if (!alive) connections[i].reset();
    }
    std::erase_if(connections, [](const auto& c) { return c == nullptr; });

    if (pfds[1].revents & POLLIN) {
      for (;;) {
        netns::Fd client(::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!client) {
          if (errno == EINTR) continue;
          if (errno == EAGAIN || errno == ECONNABORTED) break;
          if (errno == EMFILE || errno == ENFILE) break;  // try again on the next round
          return fail("accept on control socket " + path_, errno);
        }
        if (connections.size() >= kMaxConnections) continue;  // closes it
        auto c = std::make_unique<Connection>();
        c->fd = std::move(client);
        connections.push_back(std::move(c));
      }
    }
  }
}

}  // namespace azlb::runtime
