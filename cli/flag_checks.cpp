#include "cli/flag_checks.h"

#include <charconv>
#include <cstdlib>

#include "arm-api/common/ipv4.h"
#include "netns/naming.h"

namespace azlb::cli {

namespace {

bool allDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string quoted(std::string_view text) {
  return "'" + std::string(text) + "'";
}

}  // namespace

std::string checkWholeNumber(std::string_view text, std::uint64_t min, std::uint64_t max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 10);
  if (!allDigits(text) || (text.size() > 1 && text.front() == '0') || ec != std::errc{} ||
      end != text.data() + text.size())
    return quoted(text) + " is not a whole number " + range;
  if (value < min || value > max) return quoted(text) + " is out of range " + range;
  return {};
}

std::string checkIpv4Address(std::string_view text, bool allowZero) {
  auto parsed = armapi::parseIpv4(text);
  if (!parsed) return quoted(text) + " is not an IPv4 address (a.b.c.d)";
  if (!allowZero && *parsed == 0) return quoted(text) + " is the unspecified address";
  return {};
}

std::string checkIpv4Prefix(std::string_view text, int length) {
  const std::string want =
      length < 0 ? std::string("a.b.c.d/n") : "a.b.c.d/" + std::to_string(length);
  const std::string bad = quoted(text) + " is not an IPv4 prefix " + want + " with host bits zero";
  // armapi::parseIpv4Prefix takes the length with std::from_chars<int>, which lets "/016" and
  // "/-0" through; the CLI asks for plain digits without a leading zero on top of it.
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad;
  const std::string_view lengthText = text.substr(slash + 1);
  if (!allDigits(lengthText) || (lengthText.size() > 1 && lengthText.front() == '0')) return bad;
  auto parsed = armapi::parseIpv4Prefix(text);
  if (!parsed || (length >= 0 && parsed->length != length)) return bad;
  return {};
}

std::string checkScale(std::string_view text) {
  const std::string bad = quoted(text) + " is not a number in (0, 1], e.g. 0.1";
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view("0") : text.substr(dot + 1);
  if (!allDigits(whole) || !allDigits(fraction)) return bad;
  const std::string copy(text);
  const double value = std::strtod(copy.c_str(), nullptr);
  if (!(value > 0.0 && value <= 1.0)) return bad;
  return {};
}

std::string checkOneOf(std::string_view text, std::initializer_list<std::string_view> words) {
  std::string list;
  for (auto w : words) {
    if (w == text) return {};
    list += (list.empty() ? "" : ", ") + std::string(w);
  }
  return quoted(text) + " is not one of " + list;
}

std::string checkInstance(std::string_view text) {
  if (netns_model::isValidInstance(text)) return {};
  return quoted(text) + " is not an instance id (1-4 of [a-z0-9])";
}

}  // namespace azlb::cli
