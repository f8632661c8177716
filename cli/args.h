// Minimal flag parsing for the azlb subcommands: --name value, --name=value, boolean --name,
// and "--" to end flags. Unknown flags are errors naming the flag.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace azlb::cli {

struct Args {
  std::map<std::string, std::string> values;
  std::set<std::string> switches;
  std::vector<std::string> positional;
  std::vector<std::string> rest;  // after "--"

  std::optional<std::string> get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  std::string get(const std::string& name, const std::string& def) const { return get(name).value_or(def); }
  bool has(const std::string& name) const { return switches.count(name) > 0; }
};

/// Parses argv[first..]; valueFlags take a value, boolFlags do not. Returns an error text on failure.
std::optional<std::string> parseArgs(int argc, char** argv, int first, const std::set<std::string>& valueFlags,
                                     const std::set<std::string>& boolFlags, Args& out);

/// Default data dir: $AZLB_DATA_DIR, else /var/lib/azlb as root, else $XDG_DATA_HOME/azlb or ~/.local/share/azlb.
std::string defaultDataDir();
/// Default ARM port: $AZLB_PORT, else 8443.
int defaultPort();
/// Default data-plane instance (serve, status, exec, cleanup): $AZLB_INSTANCE, else "0".
std::string defaultInstance();

}  // namespace azlb::cli
