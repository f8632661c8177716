// probes::Runner over loopback in this namespace (no root): real sockets, a real HTTP server,
// TLS with azlb's own self-made certificate. States are polled with deadlines.
#include "emulator/probes/probe_runner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <httplib.h>
#include <thread>

#include "arm-api/tls/tls_material.h"

using namespace azlb::probes;
using std::chrono::milliseconds;

namespace {

bool waitFor(const std::function<bool()>& pred, milliseconds limit = milliseconds(5000)) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

/// A listening TCP socket on 127.0.0.1 that accepts (kernel backlog) but never answers.
struct Listener {
  int fd = -1;
  std::uint16_t port = 0;
  explicit Listener(int backlog = 64) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(listen(fd, backlog) == 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { close(fd); }
};

/// A port nothing listens on (bound then closed).
std::uint16_t closedPort() {
  Listener l;
  const std::uint16_t p = l.port;
  return p;
}

Target target(const std::string& key, Protocol protocol, std::uint16_t port, milliseconds interval = milliseconds(100),
              std::uint32_t threshold = 1) {
  Spec s;
  s.protocol = protocol;
  s.port = port;
  s.requestPath = "/health";
  s.interval = interval;
  s.timeout = interval;
  s.threshold = threshold;
  return Target{key, -1, "127.0.0.1", "127.0.0.1", s};
}

TargetStatus statusOf(const Runner& r, const std::string& key) {
  for (const auto& s : r.status())
    if (s.key == key) return s;
  return {};
}

/// An HTTP server whose /health answers `code`.
template <typename Server>
struct HttpHealth {
  Server server;
  std::atomic<int> code{200};
  std::thread thread;
  int port = 0;
  template <typename... Args>
  explicit HttpHealth(Args&&... args) : server(std::forward<Args>(args)...) {
    server.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      res.status = code.load();
      res.set_content("x", "text/plain");
    });
    port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    REQUIRE(waitFor([this] { return server.is_running(); }));
  }
  ~HttpHealth() {
    server.stop();
    thread.join();
  }
};

}  // namespace

TEST_CASE("the runner probes Tcp: a listener is up, a closed port is refused", "[probes][runner]") {
  Listener open;
  Runner r;
  REQUIRE(r.start());
  r.setTargets({target("open", Protocol::Tcp, open.port), target("closed", Protocol::Tcp, closedPort())});
  CHECK(waitFor([&] { return statusOf(r, "open").up; }));
  CHECK(waitFor([&] { return statusOf(r, "closed").outcome == Outcome::Refused; }));
  CHECK_FALSE(statusOf(r, "closed").up);
}

TEST_CASE("the runner probes Http: 200 is up, 503 takes it down at once, a silent server times out",
          "[probes][runner]") {
  HttpHealth<httplib::Server> http;
  Listener silent;
  Runner r;
  REQUIRE(r.start());
  r.setTargets({target("http", Protocol::Http, static_cast<std::uint16_t>(http.port), milliseconds(100), 3),
                target("silent", Protocol::Http, silent.port, milliseconds(100), 1)});
  REQUIRE(waitFor([&] { return statusOf(r, "http").up; }));
  CHECK(statusOf(r, "http").detail == "HTTP 200");
  http.code = 503;
  CHECK(waitFor([&] { return !statusOf(r, "http").up; }));
  CHECK(statusOf(r, "http").outcome == Outcome::BadStatus);
  CHECK(statusOf(r, "http").consecutiveFailures < 3);  // not waiting for the threshold
  CHECK(statusOf(r, "http").detail == "HTTP 503");
  CHECK(waitFor([&] { return statusOf(r, "silent").outcome == Outcome::Timeout; }));
  CHECK_FALSE(statusOf(r, "silent").up);
  http.code = 200;
  CHECK(waitFor([&] { return statusOf(r, "http").up; }));
}

TEST_CASE("a Tcp probe whose SYN is never answered times out, not before the spec's timeout", "[probes][runner]") {
  // A listener whose accept queue is full drops new SYNs: the handshake never completes.
  Listener full(0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(full.port);
  std::vector<int> fillers;
  for (int i = 0; i < 2; ++i) {
    const int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    (void)connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(c);
  }
  Runner r;
  REQUIRE(r.start());
  const auto started = Clock::now();
  r.setTargets({target("syn", Protocol::Tcp, full.port, milliseconds(300))});
  CHECK(waitFor([&] { return statusOf(r, "syn").outcome == Outcome::Timeout; }));
  CHECK(Clock::now() - started >= milliseconds(300));
  CHECK_FALSE(statusOf(r, "syn").up);
  CHECK(statusOf(r, "syn").detail.find("300 ms") != std::string::npos);
  for (int c : fillers) close(c);
}

TEST_CASE("the runner probes Https without verifying the certificate", "[probes][runner]") {
  const auto dir = std::filesystem::temp_directory_path() / ("azlb-probe-tls-" + std::to_string(getpid()));
  auto files = azlb::tls::ensureTlsMaterial(dir);
  REQUIRE(files);
  {
    HttpHealth<httplib::SSLServer> https(files->serverCert.c_str(), files->serverKey.c_str());
    Runner r;
    REQUIRE(r.start());
    r.setTargets({target("https", Protocol::Https, static_cast<std::uint16_t>(https.port))});
    CHECK(waitFor([&] { return statusOf(r, "https").up; }));
    // Plain Http against the TLS port is not a 200.
    r.setTargets({target("https", Protocol::Https, static_cast<std::uint16_t>(https.port)),
                   target("plain", Protocol::Http, static_cast<std::uint16_t>(https.port))});
    CHECK(waitFor([&] { return statusOf(r, "plain").outcome != Outcome::None; }));
    CHECK_FALSE(statusOf(r, "plain").up);
    CHECK(statusOf(r, "https").up);  // kept its state across setTargets
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("setTargets keeps the state of unchanged targets and restarts changed ones", "[probes][runner]") {
  Listener open;
  Runner r;
  REQUIRE(r.start());
  r.setTargets({target("a", Protocol::Tcp, open.port, milliseconds(60000))});  // one attempt, then a minute's wait
  REQUIRE(waitFor([&] { return statusOf(r, "a").up; }));
  r.setTargets({target("a", Protocol::Tcp, open.port, milliseconds(60000)), target("b", Protocol::Tcp, open.port)});
  CHECK(waitFor([&] { return statusOf(r, "b").up; }));
  CHECK(statusOf(r, "a").up);  // not reset to out-of-rotation
  r.setTargets({target("a", Protocol::Tcp, closedPort(), milliseconds(60000))});  // changed port: starts over
  CHECK(waitFor([&] { return statusOf(r, "a").outcome == Outcome::Refused; }));
  CHECK_FALSE(statusOf(r, "a").up);
  CHECK(r.status().size() == 1);  // b is gone
}
