// FlagReader: reads and range-checks the flags of the data-plane process commands (mux,
// host-agent); the first problem is printed once and ok() turns false.
#pragma once

#include <cstdio>
#include <exception>
#include <string>

#include "cli/args.h"
#include "emulator/dataplane/ipv4_address.h"

namespace azlb::cli {

class FlagReader {
 public:
  FlagReader(const char* command, const Args& args) : command_(command), args_(args) {}

  bool ok() const { return ok_; }

  std::string required(const std::string& name) {
    auto value = args_.get(name);
    if (!value || value->empty()) {
      bad("--" + name + " is required");
      return {};
    }
    return *value;
  }

  template <typename T>
  T number(const std::string& name, T def, unsigned long long min, unsigned long long max) {
    auto value = args_.get(name);
    if (!value) return def;
    try {
      std::size_t used = 0;
      const unsigned long long n = std::stoull(*value, &used, 10);
      if (used == value->size() && (*value)[0] != '-' && n >= min && n <= max) {
        return static_cast<T>(n);
      }
    } catch (const std::exception&) {
    }
    bad("--" + name + " must be a number " + std::to_string(min) + ".." + std::to_string(max));
    return def;
  }

  dataplane::Ipv4Address address(const std::string& name) {
    const std::string text = required(name);
    if (text.empty()) return {};
    auto parsed = dataplane::Ipv4Address::parse(text);
    if (!parsed || parsed->isUnspecified()) {
      bad("--" + name + " '" + text + "' is not an IPv4 address");
      return {};
    }
    return *parsed;
  }

 private:
  void bad(const std::string& message) {
    if (ok_) std::fprintf(stderr, "%s: %s\n\n", command_, message.c_str());
    ok_ = false;
  }

  const char* command_;
  const Args& args_;
  bool ok_ = true;
};

}  // namespace azlb::cli
