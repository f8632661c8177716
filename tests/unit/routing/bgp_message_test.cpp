#include "emulator/routing/bgp_message.h"

#include <catch2/catch.hpp>

using namespace azlb::routing;

namespace {

const Ipv4Address kVip = Ipv4Address::fromOctets(198, 18, 0, 5);
const Ipv4Address kHop = Ipv4Address::fromOctets(100, 64, 1, 2);

std::vector<std::uint8_t> header(std::uint16_t len, std::uint8_t type) {
  std::vector<std::uint8_t> h(16, 0xFF);
  h.push_back(static_cast<std::uint8_t>(len >> 8U));
  h.push_back(static_cast<std::uint8_t>(len & 0xFFU));
  h.push_back(type);
  return h;
}

BgpFrame only(const std::vector<std::uint8_t>& bytes) {
  auto f = splitFrame(bytes);
  REQUIRE(f);
  REQUIRE(f->has_value());
  REQUIRE((*f)->size == bytes.size());
  return **f;
}

}  // namespace

TEST_CASE("keepalive and notification are RFC 4271's bytes", "[routing][bgp]") {
  CHECK(encodeKeepalive() == header(19, 4));
  auto n = header(21, 3);
  n.insert(n.end(), {6, 2});
  CHECK(encodeNotification({kCease, kCeaseAdministrativeShutdown}) == n);
  CHECK(describe({6, 2}) == "Cease / administrative shutdown");
  CHECK(describe({4, 0}) == "hold timer expired");
}

TEST_CASE("OPEN carries AS, hold time, id and the two capabilities", "[routing][bgp]") {
  const auto bytes = encodeOpen({4, 65100, 3, kHop, true, true});
  auto want = header(19 + 10 + 2 + 12, 1);
  want.insert(want.end(), {4, 0xFE, 0x4C, 0, 3, 100, 64, 1, 2, 14, 2, 12,
                           1, 4, 0, 1, 0, 1,                // multiprotocol IPv4 unicast
                           65, 4, 0, 0, 0xFE, 0x4C});       // four-octet AS 65100
  CHECK(bytes == want);
  auto open = decodeOpen(only(bytes).body);
  REQUIRE(open);
  CHECK(open->as == 65100);
  CHECK(open->holdTime == 3);
  CHECK(open->routerId == kHop);
  CHECK(open->fourOctetAs);
  CHECK(open->ipv4Unicast);
}

TEST_CASE("a four-octet AS goes as AS_TRANS in the two-octet field", "[routing][bgp]") {
  const auto bytes = encodeOpen({4, 4200000000U, 90, kHop, true, true});
  const auto f = only(bytes);
  CHECK(f.body[1] == 0x5B);  // 23456
  CHECK(f.body[2] == 0xA0);
  auto open = decodeOpen(f.body);
  REQUIRE(open);
  CHECK(open->as == 4200000000U);
}

TEST_CASE("an OPEN without capabilities means IPv4 unicast, two-octet AS", "[routing][bgp]") {
  const std::vector<std::uint8_t> body{4, 0xFD, 0xE8, 0, 90, 10, 0, 0, 1, 0};
  auto open = decodeOpen(body);
  REQUIRE(open);
  CHECK(open->as == 65000);
  CHECK_FALSE(open->fourOctetAs);
  CHECK(open->ipv4Unicast);
  CHECK_FALSE(decodeOpen(std::vector<std::uint8_t>{4, 0xFD, 0xE8, 0, 90, 10, 0, 0, 1, 3}));
}

TEST_CASE("an UPDATE announcing one /32 is byte for byte RFC 4271", "[routing][bgp]") {
  auto msgs = encodeUpdates({}, {kVip}, 65100, true, kHop);
  REQUIRE(msgs.size() == 1);
  auto want = header(19 + 4 + 4 + 9 + 7 + 5, 2);
  want.insert(want.end(), {0, 0, 0, 20,                             // no withdrawn, 20 attr bytes
                           0x40, 1, 1, 0,                          // ORIGIN IGP
                           0x40, 2, 6, 2, 1, 0, 0, 0xFE, 0x4C,     // AS_PATH [65100]
                           0x40, 3, 4, 100, 64, 1, 2,              // NEXT_HOP
                           32, 198, 18, 0, 5});                    // NLRI 198.18.0.5/32
  CHECK(msgs[0] == want);
  auto u = decodeUpdate(only(msgs[0]).body, true);
  REQUIRE(u);
  CHECK(u->announced == std::vector<Ipv4Address>{kVip});
  CHECK(u->nextHop == kHop);
  CHECK(u->asPath == std::vector<std::uint32_t>{65100});
}

TEST_CASE("many routes split into messages of at most 4096 bytes", "[routing][bgp]") {
  std::vector<Ipv4Address> routes;
  for (std::uint32_t i = 0; i < 2000; ++i) routes.push_back(Ipv4Address{kVip.value + i});
  for (const bool announce : {true, false}) {
    auto msgs = announce ? encodeUpdates({}, routes, 65100, false, kHop)
                         : encodeUpdates(routes, {}, 65100, false, kHop);
    CHECK(msgs.size() == 3);
    std::vector<Ipv4Address> seen;
    for (const auto& m : msgs) {
      CHECK(m.size() <= kBgpMaxMessage);
      auto u = decodeUpdate(only(m).body, false);
      REQUIRE(u);
      const auto& got = announce ? u->announced : u->withdrawn;
      seen.insert(seen.end(), got.begin(), got.end());
      if (announce) CHECK(u->asPath == std::vector<std::uint32_t>{65100});
    }
    CHECK(seen == routes);
  }
  CHECK(encodeUpdates({}, {}, 65100, true, kHop).empty());
}

TEST_CASE("splitFrame waits for whole messages and refuses garbage", "[routing][bgp]") {
  auto two = encodeKeepalive();
  const auto open = encodeOpen({4, 65100, 3, kHop, true, true});
  two.insert(two.end(), open.begin(), open.end());
  for (std::size_t cut = 0; cut < 19; ++cut) {
    auto f = splitFrame(std::span(two).first(cut));
    REQUIRE(f);
    CHECK_FALSE(f->has_value());
  }
  auto first = splitFrame(two);
  REQUIRE(first);
  REQUIRE(first->has_value());
  CHECK((*first)->type == BgpType::Keepalive);
  auto partial = splitFrame(std::span(two).subspan(19, open.size() - 1));
  REQUIRE(partial);
  CHECK_FALSE(partial->has_value());

  auto bad = encodeKeepalive();
  bad[3] = 0;
  CHECK_FALSE(splitFrame(bad));
  CHECK_FALSE(splitFrame(header(18, 4)));
  CHECK_FALSE(splitFrame(header(4097, 4)));
  CHECK_FALSE(splitFrame(header(19, 9)));
}

TEST_CASE("UPDATEs azlb cannot use are errors, not crashes", "[routing][bgp]") {
  // A /24 in the NLRI.
  auto msgs = encodeUpdates({}, {kVip}, 65100, true, kHop);
  auto body = std::vector<std::uint8_t>(only(msgs[0]).body.begin(), only(msgs[0]).body.end());
  body[body.size() - 5] = 24;
  body.pop_back();
  CHECK_FALSE(decodeUpdate(body, true));
  // A withdrawn length past the end, an attribute overrunning, routes without NEXT_HOP.
  CHECK_FALSE(decodeUpdate(std::vector<std::uint8_t>{0, 9, 0, 0}, true));
  CHECK_FALSE(decodeUpdate(std::vector<std::uint8_t>{0, 0, 0, 3, 0x40, 3, 4}, true));
  CHECK_FALSE(decodeUpdate(std::vector<std::uint8_t>{0, 0, 0, 0, 32, 198, 18, 0, 5}, true));
}
