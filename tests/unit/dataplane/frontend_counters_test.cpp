#include "emulator/dataplane/frontend_counters.h"

#include <catch2/catch.hpp>

#include "tests/unit/dataplane/packet_builder.h"

using namespace azlb::dataplane;
using namespace azlb::testing;

namespace {

const Ipv4Address kVip = Ipv4Address::fromOctets(198, 18, 0, 7);

struct Packet {
  PacketBuf buf;
  PacketView view;
};

std::unique_ptr<Packet> tcp(std::uint8_t flags, std::size_t payload) {
  auto p = std::make_unique<Packet>();
  REQUIRE(p->buf.assign(PacketBuilder()
                            .ipv4({.src = "100.64.255.1", .dst = "198.18.0.7"})
                            .tcp({.src = 40000, .dst = 80, .flags = flags})
                            .payload(std::string(payload, 'x'))
                            .build()));
  auto v = PacketView::parse(p->buf.data());
  REQUIRE(v);
  p->view = *v;
  return p;
}

const FrontendCounters::Row* rowOf(const std::vector<FrontendCounters::Row>& rows, std::uint16_t port) {
  for (const auto& r : rows)
    if (r.ip == kVip && r.port == port) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("frontend counters: packets, bytes and SYNs per frontend and direction", "[dataplane][metrics]") {
  FrontendCounters c(16);
  auto syn = tcp(tcpflags::kSyn, 0);
  auto data = tcp(tcpflags::kAck, 100);
  auto synAck = tcp(tcpflags::kSyn | tcpflags::kAck, 0);
  c.count(kVip, 80, 6, Direction::Inbound, syn->buf, syn->view);
  c.count(kVip, 80, 6, Direction::Inbound, data->buf, data->view);
  c.count(kVip, 80, 6, Direction::Outbound, synAck->buf, synAck->view);
  c.count(kVip, 443, 6, Direction::Inbound, data->buf, data->view);
  const auto rows = c.rows();
  REQUIRE(rows.size() == 2);
  const auto* web = rowOf(rows, 80);
  REQUIRE(web);
  CHECK(web->protocol == 6);
  CHECK(web->inPackets == 2);
  CHECK(web->inBytes == 40 + 140);
  CHECK(web->syn == 1);  // a SYN-ACK is not a SYN
  CHECK(web->outPackets == 1);
  CHECK(web->outBytes == 40);
  REQUIRE(rowOf(rows, 443));
  CHECK(rowOf(rows, 443)->syn == 0);
}

TEST_CASE("frontend counters: a superpacket counts as the segments it becomes", "[dataplane][metrics]") {
  FrontendCounters c(16);
  auto big = tcp(tcpflags::kAck, 3000);
  big->buf.offload().gso = Offload::Gso::TcpV4;
  big->buf.offload().gsoSize = 1000;
  c.count(kVip, 80, 6, Direction::Outbound, big->buf, big->view);
  const auto rows = c.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].outPackets == 3);
  CHECK(rows[0].outBytes == 3000 + 3 * 40);
}

TEST_CASE("frontend counters: a full table counts the rest as overflow", "[dataplane][metrics]") {
  FrontendCounters c(4);
  auto p = tcp(tcpflags::kSyn, 0);
  for (std::uint16_t port = 1; port <= 6; ++port) c.count(kVip, port, 6, Direction::Inbound, p->buf, p->view);
  CHECK(c.rows().size() == 4);
  CHECK(c.overflow() == 2);
}
