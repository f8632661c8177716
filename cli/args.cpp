#include "cli/args.h"

#include <unistd.h>

#include <cstdlib>

namespace azlb::cli {

std::optional<std::string> parseArgs(int argc, char** argv, int first, const std::set<std::string>& valueFlags,
                                     const std::set<std::string>& boolFlags, Args& out) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      for (++i; i < argc; ++i) out.rest.emplace_back(argv[i]);
      break;
    }
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool hasValue = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      hasValue = true;
    }
    if (boolFlags.count(name)) {
      if (hasValue) return "flag --" + name + " takes no value";
      out.switches.insert(name);
    } else if (valueFlags.count(name)) {
      if (!hasValue) {
        if (i + 1 >= argc) return "flag --" + name + " needs a value";
        value = argv[++i];
      }
      out.values[name] = value;
    } else {
      return "unknown flag --" + name;
    }
  }
  return std::nullopt;
}

std::string defaultDataDir() {
  if (const char* d = std::getenv("AZLB_DATA_DIR"); d && *d) return d;
  if (geteuid() == 0) return "/var/lib/azlb";
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/azlb";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/azlb";
}

int defaultPort() {
  if (const char* p = std::getenv("AZLB_PORT"); p && *p) return std::atoi(p);
  return 8443;
}

std::string defaultInstance() {
  if (const char* i = std::getenv("AZLB_INSTANCE"); i && *i) return i;
  return "0";
}

}  // namespace azlb::cli
