// The host agent's packet switch: decides, for each packet read from the host TUN (underlay) or
// from a (host, VNet) namespace's TUN, what to do and which TUN it leaves by. Inbound LB traffic
// (outer source = a MUX) goes through HostForwarder::processInbound to the backend VM's
// namespace; VM replies through processOutbound straight to the router (DSR); VM-to-VM traffic
// within one VNet across hosts is IP-in-IP between the two VMs' underlay addresses (PAs).
// Pure: no I/O, no clock, no allocation, lock or exception per packet. Ports are plain indexes
// the runtime maps to fds: port 0 is the host TUN, port 1 + i is host.vnetNamespaces[i], and
// after those one port per local VM link (HostPlan::links(), a packet socket that takes Ethernet
// frames): the way to one VM when the destination address (a floating IP) does not name it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "emulator/dataplane/counters.h"
#include "emulator/dataplane/fastpath.h"
#include "emulator/dataplane/forwarder.h"
#include "emulator/dataplane/forwarding_config.h"
#include "emulator/dataplane/ipv4_address.h"
#include "emulator/dataplane/nanos.h"
#include "emulator/dataplane/packet_buf.h"
#include "emulator/dataplane/snat_engine.h"
#include "emulator/runtime/nsg_hits.h"
#include "emulator/runtime/snapshot.h"

namespace azlb::runtime {

inline constexpr std::uint32_t kHostPort = 0;
inline constexpr std::uint32_t kNoPort = 0xFFFFFFFFU;

/// Why the host agent dropped a packet outside HostForwarder (whose drops are DropReasons).
enum class HostDropReason : std::uint8_t {
  UnknownUnderlaySource,       ///< outer source is neither a MUX nor a VM's underlay address
  UnknownUnderlayDestination,  ///< outer destination is no VM on this host
  VnetMismatch,                ///< VM-to-VM packet between the PAs of two different VNets
  SpoofedAddress,              ///< inner addresses are not those of the VMs behind the PAs
  NoVmLink,                    ///< a floating-IP packet for a VM without a link to write it to
  LocalDestination,            ///< (unused since the agent delivers local VM-to-VM itself)
  TrafficRuleDenied,           ///< a new VM-to-VM flow a cloud service's NetworkTrafficRules refuse
  NsgDenied,                   ///< a new flow network security groups deny (serve --nsg enforce)
  Count,
};
inline constexpr std::size_t kHostDropReasonCount = static_cast<std::size_t>(HostDropReason::Count);

constexpr std::string_view hostDropReasonName(HostDropReason reason) {
  switch (reason) {
    case HostDropReason::UnknownUnderlaySource:
      return "unknownUnderlaySource";
    case HostDropReason::UnknownUnderlayDestination:
      return "unknownUnderlayDestination";
    case HostDropReason::VnetMismatch:
      return "vnetMismatch";
    case HostDropReason::SpoofedAddress:
      return "spoofedAddress";
    case HostDropReason::NoVmLink:
      return "noVmLink";
    case HostDropReason::LocalDestination:
      return "localDestination";
    case HostDropReason::TrafficRuleDenied:
      return "trafficRuleDenied";
    case HostDropReason::NsgDenied:
      return "nsgDenied";
    case HostDropReason::Count:
      break;
  }
  return "unknown";
}

/// A host agent's compiled view of one snapshot: its forwarding config plus the VM tables the
/// switch searches (sorted vectors, binary search). Immutable; built on the control thread.
class HostPlan {
 public:
  struct Vm {
    dataplane::Ipv4Address ip{};
    dataplane::Ipv4Address underlay{};
    std::uint32_t vnet = 0;  // interned VNet id
    std::uint32_t host = 0;
    std::uint32_t port = kNoPort;  // this host's VMs: the port of their namespace
    std::uint32_t linkPort = kNoPort;  // this host's VMs with a link: the port of that link
    std::array<std::uint8_t, 6> mac{};  // with linkPort: the VM end's Ethernet address
    std::int32_t subnetGroup = -1, nicGroup = -1;  // network security groups (group()), -1: none
  };
  /// A local VM's link in its (host, VNet) namespace, which the runtime opens a sender on.
  struct Link {
    std::string ns;
    std::string name;
  };

  /// Validates `snapshot` for host agent `hostIndex` and compiles it. Errors (EINVAL) name the
  /// object: a snapshot for another host, a bad underlayRange, duplicate or empty namespace or
  /// TUN names, a VM of this host whose hostNamespace is not listed or serves another VNet, two
  /// VMs with one underlay address or with one address in one VNet, a VM on a MUX's address,
  /// and every ForwardingConfig::build error. The network security groups' rules get their hit
  /// counters' slots from `hits` (none counted without one).
  static Result<std::shared_ptr<const HostPlan>> build(const Snapshot& snapshot,
                                                      std::uint32_t hostIndex,
                                                      std::shared_ptr<NsgHitTable> hits = nullptr);
  /// No rules, no VMs, no VNet namespaces (before the first snapshot).
  static std::shared_ptr<const HostPlan> empty(std::uint32_t hostIndex);

  std::uint64_t version() const { return version_; }
  std::uint32_t hostIndex() const { return hostIndex_; }
  const std::shared_ptr<const dataplane::ForwardingConfig>& forwarding() const {
    return forwarding_;
  }
  /// Ports: 1 (host TUN) + one per VNet namespace + one per local VM link.
  std::size_t portCount() const { return 1 + portVnet_.size() + links_.size(); }
  /// The local VMs' links, in port order: links()[i] is port 1 + VNet namespaces + i.
  const std::vector<Link>& links() const { return links_; }

  bool isMux(dataplane::Ipv4Address underlay) const;
  const Vm* findByUnderlay(dataplane::Ipv4Address underlay) const;
  const Vm* findInVnet(std::uint32_t vnet, dataplane::Ipv4Address ip) const;
  /// The VNet a port's namespace serves; nullopt for the host port or an unknown port.
  std::optional<std::uint32_t> vnetOfPort(std::uint32_t port) const;
  /// The VNet of an internal frontend's rule; nullopt for a public one.
  std::optional<std::uint32_t> vnetOfRule(const dataplane::Rule& rule) const;
  /// Whether a new flow (protocol 6/17) from src to dst:port within `vnet` is allowed by the
  /// snapshot's traffic filters (TrafficFilter): true when no filter covers dst:port.
  bool allowsNewFlow(std::uint32_t vnet, dataplane::Ipv4Address src, dataplane::Ipv4Address dst,
                     std::uint8_t protocol, std::uint16_t port) const;

  NsgMode nsgMode() const { return nsgMode_; }
  /// Network security group `index`'s rules of one direction; nullptr for -1.
  const dataplane::NsgRules* group(std::int32_t index, bool inbound) const {
    if (index < 0 || static_cast<std::size_t>(index) >= nsgInbound_.size()) return nullptr;
    return inbound ? &nsgInbound_[static_cast<std::size_t>(index)]
                   : &nsgOutbound_[static_cast<std::size_t>(index)];
  }
  NsgHitTable* hits() const { return hits_.get(); }

 private:
  HostPlan() = default;
  struct Filter {
    std::uint64_t key = 0;  // vnetIpKey(vnet, destination)
    std::uint8_t protocol = 0;
    std::uint16_t portMin = 0, portMax = 0;
    std::vector<std::uint32_t> allowed;  // sorted source addresses
  };
  void compileFilters(const std::vector<TrafficFilter>& filters,
                      const std::map<std::string, std::uint32_t>& vnetIds);
  void compileSecurity(const HostSecurity& security, std::shared_ptr<NsgHitTable> hits);

  std::uint64_t version_ = 0;
  std::uint32_t hostIndex_ = 0;
  std::shared_ptr<const dataplane::ForwardingConfig> forwarding_;
  std::vector<std::uint32_t> muxes_;   // sorted underlay addresses
  std::vector<Vm> vms_;                // sorted by underlay
  std::vector<std::pair<std::uint64_t, std::uint32_t>> byVnetIp_;  // (vnet << 32 | ip) -> vms_
  std::vector<std::uint32_t> portVnet_;  // [port - 1] -> vnet
  std::vector<Link> links_;
  std::vector<std::uint32_t> ruleVnet_;  // [rule index] -> vnet, or kNoVnet for public rules
  std::vector<Filter> filters_;          // sorted by key
  NsgMode nsgMode_ = NsgMode::Off;
  std::vector<dataplane::NsgRules> nsgInbound_, nsgOutbound_;  // [group]
  std::shared_ptr<NsgHitTable> hits_;
};

/// Drops and path counts of one HostSwitch. Single writer (the forwarding thread).
struct HostSwitchCounters {
  /// Drops of packets HostForwarder never saw (parse and decap failures on the VNet paths).
  std::array<dataplane::Counter, dataplane::kDropReasonCount> drops{};
  std::array<dataplane::Counter, kHostDropReasonCount> hostDrops{};
  dataplane::Counter lbInbound;    ///< MUX -> VM (decap + DNAT)
  dataplane::Counter dsrOutbound;  ///< VM -> client, SNAT back to the frontend (DSR)
  dataplane::Counter vnetEncap;    ///< VM -> VM of the same VNet on another host, sent
  dataplane::Counter vnetDecap;    ///< VM -> VM of the same VNet from another host, delivered
  dataplane::Counter vnetLocal;    ///< VM -> VM of the same VNet and host, handed back unchanged
  dataplane::Counter ilbEncap;     ///< VM -> internal frontend: balanced here, sent to the backend's PA
  dataplane::Counter ilbInbound;   ///< internal-frontend packet from a VM's host, DNATed to its backend
  dataplane::Counter ilbReply;     ///< backend -> internal LB client VM, SNATed to the frontend
  dataplane::Counter idleResets;   ///< RSTs sent because an enableTcpReset flow timed out idle
  dataplane::Counter snatOutbound; ///< VM -> internet, source translated (SnatEngine)
  dataplane::Counter snatInbound;  ///< internet -> VM via a MUX, destination translated back
  dataplane::Counter fastpathRedirects;  ///< redirects taken from the MUXes (Fastpath)
  dataplane::Counter fastpathOut;  ///< VIP-to-VIP packets sent straight to the peer host
  dataplane::Counter fastpathIn;   ///< VIP-to-VIP packets received straight from the peer host
  dataplane::Counter nsgChecked;   ///< new flows checked against network security groups
  dataplane::Counter nsgDenials;   ///< of those, denied by Azure's rules (dropped only with enforce)
  dataplane::Counter nsgLogLost;   ///< denials not logged: the event queue was full

  dataplane::Counter& hostDrop(HostDropReason r) { return hostDrops[static_cast<std::size_t>(r)]; }
  std::uint64_t hostDropped(HostDropReason r) const {
    return hostDrops[static_cast<std::size_t>(r)].value();
  }
};

struct HostSwitchOptions {
  std::size_t flowCapacity = 262144;  ///< HostForwarder reverse (SNAT) entries
  std::size_t underlayMtu = 65535;    ///< VM-to-VM outer packets above this are dropped (TooBig)
  std::size_t vmMtu = 1500;           ///< the VMs' links: superpackets are sized for it
};

class HostSwitch {
 public:
  /// Allocates the forwarder's flow table. `plan` must not be null.
  HostSwitch(const HostSwitchOptions& options, std::shared_ptr<const HostPlan> plan);

  /// Swaps the plan (and the forwarder's config) between batches. Reverse flows survive.
  void setPlan(std::shared_ptr<const HostPlan> plan);
  const std::shared_ptr<const HostPlan>& plan() const { return plan_; }

  /// One packet read from `inPort`. Returns the port to write it to, rewritten in place, or
  /// kNoPort when it is dropped (counted per reason here or in the forwarder). Called on the
  /// forwarding thread only.
  std::uint32_t process(std::uint32_t inPort, dataplane::PacketBuf& packet, dataplane::Nanos now);

  std::size_t expireFlows(dataplane::Nanos now, std::size_t budget) {
    return forwarder_.expireFlows(now, budget) + snat_.expireFlows(now, budget) + fastpath_.expireIdle(now, budget) +
           nsgFlows_.expireIdle(now, budget);
  }
  /// The same, and for each expired established flow of an enableTcpReset rule builds an RST to
  /// the client (from the frontend) and one to the backend VM (from the client) and calls
  /// emit(port, PacketBuf&) with each; the buffer is reused after emit returns. Called on the
  /// forwarding thread only (from housekeeping, between batches).
  template <typename Emit>
  std::size_t expireFlows(dataplane::Nanos now, std::size_t budget, Emit&& emit) {
    return snat_.expireFlows(now, budget) + fastpath_.expireIdle(now, budget) + nsgFlows_.expireIdle(now, budget) +
           forwarder_.expireFlows(now, budget, [&](const dataplane::FlowKey& key, const dataplane::HostFlow& flow) {
      if (!flow.wantsResetOnIdle()) return;
      if (const std::uint32_t port = resetToClient(key, flow); port != kNoPort) {
        counters_.idleResets.add();
        emit(port, scratch_);
      }
      if (const std::uint32_t port = resetToBackend(key, flow); port != kNoPort) {
        counters_.idleResets.add();
        emit(port, scratch_);
      }
    });
  }
  const dataplane::HostForwarder& forwarder() const { return forwarder_; }
  const dataplane::SnatEngine& snat() const { return snat_; }
  /// The Fastpath flows this host sends straight to a peer host: "src:port -> dst:port via PA".
  /// Allocates: housekeeping only.
  std::vector<std::string> fastpathFlows(dataplane::Nanos now, std::size_t max) const;
  const HostSwitchCounters& counters() const { return counters_; }
  HostSwitchCounters& counters() { return counters_; }

  /// A flow network security groups deny, for the agent's log.
  struct NsgEvent {
    dataplane::FlowKey flow{};  ///< as the VM sees it
    dataplane::Ipv4Address vm{};
    bool inbound = true;
    bool dropped = false;  ///< enforce: dropped; warn: let through
    /// The deciding rule's hit-counter slot; kNoSlot: no group at either level of a Standard
    /// frontend's or public IP's VM (closed by default), or a rule without a slot.
    std::uint32_t slot = dataplane::NsgRule::kNoSlot;
    bool noGroup = false;
  };
  /// Calls f(const NsgEvent&) for each denial recorded since the last call (at most
  /// kNsgEvents; the rest are counted in nsgLogLost). Forwarding thread, between batches.
  template <typename F>
  void drainNsgEvents(F&& f) {
    for (std::size_t i = 0; i < nsgEventCount_; ++i) f(nsgEvents_[i]);
    nsgEventCount_ = 0;
  }
  static constexpr std::size_t kNsgEvents = 64;

 private:
  /// Whether network security groups look at this packet of `flow`: a TCP SYN without ACK, a
  /// UDP datagram of a flow not let through before (either direction); never with --nsg off.
  bool nsgFresh(const dataplane::PacketView& view, const dataplane::FlowKey& flow, dataplane::Nanos now) const;
  /// Azure's verdict on a new flow of `vm` (inbound: its subnet's group, then its NIC's;
  /// outbound: NIC, then subnet; no group at either level: open, except inbound through a
  /// Standard frontend or public IP, `standard`). Counts the deciding rule's hit and records a
  /// denial. False: drop it (enforce).
  bool nsgAdmits(const HostPlan::Vm& vm, const dataplane::FlowKey& flow, bool inbound, bool standard);
  /// A load-balanced packet for `target` (from a MUX, or an internal frontend's client's host),
  /// as the VM will see it after DNAT.
  bool admitsBalanced(const HostPlan::Vm& target, const dataplane::PacketView& inner,
                      const dataplane::ForwardingConfig::HostMatch& match, dataplane::Nanos now);
  /// A VM's packet leaving it (to the internet, or to an internal frontend): its outbound rules.
  bool admitsOutbound(const HostPlan::Vm& source, const dataplane::PacketView& view, dataplane::Nanos now);
  /// A packet to a VM's public IP or SNAT port, translated (`translated` views the rewritten
  /// buffer): an unsolicited one is inbound.
  bool admitsToPublicIp(const HostPlan::Vm& target, const dataplane::PacketView& translated, dataplane::Nanos now);
  /// A UDP flow let through: its later datagrams and replies are not checked again.
  void nsgRemember(const dataplane::PacketView& view, const dataplane::FlowKey& flow, dataplane::Nanos now);

  std::uint32_t fromUnderlay(dataplane::PacketBuf& packet, dataplane::Nanos now);
  std::uint32_t fromVnet(std::uint32_t inPort, dataplane::PacketBuf& packet, dataplane::Nanos now);
  /// A MUX's packet that no load-balancing or NAT rule of `target` takes: return traffic of
  /// one of its outbound (SNAT) flows, or a connection to its instance public IP.
  std::uint32_t snatReturn(const HostPlan::Vm& target, dataplane::PacketBuf& packet,
                           const dataplane::PacketView& outer, dataplane::Nanos now);
  /// A packet from a VM of `vnet` leaving the VNet that is no reply on a load-balanced flow.
  std::uint32_t leaveVnet(std::uint32_t inPort, std::uint32_t vnet, dataplane::PacketBuf& packet,
                          const dataplane::PacketView& view, dataplane::Nanos now);
  /// A MUX's Fastpath redirect for one of this host's VMs: remembered, nothing forwarded.
  std::uint32_t acceptRedirect(const dataplane::PacketView& outer, dataplane::Nanos now);
  /// A translated packet about to leave for the router: when its flow is on Fastpath, it is
  /// encapsulated from `vm` (the sending VM's PA) to the peer host's VM instead. Always kHostPort.
  std::uint32_t toRouterOrPeer(dataplane::PacketBuf& packet, dataplane::Ipv4Address vm, dataplane::Nanos now);
  /// A packet from another host's VM PA on a Fastpath flow of `target` (the peer is that PA):
  /// handled as if a MUX had sent it. nullopt: not a Fastpath packet.
  std::optional<std::uint32_t> fastpathIn(const dataplane::PacketView& outer, const HostPlan::Vm& target,
                                          dataplane::PacketBuf& packet, dataplane::Nanos now);
  std::uint32_t drop(dataplane::DropReason reason);
  std::uint32_t drop(HostDropReason reason);
  /// The port that takes an inbound packet to local VM `vm`: its namespace when the destination
  /// is its own address, else (floating IP) its link, with an Ethernet header put in front.
  std::uint32_t deliver(const HostPlan::Vm& vm, dataplane::PacketBuf& packet);
  /// Builds in scratch_ the idle-timeout RST for the client (or the backend) of an expired flow
  /// and returns the port it leaves by; kNoPort when there is no way to it any more.
  std::uint32_t resetToClient(const dataplane::FlowKey& key, const dataplane::HostFlow& flow);
  std::uint32_t resetToBackend(const dataplane::FlowKey& key, const dataplane::HostFlow& flow);

  HostSwitchOptions options_;
  std::shared_ptr<const HostPlan> plan_;
  dataplane::HostForwarder forwarder_;
  /// Internal load balancing: a VM's packet to an internal frontend of its VNet is balanced by
  /// the source host agent (Azure does this in the host, not in the MUXes).
  dataplane::MuxForwarder ilb_;
  dataplane::SnatEngine snat_;  ///< the VMs' outbound flows (ARCHITECTURE §3, Outbound)
  struct FastpathEntry {
    dataplane::Ipv4Address peer{};  ///< the other VM's PA
    dataplane::Ipv4Address vm{};    ///< this host's VM's PA
  };
  /// Fastpath flows keyed as their packets leave this host (translated).
  dataplane::FlowTable<FastpathEntry> fastpath_;
  HostSwitchCounters counters_;
  std::uint16_t nextIpId_ = 0;
  dataplane::PacketBuf scratch_{256};  ///< RSTs the agent makes itself
  std::array<NsgEvent, kNsgEvents> nsgEvents_{};
  std::size_t nsgEventCount_ = 0;
  /// UDP flows network security groups let through, keyed as first seen.
  dataplane::FlowTable<std::uint8_t> nsgFlows_;
};

}  // namespace azlb::runtime
