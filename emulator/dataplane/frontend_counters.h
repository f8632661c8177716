// Traffic per frontend (IP, port, protocol) and direction: Azure Monitor's ByteCount,
// PacketCount and SYNCount with their FrontendIPAddress / FrontendPort / Direction dimensions.
// The host agent counts where it translates: inbound after DNAT, outbound (replies) at the
// reverse NAT. A fixed open-addressing table made once: the forwarding thread (the only writer)
// claims a slot the first time it sees a frontend and adds with relaxed stores; any thread may
// read rows() at any time. Cumulative across snapshots (a counter never goes back), no
// allocation and no lock per packet.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "emulator/dataplane/counters.h"
#include "emulator/dataplane/ipv4_address.h"
#include "emulator/dataplane/packet.h"
#include "emulator/dataplane/packet_buf.h"

namespace azlb::dataplane {

enum class Direction : std::uint8_t { Inbound, Outbound };

class FrontendCounters {
 public:
  struct Row {
    Ipv4Address ip{};
    std::uint16_t port = 0;
    std::uint8_t protocol = 0;
    std::uint64_t inPackets = 0, inBytes = 0, outPackets = 0, outBytes = 0, syn = 0;
  };

  /// `capacity`: frontends tracked (rounded up to a power of two); more are counted in overflow().
  explicit FrontendCounters(std::size_t capacity = 4096);

  /// Forwarding thread only. `packet` as it leaves (a superpacket counts as the segments, with
  /// their headers, it becomes on the wire). A TCP SYN without ACK counts in syn (inbound).
  void count(Ipv4Address ip, std::uint16_t port, std::uint8_t protocol, Direction d,
             const PacketBuf& packet, const PacketView& view);

  /// Any thread: every frontend seen so far.
  std::vector<Row> rows() const;
  std::uint64_t overflow() const { return overflow_.value(); }

 private:
  struct Slot {
    std::atomic<std::uint64_t> key{0};  // 0: free; else packed (ip, port, protocol) + 1
    Counter inPackets, inBytes, outPackets, outBytes, syn;
  };
  Slot* find(std::uint64_t key);

  std::unique_ptr<Slot[]> slots_;
  std::size_t mask_ = 0;
  Counter overflow_;
};

}  // namespace azlb::dataplane
