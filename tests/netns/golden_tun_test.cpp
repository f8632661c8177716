// The data plane's golden packet table (tests/fixtures/packets/golden_cases.h) replayed through
// real TUN devices: three TUNs made as `azlb mux` / `azlb host-agent` make theirs
// (createForwardingTun), the runtime's packet pump (runPump) reading them, and the golden
// MuxForwarder / HostForwarder deciding. Each input is transmitted onto its stage's TUN through a
// packet socket, so the pump reads it from the kernel's TUN queue; what the pump writes back into
// a TUN is captured, byte for byte, by that TUN's packet socket as the kernel receives it.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "emulator/dataplane/forwarder.h"
#include "emulator/runtime/packet_pump.h"
#include "emulator/runtime/process_support.h"
#include "emulator/runtime/processes.h"
#include "netns/fd.h"
#include "netns/tun.h"
#include "tests/fixtures/packets/golden_cases.h"
#include "tests/netns/test_net.h"
#include "tests/support/golden_check.h"

using namespace azlb;
using azlb::testing::Bytes;
using azlb::testnet::nameOf;
using azlb::testnet::Role;
namespace dp = azlb::dataplane;
namespace golden = azlb::testing::golden;

namespace {

// The engine's ports, one TUN each: the MUX's TUN (its packets go back into it, as in `azlb mux`),
// the host agent's underlay TUN (host-inbound input, DSR replies out) and a VM-side TUN
// (decapsulated packets out, the backends' replies in).
constexpr std::uint32_t kMuxPort = 0;
constexpr std::uint32_t kUnderlayPort = 1;
constexpr std::uint32_t kVmPort = 2;
constexpr std::size_t kPortCount = 3;

std::uint32_t inPortOf(golden::Stage stage) {
  switch (stage) {
    case golden::Stage::Mux:
      return kMuxPort;
    case golden::Stage::HostInbound:
      return kUnderlayPort;
    case golden::Stage::HostOutbound:
      return kVmPort;
  }
  return kMuxPort;
}

// Which TUN a stage's forwarded packet must come out of, from the table's point of view: the
// MUX's own TUN, the VM side after decapsulation, the underlay for a backend's reply.
std::uint32_t expectedOutPortOf(golden::Stage stage) {
  switch (stage) {
    case golden::Stage::Mux:
      return kMuxPort;
    case golden::Stage::HostInbound:
      return kVmPort;
    case golden::Stage::HostOutbound:
      return kUnderlayPort;
  }
  return kMuxPort;
}

// The engine's side of it: the MUX writes into its own TUN; the host agent sends
// Egress::Backend towards the VM and Egress::Underlay to the host's underlay.
std::uint32_t outPortOf(std::uint32_t inPort, const dp::Verdict& verdict) {
  if (inPort == kMuxPort) return kMuxPort;
  return verdict.egress == dp::Egress::Backend ? kVmPort : kUnderlayPort;
}

// The pump's Engine (packet_pump.h) around the golden forwarders, shaped like the processes'
// MuxEngine: the in-port picks the stage. It records every verdict for the test thread;
// `completed_` (stored after each batch's writes) says how many packets are fully handled.
class GoldenEngine {
 public:
  GoldenEngine(std::array<int, kPortCount> fds, std::shared_ptr<const dp::ForwardingConfig> config,
               std::size_t capacity)
      : fds_(fds),
        mux_(dp::MuxOptions{.underlayAddress = golden::ip(golden::kMux),
                            .flowCapacity = 4096,
                            .firstIpId = golden::kFirstIpId},
             config),
        host_(dp::HostOptions{.flowCapacity = 4096}, config),
        verdicts_(capacity) {}

  // --- forwarding thread ---
  bool refresh(dp::Nanos /*now*/) { return false; }
  std::span<const int> ports() const { return fds_; }
  std::uint32_t process(std::uint32_t inPort, dp::PacketBuf& packet, dp::Nanos now) {
    dp::Verdict verdict;
    if (inPort == kMuxPort) {
      verdict = mux_.process(packet, now);
    } else if (inPort == kUnderlayPort) {
      verdict = host_.processInbound(packet, now);
    } else {
      verdict = host_.processOutbound(packet, now);
    }
    if (seen_ < verdicts_.size()) verdicts_[seen_] = verdict;
    ++seen_;
    return verdict.isForward() ? outPortOf(inPort, verdict) : runtime::kDropPacket;
  }
  void batchDone() { completed_.store(seen_, std::memory_order_release); }
  void housekeeping(dp::Nanos now) {
    mux_.expireFlows(now, 4096);
    host_.expireFlows(now, 4096);
  }
  runtime::PumpCounters& pumpCounters() { return pump_; }

  // --- test thread ---
  std::size_t completed() const { return completed_.load(std::memory_order_acquire); }
  /// Precondition: index < completed() and index < capacity.
  const dp::Verdict& verdict(std::size_t index) const { return verdicts_[index]; }
  const dp::ForwarderCounters& countersOf(std::uint32_t inPort) const {
    return inPort == kMuxPort ? mux_.counters() : host_.counters();
  }
  const runtime::PumpCounters& pump() const { return pump_; }

 private:
  std::array<int, kPortCount> fds_;
  dp::MuxForwarder mux_;
  dp::HostForwarder host_;
  std::vector<dp::Verdict> verdicts_;
  std::size_t seen_ = 0;
  std::atomic<std::size_t> completed_{0};
  runtime::PumpCounters pump_;
};

// runPump on its own thread; the destructor stops and joins it (before the TUNs close).
class PumpThread {
 public:
  PumpThread(GoldenEngine& engine, runtime::WakeFd& wake, bool vnetHdr)
      : wake_(wake), thread_([this, &engine, &wake, vnetHdr] {
          result_ = runtime::runPump(engine, wake.fd(), stop_,
                                     runtime::PumpOptions{.vnetHdr = vnetHdr});
        }) {}
  PumpThread(const PumpThread&) = delete;
  PumpThread& operator=(const PumpThread&) = delete;
  ~PumpThread() { (void)join(); }

  /// Stops the pump and returns what runPump returned.
  Result<void> join() {
    if (thread_.joinable()) {
      stop_.store(true, std::memory_order_release);
      wake_.wake();
      thread_.join();
    }
    return result_;
  }

 private:
  runtime::WakeFd& wake_;
  std::atomic<bool> stop_{false};
  Result<void> result_{};
  std::thread thread_;
};

// A packet socket on one TUN: send() hands a packet to the device to transmit (the pump reads
// it from the TUN fd, unchanged); receive() returns what the kernel received from the TUN, that
// is, what the pump wrote into it. Its own transmissions are never looped back to it.
class Tap {
 public:
  static Tap open(testnet::TestNet& net, const netns::NetNamespace& ns, const std::string& link) {
    auto index = net.rtnl(ns).linkIndex(link);
    INFO((index ? std::string() : index.error().message()));
    REQUIRE(index);
    auto fd = netns::runInNamespace(ns, [&]() -> Result<int> {
      const int s = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
      if (s < 0) return fail("socket(AF_PACKET)", errno);
      sockaddr_ll sll{};
      sll.sll_family = AF_PACKET;
      sll.sll_protocol = htons(ETH_P_ALL);
      sll.sll_ifindex = *index;
      if (::bind(s, reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0) {
        const int err = errno;
        ::close(s);
        return fail("bind(AF_PACKET)", err);
      }
      return s;
    });
    INFO((fd ? std::string() : fd.error().message()));
    REQUIRE(fd);
    return Tap(netns::Fd(*fd), *index);
  }

  void send(const Bytes& packet) const {
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_IP);
    to.sll_ifindex = ifindex_;
    const ssize_t n = ::sendto(fd_.get(), packet.data(), packet.size(), 0,
                               reinterpret_cast<const sockaddr*>(&to), sizeof to);
    INFO("sendto: " << (n < 0 ? std::strerror(errno) : "ok"));
    REQUIRE(n == static_cast<ssize_t>(packet.size()));
  }

  /// The next packet received on the TUN within `timeout` (0: only one already queued).
  std::optional<Bytes> receive(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Bytes buf(70000);
    for (;;) {
      sockaddr_ll from{};
      socklen_t fromLen = sizeof from;
      const ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &fromLen);
      if (n >= 0 && from.sll_pkttype != PACKET_OUTGOING) {
        buf.resize(static_cast<std::size_t>(n));
        return buf;
      }
      if (n >= 0) continue;  // something the kernel itself sent out of the TUN: not ours
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_.get(), POLLIN, 0};
      (void)::poll(&p, 1, static_cast<int>(left.count()));
    }
  }

 private:
  Tap(netns::Fd fd, int ifindex) : fd_(std::move(fd)), ifindex_(ifindex) {}
  netns::Fd fd_;
  int ifindex_;
};

// Sends one case's input into its stage's TUN, waits until the pump has handled it, and checks
// the verdict, the bytes that came out of the expected TUN or the drop counter.
void replayCase(const golden::GoldenCase& c, std::size_t index, GoldenEngine& engine,
                const std::array<Tap, kPortCount>& taps) {
  INFO("case " << index << ": " << c.name);
  golden::requireWellFormed(c);
  const std::uint32_t inPort = inPortOf(c.stage);
  const auto& counters = engine.countersOf(inPort);
  const std::uint64_t dropsBefore = c.expect.isDrop() ? counters.dropped(c.expect.reason) : 0;
  const std::uint64_t txBefore = engine.pump().txPackets.value();

  taps[inPort].send(c.input);
  REQUIRE(testnet::eventually([&] { return engine.completed() > index; }, std::chrono::seconds(3)));
  REQUIRE(engine.completed() == index + 1);  // exactly this packet reached the pump
  const dp::Verdict verdict = engine.verdict(index);

  Bytes out;
  if (verdict.isForward()) {
    auto written = taps[expectedOutPortOf(c.stage)].receive(std::chrono::seconds(3));
    REQUIRE(written);
    out = std::move(*written);
    CHECK(engine.pump().txPackets.value() == txBefore + 1);
  } else {
    CHECK(engine.pump().txPackets.value() == txBefore);
  }
  if (c.expect.isDrop()) CHECK(counters.dropped(c.expect.reason) == dropsBefore + 1);
  golden::checkOutcome(c, verdict, out);
}

}  // namespace

TEST_CASE("golden packet table replays through the runtime's pump over real TUN devices",
          "[netns][golden][tun]") {
  testnet::TestNet net;
  auto& ns = net.add(Role::Host, 7);
  const runtime::MuxProcessOptions processDefaults;  // the TUNs `azlb mux` would make
  std::vector<netns::TunDevice> tuns;
  std::array<int, kPortCount> fds{};
  for (std::uint32_t port = 0; port < kPortCount; ++port) {
    auto tun = runtime::createForwardingTun(ns, nameOf(Role::Tun, 70 + port),
                                            processDefaults.tunMtu, processDefaults.offload);
    INFO((tun ? std::string() : tun.error().message()));
    REQUIRE(tun);
    fds[port] = tun->fd();
    tuns.push_back(std::move(*tun));
  }
  const std::array<Tap, kPortCount> taps{Tap::open(net, ns, tuns[0].name()),
                                         Tap::open(net, ns, tuns[1].name()),
                                         Tap::open(net, ns, tuns[2].name())};

  auto config = dp::ForwardingConfig::build(golden::worldSpec());
  INFO((config ? std::string() : config.error().message()));
  REQUIRE(config);
  const auto cases = golden::cases();
  GoldenEngine engine(fds, *config, cases.size());
  auto wake = runtime::WakeFd::create();
  REQUIRE(wake);
  PumpThread pump(engine, *wake, tuns[0].vnetHdr());

  for (std::size_t i = 0; i < cases.size(); ++i) replayCase(cases[i], i, engine, taps);

  // Nothing else crossed the TUNs: no stray output, every packet read and written whole.
  for (std::uint32_t port = 0; port < kPortCount; ++port) {
    INFO("port " << port);
    CHECK_FALSE(taps[port].receive(std::chrono::milliseconds(0)));
  }
  CHECK(engine.pump().rxPackets.value() == cases.size());
  CHECK(engine.pump().readFailed.value() == 0);
  CHECK(engine.pump().writeFailed.value() == 0);
  auto stopped = pump.join();
  INFO((stopped ? std::string() : stopped.error().message()));
  CHECK(stopped);
}
