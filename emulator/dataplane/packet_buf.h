// PacketBuf: one packet's bytes with headroom in front, so encapsulation prepends a header
// without copying the payload and decapsulation just moves the start, plus the packet's offload
// metadata (the virtio-net header a TUN with IFF_VNET_HDR reads and writes: partial checksum
// and segmentation offload). Owns (or borrows) the storage; knows nothing about protocols.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace azlb::dataplane {

/// Offload state of a packet, in the terms of the virtio-net header (virtio spec 5.1.6) but
/// without its byte layout (that stays in runtime/). Offsets are from the start of the packet.
struct Offload {
  enum class Gso : std::uint8_t { None = 0, TcpV4 = 1, UdpV4 = 3, TcpV6 = 4, UdpL4 = 5 };
  /// The L4 checksum is partial: the field holds the pseudo-header sum (not complemented) and
  /// whoever finishes it sums from csumStart and stores at csumStart + csumOffset.
  bool needsCsum = false;
  /// A superpacket (TSO/GSO): split into gsoSize-byte payload segments when it leaves on a link.
  Gso gso = Gso::None;
  bool ecn = false;  ///< VIRTIO_NET_HDR_GSO_ECN: the superpacket carries CWR
  std::uint16_t hdrLen = 0;
  std::uint16_t gsoSize = 0;
  std::uint16_t csumStart = 0;
  std::uint16_t csumOffset = 0;

  bool isGso() const { return gso != Gso::None; }
};

class PacketBuf {
 public:
  /// Room for an outer IPv4 (20) or IPv6 (40) header plus a virtio-net header, with margin.
  static constexpr std::size_t kDefaultHeadroom = 128;
  /// The largest IPv4 packet.
  static constexpr std::size_t kDefaultCapacity = 65535;

  /// Allocates headroom + capacity bytes once, here; nothing allocates afterwards.
  explicit PacketBuf(std::size_t capacity = kDefaultCapacity,
                     std::size_t headroom = kDefaultHeadroom);
  /// Borrows `storage` (for instance one slot of a batch arena); the caller keeps it alive.
  /// Precondition: headroom <= storage.size().
  PacketBuf(std::span<std::uint8_t> storage, std::size_t headroom);

  PacketBuf(PacketBuf&& other) noexcept;
  PacketBuf& operator=(PacketBuf&& other) noexcept;
  PacketBuf(const PacketBuf&) = delete;
  PacketBuf& operator=(const PacketBuf&) = delete;
  ~PacketBuf() = default;

  /// The packet as it stands now.
  std::span<std::uint8_t> data() { return storage_.subspan(offset_, size_); }
  std::span<const std::uint8_t> data() const { return storage_.subspan(offset_, size_); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  /// Bytes free in front of the packet.
  std::size_t headroom() const { return offset_; }
  /// Bytes free after the packet.
  std::size_t tailroom() const { return storage_.size() - offset_ - size_; }

  /// Empties the buffer and restores the construction-time headroom.
  void reset();
  /// reset(), then the whole area after the headroom, for a reader (TUN read) to fill before
  /// calling resize(bytesRead).
  std::span<std::uint8_t> receiveArea();
  /// Sets the packet length, keeping the start. False (and no change) when n exceeds
  /// size() + tailroom().
  bool resize(std::size_t n);
  /// reset(), then copies `bytes` in. False when they do not fit. For tests and slow paths.
  bool assign(std::span<const std::uint8_t> bytes);

  /// Grows the packet by n bytes at the front and returns them (uninitialised). Returns an
  /// empty span, and changes nothing, when headroom() < n. Offload offsets move with the data.
  std::span<std::uint8_t> prepend(std::size_t n);
  /// Drops n bytes from the front (decapsulation). False, and no change, when n > size() or
  /// when a partial checksum starts inside the dropped bytes. Offload offsets move with the data.
  bool trimFront(std::size_t n);

  /// The packet's offload metadata; reset() (and so receiveArea()/assign()) clears it.
  Offload& offload() { return offload_; }
  const Offload& offload() const { return offload_; }

 private:
  std::unique_ptr<std::uint8_t[]> owned_;
  std::span<std::uint8_t> storage_;
  std::size_t initialHeadroom_ = 0;
  std::size_t offset_ = 0;
  std::size_t size_ = 0;
  Offload offload_{};
};

}  // namespace azlb::dataplane
