#include "emulator/dataplane/packet_buf.h"

#include <algorithm>
#include <utility>

namespace azlb::dataplane {

PacketBuf::PacketBuf(std::size_t capacity, std::size_t headroom)
    : owned_(new std::uint8_t[headroom + capacity]()),
      storage_(owned_.get(), headroom + capacity),
      initialHeadroom_(headroom),
      offset_(headroom) {}

PacketBuf::PacketBuf(std::span<std::uint8_t> storage, std::size_t headroom)
    : storage_(storage),
      initialHeadroom_(std::min(headroom, storage.size())),
      offset_(initialHeadroom_) {}

PacketBuf::PacketBuf(PacketBuf&& other) noexcept
    : owned_(std::move(other.owned_)),
      storage_(std::exchange(other.storage_, {})),
      initialHeadroom_(std::exchange(other.initialHeadroom_, 0)),
      offset_(std::exchange(other.offset_, 0)),
      size_(std::exchange(other.size_, 0)),
      offload_(std::exchange(other.offload_, {})) {}

PacketBuf& PacketBuf::operator=(PacketBuf&& other) noexcept {
  if (this != &other) {
    owned_ = std::move(other.owned_);
    storage_ = std::exchange(other.storage_, {});
    initialHeadroom_ = std::exchange(other.initialHeadroom_, 0);
    offset_ = std::exchange(other.offset_, 0);
    size_ = std::exchange(other.size_, 0);
    offload_ = std::exchange(other.offload_, {});
  }
  return *this;
}

void PacketBuf::reset() {
  offset_ = initialHeadroom_;
  size_ = 0;
  offload_ = {};
}

std::span<std::uint8_t> PacketBuf::receiveArea() {
  reset();
  return storage_.subspan(offset_);
}

bool PacketBuf::resize(std::size_t n) {
  if (n > storage_.size() - offset_) return false;
  size_ = n;
  return true;
}

bool PacketBuf::assign(std::span<const std::uint8_t> bytes) {
  reset();
  if (bytes.size() > storage_.size() - offset_) return false;
  std::copy(bytes.begin(), bytes.end(), storage_.begin() + static_cast<std::ptrdiff_t>(offset_));
  size_ = bytes.size();
  return true;
}

std::span<std::uint8_t> PacketBuf::prepend(std::size_t n) {
  if (n > offset_) return {};
  offset_ -= n;
  size_ += n;
  if (offload_.needsCsum) offload_.csumStart = static_cast<std::uint16_t>(offload_.csumStart + n);
  if (offload_.hdrLen != 0) offload_.hdrLen = static_cast<std::uint16_t>(offload_.hdrLen + n);
  return storage_.subspan(offset_, n);
}

bool PacketBuf::trimFront(std::size_t n) {
  if (n > size_) return false;
  if (offload_.needsCsum && offload_.csumStart < n) return false;
  offset_ += n;
  size_ -= n;
  if (offload_.needsCsum) offload_.csumStart = static_cast<std::uint16_t>(offload_.csumStart - n);
  offload_.hdrLen = static_cast<std::uint16_t>(offload_.hdrLen > n ? offload_.hdrLen - n : 0);
  return true;
}

}  // namespace azlb::dataplane
