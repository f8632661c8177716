#include "emulator/runtime/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <variant>

namespace azlb::runtime {

Result<ControlClient> ControlClient::connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return fail("control socket path '" + path + "'", ENAMETOOLONG);
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  netns::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail("socket(AF_UNIX)", errno);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return fail("connect " + path, errno);
  }
  return ControlClient(path, std::move(fd));
}

Result<ControlResponse> ControlClient::request(std::string_view line,
                                               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out(line);
  if (out.empty() || out.back() != '\n') out += '\n';
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(fd_.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("send to " + path_, errno);
    }
    sent += static_cast<std::size_t>(n);
  }
  std::vector<char> chunk(std::size_t{64} << 10U);
  for (;;) {
    if (auto response = input_.next()) return parseControlResponse(*response);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail("waiting for a response from " + path_, ETIMEDOUT);
    pollfd p{fd_.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return fail("poll " + path_, errno);
    }
    if (ready == 0) continue;
    const ssize_t n = ::recv(fd_.get(), chunk.data(), chunk.size(), 0);
    if (n == 0) return fail("connection to " + path_ + " closed", ECONNRESET);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return fail("recv from " + path_, errno);
    }
    input_.append(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
  }
}

Result<std::uint64_t> ControlClient::sendSnapshot(const Snapshot& snapshot,
                                                  std::chrono::milliseconds timeout) {
  auto response = request(snapshotLine(snapshot), timeout);
  if (!response) return unexpected(response.error());
  if (const auto* ack = std::get_if<AckResponse>(&*response)) return ack->version;
  if (const auto* error = std::get_if<ErrorResponse>(&*response)) {
    return fail(path_ + " rejected snapshot " + std::to_string(snapshot.version) + ": " +
                    error->message,
                EINVAL);
  }
  return fail(path_ + ": unexpected response to a snapshot", EPROTO);
}

Result<StatusReport> ControlClient::status(std::chrono::milliseconds timeout) {
  auto response = request(statusRequestLine(), timeout);
  if (!response) return unexpected(response.error());
  if (auto* report = std::get_if<StatusReport>(&*response)) return std::move(*report);
  if (const auto* error = std::get_if<ErrorResponse>(&*response)) {
    return fail(path_ + ": status: " + error->message, EIO);
  }
  return fail(path_ + ": unexpected response to status", EPROTO);
}

Result<FlowResponse> ControlClient::flow(const dataplane::FlowKey& key,
                                        std::chrono::milliseconds timeout) {
  auto response = request(flowRequestLine(key), timeout);
  if (!response) return unexpected(response.error());
  if (auto* answer = std::get_if<FlowResponse>(&*response)) return *answer;
  if (const auto* error = std::get_if<ErrorResponse>(&*response)) {
    return fail(path_ + ": flow: " + error->message, EIO);
  }
  return fail(path_ + ": unexpected response to flow", EPROTO);
}

}  // namespace azlb::runtime
