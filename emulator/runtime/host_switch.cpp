#include "emulator/runtime/host_switch.h"

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <map>
#include <set>
#include <utility>

#include "emulator/dataplane/encap.h"
#include "emulator/dataplane/offload.h"
#include "emulator/dataplane/packet.h"
#include "emulator/dataplane/tcp_reset.h"
#include "netns/address.h"

namespace azlb::runtime {

using dataplane::DropReason;
using dataplane::Ipv4Address;
using dataplane::Nanos;
using dataplane::PacketBuf;
using dataplane::PacketView;

namespace {

constexpr std::uint32_t kNoVnet = 0xFFFFFFFFU;

std::uint64_t vnetIpKey(std::uint32_t vnet, Ipv4Address ip) {
  return (std::uint64_t{vnet} << 32U) | ip.value;
}

std::optional<std::array<std::uint8_t, 6>> parseMac(const std::string& text) {
  std::array<std::uint8_t, 6> mac{};
  unsigned b[6];
  char tail = 0;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(b[i]);
  return mac;
}

/// A packet that may open a connection: a TCP SYN without ACK, or any UDP datagram.
bool startsFlow(const PacketView& v) {
  if (v.protocol() == dataplane::IpProtocol::Udp) return true;
  constexpr std::uint8_t kSyn = 0x02, kAck = 0x10;
  return v.protocol() == dataplane::IpProtocol::Tcp && (v.tcpFlags() & (kSyn | kAck)) == kSyn;
}

/// The source address of frames the agent writes onto a VM's link (locally administered).
constexpr std::array<std::uint8_t, 6> kAgentMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr std::size_t kEthernetHeader = 14;

}  // namespace

Result<std::shared_ptr<const HostPlan>> HostPlan::build(const Snapshot& snapshot,
                                                       std::uint32_t hostIndex,
                                                       std::shared_ptr<NsgHitTable> hits) {
  if (snapshot.host.index != hostIndex) {
    return fail("snapshot is for host " + std::to_string(snapshot.host.index) +
                    ", this agent serves host " + std::to_string(hostIndex),
                EINVAL);
  }
  if (!snapshot.host.underlayRange.empty()) {
    auto range = netns_model::parseIpv4Prefix(snapshot.host.underlayRange);
    if (!range || snapshot.host.underlayRange.find('/') == std::string::npos) {
      return fail("host.underlayRange \"" + snapshot.host.underlayRange + "\" is not a CIDR prefix",
                  EINVAL);
    }
  }
  auto forwarding = dataplane::ForwardingConfig::build(snapshot.forwarding);
  if (!forwarding) return unexpected(forwarding.error());

  std::shared_ptr<HostPlan> plan(new HostPlan());
  plan->version_ = snapshot.version;
  plan->hostIndex_ = hostIndex;
  plan->forwarding_ = std::move(*forwarding);

  std::map<std::string, std::uint32_t> vnetIds;
  auto intern = [&](const std::string& vnet) {
    return vnetIds.emplace(vnet, static_cast<std::uint32_t>(vnetIds.size())).first->second;
  };

  std::map<std::string, std::uint32_t> portOfNamespace;
  for (const auto& ns : snapshot.host.vnetNamespaces) {
    if (ns.name.empty() || ns.tun.empty() || ns.vnet.empty()) {
      return fail("host.vnetNamespaces: an entry has an empty name, tun or vnet", EINVAL);
    }
    if (ns.tun.size() > 15) {
      return fail("vnet namespace " + ns.name + ": tun name " + ns.tun +
                      " is longer than 15 characters",
                  EINVAL);
    }
    const auto port = static_cast<std::uint32_t>(1 + plan->portVnet_.size());
    if (!portOfNamespace.emplace(ns.name, port).second) {
      return fail("host.vnetNamespaces lists " + ns.name + " twice", EINVAL);
    }
    plan->portVnet_.push_back(intern(ns.vnet));
  }

  for (auto m : snapshot.muxUnderlays) plan->muxes_.push_back(m.value);
  std::sort(plan->muxes_.begin(), plan->muxes_.end());
  plan->muxes_.erase(std::unique(plan->muxes_.begin(), plan->muxes_.end()), plan->muxes_.end());

  if (snapshot.host.security.inbound.size() != snapshot.host.security.outbound.size())
    return fail("host.security: every group needs its inbound and its outbound rules", EINVAL);
  plan->compileSecurity(snapshot.host.security, std::move(hits));
  std::map<std::string, const VmGroups*> groupsOf;
  for (const auto& g : snapshot.host.security.vms) groupsOf.emplace(g.vm, &g);

  std::map<std::pair<std::string, std::string>, std::uint32_t> portOfLink;  // (ns, link) -> port
  for (const auto& vm : snapshot.vms) {
    if (vm.vnet.empty()) return fail("vm " + vm.id + ": empty vnet", EINVAL);
    Vm record{.ip = vm.ip, .underlay = vm.underlay, .vnet = intern(vm.vnet), .host = vm.host,
              .port = kNoPort};
    if (auto g = groupsOf.find(vm.id); g != groupsOf.end()) {
      record.subnetGroup = g->second->subnet;
      record.nicGroup = g->second->nic;
    }
    if (plan->isMux(vm.underlay)) {
      return fail("vm " + vm.id + ": underlay " + vm.underlay.toString() + " is a MUX's address",
                  EINVAL);
    }
    if (vm.host == hostIndex) {
      auto port = portOfNamespace.find(vm.hostNamespace);
      if (port == portOfNamespace.end()) {
        return fail("vm " + vm.id + " is on this host but its hostNamespace \"" + vm.hostNamespace +
                        "\" is not in host.vnetNamespaces",
                    EINVAL);
      }
      if (plan->portVnet_[port->second - 1] != record.vnet) {
        return fail("vm " + vm.id + " is in vnet " + vm.vnet + " but namespace " +
                        vm.hostNamespace + " serves another vnet",
                    EINVAL);
      }
      record.port = port->second;
      if (!vm.link.empty()) {
        auto mac = parseMac(vm.mac);
        if (!mac) return fail("vm " + vm.id + ": mac \"" + vm.mac + "\" is not an Ethernet address", EINVAL);
        if (vm.link.size() > 15) return fail("vm " + vm.id + ": link name " + vm.link + " is longer than 15 characters", EINVAL);
        record.mac = *mac;
        auto [it, added] = portOfLink.emplace(std::pair{vm.hostNamespace, vm.link}, kNoPort);
        if (added) {
          plan->links_.push_back({vm.hostNamespace, vm.link});
          it->second = static_cast<std::uint32_t>(plan->links_.size() - 1);  // port fixed below
        }
        record.linkPort = it->second;
      }
    }
    plan->vms_.push_back(record);
  }
  // Link ports follow the VNet namespaces' ports.
  const auto firstLinkPort = static_cast<std::uint32_t>(1 + plan->portVnet_.size());
  for (auto& vm : plan->vms_)
    if (vm.linkPort != kNoPort) vm.linkPort += firstLinkPort;
  std::sort(plan->vms_.begin(), plan->vms_.end(),
            [](const Vm& a, const Vm& b) { return a.underlay < b.underlay; });
  for (std::size_t i = 0; i + 1 < plan->vms_.size(); ++i) {
    if (plan->vms_[i].underlay == plan->vms_[i + 1].underlay) {
      return fail("two vms share the underlay address " + plan->vms_[i].underlay.toString(),
                  EINVAL);
    }
  }
  for (std::size_t i = 0; i < plan->vms_.size(); ++i) {
    plan->byVnetIp_.emplace_back(vnetIpKey(plan->vms_[i].vnet, plan->vms_[i].ip),
                                 static_cast<std::uint32_t>(i));
  }
  std::sort(plan->byVnetIp_.begin(), plan->byVnetIp_.end());
  for (const auto& rule : plan->forwarding_->rules()) {
    if (plan->ruleVnet_.size() <= rule.index) plan->ruleVnet_.resize(rule.index + 1, kNoVnet);
    plan->ruleVnet_[rule.index] = rule.vnet.empty() ? kNoVnet : intern(rule.vnet);
  }
  for (std::size_t i = 0; i + 1 < plan->byVnetIp_.size(); ++i) {
    if (plan->byVnetIp_[i].first == plan->byVnetIp_[i + 1].first) {
      return fail("two vms of one vnet share the address " +
                      plan->vms_[plan->byVnetIp_[i].second].ip.toString(),
                  EINVAL);
    }
  }
  plan->compileFilters(snapshot.host.trafficFilters, vnetIds);
  return std::shared_ptr<const HostPlan>(std::move(plan));
}

void HostPlan::compileFilters(const std::vector<TrafficFilter>& filters,
                              const std::map<std::string, std::uint32_t>& vnetIds) {
  for (const auto& f : filters) {
    auto vnet = vnetIds.find(f.vnet);
    if (vnet == vnetIds.end()) continue;  // no VM of that VNet here: nothing to send it
    Filter c{vnetIpKey(vnet->second, f.ip), f.protocol, f.portMin, f.portMax, {}};
    for (auto a : f.allowedSources) c.allowed.push_back(a.value);
    std::sort(c.allowed.begin(), c.allowed.end());
    filters_.push_back(std::move(c));
  }
  std::stable_sort(filters_.begin(), filters_.end(),
                   [](const Filter& a, const Filter& b) { return a.key < b.key; });
}

void HostPlan::compileSecurity(const HostSecurity& security, std::shared_ptr<NsgHitTable> hits) {
  nsgMode_ = security.mode;
  hits_ = std::move(hits);
  nsgInbound_ = security.inbound;
  nsgOutbound_ = security.outbound;
  for (auto* groups : {&nsgInbound_, &nsgOutbound_})
    for (auto& group : *groups) {
      dataplane::sortByPriority(group);
      if (!hits_) continue;
      for (auto& rule : group.rules) rule.slot = hits_->slotFor(group.group, groups == &nsgInbound_, rule.name);
    }
}

// A destination with filters accepts a new flow when one filter covering its protocol and port
// lists the source; a destination port no filter covers is open.
bool HostPlan::allowsNewFlow(std::uint32_t vnet, Ipv4Address src, Ipv4Address dst,
                             std::uint8_t protocol, std::uint16_t port) const {
  const std::uint64_t key = vnetIpKey(vnet, dst);
  auto it = std::lower_bound(filters_.begin(), filters_.end(), key,
                             [](const Filter& f, std::uint64_t k) { return f.key < k; });
  bool covered = false;
  for (; it != filters_.end() && it->key == key; ++it) {
    if ((it->protocol != 0 && it->protocol != protocol) || port < it->portMin || port > it->portMax)
      continue;
    covered = true;
    if (std::binary_search(it->allowed.begin(), it->allowed.end(), src.value)) return true;
  }
  return !covered;
}

std::shared_ptr<const HostPlan> HostPlan::empty(std::uint32_t hostIndex) {
  std::shared_ptr<HostPlan> plan(new HostPlan());
  plan->hostIndex_ = hostIndex;
  plan->forwarding_ = dataplane::ForwardingConfig::empty();
  return plan;
}

bool HostPlan::isMux(Ipv4Address underlay) const {
  return std::binary_search(muxes_.begin(), muxes_.end(), underlay.value);
}

const HostPlan::Vm* HostPlan::findByUnderlay(Ipv4Address underlay) const {
  auto it = std::lower_bound(vms_.begin(), vms_.end(), underlay,
                             [](const Vm& vm, Ipv4Address a) { return vm.underlay < a; });
  return it != vms_.end() && it->underlay == underlay ? &*it : nullptr;
}

const HostPlan::Vm* HostPlan::findInVnet(std::uint32_t vnet, Ipv4Address ip) const {
  const std::uint64_t key = vnetIpKey(vnet, ip);
  auto it = std::lower_bound(
      byVnetIp_.begin(), byVnetIp_.end(), key,
      [](const std::pair<std::uint64_t, std::uint32_t>& e, std::uint64_t k) {
        return e.first < k;
      });
  return it != byVnetIp_.end() && it->first == key ? &vms_[it->second] : nullptr;
}

std::optional<std::uint32_t> HostPlan::vnetOfRule(const dataplane::Rule& rule) const {
  if (rule.index >= ruleVnet_.size() || ruleVnet_[rule.index] == kNoVnet) return std::nullopt;
  return ruleVnet_[rule.index];
}

std::optional<std::uint32_t> HostPlan::vnetOfPort(std::uint32_t port) const {
  if (port == kHostPort || port > portVnet_.size()) return std::nullopt;
  return portVnet_[port - 1];
}

HostSwitch::HostSwitch(const HostSwitchOptions& options, std::shared_ptr<const HostPlan> plan)
    : options_(options),
      plan_(std::move(plan)),
      forwarder_(dataplane::HostOptions{.flowCapacity = options.flowCapacity,
                                        .backendMtu = options.vmMtu},
                 plan_->forwarding()),
      ilb_(dataplane::MuxOptions{.flowCapacity = options.flowCapacity, .underlayMtu = options.underlayMtu},
           plan_->forwarding()),
      snat_(options.flowCapacity, plan_->forwarding()),
      fastpath_(options.flowCapacity / 4 + 1),
      nsgFlows_(options.flowCapacity / 4 + 1) {}

void HostSwitch::setPlan(std::shared_ptr<const HostPlan> plan) {
  plan_ = std::move(plan);
  forwarder_.setConfig(plan_->forwarding());
  ilb_.setConfig(plan_->forwarding());
  snat_.setConfig(plan_->forwarding());
}

std::uint32_t HostSwitch::drop(DropReason reason) {
  counters_.drops[static_cast<std::size_t>(reason)].add();
  return kNoPort;
}

std::uint32_t HostSwitch::drop(HostDropReason reason) {
  counters_.hostDrop(reason).add();
  return kNoPort;
}

bool HostSwitch::nsgFresh(const PacketView& view, const dataplane::FlowKey& flow, Nanos now) const {
  if (plan_->nsgMode() == NsgMode::Off) return false;
  if (view.protocol() == dataplane::IpProtocol::Tcp) return startsFlow(view);
  return view.protocol() == dataplane::IpProtocol::Udp && !nsgFlows_.contains(flow, now) &&
         !nsgFlows_.contains(flow.reversed(), now);
}

bool HostSwitch::nsgAdmits(const HostPlan::Vm& vm, const dataplane::FlowKey& flow, bool inbound, bool standard) {
  const HostPlan& plan = *plan_;
  const dataplane::NsgRules* subnet = plan.group(vm.subnetGroup, inbound);
  const dataplane::NsgRules* nic = plan.group(vm.nicGroup, inbound);
  counters_.nsgChecked.add();
  NsgEvent event{flow, vm.ip, inbound, plan.nsgMode() == NsgMode::Enforce, dataplane::NsgRule::kNoSlot, false};
  if (subnet == nullptr && nic == nullptr) {
    if (!inbound || !standard) return true;
    event.noGroup = true;
  } else {
    const auto verdict = inbound ? dataplane::evaluateNsg(subnet, nic, flow) : dataplane::evaluateNsg(nic, subnet, flow);
    if (verdict.rule != nullptr) {
      event.slot = verdict.rule->slot;
      if (NsgHitTable* hits = plan.hits()) hits->hit(verdict.rule->slot);
    }
    if (verdict.allowed) return true;
  }
  counters_.nsgDenials.add();
  if (nsgEventCount_ < nsgEvents_.size())
    nsgEvents_[nsgEventCount_++] = event;
  else
    counters_.nsgLogLost.add();
  return !event.dropped;
}

bool HostSwitch::admitsBalanced(const HostPlan::Vm& target, const PacketView& inner,
                                const dataplane::ForwardingConfig::HostMatch& match, Nanos now) {
  const dataplane::Rule& rule = *match.rule;
  const Ipv4Address dst = rule.floatingIp ? inner.dst() : rule.backends[match.backend].ip;
  const dataplane::FlowKey seen{inner.src(), dst, inner.srcPort(), rule.backendPortFor(inner.dstPort()),
                                inner.protocolNumber()};
  if (!nsgFresh(inner, seen, now)) return true;
  // Secure by default: a Standard public frontend's backends are closed until a group allows.
  if (!nsgAdmits(target, seen, true, rule.standard && rule.vnet.empty())) return false;
  nsgRemember(inner, seen, now);
  return true;
}

bool HostSwitch::admitsOutbound(const HostPlan::Vm& source, const PacketView& view, Nanos now) {
  const auto key = view.flowKey();
  if (!nsgFresh(view, key, now)) return true;
  if (!nsgAdmits(source, key, false, false)) return false;
  nsgRemember(view, key, now);
  return true;
}

bool HostSwitch::admitsToPublicIp(const HostPlan::Vm& target, const PacketView& translated, Nanos now) {
  if (!translated.hasPorts()) return true;
  const auto key = translated.flowKey();  // the view reads the buffer: already to the VM's address
  if (!nsgFresh(translated, key, now)) return true;
  const dataplane::SnatSpec* spec = plan_->forwarding()->snat().find(target.underlay);
  if (!nsgAdmits(target, key, true, spec == nullptr || spec->standard)) return false;
  nsgRemember(translated, key, now);
  return true;
}

void HostSwitch::nsgRemember(const PacketView& view, const dataplane::FlowKey& flow, Nanos now) {
  if (view.protocol() == dataplane::IpProtocol::Udp)
    nsgFlows_.insert(flow, 1, now, plan_->forwarding()->fastpathIdleTimeout());
}

std::uint32_t HostSwitch::deliver(const HostPlan::Vm& vm, PacketBuf& packet) {
  const auto bytes = packet.data();
  // The destination address of the (already translated) IPv4 header.
  const std::uint32_t dst = bytes.size() >= 20 ? (std::uint32_t{bytes[16]} << 24U) | (std::uint32_t{bytes[17]} << 16U) |
                                                     (std::uint32_t{bytes[18]} << 8U) | bytes[19]
                                               : 0;
  if (dst == vm.ip.value) return vm.port;
  // Floating IP: the VM owns the frontend address; the namespace could not tell which VM that
  // is, so the frame goes straight onto this VM's link.
  if (vm.linkPort == kNoPort) return drop(HostDropReason::NoVmLink);
  auto header = packet.prepend(kEthernetHeader);
  if (header.empty()) return drop(DropReason::Truncated);
  std::copy(vm.mac.begin(), vm.mac.end(), header.begin());
  std::copy(kAgentMac.begin(), kAgentMac.end(), header.begin() + 6);
  header[12] = 0x08;  // ETH_P_IP
  header[13] = 0x00;
  return vm.linkPort;
}

std::uint32_t HostSwitch::resetToClient(const dataplane::FlowKey& key, const dataplane::HostFlow& flow) {
  // From the frontend, with the client's own RCV.NXT (its last ACK) as sequence number.
  if (!dataplane::buildTcpReset(scratch_, {flow.frontendIp, flow.frontendPort}, {key.dstIp, key.dstPort},
                                flow.clientAck)) {
    return kNoPort;
  }
  if ((flow.tcp & dataplane::HostFlow::kInternal) == 0) return kHostPort;  // to the router
  // An internal frontend's client is a VM of the backend's VNet: PA to PA, as the replies went.
  const HostPlan& plan = *plan_;
  const HostPlan::Vm* backend = plan.findByUnderlay(flow.vmUnderlay);
  if (backend == nullptr) return kNoPort;
  const HostPlan::Vm* client = plan.findInVnet(backend->vnet, key.dstIp);
  if (client == nullptr) return kNoPort;
  if (client->host == plan.hostIndex()) return client->port;
  const dataplane::EncapParams params{.outerSrc = backend->underlay, .outerDst = client->underlay, .id = 0,
                                      .ttl = 64, .maxOuterSize = options_.underlayMtu};
  if (dataplane::encapsulateIpip(scratch_, params)) return kNoPort;  // an error: no room
  return kHostPort;
}

std::uint32_t HostSwitch::resetToBackend(const dataplane::FlowKey& key, const dataplane::HostFlow& flow) {
  // From the client to the backend as the backend knows the flow (its address, or the frontend
  // address with floating IP), with the backend's RCV.NXT.
  if (!dataplane::buildTcpReset(scratch_, {key.dstIp, key.dstPort}, {key.srcIp, key.srcPort}, flow.serverAck)) {
    return kNoPort;
  }
  const HostPlan::Vm* backend = plan_->findByUnderlay(flow.vmUnderlay);
  if (backend == nullptr || backend->port == kNoPort) return kNoPort;
  return deliver(*backend, scratch_);
}

std::uint32_t HostSwitch::process(std::uint32_t inPort, PacketBuf& packet, Nanos now) {
  return inPort == kHostPort ? fromUnderlay(packet, now) : fromVnet(inPort, packet, now);
}

std::uint32_t HostSwitch::fromUnderlay(PacketBuf& packet, Nanos now) {
  const auto outer = PacketView::parse(packet.data());
  if (!outer) return drop(outer.error());
  if (outer->protocolNumber() == dataplane::kFastpathProtocol) return acceptRedirect(*outer, now);
  if (outer->protocol() != dataplane::IpProtocol::IpInIp) return drop(DropReason::NotEncapsulated);
  const HostPlan& plan = *plan_;
  const HostPlan::Vm* target = plan.findByUnderlay(outer->dst());
  if (target == nullptr || target->port == kNoPort) {
    return drop(HostDropReason::UnknownUnderlayDestination);
  }

  if (plan.isMux(outer->src())) {
    const auto inner = PacketView::parse(outer->l4());
    if (inner && inner->hasPorts()) {
      const auto match = plan.forwarding()->findHostBackend(outer->dst(), inner->dst(), inner->protocolNumber(),
                                                            inner->dstPort());
      if (!match) return snatReturn(*target, packet, *outer, now);
      if (!admitsBalanced(*target, *inner, *match, now)) return drop(HostDropReason::NsgDenied);
    }
    // Load-balanced traffic: decap + DNAT in the forwarder, then into the backend's namespace.
    const auto verdict = forwarder_.processInbound(packet, now);
    if (verdict.isDrop()) return kNoPort;  // counted by the forwarder
    counters_.lbInbound.add();
    return deliver(*target, packet);
  }

  const HostPlan::Vm* source = plan.findByUnderlay(outer->src());
  if (source == nullptr) return drop(HostDropReason::UnknownUnderlaySource);
  if (auto out = fastpathIn(*outer, *target, packet, now)) return *out;
  if (source->vnet != target->vnet) return drop(HostDropReason::VnetMismatch);
  const auto peek = PacketView::parse(outer->l4());
  if (!peek) return drop(peek.error());
  // Internal load balancing: a VM's packet to an internal frontend of its VNet, balanced by its
  // own host agent to this backend: decap + DNAT like a MUX's packet.
  if (peek->src() == source->ip && peek->dst() != target->ip && peek->hasPorts()) {
    const dataplane::Rule* rule = plan.forwarding()->findFrontend(peek->dst(), peek->protocolNumber(), peek->dstPort());
    if (rule == nullptr || plan.vnetOfRule(*rule) != std::optional<std::uint32_t>(source->vnet)) {
      return drop(HostDropReason::SpoofedAddress);
    }
    const auto match = plan.forwarding()->findHostBackend(outer->dst(), peek->dst(), peek->protocolNumber(),
                                                          peek->dstPort());
    if (match && !admitsBalanced(*target, *peek, *match, now)) return drop(HostDropReason::NsgDenied);
    const auto verdict = forwarder_.processInbound(packet, now);
    if (verdict.isDrop()) return kNoPort;
    counters_.ilbInbound.add();
    return deliver(*target, packet);
  }
  // A backend's reply to an internal load balancer's client comes from the frontend address.
  bool fromInternalFrontend = false;
  if (peek->src() != source->ip && peek->hasPorts()) {
    const auto match = plan.forwarding()->findHostBackend(source->underlay, peek->src(), peek->protocolNumber(), peek->srcPort());
    fromInternalFrontend = match && plan.vnetOfRule(*match->rule) == std::optional<std::uint32_t>(source->vnet);
  }
  const auto inner = dataplane::decapsulateIpip(packet, *outer);
  if (!inner) return drop(inner.error());
  // The inner packet must really be between the two VMs the PAs stand for; anything else is a
  // VM pretending to be another one (or another VNet's address).
  if ((inner->src() != source->ip && !fromInternalFrontend) || inner->dst() != target->ip) {
    return drop(HostDropReason::SpoofedAddress);
  }
  packet.resize(inner->size());
  // Checked by the sender's agent; remembered here so that the VM's UDP replies pass.
  if (nsgFresh(*inner, inner->flowKey(), now)) nsgRemember(*inner, inner->flowKey(), now);
  if (auto failed = dataplane::fitToLink(packet, *inner, options_.vmMtu)) return drop(*failed);
  counters_.vnetDecap.add();
  return target->port;
}

std::uint32_t HostSwitch::fromVnet(std::uint32_t inPort, PacketBuf& packet, Nanos now) {
  const HostPlan& plan = *plan_;
  const auto vnet = plan.vnetOfPort(inPort);
  // Not reachable: the pump only reads ports of the current plan.
  if (!vnet) return drop(HostDropReason::UnknownUnderlaySource);
  const auto view = PacketView::parse(packet.data());
  if (!view) return drop(view.error());

  if (const HostPlan::Vm* target = plan.findInVnet(*vnet, view->dst())) {
    // A VM of our VNet: encapsulate PA to PA. Only a VM of this namespace may send it, from its
    // own address (the outer source names it to the other host).
    const HostPlan::Vm* source = plan.findInVnet(*vnet, view->src());
    if (source == nullptr || source->port != inPort) return drop(HostDropReason::SpoofedAddress);
    if (startsFlow(*view) && !plan.allowsNewFlow(*vnet, view->src(), view->dst(),
                                                view->protocolNumber(), view->dstPort()))
      return drop(HostDropReason::TrafficRuleDenied);
    // Network security groups: the sender's outbound rules, then the destination's inbound ones.
    if (const auto key = view->flowKey(); nsgFresh(*view, key, now)) {
      if (!nsgAdmits(*source, key, false, false) || !nsgAdmits(*target, key, true, false))
        return drop(HostDropReason::NsgDenied);
      nsgRemember(*view, key, now);
    }
    // A backend answering an internal load balancer's client: source back to the frontend.
    bool reply = false;
    if (auto verdict = forwarder_.snatIfReply(packet, now)) {
      if (verdict->isDrop()) return kNoPort;
      reply = true;
    }
    packet.resize(view->size());
    if (target->host == plan.hostIndex()) {
      // Same host and VNet: back into the namespace, whose kernel routes it to the VM's link.
      // (The namespace sends everything its VMs send to the agent, so internal load balancing
      // can translate replies even between two VMs of one host.)
      if (auto failed = dataplane::fitToLink(packet, *view, options_.vmMtu)) return drop(*failed);
      (reply ? counters_.ilbReply : counters_.vnetLocal).add();
      return target->port;
    }
    if (!dataplane::offloadConsistent(packet.offload(), *view)) return drop(DropReason::BadOffload);
    const dataplane::EncapParams params{
        .outerSrc = source->underlay,
        .outerDst = target->underlay,
        .id = view->dontFragment() ? std::uint16_t{0} : nextIpId_++,
        .ttl = 64,
        .maxOuterSize = options_.underlayMtu,
    };
    if (auto failed = dataplane::encapsulateIpip(packet, params)) return drop(*failed);
    (reply ? counters_.ilbReply : counters_.vnetEncap).add();
    return kHostPort;
  }

  // An internal frontend of this VNet: balanced here, straight to the chosen backend's PA.
  if (view->hasPorts()) {
    const dataplane::Rule* rule = plan.forwarding()->findFrontend(view->dst(), view->protocolNumber(), view->dstPort());
    if (rule != nullptr && plan.vnetOfRule(*rule) == vnet) {
      const HostPlan::Vm* source = plan.findInVnet(*vnet, view->src());
      if (source == nullptr || source->port != inPort) return drop(HostDropReason::SpoofedAddress);
      if (!admitsOutbound(*source, *view, now)) return drop(HostDropReason::NsgDenied);
      const auto verdict = ilb_.process(packet, now, source->underlay);
      if (verdict.isDrop()) return drop(verdict.reason);
      counters_.ilbEncap.add();
      return kHostPort;
    }
  }

  return leaveVnet(inPort, *vnet, packet, *view, now);
}

// A reply on a load-balanced flow goes straight to the router: direct server return. A VM's own
// new flow out of the VNet is SNATed (SnatEngine). A floating-IP VM's reply from the frontend
// address with no recorded flow (the agent restarted) passes; anything else is NoReverseFlow.
std::uint32_t HostSwitch::leaveVnet(std::uint32_t inPort, std::uint32_t vnet, PacketBuf& packet,
                                    const PacketView& view, Nanos now) {
  const HostPlan::Vm* source = plan_->findInVnet(vnet, view.src());
  if (source != nullptr && source->port != inPort) source = nullptr;
  if (auto verdict = forwarder_.snatIfReply(packet, now)) {
    if (verdict->isDrop()) return kNoPort;
    counters_.dsrOutbound.add();
    return source != nullptr ? toRouterOrPeer(packet, source->underlay, now) : kHostPort;
  }
  if (source != nullptr) {
    packet.resize(view.size());
    if (!dataplane::offloadConsistent(packet.offload(), view)) return drop(DropReason::BadOffload);
    if (!admitsOutbound(*source, view, now)) return drop(HostDropReason::NsgDenied);
    if (snat_.outbound(packet, view, source->underlay, now).isDrop()) return kNoPort;
    counters_.snatOutbound.add();
    return toRouterOrPeer(packet, source->underlay, now);
  }
  const auto verdict = forwarder_.processOutbound(packet, now);
  if (verdict.isDrop()) return kNoPort;
  counters_.dsrOutbound.add();
  return kHostPort;
}

std::uint32_t HostSwitch::acceptRedirect(const PacketView& outer, Nanos now) {
  const HostPlan& plan = *plan_;
  if (!plan.isMux(outer.src())) return drop(HostDropReason::UnknownUnderlaySource);
  const HostPlan::Vm* vm = plan.findByUnderlay(outer.dst());
  if (vm == nullptr || vm->port == kNoPort) return drop(HostDropReason::UnknownUnderlayDestination);
  const auto redirect = dataplane::parseRedirect(outer);
  if (!redirect) return drop(DropReason::BadL4Header);
  fastpath_.insert(redirect->flow, FastpathEntry{redirect->peer, vm->underlay}, now,
                   plan.forwarding()->fastpathIdleTimeout());
  counters_.fastpathRedirects.add();
  return kNoPort;  // taken, not dropped: nothing to forward
}

std::uint32_t HostSwitch::toRouterOrPeer(PacketBuf& packet, Ipv4Address vm, Nanos now) {
  if (fastpath_.size() == 0) return kHostPort;
  const auto view = PacketView::parse(packet.data());
  if (!view || !view->hasPorts()) return kHostPort;
  const FastpathEntry* entry = fastpath_.find(view->flowKey(), now);
  if (entry == nullptr || entry->vm != vm) return kHostPort;
  const dataplane::EncapParams params{.outerSrc = vm, .outerDst = entry->peer,
                                      .id = view->dontFragment() ? std::uint16_t{0} : nextIpId_++,
                                      .ttl = 64, .maxOuterSize = options_.underlayMtu};
  if (auto failed = dataplane::encapsulateIpip(packet, params)) return drop(*failed);
  counters_.fastpathOut.add();
  return kHostPort;
}

std::optional<std::uint32_t> HostSwitch::fastpathIn(const PacketView& outer, const HostPlan::Vm& target,
                                                    PacketBuf& packet, Nanos now) {
  if (fastpath_.size() == 0) return std::nullopt;
  const auto inner = PacketView::parse(outer.l4());
  if (!inner || !inner->hasPorts()) return std::nullopt;
  const FastpathEntry* entry = fastpath_.find(inner->flowKey().reversed(), now);
  if (entry == nullptr || entry->peer != outer.src() || entry->vm != target.underlay) return std::nullopt;
  counters_.fastpathIn.add();
  if (!plan_->forwarding()->findHostBackend(outer.dst(), inner->dst(), inner->protocolNumber(), inner->dstPort()))
    return snatReturn(target, packet, outer, now);
  // The backend's side: exactly what a MUX's packet gets (decap, DNAT, the flow's reverse entry).
  if (forwarder_.processInbound(packet, now).isDrop()) return kNoPort;
  counters_.lbInbound.add();
  return deliver(target, packet);
}

std::vector<std::string> HostSwitch::fastpathFlows(Nanos now, std::size_t max) const {
  std::vector<std::string> out;
  fastpath_.forEachLive(now, [&](const dataplane::FlowKey& k, const FastpathEntry& e) {
    if (out.size() >= max) return;
    out.push_back(k.srcIp.toString() + ":" + std::to_string(k.srcPort) + " -> " + k.dstIp.toString() + ":" +
                  std::to_string(k.dstPort) + " via " + e.peer.toString());
  });
  return out;
}

std::uint32_t HostSwitch::snatReturn(const HostPlan::Vm& target, PacketBuf& packet,
                                     const PacketView& outer, Nanos now) {
  const auto inner = dataplane::decapsulateIpip(packet, outer);
  if (!inner) return drop(inner.error());
  packet.resize(inner->size());
  if (!dataplane::offloadConsistent(packet.offload(), *inner)) return drop(DropReason::BadOffload);
  if (snat_.inbound(packet, *inner, target.underlay, now).isDrop()) return kNoPort;
  if (!admitsToPublicIp(target, *inner, now)) return drop(HostDropReason::NsgDenied);
  if (auto failed = dataplane::fitToLink(packet, *inner, options_.vmMtu)) return drop(*failed);
  counters_.snatInbound.add();
  return deliver(target, packet);
}

}  // namespace azlb::runtime
