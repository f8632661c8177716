// `azlb serve`: the ARM endpoint over HTTPS with its SQLite store and self-made TLS material.
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <tuple>

#include "arm-api/http/server.h"
#include "arm-api/store/store.h"
#include "arm-api/tls/tls_material.h"
#include "cli/dataplane_paths.h"
#include "emulator/manager/manager.h"
#include "cli/args.h"
#include "cli/commands/commands.h"

namespace azlb::cli {

namespace {

const char* kServeHelp =
    "usage: azlb serve [flags]\n"
    "\n"
    "  --port N            HTTPS port (default 8443, or $AZLB_PORT; 0 = any free port)\n"
    "  --bind ADDR         address to listen on (default 127.0.0.1)\n"
    "  --allow-remote      required to bind an address other than loopback\n"
    "  --data-dir DIR      SQLite file and TLS material (default /var/lib/azlb as root,\n"
    "                      else ~/.local/share/azlb; or $AZLB_DATA_DIR)\n"
    "  --in-memory         keep resources in memory only (TLS material still lives in the data dir)\n"
    "  --subscription ID   the one subscription (default 00000000-0000-0000-0000-000000000001)\n"
    "  --tenant ID         the tenant (default 00000000-0000-0000-0000-0000000000aa)\n"
    "  --public-prefix P   where public IP addresses come from (default 198.18.0.0/16)\n"
    "  --ready-file FILE   write the bound port to FILE once requests are accepted\n"
    "  --log-requests      print one line per request on stderr\n"
    "\n"
    "data plane (needs root: network namespaces, veth, TUN):\n"
    "  --dataplane MODE    on, off or auto (default auto: on when running as root)\n"
    "  --instance ID       1-4 of [a-z0-9] in every kernel object name (default 0); two azlb\n"
    "                      instances on one machine need different ids, public prefixes and underlays\n"
    "  --muxes N           MUX processes (default 2)\n"
    "  --hosts N           hosts (default 2)\n"
    "  --underlay P        the underlay /16 (default 100.64.0.0/16)\n"
    "  --keep-dataplane    leave the data plane running when serve exits (a restarted serve adopts it)\n"
    "  --probe-time-scale F  multiply health-probe intervals and timeouts by F (0 < F <= 1, default 1):\n"
    "                      0.1 turns Azure's 15 s interval into 1.5 s for CI; thresholds are unchanged\n"
    "  --idle-timeout-scale F  multiply rules' idle timeouts by F (0 < F <= 1, default 1): 0.01\n"
    "                      turns the 4-minute minimum into 2.4 s, to watch flows time out in a test\n";

bool isLoopback(const std::string& addr) {
  return addr == "localhost" || addr == "::1" || addr.rfind("127.", 0) == 0;
}

}  // namespace

int runServe(int argc, char** argv) {
  Args args;
  if (auto err = parseArgs(argc, argv, 2,
                           {"port", "bind", "data-dir", "subscription", "tenant", "public-prefix", "ready-file", "dataplane",
                            "instance", "muxes", "hosts", "underlay", "probe-time-scale", "idle-timeout-scale"},
                           {"in-memory", "allow-remote", "log-requests", "help", "keep-dataplane"}, args)) {
    std::fprintf(stderr, "azlb serve: %s\n\n%s", err->c_str(), kServeHelp);
    return 2;
  }
  if (args.has("help")) {
    std::fputs(kServeHelp, stdout);
    return 0;
  }
  auto start = std::chrono::steady_clock::now();
  // SIGINT/SIGTERM stop the server from a thread that waits for them. Blocked before any thread
  // starts (service worker, manager, HTTP pool), so every thread inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const std::string dataDir = args.get("data-dir", defaultDataDir());
  const std::string bindAddr = args.get("bind", "127.0.0.1");
  if (!isLoopback(bindAddr) && !args.has("allow-remote")) {
    std::fprintf(stderr,
                 "azlb serve: refusing to bind %s: azlb accepts any bearer token, so only loopback is safe. "
                 "Add --allow-remote if you really want that.\n",
                 bindAddr.c_str());
    return 2;
  }
  int port = defaultPort();
  if (auto p = args.get("port")) {
    try {
      port = std::stoi(*p);
    } catch (const std::exception&) {
      port = -1;
    }
  }
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "azlb serve: --port must be 0..65535\n");
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  if (ec) {
    std::fprintf(stderr, "azlb serve: creating data dir %s: %s\n", dataDir.c_str(), ec.message().c_str());
    return 1;
  }
  auto tlsFiles = tls::ensureTlsMaterial(std::filesystem::path(dataDir) / "tls");
  if (!tlsFiles) {
    std::fprintf(stderr, "azlb serve: TLS material: %s\n", tlsFiles.error().message().c_str());
    return 1;
  }
  const std::string dbPath = args.has("in-memory") ? ":memory:" : dataDir + "/azlb.db";
  auto store = armstore::Store::open(dbPath);
  if (!store) {
    std::fprintf(stderr, "azlb serve: %s\n", store.error().message().c_str());
    return 1;
  }
  armservice::ServiceConfig cfg;
  cfg.subscriptionId = args.get("subscription", cfg.subscriptionId);
  cfg.tenantId = args.get("tenant", cfg.tenantId);
  cfg.publicPrefix = args.get("public-prefix", cfg.publicPrefix);
  auto service = armservice::Service::create(cfg, std::move(store.value()));
  if (!service) {
    std::fprintf(stderr, "azlb serve: %s\n", service.error().message().c_str());
    return 1;
  }
  // The data plane: the manager turns every change into namespaces, processes and snapshots.
  std::unique_ptr<manager::Manager> dataplane;
  const std::string mode = args.get("dataplane", "auto");
  if (mode != "on" && mode != "off" && mode != "auto") {
    std::fprintf(stderr, "azlb serve: --dataplane takes on, off or auto\n");
    return 2;
  }
  if (mode == "on" || (mode == "auto" && geteuid() == 0)) {
    if (geteuid() != 0) {
      std::fprintf(stderr, "azlb serve: the data plane needs CAP_SYS_ADMIN and CAP_NET_ADMIN (network namespaces, "
                           "netlink, TUN): run as root, or use --dataplane off for the API alone\n");
      return 1;
    }
    manager::ManagerOptions mo;
    mo.plan.instance = args.get("instance", defaultInstance());
    mo.plan.publicPrefix = cfg.publicPrefix;
    mo.plan.muxes = static_cast<std::uint32_t>(std::atoi(args.get("muxes", "2").c_str()));
    mo.plan.hosts = static_cast<std::uint32_t>(std::atoi(args.get("hosts", "2").c_str()));
    auto underlay = args.get("underlay", "100.64.0.0/16");
    unsigned a = 0, b = 0;
    if (std::sscanf(underlay.c_str(), "%u.%u.0.0/16", &a, &b) != 2 || a > 255 || b > 255) {
      std::fprintf(stderr, "azlb serve: --underlay must be an a.b.0.0/16 prefix\n");
      return 2;
    }
    for (auto [flag, target, example] : {std::tuple{"probe-time-scale", &mo.plan.probeTimeScale, "0.1"},
                                         std::tuple{"idle-timeout-scale", &mo.plan.idleTimeoutScale, "0.01"}}) {
      const std::string scale = args.get(flag, "1");
      char* end = nullptr;
      *target = std::strtod(scale.c_str(), &end);
      if (end == scale.c_str() || *end != '\0' || !(*target > 0.0 && *target <= 1.0)) {
        std::fprintf(stderr, "azlb serve: --%s wants a number in (0, 1], e.g. %s\n", flag, example);
        return 2;
      }
    }
    mo.plan.underlayHigh = static_cast<std::uint8_t>(a);
    mo.plan.underlayLow = static_cast<std::uint8_t>(b);
    if (!netns_model::isValidInstance(mo.plan.instance) || mo.plan.muxes < 1 || mo.plan.hosts < 1 ||
        mo.plan.muxes > 60 || mo.plan.hosts > 60) {
      std::fprintf(stderr, "azlb serve: --instance wants 1-4 of [a-z0-9]; --muxes and --hosts 1..60\n");
      return 2;
    }
    mo.runDir = runDirFor(mo.plan.instance);
    mo.binary = selfPath();
    dataplane = std::make_unique<manager::Manager>(**service, mo);
    if (auto ok = dataplane->start(); !ok) {
      std::fprintf(stderr, "azlb serve: data plane: %s\n", ok.error().message().c_str());
      return 1;
    }
    (*service)->setListener(dataplane.get());
  } else {
    // API only: operations complete as soon as they are stored.
    (*service)->setListener(nullptr);
  }

  armhttp::ServerOptions opts;
  opts.bindAddress = bindAddr;
  opts.port = port;
  opts.certFile = tlsFiles->serverCert.string();
  opts.keyFile = tlsFiles->serverKey.string();
  opts.logRequests = args.has("log-requests");
  armhttp::ArmServer server(**service, opts);


  auto bound = server.bind();
  if (!bound) {
    std::fprintf(stderr, "azlb serve: %s\n", bound.error().message().c_str());
    return 1;
  }
  std::thread signals([&server, sigs] {
    int sig = 0;
    sigwait(&sigs, &sig);
    server.stop();
  });
  signals.detach();

  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("azlb: ARM endpoint https://localhost:%d/ ready in %.0f ms\n"
              "      data: %s   CA: %s\n"
              "      set up az:  eval \"$(azlb env --port %d --data-dir %s)\" && azlb az-login\n",
              *bound, ms, args.has("in-memory") ? "(in memory)" : dbPath.c_str(), tlsFiles->caCert.c_str(), *bound,
              dataDir.c_str());
  std::fflush(stdout);
  if (auto f = args.get("ready-file")) {
    std::string tmp = *f + ".tmp";
    {
      std::ofstream out(tmp);
      out << *bound << "\n";
    }
    std::filesystem::rename(tmp, *f, ec);
    if (ec) {
      std::fprintf(stderr, "azlb serve: writing ready file %s: %s\n", f->c_str(), ec.message().c_str());
      return 1;
    }
  }
  server.run();
  if (dataplane) {
    (*service)->setListener(nullptr);
    dataplane->stop(!args.has("keep-dataplane"));
  }
  std::printf("azlb: stopped\n");
  return 0;
}

}  // namespace azlb::cli
