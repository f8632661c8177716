// `azlb host-agent`: the host agent process. Its host TUN receives the host's underlay range
// (IP-in-IP from MUXes and from other hosts' VMs); a TUN in each (host, VNet) namespace receives
// whatever the VMs send off their own links. HostSwitch decides; this file owns the plumbing
// (TUNs, routes) that each snapshot asks for and hands the forwarding thread a new state.
#include <atomic>
#include <deque>
#include <cstdio>
#include <map>
#include <mutex>
#include <span>
#include <utility>
#include <variant>
#include <vector>

#include "emulator/probes/probe_runner.h"
#include "emulator/runtime/config_mailbox.h"
#include "emulator/runtime/control_protocol.h"
#include "emulator/runtime/control_server.h"
#include "emulator/runtime/host_switch.h"
#include "emulator/runtime/packet_pump.h"
#include "emulator/runtime/process_loop.h"
#include "emulator/runtime/process_support.h"
#include "emulator/runtime/processes.h"
#include "netns/address.h"
#include "netns/link_sender.h"
#include "netns/netlink.h"

namespace azlb::runtime {

namespace {

using dataplane::Nanos;

constexpr std::size_t kExpireBudget = 4096;
/// Azure's health-probe source (the VM sees it; replies to it end in the (host, VNet) namespace).
constexpr const char* kProbeSource = "168.63.129.16";
/// Routing tables in a (host, VNet) namespace: the main one, and the one for VMs' packets.
constexpr std::uint32_t kMainTable = 254;
constexpr std::uint32_t kVmTable = 200;

/// What the forwarding thread forwards with: the plan and the fds of its ports (port 0 = host
/// TUN, 1 + i = host.vnetNamespaces[i], then the VM links' senders). Owns the TUN devices and
/// senders, so one dropped from the snapshot closes when the last state using it is reclaimed
/// on the control thread.
struct HostAgentState {
  std::shared_ptr<const HostPlan> plan;
  std::vector<int> fds;
  std::vector<std::shared_ptr<netns::TunDevice>> tuns;
  std::vector<std::shared_ptr<netns::Fd>> senders;
};

/// A log line for one denied flow: "nsg warn: Azure would drop tcp 198.19.0.7:40000 ->
/// 10.0.0.4:8080 (inbound to 10.0.0.4): denied by web-nsg/DenyAllInBound; let through (--nsg warn)".
std::string describeNsgDenial(const HostSwitch::NsgEvent& e, const std::string& rule) {
  const auto& f = e.flow;
  const std::string protocol = f.protocol == 6 ? "tcp" : f.protocol == 17 ? "udp" : std::to_string(f.protocol);
  std::string text = std::string(e.dropped ? "nsg: dropped " : "nsg warn: Azure would drop ") +
                     protocol + " " + f.srcIp.toString() + ":" + std::to_string(f.srcPort) + " -> " +
                     f.dstIp.toString() + ":" + std::to_string(f.dstPort) + " (" +
                     (e.inbound ? "inbound to " : "outbound from ") + e.vm.toString() + "): ";
  if (e.noGroup)
    text += "no network security group on the VM's subnet or NIC allows it (a Standard load balancer's backends "
            "and Standard public IPs are closed until one does)";
  else
    text += "denied by " + (rule.empty() ? std::string("a security rule") : rule);
  if (!e.dropped) text += "; let through (serve --nsg warn)";
  return text;
}

class HostEngine {
 public:
  HostEngine(const HostSwitchOptions& options, bool vnetHdr, std::shared_ptr<const HostAgentState> initial,
             ConfigMailbox<HostAgentState>& mailbox, std::shared_ptr<const NsgHitTable> hits, std::string what)
      : switch_(options, initial->plan),
        current_(std::move(initial)),
        mailbox_(mailbox),
        vnetHdr_(vnetHdr),
        hits_(std::move(hits)),
        what_(std::move(what)) {}

  // --- forwarding thread ---
  bool refresh(Nanos /*now*/) {
    auto next = mailbox_.take();
    if (!next) return false;
    switch_.setPlan(next->plan);
    appliedVersion_.store(next->plan->version(), std::memory_order_relaxed);
    nsgMode_.store(next->plan->nsgMode(), std::memory_order_relaxed);
    mailbox_.retire(std::exchange(current_, std::move(next)));
    return true;
  }
  std::span<const int> ports() const { return current_->fds; }
  std::uint32_t process(std::uint32_t inPort, dataplane::PacketBuf& packet, Nanos now) {
    const std::uint32_t out = switch_.process(inPort, packet, now);
    return out == kNoPort ? kDropPacket : out;
  }
  void batchDone() {
    flows_.store(switch_.forwarder().flowCount() + switch_.snat().flowCount(), std::memory_order_relaxed);
  }
  void housekeeping(Nanos now) {
    // Idle flows go; an enableTcpReset flow's RSTs are written at once.
    switch_.expireFlows(now, kExpireBudget, [&](std::uint32_t port, const dataplane::PacketBuf& packet) {
      if (port < current_->fds.size()) writePacket(current_->fds[port], packet, vnetHdr_, pump_);
    });
    flows_.store(switch_.forwarder().flowCount() + switch_.snat().flowCount(), std::memory_order_relaxed);
    logNsgDenials(now);
    if (now - lastUsage_ >= std::chrono::seconds(1)) {
      lastUsage_ = now;
      publishSnatUsage(now);
    }
  }
  PumpCounters& pumpCounters() { return pump_; }

  // --- any thread ---
  StatusReport status() const {
    StatusReport r;
    r.role = "host-agent";
    r.appliedVersion = appliedVersion_.load(std::memory_order_relaxed);
    r.rxPackets = pump_.rxPackets.value();
    r.rxBytes = pump_.rxBytes.value();
    r.txPackets = pump_.txPackets.value();
    r.txBytes = pump_.txBytes.value();
    const auto& f = switch_.forwarder().counters();
    const auto& s = switch_.counters();
    const auto& n = switch_.snat().counters();
    r.flowHits = f.flowHits.value() + n.flowHits.value();
    r.flowMisses = f.flowMisses.value() + n.flowMisses.value();
    r.flows = flows_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < dataplane::kDropReasonCount; ++i) {
      r.drops.emplace_back(dataplane::dropReasonName(static_cast<dataplane::DropReason>(i)),
                           f.drops[i].value() + s.drops[i].value() + n.drops[i].value());
    }
    for (std::size_t i = 0; i < kHostDropReasonCount; ++i) {
      r.drops.emplace_back(hostDropReasonName(static_cast<HostDropReason>(i)),
                           s.hostDrops[i].value());
    }
    r.drops.emplace_back("writeFailed", pump_.writeFailed.value());
    r.drops.emplace_back("readFailed", pump_.readFailed.value());
    r.paths = {{"lbInbound", s.lbInbound.value()},
               {"dsrOutbound", s.dsrOutbound.value()},
               {"vnetEncap", s.vnetEncap.value()},
               {"vnetDecap", s.vnetDecap.value()},
               {"vnetLocal", s.vnetLocal.value()},
               {"ilbEncap", s.ilbEncap.value()},
               {"ilbInbound", s.ilbInbound.value()},
               {"ilbReply", s.ilbReply.value()},
               {"idleResets", s.idleResets.value()},
               {"snatOutbound", s.snatOutbound.value()},
               {"snatInbound", s.snatInbound.value()},
               {"fastpathRedirects", s.fastpathRedirects.value()},
               {"fastpathOut", s.fastpathOut.value()},
               {"fastpathIn", s.fastpathIn.value()},
               {"nsgChecked", s.nsgChecked.value()},
               {"nsgDenials", s.nsgDenials.value()},
               {"nsgLogLost", s.nsgLogLost.value()}};
    r.nsgMode = std::string(nsgModeName(nsgMode_.load(std::memory_order_relaxed)));
    for (auto& row : hits_->rows()) r.nsgRules.push_back({std::move(row.group), std::move(row.direction), std::move(row.rule), row.hits});
    for (const auto& t : switch_.forwarder().frontendCounters().rows())
      r.traffic.push_back({t.ip.toString(), t.port, t.protocol == 17 ? "Udp" : "Tcp", t.inPackets,
                           t.inBytes, t.outPackets, t.outBytes, t.syn});
    std::lock_guard lock(snatMu_);
    r.snat = snatUsage_;
    r.fastpath = fastpathFlows_;
    return r;
  }

 private:
  HostSwitch switch_;
  std::shared_ptr<const HostAgentState> current_;
  ConfigMailbox<HostAgentState>& mailbox_;
  PumpCounters pump_;
  std::atomic<std::uint64_t> appliedVersion_{0};
  std::atomic<std::uint64_t> flows_{0};
  bool vnetHdr_ = false;
  Nanos lastUsage_{};
  mutable std::mutex snatMu_;  // taken once a second by housekeeping, and by status()
  std::vector<SnatReport> snatUsage_;
  std::vector<std::string> fastpathFlows_;
  std::shared_ptr<const NsgHitTable> hits_;
  std::atomic<NsgMode> nsgMode_{NsgMode::Off};
  std::string what_;
  std::deque<std::pair<dataplane::FlowKey, Nanos>> nsgLogged_;  // flows logged lately (SYN retries)

  /// One log line per denied flow (serve --nsg warn: what Azure would do; enforce: what was
  /// dropped), once per flow within a minute.
  void logNsgDenials(Nanos now) {
    switch_.drainNsgEvents([&](const HostSwitch::NsgEvent& e) {
      while (!nsgLogged_.empty() && (now - nsgLogged_.front().second > std::chrono::minutes(1) || nsgLogged_.size() > 1024))
        nsgLogged_.pop_front();
      for (const auto& [key, at] : nsgLogged_)
        if (key == e.flow) return;
      nsgLogged_.emplace_back(e.flow, now);
      std::fprintf(stderr, "%s: %s\n", what_.c_str(), describeNsgDenial(e, hits_->name(e.slot)).c_str());
    });
  }
  /// SNAT usage for status and metrics; a (VM, frontend) whose failed count grew since the last
  /// time gets a log line (Azure's SnatPortExhaustion health event).
  void publishSnatUsage(Nanos now) {
    std::vector<SnatReport> rows;
    for (const auto& u : switch_.snat().usage(now)) {
      const HostPlan::Vm* vm = switch_.plan()->findByUnderlay(u.underlay);
      if (vm == nullptr || vm->port == kNoPort) continue;  // another host's VM
      rows.push_back({u.vm.toString(), u.frontend.toString(), std::string(dataplane::outboundKindName(u.kind)),
                      u.allocated, u.used, u.succeeded, u.failed});
    }
    auto fastpath = switch_.fastpathFlows(now, 32);
    std::lock_guard lock(snatMu_);
    fastpathFlows_ = std::move(fastpath);
    for (const auto& row : rows)
      for (const auto& old : snatUsage_)
        if (old.vm == row.vm && old.frontend == row.frontend && row.failed > old.failed)
          std::fprintf(stderr,
                       "host-agent: SNAT port exhaustion: %s via %s: %llu new connection(s) failed "
                       "(%llu of %llu ports in use)\n",
                       row.vm.c_str(), row.frontend.c_str(),
                       static_cast<unsigned long long>(row.failed - old.failed),
                       static_cast<unsigned long long>(row.used), static_cast<unsigned long long>(row.allocated));
    snatUsage_ = std::move(rows);
  }
};

/// The control thread's record of the plumbing it made: TUNs in the VNet namespaces (by
/// namespace + TUN name, with the namespace's identity) and the underlay route.
class HostPlumbing {
 public:
  HostPlumbing(const netns::NetNamespace& hostNs, std::shared_ptr<netns::TunDevice> hostTun,
               unsigned tunMtu, bool offload)
      : hostNs_(hostNs), hostTun_(std::move(hostTun)), tunMtu_(tunMtu), offload_(offload) {}

  std::shared_ptr<const HostAgentState> initialState(std::uint32_t hostIndex) const {
    auto state = std::make_shared<HostAgentState>();
    state->plan = HostPlan::empty(hostIndex);
    state->fds = {hostTun_->fd()};
    state->tuns = {hostTun_};
    return state;
  }

  /// Makes the TUNs and routes `snapshot` needs and returns the state to forward with. On error
  /// nothing that was in use changes (new TUNs made so far are closed again).
  Result<std::shared_ptr<const HostAgentState>> apply(const Snapshot& snapshot,
                                                     std::shared_ptr<const HostPlan> plan) {
    auto state = std::make_shared<HostAgentState>();
    state->plan = std::move(plan);
    state->fds = {hostTun_->fd()};
    state->tuns = {hostTun_};
    std::map<Key, VnetTun> next;
    for (const auto& spec : snapshot.host.vnetNamespaces) {
      auto tun = ensureVnetTun(spec);
      if (!tun) return unexpected(tun.error());
      state->fds.push_back(tun->device->fd());
      state->tuns.push_back(tun->device);
      next.emplace(Key{spec.name, spec.tun}, std::move(*tun));
    }
    std::map<Key, LinkSender> nextSenders;
    for (const auto& link : state->plan->links()) {
      auto sender = ensureLinkSender(link);
      if (!sender) return unexpected(sender.error());
      state->fds.push_back(sender->fd->get());
      state->senders.push_back(sender->fd);
      nextSenders.emplace(Key{link.ns, link.name}, std::move(*sender));
    }
    if (snapshot.host.underlayRange != routedRange_) {
      if (!snapshot.host.underlayRange.empty()) {
        auto range = netns_model::parseIpv4Prefix(snapshot.host.underlayRange);
        if (!range) return fail("host.underlayRange " + snapshot.host.underlayRange, EINVAL);
        auto rtnl = netns::Rtnl::openIn(hostNs_);
        if (!rtnl) return unexpected(rtnl.error());
        const std::vector<netns_model::Nexthop> intoTun{
            {.gateway = std::nullopt, .dev = hostTun_->name()}};
        if (auto ok = rtnl->addRoute(*range, intoTun); !ok) return unexpected(ok.error());
      }
      if (!routedRange_.empty()) {
        // The old range's route goes; the TUN stays, so nothing else to undo.
        if (auto old = netns_model::parseIpv4Prefix(routedRange_)) {
          if (auto rtnl = netns::Rtnl::openIn(hostNs_)) (void)rtnl->deleteRoute(*old);
        }
      }
      routedRange_ = snapshot.host.underlayRange;
    }
    // TUNs no longer listed stay open only through the old state until it is reclaimed.
    vnetTuns_ = std::move(next);
    linkSenders_ = std::move(nextSenders);
    return std::shared_ptr<const HostAgentState>(std::move(state));
  }

  /// The probe targets of `snapshot`: each from its (host, VNet) namespace, which gets Azure's
  /// probe address on its loopback so the VM's answers come back there. A probe whose spec is
  /// unusable is reported on stderr and left out (the ARM layer validated it already).
  Result<std::vector<probes::Target>> probeTargets(const Snapshot& snapshot, const std::string& what) {
    std::vector<probes::Target> targets;
    for (const auto& entry : snapshot.host.probes) {
      auto ns = probeNamespace(entry.ns);
      if (!ns) return unexpected(ns.error());
      auto spec = probes::specFromArm(entry.probe, snapshot.probeTimeScale);
      if (!spec) {
        std::fprintf(stderr, "%s: probe %s skipped: %s\n", what.c_str(), entry.key.c_str(),
                     spec.error().message().c_str());
        continue;
      }
      targets.push_back({entry.key, *ns, kProbeSource, entry.ip.toString(), *spec});
    }
    return targets;
  }

 private:
  struct Key {
    std::string ns;
    std::string tun;
    friend auto operator<=>(const Key&, const Key&) = default;
  };
  struct VnetTun {
    std::shared_ptr<netns::TunDevice> device;
    std::uint64_t nsId = 0;
  };
  struct LinkSender {
    std::shared_ptr<netns::Fd> fd;
    std::uint64_t nsId = 0;
    int ifindex = 0;
  };

  /// A packet socket on a local VM's link (floating-IP delivery), reused while the namespace and
  /// the link behind the names are the same ones.
  Result<LinkSender> ensureLinkSender(const HostPlan::Link& link) {
    const std::string where = "vm link " + link.name + " in " + link.ns;
    auto ns = netns::NetNamespace::open(link.ns);
    if (!ns) return fail(where + ": " + ns.error().message(), ns.error().code.value());
    auto rtnl = netns::Rtnl::openIn(*ns);
    if (!rtnl) return unexpected(rtnl.error());
    auto index = rtnl->linkIndex(link.name);
    if (!index) return fail(where + ": " + index.error().message(), index.error().code.value());
    LinkSender sender{nullptr, namespaceId(ns->fd()), *index};
    auto existing = linkSenders_.find(Key{link.ns, link.name});
    if (existing != linkSenders_.end() && existing->second.nsId == sender.nsId &&
        existing->second.ifindex == sender.ifindex) {
      return existing->second;
    }
    auto fd = netns::openLinkSender(*ns, link.name, offload_);
    if (!fd) return fail(where + ": " + fd.error().message(), fd.error().code.value());
    sender.fd = std::make_shared<netns::Fd>(std::move(*fd));
    return sender;
  }

  Result<VnetTun> ensureVnetTun(const VnetNamespace& spec) {
    auto ns = netns::NetNamespace::open(spec.name);
    if (!ns) return fail("vnet namespace " + spec.name + ": " + ns.error().message(),
                         ns.error().code.value());
    const std::uint64_t nsId = namespaceId(ns->fd());
    VnetTun tun;
    auto existing = vnetTuns_.find(Key{spec.name, spec.tun});
    // Reuse the TUN unless the namespace behind the name is a new one (the manager recreated it).
    if (existing != vnetTuns_.end() && existing->second.nsId == nsId) {
      tun = existing->second;
    } else {
      auto made = createForwardingTun(*ns, spec.tun, tunMtu_, offload_);
      if (!made) return fail("vnet namespace " + spec.name + ": " + made.error().message(),
                             made.error().code.value());
      tun.device = std::make_shared<netns::TunDevice>(std::move(*made));
      tun.nsId = nsId;
    }
    // (Re)assert the default route into the TUN: idempotent, and it heals a deleted route.
    auto rtnl = netns::Rtnl::openIn(*ns);
    if (!rtnl) return unexpected(rtnl.error());
    const std::vector<netns_model::Nexthop> intoTun{{.gateway = std::nullopt, .dev = spec.tun}};
    const netns_model::Ipv4Prefix everything{netns_model::Ipv4Address{0}, 0};
    if (auto ok = rtnl->addRoute(everything, intoTun); !ok) {
      return fail("vnet namespace " + spec.name + ": default route into " + spec.tun + ": " +
                      ok.error().message(),
                  ok.error().code.value());
    }
    // Everything the VMs send goes to the agent, VM-to-VM on this host included (the kernel
    // would otherwise forward it between the VMs' links itself, and an internal load balancer's
    // reply would leave untranslated): what arrives from the TUN or is sent locally (probes) uses
    // the main table; anything else table kVmTable, whose only route is into the TUN.
    const std::pair<std::uint32_t, std::string_view> rules[] = {{100, spec.tun}, {101, "lo"}, {102, ""}};
    for (const auto& [priority, iif] : rules) {
      const std::uint32_t table = iif.empty() ? kVmTable : kMainTable;
      if (auto ok = rtnl->addRule(priority, iif, table); !ok) {
        return fail("vnet namespace " + spec.name + ": " + ok.error().message(), ok.error().code.value());
      }
    }
    if (auto ok = rtnl->addRoute(everything, intoTun, 0, kVmTable); !ok) {
      return fail("vnet namespace " + spec.name + ": " + ok.error().message(), ok.error().code.value());
    }
    return tun;
  }

  /// The fd of (host, VNet) namespace `name`, opened once per namespace identity and kept for
  /// the prober; the probe address is added to its loopback the first time.
  Result<int> probeNamespace(const std::string& name) {
    auto ns = netns::NetNamespace::open(name);
    if (!ns) return fail("probe namespace " + name + ": " + ns.error().message(), ns.error().code.value());
    const std::uint64_t id = namespaceId(ns->fd());
    auto known = probeNamespaces_.find(name);
    if (known != probeNamespaces_.end() && known->second.first == id) return known->second.second->fd();
    auto rtnl = netns::Rtnl::openIn(*ns);
    if (!rtnl) return unexpected(rtnl.error());
    const netns_model::Ipv4Prefix source = *netns_model::parseIpv4Prefix(std::string(kProbeSource) + "/32");
    if (auto ok = rtnl->addAddress("lo", source); !ok) {
      return fail("probe namespace " + name + ": adding " + kProbeSource + " to lo: " + ok.error().message(),
                  ok.error().code.value());
    }
    auto owned = std::make_shared<netns::NetNamespace>(std::move(*ns));
    const int fd = owned->fd();
    // A replaced namespace's old fd stays open: the prober may still hold it until its next
    // setTargets (a few bytes per recreated namespace).
    retiredNamespaces_.push_back(std::move(probeNamespaces_[name].second));
    probeNamespaces_[name] = {id, std::move(owned)};
    return fd;
  }

  const netns::NetNamespace& hostNs_;
  std::shared_ptr<netns::TunDevice> hostTun_;
  std::map<std::string, std::pair<std::uint64_t, std::shared_ptr<netns::NetNamespace>>> probeNamespaces_;
  std::vector<std::shared_ptr<netns::NetNamespace>> retiredNamespaces_;
  unsigned tunMtu_;
  bool offload_;
  std::map<Key, VnetTun> vnetTuns_;
  std::map<Key, LinkSender> linkSenders_;
  std::string routedRange_;
};

}  // namespace

int runHostAgent(const HostAgentProcessOptions& options) {
  const std::string what = "azlb host-agent " + std::to_string(options.index);
  auto report = [&](const Error& e) {
    std::fprintf(stderr, "%s: %s\n", what.c_str(), explain(e).c_str());
    return 1;
  };
  if (options.socketPath.empty() || options.tunName.empty()) {
    std::fprintf(stderr, "%s: --socket and --tun are required\n", what.c_str());
    return 2;
  }

  auto basics = startProcess(options.socketPath, options.tunName, options.tunMtu, options.offload);
  if (!basics) return report(basics.error());
  auto& [signals, wake, ns, server, hostTun] = *basics;

  HostPlumbing plumbing(ns, std::make_shared<netns::TunDevice>(std::move(hostTun)),
                        options.tunMtu, options.offload);
  ConfigMailbox<HostAgentState> mailbox;
  auto hits = std::make_shared<NsgHitTable>();
  HostEngine engine(HostSwitchOptions{.flowCapacity = options.flowCapacity,
                                      .underlayMtu = options.underlayMtu,
                                      .vmMtu = options.vmMtu},
                    options.offload, plumbing.initialState(options.index), mailbox, hits, what);
  std::uint64_t acceptedVersion = 0;
  probes::Runner prober;
  if (auto ok = prober.start(); !ok) return report(ok.error());

  auto handle = [&](std::string_view line) -> std::string {
    auto request = parseControlRequest(line);
    if (!request) return errorLine(request.error().message());
    if (std::holds_alternative<StatusRequest>(*request)) {
      StatusReport r = engine.status();
      r.index = options.index;
      r.version = acceptedVersion;
      for (const auto& t : prober.status())
        r.probes.push_back({t.key, t.up, std::string(probes::outcomeName(t.outcome)), t.detail});
      return statusLine(r);
    }
    if (std::holds_alternative<FlowRequest>(*request))
      return errorLine("flow: a host agent has no MUX flow table (ask a MUX)");
    const Snapshot& snapshot = std::get<SnapshotRequest>(*request).snapshot;
    auto plan = HostPlan::build(snapshot, options.index, hits);
    if (!plan) return errorLine(plan.error().message());
    auto state = plumbing.apply(snapshot, std::move(*plan));
    if (!state) return errorLine(state.error().message());
    auto targets = plumbing.probeTargets(snapshot, what);
    if (!targets) return errorLine(targets.error().message());
    prober.setTargets(std::move(*targets));
    const std::uint64_t ticket = mailbox.post(std::move(*state));
    wake.wake();
    acceptedVersion = snapshot.version;
    if (!mailbox.waitTaken(ticket, std::chrono::seconds(2))) {
      std::fprintf(stderr, "%s: forwarding thread has not taken snapshot %llu within 2 s\n",
                   what.c_str(), static_cast<unsigned long long>(snapshot.version));
    }
    std::fprintf(stderr, "%s: snapshot %llu applied (%zu rules, %zu vms, %zu vnet namespaces)\n",
                 what.c_str(), static_cast<unsigned long long>(snapshot.version),
                 snapshot.forwarding.rules.size(), snapshot.vms.size(),
                 snapshot.host.vnetNamespaces.size());
    return ackLine(snapshot.version);
  };

  std::fprintf(stderr, "%s: host TUN %s, control socket %s\n", what.c_str(),
               options.tunName.c_str(), options.socketPath.c_str());
  return runProcessLoop(what, engine,
                        PumpOptions{.batchSize = options.batchSize,
                                    .packetCapacity = dataplane::PacketBuf::kDefaultCapacity,
                                    .tick = std::chrono::milliseconds(100),
                                    .vnetHdr = options.offload},
                        server, signals.get(), wake, handle, [&] { mailbox.reclaim(); });
}

}  // namespace azlb::runtime
