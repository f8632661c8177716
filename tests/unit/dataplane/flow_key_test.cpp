#include "emulator/dataplane/flow_key.h"

#include <catch2/catch.hpp>
#include <set>

using namespace azlb::dataplane;

namespace {

const Ipv4Address kClient = Ipv4Address::fromOctets(198, 19, 0, 7);
const Ipv4Address kFrontend = Ipv4Address::fromOctets(198, 18, 0, 10);

FlowKey key(std::uint16_t srcPort, std::uint16_t dstPort = 80, std::uint8_t protocol = 6,
            Ipv4Address src = kClient) {
  return FlowKey{src, kFrontend, srcPort, dstPort, protocol};
}

}  // namespace

TEST_CASE("source ip distribution hashes only the two addresses", "[dataplane][hash]") {
  const auto mode = LoadDistribution::SourceIP;
  CHECK(distributionHash(key(40000), mode) == distributionHash(key(40001), mode));
  CHECK(distributionHash(key(40000, 80, 6), mode) == distributionHash(key(1, 443, 17), mode));
  CHECK(key(40000).forDistribution(mode) == FlowKey{kClient, kFrontend, 0, 0, 0});
  CHECK(distributionHash(key(40000), mode) !=
        distributionHash(key(40000, 80, 6, Ipv4Address::fromOctets(198, 19, 0, 8)), mode));
}

TEST_CASE("source ip protocol distribution hashes the addresses and the protocol",
          "[dataplane][hash]") {
  const auto mode = LoadDistribution::SourceIPProtocol;
  CHECK(distributionHash(key(40000, 80, 6), mode) == distributionHash(key(40001, 443, 6), mode));
  CHECK(distributionHash(key(40000, 80, 6), mode) != distributionHash(key(40000, 80, 17), mode));
  CHECK(key(40000, 80, 17).forDistribution(mode) == FlowKey{kClient, kFrontend, 0, 0, 17});
}

TEST_CASE("default distribution hashes the whole five-tuple", "[dataplane][hash]") {
  const auto mode = LoadDistribution::Default;
  CHECK(distributionHash(key(40000), mode) != distributionHash(key(40001), mode));
  CHECK(distributionHash(key(40000, 80), mode) != distributionHash(key(40000, 81), mode));
  CHECK(distributionHash(key(40000, 80, 6), mode) != distributionHash(key(40000, 80, 17), mode));
  CHECK(distributionHash(key(40000), mode) == hashFlowKey(key(40000)));
}

TEST_CASE("flow hashes are pinned so every process and build agrees", "[dataplane][hash]") {
  // If these change, flows move between backends across an upgrade, and MUXes running different
  // builds disagree. Change them only on purpose.
  CHECK(hashFlowKey(key(40000)) == 0xca6afb69296f206fULL);
  CHECK(distributionHash(key(40000), LoadDistribution::SourceIP) == 0xd11be538e8de38c5ULL);
  CHECK(hashString("vm-a/nic0/ipconfig1") == 0xe4da1050663cdd9dULL);
  STATIC_REQUIRE(hashFlowKey(FlowKey{}) == hashFlowKey(FlowKey{}));
}

TEST_CASE("flow hashes spread without collisions over nearby tuples", "[dataplane][hash]") {
  std::set<std::uint64_t> hashes;
  std::set<std::uint64_t> buckets;  // low 10 bits, as a flow table would index
  for (std::uint16_t port = 1; port <= 4096; ++port) {
    const std::uint64_t h = hashFlowKey(key(port));
    hashes.insert(h);
    buckets.insert(h & 1023U);
  }
  CHECK(hashes.size() == 4096);
  CHECK(buckets.size() > 1000);  // 4096 balls in 1024 bins leave about 18 empty
}

TEST_CASE("a single flipped input bit flips about half of the hash bits", "[dataplane][hash]") {
  const FlowKey base = key(40000);
  const std::uint64_t h = hashFlowKey(base);
  double total = 0;
  int samples = 0;
  for (unsigned bit = 0; bit < 32; ++bit) {
    FlowKey k = base;
    k.srcIp.value ^= 1U << bit;
    total += __builtin_popcountll(h ^ hashFlowKey(k));
    k = base;
    k.dstIp.value ^= 1U << bit;
    total += __builtin_popcountll(h ^ hashFlowKey(k));
    samples += 2;
  }
  for (unsigned bit = 0; bit < 16; ++bit) {
    FlowKey k = base;
    k.srcPort = static_cast<std::uint16_t>(k.srcPort ^ (1U << bit));
    total += __builtin_popcountll(h ^ hashFlowKey(k));
    ++samples;
  }
  const double mean = total / samples;
  CHECK(mean > 28.0);
  CHECK(mean < 36.0);
}

TEST_CASE("string hashes depend on every byte and on the length", "[dataplane][hash]") {
  CHECK(hashString("vm-a") != hashString("vm-b"));
  CHECK(hashString("a") != hashString(std::string_view("a\0", 2)));
  CHECK(hashString("abcdefgh") != hashString("abcdefgi"));
  CHECK(hashString("abcdefghi") != hashString("abcdefghj"));
  CHECK(hashString("x", 1) != hashString("x", 2));
  CHECK(hashString("") == hashString(""));
}

TEST_CASE("reversed swaps both ends of the flow", "[dataplane][hash]") {
  const FlowKey k = key(40000);
  CHECK(k.reversed() == FlowKey{kFrontend, kClient, 80, 40000, 6});
  CHECK(k.reversed().reversed() == k);
}
