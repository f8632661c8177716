#include "emulator/probes/probe_attempt.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "netns/namespace.h"

namespace azlb::probes {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxResponse = 8192;

/// A TCP socket of the namespace `nsFd` (-1: the calling thread's own). The thread enters the
/// namespace only for the socket() call; ScopedNetnsEnter brings it back, or aborts the process
/// if it cannot (the thread would otherwise go on probing from the wrong namespace).
Result<int> socketInNamespace(int nsFd) {
  std::optional<netns::ScopedNetnsEnter> inside;
  if (nsFd >= 0) {
    auto entered = netns::ScopedNetnsEnter::enter(nsFd, "fd " + std::to_string(nsFd));
    if (!entered) return fail("namespace: " + entered.error().message());
    inside.emplace(std::move(*entered));
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket", errno);
  return fd;
}

/// "HTTP/1.1 200 OK" -> Success; another status -> BadStatus "HTTP <code>".
Verdict statusLineVerdict(const std::string& line) {
  const auto sp = line.find(' ');
  const int code = sp == std::string::npos ? 0 : std::atoi(line.c_str() + sp + 1);
  if (line.rfind("HTTP/", 0) != 0 || code < 100 || code > 999)
    return {Outcome::Error, "not an HTTP response"};
  if (code == 200) return {Outcome::Success, "HTTP 200"};
  return {Outcome::BadStatus, "HTTP " + std::to_string(code)};
}

bool isReset(const error_code& ec) {
  return ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

}  // namespace

Attempt::Attempt(asio::io_context& io, asio::ssl::context& tls, Target target)
    : target_(std::move(target)), tls_(tls), socket_(io), timer_(io) {}

asio::awaitable<Verdict> Attempt::run() {
  const auto self = shared_from_this();
  armTimeout();
  if (auto failed = prepare()) {
    timer_.cancel();
    co_return *failed;
  }
  Verdict result = co_await exchange();
  timer_.cancel();
  co_return result;
}

void Attempt::abandon() {
  error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
}

std::optional<Verdict> Attempt::prepare() {
  auto fd = socketInNamespace(target_.netnsFd);
  if (!fd) return Verdict{Outcome::Error, fd.error().message()};
  error_code ec;
  socket_.assign(tcp::v4(), *fd, ec);
  if (ec) {
    ::close(*fd);
    return Verdict{Outcome::Error, "socket: " + ec.message()};
  }
  if (!target_.sourceIp.empty()) {
    const auto source = asio::ip::make_address_v4(target_.sourceIp, ec);
    if (!ec) socket_.bind(tcp::endpoint(source, 0), ec);
    if (ec)
      return Verdict{Outcome::Error,
                     "binding probe source " + target_.sourceIp + ": " + ec.message()};
  }
  const auto destination = asio::ip::make_address_v4(target_.destination, ec);
  if (ec) return Verdict{Outcome::Error, "bad destination " + target_.destination};
  destination_ = tcp::endpoint(destination, target_.spec.port);
  return std::nullopt;
}

void Attempt::armTimeout() {
  timer_.expires_after(target_.spec.timeout);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec) return;  // cancelled: the attempt ended in time
    self->timedOut_ = true;
    error_code ignored;
    self->socket_.close(ignored);  // the pending operation ends with operation_aborted
  });
}

asio::awaitable<Verdict> Attempt::exchange() {
  error_code ec;
  co_await socket_.async_connect(destination_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return connectFailed(ec);
  if (target_.spec.protocol == Protocol::Tcp)
    co_return verdict(Outcome::Success, "connected");  // then a normal FIN
  if (target_.spec.protocol == Protocol::Http) co_return co_await ask(socket_, false);
  asio::ssl::stream<tcp::socket&> tls(socket_, tls_);
  co_await tls.async_handshake(asio::ssl::stream_base::client,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    const bool closed =
        isReset(ec) || ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    co_return verdict(closed ? Outcome::Refused : Outcome::Error, "TLS handshake failed");
  }
  co_return co_await ask(tls, true);
}

/// Sends the GET and reads up to the end of the status line.
template <typename Stream>
asio::awaitable<Verdict> Attempt::ask(Stream& stream, bool overTls) {
  const std::string request = "GET " + target_.spec.requestPath +
                              " HTTP/1.1\r\nHost: " + target_.destination + ":" +
                              std::to_string(target_.spec.port) +
                              "\r\nUser-Agent: Load Balancer Agent\r\nConnection: close\r\n\r\n";
  error_code ec;
  co_await asio::async_write(stream, asio::buffer(request),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec && overTls)
    co_return verdict(Outcome::Refused, "connection closed while sending the request");
  if (ec)
    co_return verdict(isReset(ec) ? Outcome::Refused : Outcome::Error, "send: " + ec.message());
  std::string in;
  const std::size_t lineEnd =
      co_await asio::async_read_until(stream, asio::dynamic_buffer(in, kMaxResponse), "\r\n",
                                      asio::redirect_error(asio::use_awaitable, ec));
  if (ec == asio::error::not_found)
    co_return verdict(Outcome::Error, "no HTTP status line in the first 8 KiB");
  if (ec && (overTls || ec == asio::error::eof))
    co_return verdict(Outcome::Refused, "connection closed before an HTTP status line");
  if (ec)
    co_return verdict(isReset(ec) ? Outcome::Refused : Outcome::Error, "recv: " + ec.message());
  co_return statusLineVerdict(in.substr(0, lineEnd - 2));
}

/// A failure's verdict, unless the timeout caused it (its closing the socket ended the operation).
Verdict Attempt::verdict(Outcome outcome, std::string detail) const {
  if (timedOut_ && outcome != Outcome::Success) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(target_.spec.timeout).count();
    return {Outcome::Timeout, "no answer within " + std::to_string(ms) + " ms"};
  }
  return {outcome, std::move(detail)};
}

Verdict Attempt::connectFailed(const error_code& ec) const {
  if (ec == asio::error::connection_refused) return verdict(Outcome::Refused, "connection refused");
  return verdict(isReset(ec) ? Outcome::Refused : Outcome::Error, "connect: " + ec.message());
}

}  // namespace azlb::probes
