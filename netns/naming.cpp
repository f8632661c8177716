#include "netns/naming.h"

#include <array>
#include <cerrno>
#include <charconv>

namespace azlb::netns_model {
namespace {

struct RoleInfo {
  Role role;
  std::string_view token;
  unsigned maxIndex;  // 0 with hasIndex=false: no index at all
  bool hasIndex;
};

// Budget: prefix (<=4) + instance (<=4) + '-' leaves 6 chars for token + digits.
constexpr std::array<RoleInfo, 10> kRoles{{
    {Role::Router, "rtr", 0, false},
    {Role::Mux, "mux", 999, true},
    {Role::Host, "host", 99, true},
    {Role::Vm, "vm", 9999, true},
    {Role::Internet, "inet", 0, false},
    {Role::Client, "cli", 999, true},
    {Role::Root, "root", 0, false},
    {Role::Tun, "tun", 999, true},
    {Role::HostVnet, "hv", 9999, true},
    {Role::Link, "l", 99999, true},
}};

const RoleInfo& info(Role role) {
  for (const auto& r : kRoles) {
    if (r.role == role) return r;
  }
  return kRoles.back();  // unreachable for valid enum values
}

bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Canonical decimal (no sign, no leading zero except "0 itself") within [0, max].
std::optional<unsigned> parseIndex(std::string_view digits, unsigned max) {
  if (digits.empty() || digits.size() > 5) return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  for (char c : digits) {
    if (!isDigit(c)) return std::nullopt;
  }
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || v > max) return std::nullopt;
  return v;
}

std::optional<ParsedName> parseAfterPrefix(std::string_view name, std::string_view prefix) {
  if (name.size() > kMaxNameLength || name.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = name.substr(prefix.size());
  auto dash = rest.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view instance = rest.substr(0, dash);
  if (!isValidInstance(instance)) return std::nullopt;
  std::string_view suffix = rest.substr(dash + 1);
  for (const auto& r : kRoles) {
    if (suffix.substr(0, r.token.size()) != r.token) continue;
    std::string_view digits = suffix.substr(r.token.size());
    if (!r.hasIndex) {
      if (!digits.empty()) continue;
      return ParsedName{std::string(prefix), std::string(instance), r.role, 0};
    }
    if (auto index = parseIndex(digits, r.maxIndex)) {
      return ParsedName{std::string(prefix), std::string(instance), r.role, *index};
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view roleToken(Role role) { return info(role).token; }
bool roleHasIndex(Role role) { return info(role).hasIndex; }
unsigned maxIndex(Role role) { return info(role).maxIndex; }

bool isValidPrefix(std::string_view s) {
  if (s.empty() || s.size() > kMaxPrefixLength) return false;
  for (char c : s) {
    if (!isLower(c)) return false;
  }
  return true;
}

bool isValidInstance(std::string_view s) {
  if (s.empty() || s.size() > kMaxInstanceLength) return false;
  for (char c : s) {
    if (!isLower(c) && !isDigit(c)) return false;
  }
  return true;
}

Result<Naming> Naming::create(std::string_view prefix, std::string_view instance) {
  if (!isValidPrefix(prefix)) {
    return fail("naming prefix '" + std::string(prefix) + "' (want 1-4 lowercase letters)",
                EINVAL);
  }
  if (!isValidInstance(instance)) {
    return fail("naming instance id '" + std::string(instance) + "' (want 1-4 of [a-z0-9])",
                EINVAL);
  }
  return Naming(std::string(prefix), std::string(instance));
}

Naming Naming::defaults() {
  return Naming(std::string(kDefaultPrefix), std::string(kDefaultInstance));
}

Result<std::string> Naming::name(Role role, unsigned index) const {
  const RoleInfo& r = info(role);
  if (!r.hasIndex && index != 0) {
    return fail("name " + std::string(r.token) + " takes no index, got " + std::to_string(index),
                EINVAL);
  }
  if (r.hasIndex && index > r.maxIndex) {
    return fail("name " + std::string(r.token) + std::to_string(index) + " index above " +
                    std::to_string(r.maxIndex),
                ERANGE);
  }
  std::string out;
  out.reserve(kMaxNameLength);
  out += prefix_;
  out += instance_;
  out += '-';
  out += r.token;
  if (r.hasIndex) out += std::to_string(index);
  return out;
}

std::optional<ParsedName> Naming::parse(std::string_view name) const {
  auto parsed = parseAfterPrefix(name, prefix_);
  if (!parsed || parsed->instance != instance_) return std::nullopt;
  return parsed;
}

std::optional<ParsedName> parseName(std::string_view name, std::string_view prefix) {
  if (!isValidPrefix(prefix)) return std::nullopt;
  return parseAfterPrefix(name, prefix);
}

}  // namespace azlb::netns_model
