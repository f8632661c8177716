// `azlb mux`: the MUX process. Its TUN receives everything routed to the frontend prefix;
// MuxForwarder picks the backend and encapsulates towards the backend's underlay address, and the
// packet goes back into the same TUN for the kernel to route to the host.
#include <atomic>
#include <cstdio>
#include <span>
#include <utility>
#include <variant>

#include "emulator/dataplane/forwarder.h"
#include "emulator/routing/announcements.h"
#include "emulator/routing/bgp_speaker.h"
#include "emulator/runtime/config_mailbox.h"
#include "emulator/runtime/control_protocol.h"
#include "emulator/runtime/control_server.h"
#include "emulator/runtime/packet_pump.h"
#include "emulator/runtime/process_loop.h"
#include "emulator/runtime/process_support.h"
#include "emulator/runtime/question_slot.h"
#include "emulator/runtime/processes.h"
#include "netns/address.h"
#include "netns/netlink.h"

namespace azlb::runtime {

namespace {

using dataplane::ForwardingConfig;
using dataplane::Nanos;

constexpr std::size_t kExpireBudget = 4096;

class MuxEngine {
 public:
  using FlowQuestions = QuestionSlot<dataplane::FlowKey, FlowResponse>;

  MuxEngine(const dataplane::MuxOptions& options, int tunFd, bool vnetHdr,
            ConfigMailbox<ForwardingConfig>& mailbox)
      : forwarder_(options, ForwardingConfig::empty()),
        current_(ForwardingConfig::empty()),
        tunFd_(tunFd),
        mailbox_(mailbox),
        underlay_(options.underlayAddress),
        vnetHdr_(vnetHdr) {}

  // --- forwarding thread ---
  bool refresh(Nanos now) {
    flowQuestions_.serve([&](const dataplane::FlowKey& key) {
      return FlowResponse{forwarder_.pinnedBackend(key, now)};
    });
    auto next = mailbox_.take();
    if (!next) return false;
    forwarder_.setConfig(next);
    appliedVersion_.store(next->version(), std::memory_order_relaxed);
    mailbox_.retire(std::exchange(current_, std::move(next)));
    return false;  // the one TUN fd never changes
  }
  std::span<const int> ports() const { return {&tunFd_, 1}; }
  std::uint32_t process(std::uint32_t /*inPort*/, dataplane::PacketBuf& packet, Nanos now) {
    const bool forward = forwarder_.process(packet, now).isForward();
    if (auto r = forwarder_.takeRedirects()) sendRedirects(*r);
    return forward ? 0U : kDropPacket;
  }
  void batchDone() { flows_.store(forwarder_.flowCount(), std::memory_order_relaxed); }
  void housekeeping(Nanos now) {
    forwarder_.expireFlows(now, kExpireBudget);
    flows_.store(forwarder_.flowCount(), std::memory_order_relaxed);
  }
  PumpCounters& pumpCounters() { return pump_; }

  // --- any thread ---
  /// `azlb trace`: the flow-table entry for `key`, asked of the forwarding thread (the table's
  /// only reader). Control thread; nullopt when it does not answer within 500 ms.
  std::optional<FlowResponse> pinned(const dataplane::FlowKey& key, const WakeFd& wake) {
    const std::uint64_t ticket = flowQuestions_.ask(key);
    wake.wake();
    return flowQuestions_.waitAnswer(ticket, std::chrono::milliseconds(500));
  }
  StatusReport status() const {
    StatusReport r;
    r.role = "mux";
    r.appliedVersion = appliedVersion_.load(std::memory_order_relaxed);
    r.rxPackets = pump_.rxPackets.value();
    r.rxBytes = pump_.rxBytes.value();
    r.txPackets = pump_.txPackets.value();
    r.txBytes = pump_.txBytes.value();
    const auto& c = forwarder_.counters();
    r.flowHits = c.flowHits.value();
    r.flowMisses = c.flowMisses.value();
    r.flows = flows_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < dataplane::kDropReasonCount; ++i) {
      r.drops.emplace_back(dataplane::dropReasonName(static_cast<dataplane::DropReason>(i)),
                           c.drops[i].value());
    }
    r.drops.emplace_back("writeFailed", pump_.writeFailed.value());
    r.drops.emplace_back("readFailed", pump_.readFailed.value());
    r.paths = {{"snatReturn", c.snatReturns.value()},
               {"fastpathRedirects", c.fastpathRedirects.value()},
               {"pingReplies", c.pingReplies.value()},
               {"pingUnreachables", c.pingUnreachables.value()}};
    return r;
  }

 private:
  /// Fastpath: one redirect to each of the flow's two hosts, into the TUN (routed to their PAs).
  void sendRedirects(const dataplane::FastpathRedirects& r) {
    if (dataplane::buildRedirect(scratch_, underlay_, r.toClientHost, r.forClientHost))
      writePacket(tunFd_, scratch_, vnetHdr_, pump_);
    if (dataplane::buildRedirect(scratch_, underlay_, r.toBackendHost, r.forBackendHost))
      writePacket(tunFd_, scratch_, vnetHdr_, pump_);
  }

  dataplane::MuxForwarder forwarder_;
  std::shared_ptr<const ForwardingConfig> current_;
  int tunFd_;
  ConfigMailbox<ForwardingConfig>& mailbox_;
  FlowQuestions flowQuestions_;
  dataplane::Ipv4Address underlay_;
  bool vnetHdr_ = false;
  dataplane::PacketBuf scratch_{256};
  PumpCounters pump_;
  std::atomic<std::uint64_t> appliedVersion_{0};
  std::atomic<std::uint64_t> flows_{0};
};

}  // namespace

int runMux(const MuxProcessOptions& options) {
  const std::string what = "azlb mux " + std::to_string(options.index);
  auto report = [&](const Error& e) {
    std::fprintf(stderr, "%s: %s\n", what.c_str(), explain(e).c_str());
    return 1;
  };
  if (options.socketPath.empty() || options.tunName.empty() || options.underlay.isUnspecified()) {
    std::fprintf(stderr, "%s: --socket, --tun and --underlay are required\n", what.c_str());
    return 2;
  }
  auto frontend = netns_model::parseIpv4Prefix(options.frontendPrefix);
  if (!frontend || options.frontendPrefix.find('/') == std::string::npos) {
    std::fprintf(stderr, "%s: --frontend-prefix '%s' is not a CIDR prefix\n", what.c_str(),
                 options.frontendPrefix.c_str());
    return 2;
  }

  auto basics = startProcess(options.socketPath, options.tunName, options.tunMtu, options.offload);
  if (!basics) return report(basics.error());
  auto& [signals, wake, ns, server, tun] = *basics;
  {
    auto rtnl = netns::Rtnl::openIn(ns);
    if (!rtnl) return report(rtnl.error());
    const std::vector<netns_model::Nexthop> intoTun{
        {.gateway = std::nullopt, .dev = options.tunName}};
    if (auto ok = rtnl->addRoute(*frontend, intoTun); !ok) return report(ok.error());
  }
  ConfigMailbox<ForwardingConfig> mailbox;
  MuxEngine engine(dataplane::MuxOptions{.underlayAddress = options.underlay,
                                         .flowCapacity = options.flowCapacity,
                                         .underlayMtu = options.underlayMtu,
                                         .firstIpId = 0},
                   tun.fd(), options.offload, mailbox);
  std::uint64_t acceptedVersion = 0;
  // BGP: the session starts at once and announces nothing until the first snapshot says what
  // this MUX serves (a restarted MUX rejoins the router's ECMP routes only with its tables).
  std::unique_ptr<routing::BgpSpeaker> bgp;
  if (!options.bgpPeer.isUnspecified()) {
    bgp = std::make_unique<routing::BgpSpeaker>(routing::BgpSpeakerOptions{
        .local = options.bgpLocal, .peer = options.bgpPeer, .what = what});
    if (auto ok = bgp->start(); !ok) return report(ok.error());
  }

  auto handle = [&](std::string_view line) -> std::string {
    auto request = parseControlRequest(line);
    if (!request) return errorLine(request.error().message());
    if (std::holds_alternative<StatusRequest>(*request)) {
      StatusReport r = engine.status();
      r.index = options.index;
      r.version = acceptedVersion;
      if (bgp) {
        const auto s = bgp->status();
        r.bgp = s.state + ", " + std::to_string(s.announced) + " route(s) announced to " +
                options.bgpPeer.toString() +
                (s.state == "Established" || s.lastError.empty() ? "" : " (" + s.lastError + ")");
      }
      return statusLine(r);
    }
    if (const auto* flow = std::get_if<FlowRequest>(&*request)) {
      auto answer = engine.pinned(flow->key, wake);
      return answer ? flowLine(*answer) : errorLine("flow: the forwarding thread did not answer");
    }
    const Snapshot& snapshot = std::get<SnapshotRequest>(*request).snapshot;
    auto config = ForwardingConfig::build(snapshot.forwarding);
    if (!config) return errorLine(config.error().message());
    const std::uint64_t ticket = mailbox.post(std::move(*config));
    wake.wake();
    acceptedVersion = snapshot.version;
    if (!mailbox.waitTaken(ticket, std::chrono::seconds(2))) {
      // Still queued: the forwarding thread takes it when it comes back (status shows
      // appliedVersion lagging behind version meanwhile).
      std::fprintf(stderr, "%s: forwarding thread has not taken snapshot %llu within 2 s\n",
                   what.c_str(), static_cast<unsigned long long>(snapshot.version));
    }
    if (bgp)  // once the forwarding thread has the tables (or will at once)
      bgp->announce(routing::servedAddresses(
          snapshot.forwarding, dataplane::Ipv4Address{frontend->address.value}, frontend->length));
    std::fprintf(stderr, "%s: snapshot %llu applied (%zu rules)\n", what.c_str(),
                 static_cast<unsigned long long>(snapshot.version),
                 snapshot.forwarding.rules.size());
    return ackLine(snapshot.version);
  };

  std::fprintf(stderr, "%s: forwarding %s through %s (outer source %s), control socket %s\n",
               what.c_str(), options.frontendPrefix.c_str(), options.tunName.c_str(),
               options.underlay.toString().c_str(), options.socketPath.c_str());
  return runProcessLoop(what, engine,
                        PumpOptions{.batchSize = options.batchSize,
                                    .packetCapacity = dataplane::PacketBuf::kDefaultCapacity,
                                    .tick = std::chrono::milliseconds(100),
                                    .vnetHdr = options.offload},
                        server, signals.get(), wake, handle, [&] { mailbox.reclaim(); },
                        [&] {
                          if (bgp) bgp->shutdown();  // withdraw first, then stop forwarding
                        });
}

}  // namespace azlb::runtime
