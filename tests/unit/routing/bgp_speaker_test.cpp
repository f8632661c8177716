// The speaker against a peer written here with the same codec, over loopback TCP: what a router
// sees from a MUX (session set-up, the routes, their changes, the withdrawal and Cease on
// shutdown, a reconnect after the peer drops it, a wrong AS refused).
#include "emulator/routing/bgp_speaker.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <set>
#include <thread>

using namespace azlb::routing;
using Clock = std::chrono::steady_clock;

namespace {

const Ipv4Address kLoopback = Ipv4Address::fromOctets(127, 0, 0, 1);
const Ipv4Address kA = Ipv4Address::fromOctets(198, 18, 0, 5);
const Ipv4Address kB = Ipv4Address::fromOctets(198, 18, 0, 6);

bool eventually(const std::function<bool()>& done) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

/// One listening socket on 127.0.0.1; each accept() is one BGP session, driven by the test.
class Peer {
 public:
  Peer() {
    listen_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(kLoopback.value);
    REQUIRE(bind(listen_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(listen_, 4) == 0);
    socklen_t len = sizeof sa;
    getsockname(listen_, reinterpret_cast<sockaddr*>(&sa), &len);
    port = ntohs(sa.sin_port);
  }
  ~Peer() {
    closeSession();
    close(listen_);
  }
  bool accept() {
    pollfd p{listen_, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1) return false;
    fd_ = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
    buf_.clear();
    return fd_ >= 0;
  }
  void closeSession() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  void send(const std::vector<std::uint8_t>& m) {
    REQUIRE(::send(fd_, m.data(), m.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(m.size()));
  }
  /// The next message that is not a KEEPALIVE (unless `keepalive`), within 10 s.
  std::optional<std::pair<BgpType, std::vector<std::uint8_t>>> next(bool keepalive = false) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto f = splitFrame(buf_);
      REQUIRE(f);
      if (f->has_value()) {
        auto out = std::make_pair((*f)->type,
                                  std::vector<std::uint8_t>((*f)->body.begin(), (*f)->body.end()));
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>((*f)->size));
        if (keepalive || out.first != BgpType::Keepalive) return out;
        continue;
      }
      pollfd p{fd_, POLLIN, 0};
      if (Clock::now() > deadline || poll(&p, 1, 100) < 0) return std::nullopt;
      if (!(p.revents & POLLIN)) continue;
      std::uint8_t chunk[4096];
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      buf_.insert(buf_.end(), chunk, chunk + n);
    }
  }
  /// Reads the MUX's OPEN, answers OPEN + KEEPALIVE as AS `as`; returns the MUX's OPEN.
  BgpOpen handshake(std::uint32_t as = 65000) {
    auto m = next();
    REQUIRE(m);
    REQUIRE(m->first == BgpType::Open);
    auto open = decodeOpen(m->second);
    REQUIRE(open);
    send(encodeOpen({4, as, 9, Ipv4Address::fromOctets(100, 64, 255, 2), true, true}));
    send(encodeKeepalive());
    return *open;
  }
  /// Applies UPDATEs to `routes` until it equals `want`.
  bool routesBecome(std::set<Ipv4Address>& routes, const std::set<Ipv4Address>& want) {
    while (routes != want) {
      auto m = next();
      if (!m || m->first != BgpType::Update) return false;
      auto u = decodeUpdate(m->second, true);
      REQUIRE(u);
      for (auto a : u->withdrawn) routes.erase(a);
      for (auto a : u->announced) routes.insert(a);
      if (!u->announced.empty()) CHECK(u->nextHop == kLoopback);
    }
    return true;
  }

  std::uint16_t port = 0;

 private:
  int listen_ = -1, fd_ = -1;
  std::vector<std::uint8_t> buf_;
};

BgpSpeakerOptions options(const Peer& peer) {
  return {kLoopback, kLoopback, 65100, 65000, 3, peer.port, "test"};
}

}  // namespace

TEST_CASE("the speaker announces its set, follows changes and withdraws on shutdown",
          "[routing][bgp]") {
  Peer peer;
  BgpSpeaker speaker(options(peer));
  speaker.announce({kA, kA});
  REQUIRE(speaker.start());
  REQUIRE(peer.accept());
  const BgpOpen open = peer.handshake();
  CHECK(open.as == 65100);
  CHECK(open.holdTime == 3);
  CHECK(open.routerId == kLoopback);
  std::set<Ipv4Address> routes;
  REQUIRE(peer.routesBecome(routes, {kA}));
  CHECK(eventually([&] { return speaker.status().state == "Established"; }));
  // The speaker records what it announced right after sending it: the peer may read it first.
  CHECK(eventually([&] { return speaker.status().announced == 1; }));

  speaker.announce({kB});
  REQUIRE(peer.routesBecome(routes, {kB}));

  // Keepalives every hold/3 (hold: the smaller of 3 and the peer's 9).
  auto k = peer.next(true);
  REQUIRE(k);
  CHECK(k->first == BgpType::Keepalive);

  speaker.shutdown();
  REQUIRE(peer.routesBecome(routes, {}));
  auto bye = peer.next();
  REQUIRE(bye);
  REQUIRE(bye->first == BgpType::Notification);
  auto n = decodeNotification(bye->second);
  REQUIRE(n);
  CHECK(n->code == kCease);
  CHECK(speaker.status().state == "Idle");
}

TEST_CASE("a dropped session comes back with every route", "[routing][bgp]") {
  Peer peer;
  BgpSpeaker speaker(options(peer));
  REQUIRE(speaker.start());
  speaker.announce({kA, kB});
  REQUIRE(peer.accept());
  peer.handshake();
  std::set<Ipv4Address> routes;
  REQUIRE(peer.routesBecome(routes, {kA, kB}));
  peer.closeSession();
  CHECK(eventually([&] { return speaker.status().lastError == "peer closed the connection"; }));

  REQUIRE(peer.accept());
  peer.handshake();
  routes.clear();
  REQUIRE(peer.routesBecome(routes, {kA, kB}));
  CHECK(eventually([&] { return speaker.status().establishedCount == 2; }));
}

TEST_CASE("a peer with the wrong AS is refused", "[routing][bgp]") {
  Peer peer;
  BgpSpeaker speaker(options(peer));
  REQUIRE(speaker.start());
  REQUIRE(peer.accept());
  peer.handshake(65001);
  auto m = peer.next();
  REQUIRE(m);
  REQUIRE(m->first == BgpType::Notification);
  auto n = decodeNotification(m->second);
  REQUIRE(n);
  CHECK(n->code == kOpenMessageError);
  CHECK(eventually([&] { return speaker.status().lastError == "peer AS 65001, expected 65000"; }));
  CHECK(speaker.status().establishedCount == 0);
}
