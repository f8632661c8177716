// The packet path allocates nothing (STYLE.md section 7): this binary replaces the global
// operator new with a counting one and runs packets through the forwarders.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "emulator/dataplane/forwarder.h"
#include "emulator/dataplane/nsg.h"
#include "tests/fixtures/packets/golden_cases.h"
#include "tests/unit/dataplane/packet_builder.h"

namespace {
std::atomic<bool> countingAllocations{false};
std::atomic<std::size_t> allocationCount{0};
}  // namespace

// Every non-aligned form is replaced, so that all of them pair malloc with free (sanitizers
// check that allocation and deallocation functions match). GCC 12 mistakes the free() in a
// replacement operator delete for a mismatched deallocation.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
void* countedAllocation(std::size_t size) noexcept {
  if (countingAllocations.load(std::memory_order_relaxed)) allocationCount.fetch_add(1);
  return std::malloc(size == 0 ? 1 : size);
}
}  // namespace

void* operator new(std::size_t size) {
  if (void* p = countedAllocation(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  if (void* p = countedAllocation(size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return countedAllocation(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return countedAllocation(size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

using namespace azlb::dataplane;
using namespace azlb::testing;
namespace golden = azlb::testing::golden;

TEST_CASE("forwarding packets allocates nothing", "[dataplane]") {
  auto config = ForwardingConfig::build(golden::worldSpec());
  REQUIRE(config);
  MuxForwarder mux(MuxOptions{.underlayAddress = golden::ip(golden::kMux), .flowCapacity = 64},
                   *config);
  HostForwarder host(HostOptions{.flowCapacity = 64}, *config);

  // Inputs prepared up front; the loop below only copies bytes into preallocated buffers.
  std::vector<std::pair<std::uint16_t, Bytes>> requests;
  std::map<std::pair<std::uint32_t, std::uint16_t>, Bytes> replies;  // (backend, client port)
  std::vector<Bytes> malformed;
  for (std::uint16_t port = 1000; port < 1200; ++port) {  // more flows than the tables hold
    requests.emplace_back(port, PacketBuilder()
                                    .ipv4({.src = golden::kClient, .dst = golden::kFrontend})
                                    .tcp({.src = port, .dst = 80})
                                    .build());
    for (const std::string& vm : {golden::kVmA, golden::kVmB, golden::kVmC}) {
      replies[{golden::ip(vm).value, port}] =
          PacketBuilder()
              .ipv4({.src = vm, .dst = golden::kClient})
              .tcp({.src = 8080, .dst = port, .flags = tcpflags::kSyn | tcpflags::kAck})
              .build();
    }
  }
  malformed.push_back(Bytes(10, 0x45));
  malformed.push_back(PacketBuilder()
                          .ipv4({.src = golden::kClient, .dst = golden::kFrontend})
                          .tcp({.src = 1, .dst = 9999})
                          .build());
  PacketBuf buf;
  PacketBuf reply;
  std::size_t forwarded = 0;

  // The instrument works: an allocation made while counting is seen.
  countingAllocations = true;
  {
    auto probe = std::make_unique<std::vector<int>>(100, 7);
    volatile int sink = probe->back();
    (void)sink;
  }
  countingAllocations = false;
  REQUIRE(allocationCount.load() >= 1);
  allocationCount = 0;

  countingAllocations = true;
  for (int round = 0; round < 3; ++round) {
    for (const auto& [port, request] : requests) {
      buf.assign(request);
      if (!mux.process(buf, Nanos(round)).isForward()) continue;
      const Verdict atHost = host.processInbound(buf, Nanos(round));
      if (!atHost.isForward()) continue;
      const auto it = replies.find({atHost.nextHop.value, port});
      if (it == replies.end()) continue;
      reply.assign(it->second);
      if (host.processOutbound(reply, Nanos(round)).isForward()) ++forwarded;
    }
    for (const Bytes& bad : malformed) {
      buf.assign(bad);
      (void)mux.process(buf, Nanos(round));
    }
    (void)mux.expireFlows(Nanos(round), 16);
    (void)host.expireFlows(Nanos(round), 16);
  }
  countingAllocations = false;

  CHECK(forwarded == 3 * requests.size());
  CHECK(allocationCount.load() == 0);
}

TEST_CASE("evaluating network security groups allocates nothing", "[dataplane][nsg]") {
  NsgRules subnet{"subnet", {}};
  for (std::uint32_t i = 0; i < 20; ++i) {
    NsgRule r;
    r.name = "rule" + std::to_string(i);
    r.priority = 100 + i;
    r.access = i % 2 == 0 ? NsgAccess::Allow : NsgAccess::Deny;
    r.protocol = 6;
    r.sources = {{0, 0x0a000000U - 1}, {0x0a010000U, 0xffffffffU}};
    r.destinationPorts = {{static_cast<std::uint16_t>(9000 + i), static_cast<std::uint16_t>(9000 + i)}};
    subnet.rules.push_back(r);
  }
  NsgRule last;
  last.name = "DenyAllInBound";
  last.priority = 65500;
  subnet.rules.push_back(last);
  sortByPriority(subnet);
  const NsgRules nic = subnet;
  std::size_t allowed = 0;
  allocationCount = 0;
  countingAllocations = true;
  for (std::uint16_t port = 8990; port < 9030; ++port) {
    const FlowKey flow{*Ipv4Address::parse("198.19.0.7"), *Ipv4Address::parse("10.0.0.4"), 40000, port, 6};
    allowed += evaluateNsg(&subnet, &nic, flow).allowed ? 1 : 0;
  }
  countingAllocations = false;
  CHECK(allocationCount.load() == 0);
  CHECK(allowed == 10);  // the even rules of 20 allow, the others and the rest are denied
}
