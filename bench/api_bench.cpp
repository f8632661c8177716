// API benchmark: GET and PUT of a load balancer with 10 rules from several concurrent HTTPS
// keep-alive clients against an in-process azlb (same code as `azlb serve`), and the start-to-ready
// time of the real binary. Baseline, measured in the same run: GET /azlb/ready through the same
// TLS stack, so the ratio shows what the ARM work costs on top of transport.
// usage: azlb_bench_api [--clients N] [--seconds S] [--starts K]
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "arm-api/http/server.h"
#include "arm-api/store/store.h"
#include "arm-api/tls/tls_material.h"

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kSub = "/subscriptions/00000000-0000-0000-0000-000000000001";
const std::string kRg = kSub + "/resourceGroups/bench";
const std::string kNet = kRg + "/providers/Microsoft.Network";

struct Stats {
  double rps = 0, p50 = 0, p99 = 0;
  size_t errors = 0;
};

json loadBalancer() {
  const std::string lb = kNet + "/loadBalancers/lb10";
  json rules = json::array(), probes = json::array();
  for (int i = 0; i < 10; ++i) {
    probes.push_back({{"name", "p" + std::to_string(i)},
                      {"properties", {{"protocol", "Http"}, {"port", 8000 + i}, {"requestPath", "/healthz"}}}});
    rules.push_back({{"name", "r" + std::to_string(i)},
                     {"properties",
                      {{"protocol", "Tcp"}, {"frontendPort", 80 + i}, {"backendPort", 8000 + i},
                       {"frontendIPConfiguration", {{"id", lb + "/frontendIPConfigurations/fe"}}},
                       {"backendAddressPool", {{"id", lb + "/backendAddressPools/be"}}},
                       {"probe", {{"id", lb + "/probes/p" + std::to_string(i)}}}}}});
  }
  return {{"location", "westus"},
          {"sku", {{"name", "Standard"}}},
          {"properties",
           {{"frontendIPConfigurations",
             {{{"name", "fe"}, {"properties", {{"publicIPAddress", {{"id", kNet + "/publicIPAddresses/pip"}}}}}}}},
            {"backendAddressPools", {{{"name", "be"}}}},
            {"probes", probes},
            {"loadBalancingRules", rules}}}};
}

Stats drive(int port, const std::string& ca, int clients, double seconds, const std::string& method,
            const std::string& path, const std::string& body) {
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  std::atomic<size_t> errors{0};
  auto until = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> ts;
  for (int c = 0; c < clients; ++c)
    ts.emplace_back([&, c] {
      httplib::SSLClient cli("localhost", port);
      cli.set_ca_cert_path(ca.c_str());
      cli.enable_server_certificate_verification(true);
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      httplib::Headers h = {{"Authorization", "Bearer bench"}};
      while (Clock::now() < until) {
        auto t0 = Clock::now();
        auto r = method == "GET" ? cli.Get(path.c_str(), h) : cli.Put(path.c_str(), h, body, "application/json");
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!r || r->status >= 300) ++errors;
        lat[static_cast<size_t>(c)].push_back(ms);
      }
    });
  for (auto& t : ts) t.join();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  Stats s;
  s.errors = errors;
  if (all.empty()) return s;
  s.rps = static_cast<double>(all.size()) / seconds;
  s.p50 = all[all.size() / 2];
  s.p99 = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  return s;
}

double startToReady(const std::string& dir) {
  std::filesystem::remove_all(dir + "/db");
  std::string ready = dir + "/ready";
  std::filesystem::remove(ready);
  auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    execl(AZLB_BINARY, "azlb", "serve", "--port", "0", "--data-dir", (dir + "/db").c_str(), "--ready-file",
          ready.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  double ms = -1;
  while (std::chrono::duration<double>(Clock::now() - t0).count() < 10) {
    if (std::filesystem::exists(ready)) {
      ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 4, starts = 5;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--clients") clients = std::atoi(argv[i + 1]);
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    if (a == "--starts") starts = std::atoi(argv[i + 1]);
  }
  char tmpl[] = "/tmp/azlb-bench.XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto tls = azlb::tls::ensureTlsMaterial(dir + "/tls");
  auto store = azlb::armstore::Store::open(dir + "/bench.db");
  if (!tls || !store) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }
  auto svc = azlb::armservice::Service::create({}, std::move(store.value()));
  azlb::armhttp::ServerOptions opts;
  opts.port = 0;
  opts.certFile = tls->serverCert.string();
  opts.keyFile = tls->serverKey.string();
  azlb::armhttp::ArmServer server(**svc, opts);
  int port = *server.bind();
  std::thread serving([&] { server.run(); });
  const std::string ca = tls->caCert.string();

  httplib::SSLClient cli("localhost", port);
  cli.set_ca_cert_path(ca.c_str());
  httplib::Headers h = {{"Authorization", "Bearer bench"}};
  const std::string v = "?api-version=2022-05-01";
  cli.Put((kRg + v).c_str(), h, R"({"location":"westus"})", "application/json");
  cli.Put((kNet + "/publicIPAddresses/pip" + v).c_str(), h, R"({"location":"westus","sku":{"name":"Standard"}})",
          "application/json");
  const std::string lbPath = kNet + "/loadBalancers/lb10" + v;
  const std::string lbBody = loadBalancer().dump();
  auto created = cli.Put(lbPath.c_str(), h, lbBody, "application/json");
  if (!created || created->status >= 300) {
    std::fprintf(stderr, "creating the load balancer failed: %s\n", created ? created->body.c_str() : "no answer");
    return 1;
  }

  std::printf("azlb API benchmark: %d keep-alive HTTPS clients, %.0f s per measurement, %u cores\n", clients, seconds,
              std::thread::hardware_concurrency());
  Stats base = drive(port, ca, clients, seconds, "GET", "/azlb/ready", "");
  Stats get = drive(port, ca, clients, seconds, "GET", lbPath, "");
  Stats put = drive(port, ca, clients, seconds, "PUT", lbPath, lbBody);
  std::printf("%-34s %10s %9s %9s %8s %12s\n", "measurement", "req/s", "p50 ms", "p99 ms", "errors", "vs baseline");
  auto row = [&](const char* name, const Stats& s) {
    std::printf("%-34s %10.0f %9.2f %9.2f %8zu %11.2fx\n", name, s.rps, s.p50, s.p99, s.errors,
                base.rps > 0 ? s.rps / base.rps : 0.0);
  };
  row("baseline GET /azlb/ready", base);
  row("GET load balancer (10 rules)", get);
  row("PUT load balancer (10 rules)", put);
  server.stop();
  serving.join();

  std::vector<double> ms;
  for (int i = 0; i < starts; ++i) ms.push_back(startToReady(dir));
  std::sort(ms.begin(), ms.end());
  if (!ms.empty())
    std::printf("azlb serve start to ready (fresh data dir, TLS reused): median %.0f ms, max %.0f ms over %d starts\n",
                ms[ms.size() / 2], ms.back(), starts);
  std::filesystem::remove_all(dir);
  std::printf("goal (issue 2): GET >= 2000 req/s and p99 < 10 ms: %s\n",
              get.rps >= 2000 && get.p99 < 10 ? "met" : "NOT met");
  return 0;
}
