// Ping to a frontend, as Azure answers it for Standard public frontends: echo reply while a rule
// on it has a backend in rotation, host unreachable when every backend is probed down, silence
// otherwise. Expected packets come from PacketBuilder (reference checksums, no shared code).
#include "emulator/dataplane/icmp.h"

#include <catch2/catch.hpp>

#include "emulator/dataplane/forwarder.h"
#include "tests/unit/dataplane/packet_builder.h"

using namespace azlb::dataplane;
using namespace azlb::testing;

namespace {

constexpr Nanos kNow{1'000'000'000'000};
const std::string kClient = "100.64.255.1";
const std::string kVip = "198.18.0.7";

Ipv4Address ip(const std::string& s) { return Ipv4Address{ipFromString(s)}; }

Bytes echo(std::uint8_t type, const std::string& src, const std::string& dst, std::uint8_t ttl) {
  return PacketBuilder()
      .ipv4({.src = src, .dst = dst, .ttl = ttl, .id = 77})
      .icmpEcho({.type = type, .id = 4242, .seq = 9})
      .payload("abcdefghijklmnop")
      .build();
}

RuleSpec rule(std::string name, std::uint16_t port, std::vector<bool> healthy, bool answers = true) {
  RuleSpec r{.name = std::move(name), .frontendIp = ip(kVip), .frontendPort = port, .backendPort = 80};
  for (std::size_t i = 0; i < healthy.size(); ++i)
    r.backends.push_back({.id = r.name + std::to_string(i),
                          .ip = Ipv4Address::fromOctets(10, 0, 0, static_cast<std::uint8_t>(4 + i)),
                          .hostIp = Ipv4Address::fromOctets(100, 64, 16, static_cast<std::uint8_t>(1 + i)),
                          .healthy = healthy[i]});
  r.answersPing = answers;
  return r;
}

/// What the MUX does with `packet` under `rules`: the verdict and the packet after it.
std::pair<Verdict, Bytes> mux(const std::vector<RuleSpec>& rules, const Bytes& packet) {
  auto config = ForwardingConfig::build({.version = 1, .rules = rules});
  REQUIRE(config);
  MuxForwarder m(MuxOptions{.underlayAddress = ip("100.64.4.1"), .flowCapacity = 64}, *config);
  PacketBuf buf;
  REQUIRE(buf.assign(packet));
  const Verdict v = m.process(buf, kNow);
  return {v, Bytes(buf.data().begin(), buf.data().end())};
}

}  // namespace

TEST_CASE("a frontend with a healthy backend answers an echo request", "[dataplane][icmp]") {
  const auto [v, out] = mux({rule("web", 80, {false, true}), rule("ssh", 22, {false})},
                            echo(8, kClient, kVip, 63));
  REQUIRE(v.isForward());
  CHECK(v.nextHop == ip(kClient));
  CHECK(out == echo(0, kVip, kClient, 64));
  CHECK(checkChecksums(out).empty());
}

TEST_CASE("a frontend whose backends are all probed down answers host unreachable", "[dataplane][icmp]") {
  const Bytes request = echo(8, kClient, kVip, 63);
  const auto [v, out] = mux({rule("web", 80, {false, false}), rule("ssh", 22, {false})}, request);
  REQUIRE(v.isForward());
  CHECK(v.nextHop == ip(kClient));
  REQUIRE(out.size() == 20 + 8 + 20 + 8);
  auto view = PacketView::parse(std::span<std::uint8_t>(const_cast<std::uint8_t*>(out.data()), out.size()));
  REQUIRE(view);
  CHECK(view->src() == ip(kVip));
  CHECK(view->dst() == ip(kClient));
  CHECK(view->protocol() == IpProtocol::Icmp);
  CHECK(view->icmpType() == kIcmpUnreachable);
  CHECK(view->l4()[1] == kIcmpHostUnreachable);
  // RFC 792: the original IP header and the first 8 bytes of its payload.
  CHECK(Bytes(out.begin() + 28, out.end()) == Bytes(request.begin(), request.begin() + 28));
  CHECK(checkChecksums(out).empty());
}

TEST_CASE("silence: no backend, a Basic or internal frontend, another address, not an echo", "[dataplane][icmp]") {
  CHECK(mux({rule("web", 80, {})}, echo(8, kClient, kVip, 63)).first.reason == DropReason::UnsupportedProtocol);
  CHECK(mux({rule("web", 80, {true}, false)}, echo(8, kClient, kVip, 63)).first.reason ==
        DropReason::UnsupportedProtocol);
  CHECK_FALSE(mux({rule("web", 80, {true})}, echo(8, kClient, "198.18.0.8", 63)).first.isForward());
  CHECK_FALSE(mux({rule("web", 80, {true})}, echo(0, kClient, kVip, 63)).first.isForward());
}

TEST_CASE("a healthy rule wins over an all-down one on the same frontend", "[dataplane][icmp]") {
  auto config = ForwardingConfig::build({.version = 1, .rules = {rule("a", 80, {false}), rule("b", 81, {true})}});
  REQUIRE(config);
  CHECK((*config)->pingAnswer(ip(kVip)) == PingAnswer::EchoReply);
  CHECK((*config)->pingAnswer(ip("198.18.0.6")) == PingAnswer::None);
}
