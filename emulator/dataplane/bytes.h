// Big-endian loads and stores on packet bytes. Owns nothing; the data plane's only byte-order code
// (no <arpa/inet.h>: the core includes no OS network headers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace azlb::dataplane {

/// Reads the big-endian 16-bit value at `offset`. Precondition: offset + 2 <= bytes.size().
constexpr std::uint16_t loadBe16(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return static_cast<std::uint16_t>((static_cast<unsigned>(bytes[offset]) << 8U) |
                                    static_cast<unsigned>(bytes[offset + 1]));
}

/// Reads the big-endian 32-bit value at `offset`. Precondition: offset + 4 <= bytes.size().
constexpr std::uint32_t loadBe32(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return (static_cast<std::uint32_t>(bytes[offset]) << 24U) |
         (static_cast<std::uint32_t>(bytes[offset + 1]) << 16U) |
         (static_cast<std::uint32_t>(bytes[offset + 2]) << 8U) |
         static_cast<std::uint32_t>(bytes[offset + 3]);
}

/// Writes `value` big-endian at `offset`. Precondition: offset + 2 <= bytes.size().
constexpr void storeBe16(std::span<std::uint8_t> bytes, std::size_t offset, std::uint16_t value) {
  bytes[offset] = static_cast<std::uint8_t>(value >> 8U);
  bytes[offset + 1] = static_cast<std::uint8_t>(value & 0xFFU);
}

/// Writes `value` big-endian at `offset`. Precondition: offset + 4 <= bytes.size().
constexpr void storeBe32(std::span<std::uint8_t> bytes, std::size_t offset, std::uint32_t value) {
  bytes[offset] = static_cast<std::uint8_t>(value >> 24U);
  bytes[offset + 1] = static_cast<std::uint8_t>((value >> 16U) & 0xFFU);
  bytes[offset + 2] = static_cast<std::uint8_t>((value >> 8U) & 0xFFU);
  bytes[offset + 3] = static_cast<std::uint8_t>(value & 0xFFU);
}

}  // namespace azlb::dataplane
