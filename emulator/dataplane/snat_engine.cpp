#include "emulator/dataplane/snat_engine.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "emulator/dataplane/nat.h"
#include "emulator/dataplane/offload.h"

namespace azlb::dataplane {

namespace {

constexpr std::uint8_t kUdp = 17;

bool isSyn(const PacketView& v) {
  return v.protocol() == IpProtocol::Tcp &&
         (v.tcpFlags() & (TcpHeader::kSyn | TcpHeader::kAck)) == TcpHeader::kSyn;
}
/// The closing flags a TCP segment adds (SnatOut::kClosing for FIN, kReset for RST).
std::uint8_t closingFlags(const PacketView& v) {
  if (v.protocol() != IpProtocol::Tcp) return 0;
  const std::uint8_t f = v.tcpFlags();
  return static_cast<std::uint8_t>(((f & TcpHeader::kFin) != 0 ? SnatOut::kClosing : 0) |
                                   ((f & TcpHeader::kRst) != 0 ? SnatOut::kReset : 0));
}

/// The key of a reply as it arrives from the internet at the public address.
FlowKey backKeyOf(const FlowKey& out, Ipv4Address publicIp, std::uint16_t publicPort) {
  return FlowKey{out.dstIp, publicIp, out.dstPort, publicPort, out.protocol};
}
/// The VM-side key of a flow: the VM's underlay address stands for the VM (unique, unlike its
/// VNet address when VNets overlap).
FlowKey outKeyOf(Ipv4Address vm, const PacketView& view) {
  return FlowKey{vm, view.dst(), view.srcPort(), view.dstPort(), view.protocolNumber()};
}
/// A UDP socket's binding (VM side) and its owner entry (public side).
FlowKey bindingKey(Ipv4Address vm, std::uint16_t vmPort) { return FlowKey{vm, {}, vmPort, 0, kUdp}; }
FlowKey ownerKey(Ipv4Address ip, std::uint16_t port) { return FlowKey{{}, ip, 0, port, kUdp}; }

/// A flow's idle timeout given its closing flags: the shortest that applies.
Nanos timeoutOf(const SnatSpec& spec, std::uint8_t flags) {
  Nanos t = spec.idleTimeout;
  if ((flags & SnatOut::kClosing) != 0) t = std::min<Nanos>(t, spec.finLinger);
  if ((flags & SnatOut::kReset) != 0) t = std::min<Nanos>(t, spec.rstLinger);
  return t;
}

}  // namespace

SnatEngine::SnatEngine(std::size_t flowCapacity, std::shared_ptr<const ForwardingConfig> config)
    : out_(flowCapacity), back_(flowCapacity) {
  setConfig(std::move(config));
}

// Per-VM state follows the VM by underlay address, its counts by (VM, public address), so a new
// snapshot keeps them.
void SnatEngine::setConfig(std::shared_ptr<const ForwardingConfig> config) {
  config_ = config ? std::move(config) : ForwardingConfig::empty();
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::pair<std::uint64_t, std::uint64_t>> totals;
  std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> cursors;
  for (const VmState& vm : vms_) {
    cursors[vm.underlay] = {vm.cursorBlock, vm.cursorOffset};
    for (std::uint32_t s = 0; s < vm.slotCount; ++s) {
      const Slot& slot = slots_[vm.firstSlot + s];
      totals[{vm.underlay, slot.frontend.value}] = {slot.succeeded, slot.failed};
    }
  }
  vms_.clear();
  slots_.clear();
  blockSlot_.clear();
  for (const SnatSpec& spec : config_->snat().specs()) {
    VmState vm;
    vm.underlay = spec.underlay.value;
    if (auto c = cursors.find(vm.underlay); c != cursors.end() && c->second.first < spec.blocks.size() &&
                                            c->second.second < spec.blocks[c->second.first].count)
      std::tie(vm.cursorBlock, vm.cursorOffset) = c->second;
    vm.firstSlot = static_cast<std::uint32_t>(slots_.size());
    vm.firstBlock = static_cast<std::uint32_t>(blockSlot_.size());
    for (const PortBlock& b : spec.blocks) {
      std::size_t slot = vm.firstSlot;
      while (slot < slots_.size() && slots_[slot].frontend != b.ip) ++slot;
      if (slot == slots_.size()) {
        Slot fresh{b.ip, 0, 0, 0};
        if (auto t = totals.find({vm.underlay, b.ip.value}); t != totals.end())
          std::tie(fresh.succeeded, fresh.failed) = t->second;
        slots_.push_back(fresh);
      }
      if (!spec.oneToOne()) slots_[slot].allocated += b.count;
      blockSlot_.push_back(static_cast<std::uint32_t>(slot));
    }
    vm.slotCount = static_cast<std::uint32_t>(slots_.size()) - vm.firstSlot;
    vms_.push_back(vm);
  }
}

Verdict SnatEngine::drop(DropReason reason) {
  counters_.drop(reason).add();
  return Verdict::drop(reason);
}

Verdict SnatEngine::forwarded(const PacketBuf& packet, Verdict verdict) {
  counters_.txPackets.add();
  counters_.txBytes.add(packet.size());
  return verdict;
}

// Walks the VM's ports from where the last search stopped, so ports are handed out in turn.
template <typename Free>
std::optional<SnatEngine::Port> SnatEngine::allocate(const SnatSpec& spec, VmState& vm, Free&& free) {
  const std::uint32_t total = spec.portCount();
  std::uint32_t block = vm.cursorBlock, offset = vm.cursorOffset;
  for (std::uint32_t tried = 0; tried < total; ++tried) {
    const std::uint32_t at = block;
    const PortBlock& b = spec.blocks[at];
    const auto port = static_cast<std::uint16_t>(b.first + offset);
    if (++offset >= b.count) {
      offset = 0;
      block = block + 1 < spec.blocks.size() ? block + 1 : 0;
    }
    if (free(b.ip, port)) {
      vm.cursorBlock = block;
      vm.cursorOffset = offset;
      return Port{b.ip, port, blockSlot_[vm.firstBlock + at]};
    }
  }
  return std::nullopt;
}

std::optional<SnatEngine::Port> SnatEngine::newFlowPort(const SnatSpec& spec, VmState& vm,
                                                        const FlowKey& out, const PacketView& view,
                                                        Nanos now) {
  if (view.protocol() != IpProtocol::Udp) {
    return allocate(spec, vm, [&](Ipv4Address ip, std::uint16_t port) {
      return !back_.contains(backKeyOf(out, ip, port), now);
    });
  }
  // UDP: one public port per VM socket (port-restricted cone), reused for every destination.
  const FlowKey binding = bindingKey(out.srcIp, out.srcPort);
  if (const SnatOut* bound = out_.find(binding, now)) return Port{bound->publicIp, bound->publicPort, bound->slot};
  auto port = allocate(spec, vm, [&](Ipv4Address ip, std::uint16_t p) {
    return !back_.contains(ownerKey(ip, p), now);
  });
  if (!port) return std::nullopt;
  out_.insert(binding, SnatOut{port->ip, port->port, 0, port->slot}, now, spec.idleTimeout);
  back_.insert(ownerKey(port->ip, port->port), SnatBack{out.srcIp, view.src(), out.srcPort}, now,
               spec.idleTimeout);
  return port;
}

void SnatEngine::touchBinding(const FlowKey& out, const SnatOut& flow, Nanos now) {
  if (out.protocol != kUdp) return;
  (void)out_.find(bindingKey(out.srcIp, out.srcPort), now);
  (void)back_.find(ownerKey(flow.publicIp, flow.publicPort), now);
}

void SnatEngine::closeIfFin(SnatOut& flow, const FlowKey& outKey, const SnatBack& back,
                            const PacketView& view, const SnatSpec& spec, Nanos now) {
  const auto flags = static_cast<std::uint8_t>(flow.flags | closingFlags(view));
  if (flags == flow.flags) return;
  flow.flags = flags;
  const Nanos linger = timeoutOf(spec, flags);
  const SnatOut copy = flow;
  out_.insert(outKey, copy, now, linger);
  back_.insert(backKeyOf(outKey, copy.publicIp, copy.publicPort), back, now, linger);
}

Verdict SnatEngine::outbound(PacketBuf& packet, const PacketView& view, Ipv4Address vm, Nanos now) {
  counters_.rxPackets.add();
  counters_.rxBytes.add(packet.size());
  const SnatSpec* spec = config_->snat().find(vm);
  if (!view.hasPorts()) return drop(spec ? DropReason::UnsupportedProtocol : DropReason::NoOutbound);
  if (spec == nullptr || !spec->covers(view.protocolNumber())) return drop(DropReason::NoOutbound);
  if (spec->oneToOne()) {
    rewriteSource(view, spec->blocks.front().ip, view.srcPort(), packet.offload().needsCsum);
    return forwarded(packet, Verdict::forward(Egress::Underlay, view.dst()));
  }
  VmState& state = vms_[config_->snat().indexOf(*spec)];
  const FlowKey outKey = outKeyOf(vm, view);
  SnatOut* flow = out_.find(outKey, now);
  const SnatBack back{vm, view.src(), view.srcPort()};
  if (flow != nullptr && flow->flags != 0 && isSyn(view)) {
    // The VM reuses the 5-tuple of a closed connection: a new connection on the same port.
    flow->flags = 0;
    slots_[flow->slot].succeeded++;
    flow = &out_.insert(outKey, *flow, now, spec->idleTimeout);
    back_.insert(backKeyOf(outKey, flow->publicIp, flow->publicPort), back, now, spec->idleTimeout);
  }
  if (flow != nullptr) {
    counters_.flowHits.add();
    const FlowKey backKey = backKeyOf(outKey, flow->publicIp, flow->publicPort);
    if (back_.find(backKey, now) == nullptr)  // expired on its own: the port is still ours
      back_.insert(backKey, back, now, timeoutOf(*spec, flow->flags));
  } else {
    if (view.protocol() == IpProtocol::Tcp && !isSyn(view)) return drop(DropReason::NoFlowState);
    auto port = newFlowPort(*spec, state, outKey, view, now);
    if (!port) {
      slots_[state.firstSlot].failed++;
      return drop(DropReason::SnatExhausted);
    }
    slots_[port->slot].succeeded++;
    flow = &out_.insert(outKey, SnatOut{port->ip, port->port, 0, port->slot}, now, spec->idleTimeout);
    back_.insert(backKeyOf(outKey, port->ip, port->port), back, now, spec->idleTimeout);
    counters_.flowMisses.add();
  }
  touchBinding(outKey, *flow, now);
  const Ipv4Address publicIp = flow->publicIp;
  const std::uint16_t publicPort = flow->publicPort;
  closeIfFin(*flow, outKey, back, view, *spec, now);
  rewriteSource(view, publicIp, publicPort, packet.offload().needsCsum);
  return forwarded(packet, Verdict::forward(Egress::Underlay, view.dst()));
}

Verdict SnatEngine::inbound(PacketBuf& packet, const PacketView& view, Ipv4Address vm, Nanos now) {
  counters_.rxPackets.add();
  counters_.rxBytes.add(packet.size());
  const SnatSpec* spec = config_->snat().find(vm);
  if (spec == nullptr || !view.hasPorts()) return drop(DropReason::NoSnatMapping);
  if (spec->oneToOne()) {
    // An instance public IP: every port, new connections included, to the VM's own address.
    rewriteDestination(view, spec->ip, view.dstPort(), packet.offload().needsCsum);
    return forwarded(packet, Verdict::forward(Egress::Backend, spec->ip));
  }
  const FlowKey backKey = view.flowKey();
  SnatBack* back = back_.find(backKey, now);
  if (back == nullptr || back->vmUnderlay != vm) return drop(DropReason::NoSnatMapping);
  const SnatBack found = *back;
  const FlowKey outKey{vm, view.src(), found.vmPort, view.srcPort(), view.protocolNumber()};
  SnatOut* flow = out_.find(outKey, now);
  if (flow == nullptr) {  // expired on its own while its reply entry lived
    const std::uint32_t slot = vms_[config_->snat().indexOf(*spec)].firstSlot;
    flow = &out_.insert(outKey, SnatOut{view.dst(), view.dstPort(), 0, slot}, now, spec->idleTimeout);
  }
  counters_.flowHits.add();
  touchBinding(outKey, *flow, now);
  closeIfFin(*flow, outKey, found, view, *spec, now);
  rewriteDestination(view, found.vmIp, found.vmPort, packet.offload().needsCsum);
  return forwarded(packet, Verdict::forward(Egress::Backend, found.vmIp));
}

std::size_t SnatEngine::expireFlows(Nanos now, std::size_t budget) {
  return out_.expireIdle(now, budget) + back_.expireIdle(now, budget);
}

std::vector<SnatUsage> SnatEngine::usage(Nanos now) const {
  // Distinct (VM, public address, port) with a live flow or UDP binding.
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint16_t>> ports;
  out_.forEachLive(now, [&](const FlowKey& key, const SnatOut& flow) {
    if (key.dstIp.isUnspecified() && key.protocol == kUdp) return;  // a binding: its flows count
    ports.emplace_back(key.srcIp.value, flow.publicIp.value, flow.publicPort);
  });
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  std::vector<SnatUsage> out;
  const auto& specs = config_->snat().specs();
  for (std::size_t i = 0; i < specs.size() && i < vms_.size(); ++i) {
    if (specs[i].oneToOne()) continue;  // no SNAT ports: Azure shows none either
    for (std::uint32_t s = 0; s < vms_[i].slotCount; ++s) {
      const Slot& slot = slots_[vms_[i].firstSlot + s];
      SnatUsage u{specs[i].ip, specs[i].underlay, slot.frontend, specs[i].kind, slot.allocated, 0, slot.succeeded,
                  slot.failed};
      auto lo = std::lower_bound(ports.begin(), ports.end(), std::make_tuple(vms_[i].underlay, slot.frontend.value, std::uint16_t{0}));
      for (; lo != ports.end() && std::get<0>(*lo) == vms_[i].underlay && std::get<1>(*lo) == slot.frontend.value; ++lo)
        ++u.used;
      out.push_back(u);
    }
  }
  return out;
}

}  // namespace azlb::dataplane
