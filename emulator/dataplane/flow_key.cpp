#include "emulator/dataplane/flow_key.h"

namespace azlb::dataplane {

std::uint64_t hashBytes(std::span<const std::uint8_t> bytes, std::uint64_t seed) {
  // The length goes in first so that "a" and "a\0" differ.
  std::uint64_t h = mix64(seed ^ static_cast<std::uint64_t>(bytes.size()));
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word = 0;
    for (std::size_t j = 0; j < 8; ++j)
      word |= static_cast<std::uint64_t>(bytes[i + j]) << (8U * j);
    h = mix64(h ^ word);
  }
  if (i < bytes.size()) {
    std::uint64_t word = 0;
    for (std::size_t j = 0; i + j < bytes.size(); ++j) {
      word |= static_cast<std::uint64_t>(bytes[i + j]) << (8U * j);
    }
    h = mix64(h ^ word ^ 0x80ULL);
  }
  return h;
}

std::uint64_t hashString(std::string_view text, std::uint64_t seed) {
  std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()),
                                      text.size());
  return hashBytes(bytes, seed);
}

}  // namespace azlb::dataplane
