// SnatEngine: a host agent's outbound SNAT (ARCHITECTURE §3, Outbound). A VM's new flow out of
// its VNet gets a port of the VM's blocks on one of its public addresses: TCP may use one port
// for several destinations (a port is free for a destination IP:port no flow of it uses), UDP is
// port-restricted cone (one public port per VM socket while it lives; replies only from where
// the socket sent). Return traffic comes from a MUX (which knows the port's owner) and is
// translated back. An instance public IP is 1:1 and stateless: the address changes, the port
// does not, and new inbound connections reach the VM too.
// Owned and called by one forwarding thread; no allocation, lock or exception per packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "emulator/dataplane/counters.h"
#include "emulator/dataplane/flow_table.h"
#include "emulator/dataplane/forwarding_config.h"
#include "emulator/dataplane/nanos.h"
#include "emulator/dataplane/packet.h"
#include "emulator/dataplane/packet_buf.h"
#include "emulator/dataplane/snat.h"
#include "emulator/dataplane/verdict.h"

namespace azlb::dataplane {

/// One (VM, public address) pair as Azure Monitor's SNAT metrics show it.
struct SnatUsage {
  Ipv4Address vm{};        ///< the VM's private address (BackendIPAddress)
  Ipv4Address underlay{};  ///< the VM's PA (a host agent reports only its own VMs)
  Ipv4Address frontend{};  ///< the public address (FrontendIPAddress)
  OutboundKind kind = OutboundKind::OutboundRule;
  std::uint32_t allocated = 0;  ///< AllocatedSnatPorts
  std::uint32_t used = 0;       ///< UsedSnatPorts: ports with at least one live flow
  std::uint64_t succeeded = 0;  ///< SnatConnectionCount{ConnectionState=succeeded}
  std::uint64_t failed = 0;     ///< SnatConnectionCount{ConnectionState=failed}: no free port
};

/// The VM-side state of a SNAT flow, keyed (VM underlay, remote, VM port, remote port, protocol).
struct SnatOut {
  static constexpr std::uint8_t kClosing = 0x01;  ///< a FIN went by: the port lingers (finLinger)
  static constexpr std::uint8_t kReset = 0x02;    ///< an RST went by: the port lingers (rstLinger)
  Ipv4Address publicIp{};
  std::uint16_t publicPort = 0;
  std::uint8_t flags = 0;
  std::uint32_t slot = 0;  ///< the (VM, public address) usage slot
};

/// The internet-side state, keyed as the reply arrives (remote, public IP, remote port, public
/// port, protocol). A UDP binding's owner entry has remote 0.0.0.0:0.
struct SnatBack {
  Ipv4Address vmUnderlay{};
  Ipv4Address vmIp{};
  std::uint16_t vmPort = 0;
};

class SnatEngine {
 public:
  explicit SnatEngine(std::size_t flowCapacity, std::shared_ptr<const ForwardingConfig> config);

  /// Swaps the snapshot between batches (allocates the per-VM state). Flows survive.
  void setConfig(std::shared_ptr<const ForwardingConfig> config);

  /// A packet the VM with underlay `vm` (address view.src()) sends out of its VNet. Forward: its
  /// source is now a public IP:port, egress Underlay. Drop: NoOutbound (no outbound for this
  /// protocol), SnatExhausted (no free port for the destination), NoFlowState (a TCP segment of
  /// a flow the engine does not know), UnsupportedProtocol.
  Verdict outbound(PacketBuf& packet, const PacketView& view, Ipv4Address vm, Nanos now);
  /// A decapsulated packet from a MUX to a public address of the VM with underlay `vm`.
  /// Forward: destination translated back to the VM, egress Backend. Drop: NoSnatMapping.
  Verdict inbound(PacketBuf& packet, const PacketView& view, Ipv4Address vm, Nanos now);

  /// Removes idle flows (scans at most `budget` of each table).
  std::size_t expireFlows(Nanos now, std::size_t budget);
  /// Every (VM, public address) of the snapshot with its counts; `used` is counted over the
  /// live flows now. Allocates: call from housekeeping, about once a second.
  std::vector<SnatUsage> usage(Nanos now) const;

  const ForwarderCounters& counters() const { return counters_; }
  std::size_t flowCount() const { return out_.size(); }

 private:
  struct Slot {
    Ipv4Address frontend{};
    std::uint32_t allocated = 0;
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;
  };
  struct VmState {
    std::uint32_t underlay = 0;
    std::uint32_t firstSlot = 0;   // its slots: [firstSlot, firstSlot + slotCount)
    std::uint32_t slotCount = 0;
    std::uint32_t firstBlock = 0;  // blockSlot_[firstBlock + b]: the slot of its block b
    std::uint32_t cursorBlock = 0;  // where the next port search starts
    std::uint32_t cursorOffset = 0;
  };
  struct Port {
    Ipv4Address ip{};
    std::uint16_t port = 0;
    std::uint32_t slot = 0;
  };

  Verdict drop(DropReason reason);
  Verdict forwarded(const PacketBuf& packet, Verdict verdict);
  /// The first port of the VM's blocks, from its cursor on, for which free(ip, port) holds.
  template <typename Free>
  std::optional<Port> allocate(const SnatSpec& spec, VmState& vm, Free&& free);
  /// A new flow's public port: TCP any port no flow to the same destination uses; UDP the
  /// socket's binding (made when it has none). nullopt: exhausted (counted as failed).
  std::optional<Port> newFlowPort(const SnatSpec& spec, VmState& vm, const FlowKey& out,
                                  const PacketView& view, Nanos now);
  /// Refreshes a UDP socket's binding and owner entries (they live as long as its flows).
  void touchBinding(const FlowKey& out, const SnatOut& flow, Nanos now);
  /// After a FIN (or an RST) the flow's entries get the spec's FIN (RST) linger as idle timeout.
  void closeIfFin(SnatOut& flow, const FlowKey& outKey, const SnatBack& back,
                  const PacketView& view, const SnatSpec& spec, Nanos now);

  std::shared_ptr<const ForwardingConfig> config_;
  FlowTable<SnatOut> out_;
  FlowTable<SnatBack> back_;
  std::vector<VmState> vms_;  // parallel to config_->snat().specs()
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> blockSlot_;
  ForwarderCounters counters_;
};

}  // namespace azlb::dataplane
