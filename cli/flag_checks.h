// Strict checks for flag values, one per kind of value the azlb subcommands take: whole numbers
// in a range, IPv4 addresses and prefixes, scales in (0, 1], one-of words, instance ids. Each is a
// pure function returning an error text ("" = accepted) that names the value, not the flag (the
// parser prefixes the flag); cli/flags.cpp wraps them as CLI11 validators.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace azlb::cli {

/// Decimal digits only, no sign, no blanks, no leading zero (so "010" is not silently octal or
/// ten), within [min, max].
std::string checkWholeNumber(std::string_view text, std::uint64_t min, std::uint64_t max);

/// A dotted-quad IPv4 address without leading zeros; `allowZero` false also rejects 0.0.0.0.
std::string checkIpv4Address(std::string_view text, bool allowZero);

/// An IPv4 prefix a.b.c.d/n with host bits zero and nothing after n; `length` >= 0 also demands
/// that exact prefix length.
std::string checkIpv4Prefix(std::string_view text, int length = -1);

/// A decimal fraction in (0, 1] ("0.1", "1", "0.01"); no exponent, sign, inf or nan.
std::string checkScale(std::string_view text);

/// One of `words`, spelled exactly.
std::string checkOneOf(std::string_view text, std::initializer_list<std::string_view> words);

/// An azlb instance id: 1-4 of [a-z0-9] (netns_model::isValidInstance).
std::string checkInstance(std::string_view text);

}  // namespace azlb::cli
