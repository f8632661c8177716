// probes::Attempt: one health-probe attempt on Boost.Asio, from socket to verdict. The socket is
// created inside the target's network namespace (netns::ScopedNetnsEnter) and bound to the probe
// source; then the TCP handshake, TLS for Https (certificate not verified, as Azure's probe), GET
// requestPath and the status line, all within the spec's timeout. Not here: when attempts run
// and what their outcomes mean (probe_runner.h, probe_policy.h).
#pragma once

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>

#include "emulator/probes/probe_policy.h"
#include "emulator/probes/probe_runner.h"

namespace azlb::probes {

/// An attempt's result, as State::record takes it.
struct Verdict {
  Outcome outcome = Outcome::Error;
  std::string detail;
};

/// Outcomes: Success (Tcp: handshake done; Http(s): status 200), Refused (refused or reset),
/// Timeout, BadStatus (any other HTTP status, detail "HTTP <code>"), Error (anything else,
/// including a namespace that cannot be entered: detail "namespace: ...").
class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(boost::asio::io_context& io, boost::asio::ssl::context& tls, Target target);

  /// Runs the attempt on the io_context's thread (which briefly enters the target's namespace
  /// to create the socket; if it cannot come back the process aborts, as namespace.h requires).
  /// Make the Attempt with std::make_shared: run() keeps it alive until it returns.
  boost::asio::awaitable<Verdict> run();
  /// Gives the attempt up: closes the socket and the timer (run() then ends with an error).
  void abandon();

 private:
  std::optional<Verdict> prepare();
  void armTimeout();
  boost::asio::awaitable<Verdict> exchange();
  template <typename Stream>
  boost::asio::awaitable<Verdict> ask(Stream& stream, bool overTls);
  Verdict verdict(Outcome outcome, std::string detail) const;
  Verdict connectFailed(const boost::system::error_code& ec) const;

  Target target_;
  boost::asio::ssl::context& tls_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint destination_;
  boost::asio::steady_timer timer_;
  bool timedOut_ = false;
};

}  // namespace azlb::probes
