#include "netns/tun.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <array>
#include <cerrno>
#include <cstring>

#include "netns/fd.h"
#include "netns/netlink.h"
#include "tests/netns/test_net.h"

using namespace azlb;
using azlb::testnet::address;
using azlb::testnet::nameOf;
using azlb::testnet::prefix;
using azlb::testnet::Role;

namespace {

void require(const Result<void>& r) {
  INFO((r ? std::string() : r.error().message()));
  REQUIRE(r);
}

std::uint16_t ipChecksum(const std::uint8_t* data, std::size_t len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < len; i += 2) sum += (std::uint32_t{data[i]} << 8) | data[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::uint32_t be32At(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

// A TUN named tun0 in `ns`, 100.64.9.1/30 on it, up, and 198.18.0.10/32 routed into it.
netns::TunDevice makeRoutedTun(testnet::TestNet& net, const netns::NetNamespace& ns,
                               netns::TunOptions options) {
  auto tun = netns::TunDevice::open(ns, options);
  INFO((tun ? std::string() : tun.error().message()));
  REQUIRE(tun);
  require(net.rtnl(ns).addAddress(options.name, prefix("100.64.9.1/30")));
  require(net.rtnl(ns).setLinkUp(options.name));
  const std::vector<netns_model::Nexthop> intoTun{{.gateway = std::nullopt, .dev = options.name}};
  require(net.rtnl(ns).addRoute(prefix("198.18.0.10/32"), intoTun));
  return std::move(*tun);
}

}  // namespace

TEST_CASE("a TUN device receives a datagram routed into it", "[netns][tun]") {
  testnet::TestNet net;
  auto& mux = net.add(Role::Mux, 0);
  const std::string tunName = nameOf(Role::Tun, 0);
  auto tun = makeRoutedTun(net, mux, {.name = tunName});
  CHECK(tun.name() == tunName);
  CHECK(tun.queueCount() == 1);
  CHECK(tun.vnetHdrSize() == 0);

  // The socket lives in the namespace; the send happens from this thread afterwards.
  auto sock = netns::runInNamespace(mux, []() -> Result<int> {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return fail("socket", errno);
    return s;
  });
  REQUIRE(sock);
  netns::Fd udp(*sock);
  const char payload[] = "azlb-tun-test";
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(9999);
  dst.sin_addr.s_addr = netns_model::toNetworkOrder(address("198.18.0.10"));
  REQUIRE(::sendto(udp.get(), payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&dst),
                   sizeof dst) == static_cast<ssize_t>(sizeof payload));

  // Other packets (IPv6 router solicitations on a fresh link) may come first: skip them.
  std::array<std::byte, 2048> buf{};
  std::size_t len = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{tun.fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    auto n = tun.read(buf);
    REQUIRE(n);
    const auto* ip = reinterpret_cast<const std::uint8_t*>(buf.data());
    if (*n >= 20 && (ip[0] >> 4) == 4 && ip[9] == IPPROTO_UDP &&
        be32At(ip + 16) == address("198.18.0.10").value) {
      len = *n;
      break;
    }
  }
  REQUIRE(len > 0);
  const auto* ip = reinterpret_cast<const std::uint8_t*>(buf.data());
  CHECK((ip[0] & 0x0f) == 5);                                      // no options
  CHECK(((ip[2] << 8) | ip[3]) == 20 + 8 + sizeof payload);        // total length
  CHECK(be32At(ip + 12) == address("100.64.9.1").value);           // source: the TUN's address
  CHECK(ipChecksum(ip, 20) == 0);                                  // header checksum valid
  CHECK(((ip[22] << 8) | ip[23]) == 9999);                         // UDP destination port
  CHECK(std::memcmp(ip + 28, payload, sizeof payload) == 0);
  CHECK(len == 20 + 8 + sizeof payload);
}

TEST_CASE("a packet written to a TUN device reaches a socket in the namespace", "[netns][tun]") {
  testnet::TestNet net;
  auto& host = net.add(Role::Host, 0);
  const std::string tunName = nameOf(Role::Tun, 1);
  auto tun = makeRoutedTun(net, host, {.name = tunName});

  auto bound = netns::runInNamespace(host, []() -> Result<int> {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0) return fail("socket", errno);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(7777);
    if (::bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      int err = errno;
      ::close(s);
      return fail("bind", err);
    }
    return s;
  });
  REQUIRE(bound);
  netns::Fd sink(*bound);

  // 198.18.0.10:5555 -> 100.64.9.1:7777, UDP checksum 0 (none), as a MUX would write it.
  const char payload[] = "from-the-tun";
  std::array<std::uint8_t, 20 + 8 + sizeof payload> pkt{};
  const std::size_t total = pkt.size();
  pkt[0] = 0x45;
  pkt[2] = static_cast<std::uint8_t>(total >> 8);
  pkt[3] = static_cast<std::uint8_t>(total);
  pkt[8] = 64;
  pkt[9] = IPPROTO_UDP;
  const std::uint32_t src = address("198.18.0.10").value, dstAddr = address("100.64.9.1").value;
  for (int i = 0; i < 4; ++i) {
    pkt[12 + i] = static_cast<std::uint8_t>(src >> (24 - 8 * i));
    pkt[16 + i] = static_cast<std::uint8_t>(dstAddr >> (24 - 8 * i));
  }
  const std::uint16_t sum = ipChecksum(pkt.data(), 20);
  pkt[10] = static_cast<std::uint8_t>(sum >> 8);
  pkt[11] = static_cast<std::uint8_t>(sum);
  pkt[20] = 5555 >> 8;
  pkt[21] = 5555 & 0xff;
  pkt[22] = 7777 >> 8;
  pkt[23] = 7777 & 0xff;
  pkt[24] = static_cast<std::uint8_t>((8 + sizeof payload) >> 8);
  pkt[25] = static_cast<std::uint8_t>(8 + sizeof payload);
  std::memcpy(pkt.data() + 28, payload, sizeof payload);

  auto written = tun.write(std::as_bytes(std::span(pkt)));
  REQUIRE(written);
  CHECK(*written == total);

  pollfd p{sink.get(), POLLIN, 0};
  REQUIRE(::poll(&p, 1, 3000) == 1);
  char got[64] = {};
  sockaddr_in from{};
  socklen_t fromLen = sizeof from;
  ssize_t n = ::recvfrom(sink.get(), got, sizeof got, 0, reinterpret_cast<sockaddr*>(&from),
                         &fromLen);
  REQUIRE(n == static_cast<ssize_t>(sizeof payload));
  CHECK(std::memcmp(got, payload, sizeof payload) == 0);
  CHECK(ntohs(from.sin_port) == 5555);
}

TEST_CASE("a multi-queue TUN with vnet headers opens one fd per queue", "[netns][tun]") {
  testnet::TestNet net;
  auto& mux = net.add(Role::Mux, 1);
  auto tun = netns::TunDevice::open(mux, {.name = nameOf(Role::Tun, 2), .queues = 2,
                                          .vnetHdr = true});
  if (!tun && tun.error().code == std::errc::operation_not_supported) {
    WARN("kernel lacks multi-queue or vnet-header TUN: " << tun.error().message());
    return;
  }
  INFO((tun ? std::string() : tun.error().message()));
  REQUIRE(tun);
  CHECK(tun->queueCount() == 2);
  CHECK(tun->fd(0) != tun->fd(1));
  CHECK(tun->vnetHdr());
  CHECK(tun->vnetHdrSize() == 10);
  std::array<std::byte, 64> buf{};
  auto none = tun->read(buf, 1);
  REQUIRE(none);
  CHECK(*none == 0);  // nonblocking: nothing queued yet

  auto link = net.rtnl(mux).linkIndex(nameOf(Role::Tun, 2));
  CHECK(link);
  auto fds = tun->releaseFds();
  CHECK(fds.size() == 2);
  fds.clear();  // last queue closed: the device goes away
  auto gone = net.rtnl(mux).linkIndex(nameOf(Role::Tun, 2));
  CHECK_FALSE(gone);
}
