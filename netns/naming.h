// Names of every kernel object azlb creates (namespaces, veth ends, TUN devices): the one
// naming function, and its inverse so that cleanup recognises our objects. Pure: no syscalls.
// Scheme (mininet's rule): <prefix><instance>-<role token><index>, at most 15 chars (IFNAMSIZ-1).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace azlb::netns_model {

/// IFNAMSIZ - 1: the longest interface name the kernel accepts. Namespace names obey it too.
inline constexpr std::size_t kMaxNameLength = 15;
inline constexpr std::size_t kMaxPrefixLength = 4;
inline constexpr std::size_t kMaxInstanceLength = 4;
inline constexpr std::string_view kDefaultPrefix = "azlb";
inline constexpr std::string_view kDefaultInstance = "0";

/// What an object is for. Namespaces use Router/Mux/Host/Vm/Internet/Client; a veth end is named
/// after the neighbour it leads to (the router's end towards MUX 3 is Role::Mux index 3, the
/// root namespace's end towards the router is Role::Router), plus Root for an end that leads to
/// the root namespace, Tun for TUN devices and Link for anything else.
enum class Role {
  Router,    // "rtr"   no index
  Mux,       // "mux"   0..999
  Host,      // "host"  0..99
  Vm,        // "vm"    0..9999
  Internet,  // "inet"  no index
  Client,    // "cli"   0..999
  Root,      // "root"  no index
  Tun,       // "tun"   0..999
  Link,      // "l"     0..99999
  HostVnet,  // "hv"    0..9999  (host index * 100 + VNet number: where a host's VMs of one VNet attach)
};

/// The short token a role contributes to a name ("rtr", "mux", ...).
std::string_view roleToken(Role role);
/// Whether names of this role carry an index ("mux3") or not ("rtr").
bool roleHasIndex(Role role);
/// Largest index this role accepts: chosen so that the longest prefix and instance id still fit
/// in kMaxNameLength (0 for roles without an index).
unsigned maxIndex(Role role);

/// A name parsed back into its parts.
struct ParsedName {
  std::string prefix;
  std::string instance;
  Role role = Role::Link;
  unsigned index = 0;

  bool operator==(const ParsedName&) const = default;
};

/// Prefix + instance id: the scope of one azlb instance. Prefix: 1..4 lowercase letters.
/// Instance id: 1..4 of [a-z0-9]. A user's azlb runs as ("azlb", "0"); a test run picks another
/// instance id so it never touches the user's objects.
class Naming {
 public:
  /// Fails with EINVAL (context names the bad part) when prefix or instance break the rules above.
  static Result<Naming> create(std::string_view prefix = kDefaultPrefix,
                               std::string_view instance = kDefaultInstance);
  /// ("azlb", "0").
  static Naming defaults();

  const std::string& prefix() const { return prefix_; }
  const std::string& instance() const { return instance_; }

  /// THE naming function: every kernel object name azlb uses comes from here. The result always
  /// fits kMaxNameLength. Fails with ERANGE when index > maxIndex(role), or EINVAL when a role
  /// without index is given a non-zero index.
  Result<std::string> name(Role role, unsigned index = 0) const;

  /// Inverse of name(): the parts of `name` when it was made by this prefix and instance,
  /// nullopt for anything else (another instance, another prefix, a user's own "eth0").
  std::optional<ParsedName> parse(std::string_view name) const;

 private:
  Naming(std::string prefix, std::string instance)
      : prefix_(std::move(prefix)), instance_(std::move(instance)) {}

  std::string prefix_;
  std::string instance_;
};

/// Parses a name made by any instance of `prefix` (for `azlb cleanup --all-instances`).
/// nullopt when the name is not in the exact canonical form name() produces.
std::optional<ParsedName> parseName(std::string_view name, std::string_view prefix);

/// Whether `s` is a valid prefix / instance id (see Naming).
bool isValidPrefix(std::string_view s);
bool isValidInstance(std::string_view s);

}  // namespace azlb::netns_model
