// The two packet engines: MuxForwarder (frontend packet -> backend choice -> IP-in-IP to the
// backend's host) and HostForwarder (decap + DNAT to the backend; SNAT of the backend's replies,
// direct server return). Each is owned and called by one forwarding thread; it keeps its own
// flow table and counters and reads an immutable ForwardingConfig. No I/O, no clock, no
// allocation, lock, exception or log per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "emulator/dataplane/counters.h"
#include "emulator/dataplane/frontend_counters.h"
#include "emulator/dataplane/fastpath.h"
#include "emulator/dataplane/flow_table.h"
#include "emulator/dataplane/forwarding_config.h"
#include "emulator/dataplane/ipv4_address.h"
#include "emulator/dataplane/nanos.h"
#include "emulator/dataplane/packet.h"
#include "emulator/dataplane/packet_buf.h"
#include "emulator/dataplane/verdict.h"

namespace azlb::dataplane {

struct MuxOptions {
  Ipv4Address underlayAddress{};  ///< this MUX: the outer source of every encapsulated packet
  std::size_t flowCapacity = 262144;
  std::size_t underlayMtu = 65535;  ///< outer packets larger than this are dropped as TooBig
  /// Outer IPv4 IDs of packets without DF count up from here (packets with DF get ID 0, RFC
  /// 6864). Give each forwarding thread of one MUX a different start.
  std::uint16_t firstIpId = 0;
};

/// What the MUX flow table remembers about a flow: the backend by stable key, plus a cached
/// index that is valid while the snapshot it came from is current.
struct MuxFlow {
  std::uint64_t backendKey = 0;
  std::uint64_t configInstance = 0;
  std::uint32_t rule = 0;
  std::uint32_t backend = 0;
  bool redirected = false;  ///< Fastpath: the two hosts have been told
};

/// The two redirects of one Fastpath flow: each goes to `to` (a VM's PA, so its host).
struct FastpathRedirects {
  Ipv4Address toClientHost{};  ///< the client VM's PA (owner of the SNAT port)
  Redirect forClientHost{};
  Ipv4Address toBackendHost{};  ///< the backend's PA
  Redirect forBackendHost{};
};

class MuxForwarder {
 public:
  /// Allocates the flow table. A null config means ForwardingConfig::empty().
  MuxForwarder(const MuxOptions& options, std::shared_ptr<const ForwardingConfig> config);

  /// Swaps the snapshot. Called on the forwarding thread between batches. Flows survive: a flow
  /// keeps its backend while that backend (by id) is still in its rule, healthy or not.
  void setConfig(std::shared_ptr<const ForwardingConfig> config);
  const ForwardingConfig& config() const { return *config_; }

  /// One packet from the frontend side, at packet.data(). A packet to no rule's frontend that is
  /// to a VM's SNAT port (or instance public IP) goes to that VM's PA unchanged: return traffic
  /// of outbound flows (ForwardingConfig::snat()). Forward: the packet has been
  /// encapsulated in place (outer src = this MUX, dst = the backend's underlay address), and the
  /// verdict's nextHop is that address, egress Underlay. Drop: counted per reason; the buffer
  /// may have been trimmed to the IPv4 total length. Called on the forwarding thread only.
  Verdict process(PacketBuf& packet, Nanos now);
  /// As process(), with `outerSource` as the outer source instead of this MUX's address: a host
  /// agent balancing a VM's packet to an internal frontend (the outer source is the VM's PA).
  Verdict process(PacketBuf& packet, Nanos now, Ipv4Address outerSource);

  /// Removes idle flows, scanning at most `budget`; call between batches.
  std::size_t expireFlows(Nanos now, std::size_t budget) { return flows_.expireIdle(now, budget); }

  /// The redirects the last process() call decided on (Fastpath), once: the caller sends them.
  std::optional<FastpathRedirects> takeRedirects() { return std::exchange(redirects_, std::nullopt); }

  const ForwarderCounters& counters() const { return counters_; }
  const FlowTableCounters& flowCounters() const { return flows_.counters(); }
  std::size_t flowCount() const { return flows_.size(); }
  /// The backend (Backend::key) a live flow-table entry pins the 5-tuple `key` to, if any
  /// (`azlb trace`). Changes nothing; forwarding thread only, like process().
  std::optional<std::uint64_t> pinnedBackend(const FlowKey& key, Nanos now) const {
    const MuxFlow* flow = flows_.peek(key, now);
    return flow == nullptr ? std::nullopt : std::optional<std::uint64_t>(flow->backendKey);
  }

 private:
  struct Context {
    PacketView view{};
    const Rule* rule = nullptr;  ///< null: SNAT return traffic to `target`
    const Backend* backend = nullptr;
    Ipv4Address target{};  ///< the outer destination: the backend's (or SNAT owner's) PA
  };

  std::optional<Verdict> parseStage(PacketBuf& packet, Context& ctx);
  /// ICMP to a frontend: the echo reply or host unreachable, written over the request.
  Verdict pingStage(PacketBuf& packet, const Context& ctx);
  std::optional<Verdict> classifyStage(Context& ctx);
  std::optional<Verdict> selectBackendStage(Context& ctx, Nanos now);
  std::optional<Verdict> encapStage(PacketBuf& packet, Context& ctx, Ipv4Address outerSource);
  /// An established TCP flow from one of our VMs' SNAT ports to a VIP: redirect both hosts.
  void considerFastpath(const Context& ctx, MuxFlow& flow);
  Verdict drop(DropReason reason);

  MuxOptions options_;
  std::optional<FastpathRedirects> redirects_{};
  std::shared_ptr<const ForwardingConfig> config_{};
  FlowTable<MuxFlow> flows_;
  ForwarderCounters counters_;
  std::uint16_t nextIpId_{};
};

struct HostOptions {
  std::size_t flowCapacity = 262144;  ///< reverse (SNAT) entries
  /// MTU of the VMs' links: a larger TCP superpacket from the underlay is handed to the VM as
  /// segments of this size (fitToLink in offload.h); anything else larger is dropped TooBig.
  std::size_t backendMtu = 1500;
};

/// What the host agent remembers for a backend's connection: the frontend to SNAT replies to.
struct HostFlow {
  /// TCP state bits the host agent keeps for enableTcpReset.
  static constexpr std::uint8_t kResetOnIdle = 0x01;  ///< the rule has enableTcpReset (TCP only)
  static constexpr std::uint8_t kClientAcked = 0x02;  ///< clientAck holds a value
  static constexpr std::uint8_t kServerAcked = 0x04;  ///< serverAck holds a value
  static constexpr std::uint8_t kClosed = 0x08;       ///< a FIN or RST went by: no RST at expiry
  static constexpr std::uint8_t kInternal = 0x10;     ///< an internal frontend's flow (client is a VM)

  Ipv4Address frontendIp{};
  std::uint16_t frontendPort = 0;
  std::uint8_t tcp = 0;
  Ipv4Address vmUnderlay{};     ///< the backend VM's underlay address (where the flow came in)
  std::uint32_t clientAck = 0;  ///< the last ACK number the client sent: its RCV.NXT
  std::uint32_t serverAck = 0;  ///< the last ACK number the backend sent: its RCV.NXT

  /// An established flow whose rule wants RSTs when it times out idle.
  bool wantsResetOnIdle() const {
    return (tcp & (kResetOnIdle | kClientAcked | kServerAcked | kClosed)) ==
           (kResetOnIdle | kClientAcked | kServerAcked);
  }
};

class HostForwarder {
 public:
  /// Allocates the reverse flow table. A null config means ForwardingConfig::empty().
  HostForwarder(const HostOptions& options, std::shared_ptr<const ForwardingConfig> config);

  /// Swaps the snapshot; called on the forwarding thread between batches. Reverse entries stay.
  void setConfig(std::shared_ptr<const ForwardingConfig> config);
  const ForwardingConfig& config() const { return *config_; }

  /// One packet from the underlay (IP-in-IP from a MUX). Decapsulates in place, finds the
  /// backend from (outer destination, inner frontend IP/protocol/port), rewrites the destination
  /// to backend IP:port (floating IP: frontend IP:backend port, the VM owns the frontend IP) and
  /// records the reverse flow.
  /// Forward: egress Backend, nextHop = the backend's IP. Called on the forwarding thread only.
  Verdict processInbound(PacketBuf& packet, Nanos now);

  /// One packet from a local backend. A reply on a recorded flow gets its source rewritten
  /// back to the frontend IP:port; a reply from a floating-IP frontend with no recorded flow
  /// (the agent restarted) passes unchanged. Both go straight to the router (direct server
  /// return): egress Underlay, nextHop = the client. Anything else: NoReverseFlow.
  Verdict processOutbound(PacketBuf& packet, Nanos now);

  /// For a backend's packet to a VM of its own VNet: when it is a reply on a recorded flow (an
  /// internal load balancer's client), rewrites its source back to the frontend and returns the
  /// verdict; otherwise returns nullopt and leaves the packet and the counters untouched.
  std::optional<Verdict> snatIfReply(PacketBuf& packet, Nanos now);

  std::size_t expireFlows(Nanos now, std::size_t budget) { return flows_.expireIdle(now, budget); }
  /// The same, calling onExpired(const FlowKey& replyKey, const HostFlow&) for each expired
  /// flow (keyed as the backend's reply: backend ip:port -> client ip:port).
  template <typename OnExpired>
  std::size_t expireFlows(Nanos now, std::size_t budget, OnExpired&& onExpired) {
    return flows_.expireIdle(now, budget, std::forward<OnExpired>(onExpired));
  }

  /// ByteCount / PacketCount / SYNCount per frontend and direction (any thread may read).
  const FrontendCounters& frontendCounters() const { return frontends_; }
  const ForwarderCounters& counters() const { return counters_; }
  const FlowTableCounters& flowCounters() const { return flows_.counters(); }
  std::size_t flowCount() const { return flows_.size(); }

 private:
  struct Context {
    PacketView view{};  // the inner packet on the way in; the backend's packet on the way out
    Ipv4Address underlay{};
    const Rule* rule = nullptr;
    const Backend* backend = nullptr;
    bool l4Partial = false;  // the TCP/UDP checksum is partial (virtio-net NEEDS_CSUM)
  };

  std::optional<Verdict> decapStage(PacketBuf& packet, Context& ctx);
  std::optional<Verdict> matchBackendStage(Context& ctx);
  std::optional<Verdict> dnatStage(Context& ctx, Nanos now);
  std::optional<Verdict> parseOutboundStage(PacketBuf& packet, Context& ctx);
  std::optional<Verdict> snatStage(Context& ctx, Nanos now);
  Verdict drop(DropReason reason);
  Verdict forwarded(const PacketBuf& packet, Verdict verdict);

  HostOptions options_;
  std::shared_ptr<const ForwardingConfig> config_{};
  FlowTable<HostFlow> flows_;
  FrontendCounters frontends_;
  ForwarderCounters counters_;
};

}  // namespace azlb::dataplane
