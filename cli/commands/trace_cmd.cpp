// `azlb trace`: asks a running azlb (GET /azlb/trace) what its data plane does with one packet
// and prints the answer tier by tier (or as JSON).
#include <cstdio>

#include "cli/commands/api_client.h"
#include "cli/commands/commands.h"

namespace azlb::cli {

namespace {

void printTrace(const json& t) {
  const json q = t.value("query", json::object());
  std::string verdict = t.value("verdict", "");
  if (t.contains("backend")) {
    const json b = t["backend"];
    verdict += " to " + b.value("name", "") + " (" + b.value("ip", "") + ", host " +
               std::to_string(b.value("host", 0)) + ", netns " + b.value("namespace", "") + ")";
  }
  std::printf("%s %s -> %s: %s\n", q.value("protocol", "").c_str(), q.value("source", "").c_str(),
              q.value("destination", "").c_str(), verdict.c_str());
  for (const auto& s : t.value("steps", json::array())) {
    std::printf("  %-7s %s\n", s.value("tier", "").c_str(), s.value("summary", "").c_str());
    if (s.contains("hashInput"))
      std::printf("          hash input %s -> %llu, slot %llu\n", s.value("hashInput", "").c_str(),
                  static_cast<unsigned long long>(s.value("hash", std::uint64_t{0})),
                  static_cast<unsigned long long>(s.value("slot", std::uint64_t{0})));
    for (const auto& k : s.value("skipped", json::array()))
      std::printf("          skipped %s (%s): %s\n", k.value("backend", "").c_str(),
                  k.value("ip", "").c_str(), k.value("why", "").c_str());
  }
}

}  // namespace

int runTrace(const TraceFlags& f) {
  auto api = ApiClient::connect(f.port, f.dataDir);
  if (!api) {
    std::fprintf(stderr, "azlb trace: %s\n", api.error().message().c_str());
    return 1;
  }
  // The values are [a-z0-9.:-] (checked by the server), safe in a query string as they are.
  const ApiAnswer a =
      api->get("/azlb/trace?protocol=" + f.protocol + "&destination=" + f.destination +
               (f.from.empty() ? "" : "&from=" + f.from));
  if (a.status != 200) {
    std::fprintf(stderr, "azlb trace: %s\n",
                 a.body.is_object() ? a.body.value("error", a.errorMessage()).c_str()
                                    : ("HTTP " + std::to_string(a.status)).c_str());
    return a.status == 400 ? 2 : 1;
  }
  if (f.json)
    std::printf("%s\n", a.body.dump(2).c_str());
  else
    printTrace(a.body);
  return 0;
}

}  // namespace azlb::cli
