#include "emulator/dataplane/forwarder.h"

#include <utility>

#include "emulator/dataplane/encap.h"
#include "emulator/dataplane/icmp.h"
#include "emulator/dataplane/nat.h"
#include "emulator/dataplane/offload.h"

namespace azlb::dataplane {

namespace {

std::shared_ptr<const ForwardingConfig> orEmpty(std::shared_ptr<const ForwardingConfig> config) {
  return config ? std::move(config) : ForwardingConfig::empty();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// MuxForwarder

MuxForwarder::MuxForwarder(const MuxOptions& options,
                           std::shared_ptr<const ForwardingConfig> config)
    : options_(options),
      config_(orEmpty(std::move(config))),
      flows_(options.flowCapacity),
      nextIpId_(options.firstIpId) {}

void MuxForwarder::setConfig(std::shared_ptr<const ForwardingConfig> config) {
  config_ = orEmpty(std::move(config));
}

Verdict MuxForwarder::drop(DropReason reason) {
  counters_.drop(reason).add();
  return Verdict::drop(reason);
}

Verdict MuxForwarder::process(PacketBuf& packet, Nanos now) {
  return process(packet, now, options_.underlayAddress);
}

Verdict MuxForwarder::process(PacketBuf& packet, Nanos now, Ipv4Address outerSource) {
  counters_.rxPackets.add();
  counters_.rxBytes.add(packet.size());
  Context ctx;
  if (auto v = parseStage(packet, ctx)) return *v;
  if (ctx.view.protocol() == IpProtocol::Icmp) return pingStage(packet, ctx);
  if (auto v = classifyStage(ctx)) return *v;
  if (ctx.rule != nullptr) {
    if (auto v = selectBackendStage(ctx, now)) return *v;
    ctx.target = ctx.backend->hostIp;
  } else {
    counters_.snatReturns.add();
  }
  if (auto v = encapStage(packet, ctx, outerSource)) return *v;
  counters_.txPackets.add();
  counters_.txBytes.add(packet.size());
  return Verdict::forward(Egress::Underlay, ctx.target);
}

std::optional<Verdict> MuxForwarder::parseStage(PacketBuf& packet, Context& ctx) {
  auto parsed = PacketView::parse(packet.data());
  if (!parsed) return drop(parsed.error());
  ctx.view = *parsed;
  // Bytes past the IPv4 total length (link padding) must not travel inside the tunnel.
  packet.resize(ctx.view.size());
  if (!offloadConsistent(packet.offload(), ctx.view)) return drop(DropReason::BadOffload);
  return std::nullopt;
}

// Azure's frontend reachability: a Standard public frontend answers an echo request from the
// health of its rules; anything else ICMP is not for a MUX.
Verdict MuxForwarder::pingStage(PacketBuf& packet, const Context& ctx) {
  if (!isEchoRequest(ctx.view)) return drop(DropReason::UnsupportedProtocol);
  switch (config_->pingAnswer(ctx.view.dst())) {
    case PingAnswer::EchoReply:
      makeEchoReply(packet, ctx.view);
      counters_.pingReplies.add();
      break;
    case PingAnswer::HostUnreachable:
      if (!makeHostUnreachable(packet, ctx.view, ctx.view.dst())) return drop(DropReason::TooBig);
      counters_.pingUnreachables.add();
      break;
    case PingAnswer::None:  // a Basic or internal frontend, or no backend behind it
      return drop(DropReason::UnsupportedProtocol);
  }
  counters_.txPackets.add();
  counters_.txBytes.add(packet.size());
  return Verdict::forward(Egress::Underlay, Ipv4Address{loadBe32(packet.data(), Ipv4Header::kOffDst)});
}

std::optional<Verdict> MuxForwarder::classifyStage(Context& ctx) {
  if (!ctx.view.hasPorts()) return drop(DropReason::UnsupportedProtocol);
  ctx.rule = config_->findFrontend(ctx.view.dst(), ctx.view.protocolNumber(), ctx.view.dstPort());
  if (ctx.rule != nullptr) return std::nullopt;
  const auto owner = config_->snat().ownerOf(ctx.view.dst(), ctx.view.dstPort());
  if (!owner) return drop(DropReason::UnknownFrontend);
  ctx.target = *owner;
  return std::nullopt;
}

std::optional<Verdict> MuxForwarder::selectBackendStage(Context& ctx, Nanos now) {
  const Rule& rule = *ctx.rule;
  if (rule.kind == RuleKind::InboundNatRule) {
    ctx.backend = &rule.backends.front();
    return std::nullopt;
  }
  const FlowKey key = ctx.view.flowKey();
  MuxFlow* flow = flows_.find(key, now);
  if (flow != nullptr) {
    if (flow->configInstance == config_->instanceId() && flow->rule == rule.index) {
      ctx.backend = &rule.backends[flow->backend];
    } else {
      // Created under an older snapshot: follow the backend by id, if the rule still has it.
      const std::uint32_t index = rule.findBackend(flow->backendKey);
      if (index != MaglevTable::kNoBackend) {
        *flow = MuxFlow{flow->backendKey, config_->instanceId(), rule.index, index};
        ctx.backend = &rule.backends[index];
      }
    }
    if (ctx.backend != nullptr && !ctx.backend->healthy) {
      // Azure's probe-down semantics: TCP flows stay on their backend (Standard keeps them even
      // when every backend is down; Basic drops them then); UDP flows move to a healthy one.
      if (ctx.view.protocol() == IpProtocol::Udp) {
        ctx.backend = nullptr;
      } else if (!rule.anyHealthy && !rule.keepTcpFlowsWhenAllDown) {
        return drop(DropReason::NoHealthyBackend);
      }
    }
    if (ctx.backend != nullptr) {
      counters_.flowHits.add();
      considerFastpath(ctx, *flow);
      return std::nullopt;
    }
  }
  const std::uint32_t index = rule.maglev->lookup(distributionHash(key, rule.loadDistribution));
  if (index == MaglevTable::kNoBackend) return drop(DropReason::NoHealthyBackend);
  ctx.backend = &rule.backends[index];
  const MuxFlow chosen{ctx.backend->key, config_->instanceId(), rule.index, index};
  if (flow != nullptr) {
    *flow = chosen;  // a UDP flow leaving an unhealthy backend
  } else {
    flows_.insert(key, chosen, now, rule.idleTimeout);
  }
  counters_.flowMisses.add();
  return std::nullopt;
}

// After the handshake (an ACK without SYN on a pinned flow), when the client is one of our VMs
// leaving through SNAT: its host sends the flow (as translated) to the backend's PA, the backend's
// host sends the replies (from the frontend) to the client's PA.
void MuxForwarder::considerFastpath(const Context& ctx, MuxFlow& flow) {
  if (flow.redirected || !config_->fastpath() || ctx.view.protocol() != IpProtocol::Tcp) return;
  if ((ctx.view.tcpFlags() & (TcpHeader::kSyn | TcpHeader::kAck)) != TcpHeader::kAck) return;
  const auto client = config_->snat().ownerOf(ctx.view.src(), ctx.view.srcPort());
  if (!client) return;
  flow.redirected = true;
  const FlowKey key = ctx.view.flowKey();
  redirects_ = FastpathRedirects{*client, Redirect{key, ctx.backend->hostIp}, ctx.backend->hostIp,
                                 Redirect{key.reversed(), *client}};
  counters_.fastpathRedirects.add();
}

std::optional<Verdict> MuxForwarder::encapStage(PacketBuf& packet, Context& ctx,
                                                Ipv4Address outerSource) {
  EncapParams params;
  params.outerSrc = outerSource;
  params.outerDst = ctx.target;
  params.maxOuterSize = options_.underlayMtu;
  if (!ctx.view.dontFragment()) params.id = nextIpId_++;
  if (auto reason = encapsulateIpip(packet, params)) return drop(*reason);
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// HostForwarder

HostForwarder::HostForwarder(const HostOptions& options,
                             std::shared_ptr<const ForwardingConfig> config)
    : options_(options), config_(orEmpty(std::move(config))), flows_(options.flowCapacity) {}

void HostForwarder::setConfig(std::shared_ptr<const ForwardingConfig> config) {
  config_ = orEmpty(std::move(config));
}

Verdict HostForwarder::drop(DropReason reason) {
  counters_.drop(reason).add();
  return Verdict::drop(reason);
}

Verdict HostForwarder::forwarded(const PacketBuf& packet, Verdict verdict) {
  counters_.txPackets.add();
  counters_.txBytes.add(packet.size());
  return verdict;
}

Verdict HostForwarder::processInbound(PacketBuf& packet, Nanos now) {
  counters_.rxPackets.add();
  counters_.rxBytes.add(packet.size());
  Context ctx;
  if (auto v = decapStage(packet, ctx)) return *v;
  if (auto v = matchBackendStage(ctx)) return *v;
  const Ipv4Address frontendIp = ctx.view.dst();
  const std::uint16_t frontendPort = ctx.view.dstPort();
  if (auto v = dnatStage(ctx, now)) return *v;
  // A superpacket crossed the underlay as one frame; it leaves for the VM sized for its link.
  if (auto reason = fitToLink(packet, ctx.view, options_.backendMtu)) return drop(*reason);
  frontends_.count(frontendIp, frontendPort, ctx.view.protocolNumber(), Direction::Inbound, packet,
                   ctx.view);
  return forwarded(packet, Verdict::forward(Egress::Backend, ctx.backend->ip));
}

std::optional<Verdict> HostForwarder::decapStage(PacketBuf& packet, Context& ctx) {
  const auto outer = PacketView::parse(packet.data());
  if (!outer) return drop(outer.error());
  ctx.underlay = outer->dst();
  auto inner = decapsulateIpip(packet, *outer);
  if (!inner) return drop(inner.error());
  ctx.view = *inner;
  packet.resize(ctx.view.size());
  if (!offloadConsistent(packet.offload(), ctx.view)) return drop(DropReason::BadOffload);
  ctx.l4Partial = packet.offload().needsCsum;
  return std::nullopt;
}

std::optional<Verdict> HostForwarder::matchBackendStage(Context& ctx) {
  if (!ctx.view.hasPorts()) return drop(DropReason::UnsupportedProtocol);
  const auto match = config_->findHostBackend(ctx.underlay, ctx.view.dst(),
                                              ctx.view.protocolNumber(), ctx.view.dstPort());
  if (!match) return drop(DropReason::UnknownBackend);
  ctx.rule = match->rule;
  ctx.backend = &match->rule->backends[match->backend];
  return std::nullopt;
}

namespace {

/// Follows one TCP segment of a host flow: the ACK number of each side (its RCV.NXT, what an RST
/// to it must carry as sequence number) and whether the connection is closing.
void trackTcp(HostFlow& flow, const PacketView& view, bool fromClient) {
  if (view.protocol() != IpProtocol::Tcp) return;
  const std::uint8_t flags = view.tcpFlags();
  if ((flags & (TcpHeader::kFin | TcpHeader::kRst)) != 0) flow.tcp |= HostFlow::kClosed;
  if ((flags & TcpHeader::kAck) == 0) return;
  if (fromClient) {
    flow.clientAck = view.tcpAck();
    flow.tcp |= HostFlow::kClientAcked;
  } else {
    flow.serverAck = view.tcpAck();
    flow.tcp |= HostFlow::kServerAcked;
  }
}

}  // namespace

std::optional<Verdict> HostForwarder::dnatStage(Context& ctx, Nanos now) {
  const PacketView& view = ctx.view;
  // Floating IP: the backend owns the frontend IP, so only the port is translated (to the
  // rule's backend port); the address stays the frontend's.
  const bool floating = ctx.rule->floatingIp;
  const Ipv4Address target = floating ? view.dst() : ctx.backend->ip;
  const std::uint16_t backendPort = ctx.rule->backendPortFor(view.dstPort());
  const bool tcp = view.protocol() == IpProtocol::Tcp;
  const bool syn = tcp && (view.tcpFlags() & (TcpHeader::kSyn | TcpHeader::kAck)) == TcpHeader::kSyn;
  // Keyed as the backend's reply will be: (backend ip:port -> client ip:port).
  const FlowKey replyKey{target, view.src(), backendPort, view.srcPort(), view.protocolNumber()};
  HostFlow* flow = flows_.find(replyKey, now);
  if (flow != nullptr) {
    counters_.flowHits.add();
    if (syn) flow->tcp = 0;  // the 5-tuple starts a new connection
  } else {
    // Azure drops a TCP flow it has forgotten (idle timeout): only a SYN starts one.
    if (tcp && !syn) return drop(DropReason::NoFlowState);
    flow = &flows_.insert(replyKey, HostFlow{}, now, ctx.rule->idleTimeout);
    counters_.flowMisses.add();
  }
  flow->frontendIp = view.dst();
  flow->frontendPort = view.dstPort();
  flow->vmUnderlay = ctx.underlay;
  flow->tcp = static_cast<std::uint8_t>(flow->tcp & ~(HostFlow::kResetOnIdle | HostFlow::kInternal));
  if (tcp && ctx.rule->tcpReset) flow->tcp |= HostFlow::kResetOnIdle;
  if (!ctx.rule->vnet.empty()) flow->tcp |= HostFlow::kInternal;
  trackTcp(*flow, view, /*fromClient=*/true);
  if (!floating || backendPort != view.dstPort()) rewriteDestination(view, target, backendPort, ctx.l4Partial);
  return std::nullopt;
}

Verdict HostForwarder::processOutbound(PacketBuf& packet, Nanos now) {
  counters_.rxPackets.add();
  counters_.rxBytes.add(packet.size());
  Context ctx;
  if (auto v = parseOutboundStage(packet, ctx)) return *v;
  if (auto v = snatStage(ctx, now)) return *v;
  // Replies leave from the frontend now (floating IP: they already did).
  frontends_.count(ctx.view.src(), ctx.view.srcPort(), ctx.view.protocolNumber(),
                   Direction::Outbound, packet, ctx.view);
  return forwarded(packet, Verdict::forward(Egress::Underlay, ctx.view.dst()));
}

std::optional<Verdict> HostForwarder::snatIfReply(PacketBuf& packet, Nanos now) {
  const auto view = PacketView::parse(packet.data());
  if (!view || !view->hasPorts()) return std::nullopt;
  if (!offloadConsistent(packet.offload(), *view)) return std::nullopt;
  HostFlow* flow = flows_.find(view->flowKey(), now);
  if (flow == nullptr) return std::nullopt;
  trackTcp(*flow, *view, /*fromClient=*/false);
  counters_.rxPackets.add();
  counters_.rxBytes.add(packet.size());
  packet.resize(view->size());
  rewriteSource(*view, flow->frontendIp, flow->frontendPort, packet.offload().needsCsum);
  frontends_.count(flow->frontendIp, flow->frontendPort, view->protocolNumber(),
                   Direction::Outbound, packet, *view);
  counters_.flowHits.add();
  return forwarded(packet, Verdict::forward(Egress::Underlay, view->dst()));
}

std::optional<Verdict> HostForwarder::parseOutboundStage(PacketBuf& packet, Context& ctx) {
  auto parsed = PacketView::parse(packet.data());
  if (!parsed) return drop(parsed.error());
  ctx.view = *parsed;
  packet.resize(ctx.view.size());
  if (!ctx.view.hasPorts()) return drop(DropReason::UnsupportedProtocol);
  if (!offloadConsistent(packet.offload(), ctx.view)) return drop(DropReason::BadOffload);
  ctx.l4Partial = packet.offload().needsCsum;
  return std::nullopt;
}

std::optional<Verdict> HostForwarder::snatStage(Context& ctx, Nanos now) {
  const PacketView& view = ctx.view;
  if (HostFlow* flow = flows_.find(view.flowKey(), now)) {
    trackTcp(*flow, view, /*fromClient=*/false);
    rewriteSource(view, flow->frontendIp, flow->frontendPort, ctx.l4Partial);
    counters_.flowHits.add();
    return std::nullopt;
  }
  const Rule* rule = config_->findFrontend(view.src(), view.protocolNumber(), view.srcPort());
  if (rule != nullptr && rule->floatingIp) return std::nullopt;
  return drop(DropReason::NoReverseFlow);
}

}  // namespace azlb::dataplane
