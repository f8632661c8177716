#include "emulator/dataplane/frontend_counters.h"

namespace azlb::dataplane {

namespace {

constexpr std::size_t kMaxProbe = 32;

std::uint64_t pack(Ipv4Address ip, std::uint16_t port, std::uint8_t protocol) {
  return ((static_cast<std::uint64_t>(ip.value) << 24U) | (static_cast<std::uint64_t>(port) << 8U) |
          protocol) +
         1;
}

/// Segments and wire bytes of a packet that may be a TSO superpacket.
std::pair<std::uint64_t, std::uint64_t> onWire(const PacketBuf& packet, const PacketView& view) {
  const Offload& o = packet.offload();
  const std::size_t size = packet.size();
  if (o.gsoSize == 0 || o.gso == Offload::Gso::None) return {1, size};
  std::size_t headers = view.headerLength() + UdpHeader::kSize;
  if (view.protocol() == IpProtocol::Tcp)
    headers = view.headerLength() + static_cast<std::size_t>(view.l4()[TcpHeader::kOffDataOffset] >> 4U) * 4U;
  if (size <= headers) return {1, size};
  const std::uint64_t segments = (size - headers + o.gsoSize - 1) / o.gsoSize;
  return {segments, size + (segments - 1) * headers};
}

}  // namespace

FrontendCounters::FrontendCounters(std::size_t capacity) {
  std::size_t n = 1;
  while (n < capacity) n <<= 1U;
  slots_ = std::make_unique<Slot[]>(n);
  mask_ = n - 1;
}

FrontendCounters::Slot* FrontendCounters::find(std::uint64_t key) {
  std::size_t i = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 20U) & mask_;
  for (std::size_t probe = 0; probe < kMaxProbe && probe <= mask_; ++probe, i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    const std::uint64_t k = s.key.load(std::memory_order_relaxed);
    if (k == key) return &s;
    if (k == 0) {
      s.key.store(key, std::memory_order_release);  // counters are zero: publish the key
      return &s;
    }
  }
  return nullptr;
}

void FrontendCounters::count(Ipv4Address ip, std::uint16_t port, std::uint8_t protocol,
                             Direction d, const PacketBuf& packet, const PacketView& view) {
  Slot* s = find(pack(ip, port, protocol));
  if (s == nullptr) {
    overflow_.add();
    return;
  }
  const auto [packets, bytes] = onWire(packet, view);
  if (d == Direction::Inbound) {
    s->inPackets.add(packets);
    s->inBytes.add(bytes);
    if (view.protocol() == IpProtocol::Tcp &&
        (view.tcpFlags() & (TcpHeader::kSyn | TcpHeader::kAck)) == TcpHeader::kSyn)
      s->syn.add();
  } else {
    s->outPackets.add(packets);
    s->outBytes.add(bytes);
  }
}

std::vector<FrontendCounters::Row> FrontendCounters::rows() const {
  std::vector<Row> out;
  for (std::size_t i = 0; i <= mask_; ++i) {
    const Slot& s = slots_[i];
    const std::uint64_t k = s.key.load(std::memory_order_acquire);
    if (k == 0) continue;
    const std::uint64_t v = k - 1;
    out.push_back(Row{Ipv4Address{static_cast<std::uint32_t>(v >> 24U)},
                      static_cast<std::uint16_t>((v >> 8U) & 0xFFFFU),
                      static_cast<std::uint8_t>(v & 0xFFU), s.inPackets.value(),
                      s.inBytes.value(), s.outPackets.value(), s.outBytes.value(), s.syn.value()});
  }
  return out;
}

}  // namespace azlb::dataplane
