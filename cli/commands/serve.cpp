// `azlb serve`: the ARM endpoint over HTTPS with its SQLite store and self-made TLS material,
// plus (as root) the data-plane manager. Flags come parsed (cli/flags.h); this file wires the
// modules and waits for SIGINT/SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "arm-api/common/ipv4.h"
#include "arm-api/http/server.h"
#include "arm-api/store/store.h"
#include "arm-api/tls/tls_material.h"
#include "cli/commands/commands.h"
#include "cli/dataplane_paths.h"
#include "common/log.h"
#include "emulator/manager/manager.h"
#include "emulator/routing/bird.h"

namespace azlb::cli {

namespace {

constexpr const char* kLog = "serve";

/// SIGINT/SIGTERM are taken by one thread that waits for them, so they are blocked before any
/// thread starts (service worker, manager, HTTP pool) and every thread inherits the mask.
sigset_t blockStopSignals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return sigs;
}

Result<std::unique_ptr<armservice::Service>> openService(const ServeFlags& f) {
  auto store = armstore::Store::open(f.inMemory ? ":memory:" : f.dataDir + "/azlb.db");
  if (!store) return unexpected(store.error());
  armservice::ServiceConfig cfg;
  cfg.subscriptionId = f.subscription;
  cfg.tenantId = f.tenant;
  cfg.publicPrefix = f.publicPrefix;
  return armservice::Service::create(cfg, std::move(store.value()));
}

/// Whether serve runs the data plane; logs why not when it must but cannot.
Result<bool> wantDataplane(const ServeFlags& f) {
  if (f.dataplane == "off" || (f.dataplane == "auto" && geteuid() != 0)) return false;
  if (geteuid() == 0) return true;
  return fail(
      "the data plane needs CAP_SYS_ADMIN and CAP_NET_ADMIN (network namespaces, netlink, TUN): "
      "run as root, or use --dataplane off for the API alone");
}

/// The manager turns every change into namespaces, processes and snapshots.
Result<std::unique_ptr<manager::Manager>> startDataplane(const ServeFlags& f,
                                                         armservice::Service& service) {
  const auto underlay = armapi::parseIpv4Prefix(f.underlay);  // checked by the parser: a.b.0.0/16
  manager::ManagerOptions mo;
  mo.plan.instance = f.instance;
  mo.plan.publicPrefix = f.publicPrefix;
  mo.plan.internetPrefix = f.internetPrefix;
  mo.plan.muxes = f.muxes;
  mo.plan.hosts = f.hosts;
  mo.plan.underlayHigh = static_cast<std::uint8_t>(underlay->network >> 24U);
  mo.plan.underlayLow = static_cast<std::uint8_t>((underlay->network >> 16U) & 0xffU);
  mo.plan.probeTimeScale = f.probeTimeScale;
  mo.plan.idleTimeoutScale = f.idleTimeoutScale;
  mo.plan.fastpath = f.fastpath;
  mo.plan.nsgMode = runtime::parseNsgMode(f.nsg).value_or(runtime::NsgMode::Warn);
  log::info(kLog, "network security groups: %s", f.nsg.c_str());
  if (f.routing == "bgp" && !routing::birdInstalled())
    return fail(std::string("--routing bgp needs BIRD 2 at ") + routing::kBirdBinary +
                " (apt-get install bird2), or use --routing static");
  mo.plan.bgp = f.routing == "bgp" || (f.routing == "auto" && routing::birdInstalled());
  log::info(kLog, "routing: %s",
            mo.plan.bgp ? "bgp (each MUX announces its frontends to BIRD in the router)"
                        : "static (azlb writes the router's ECMP route; no BIRD)");
  mo.runDir = runDirFor(mo.plan.instance);
  mo.binary = selfPath();
  auto dataplane = std::make_unique<manager::Manager>(service, mo);
  if (auto ok = dataplane->start(); !ok) return unexpected(ok.error());
  return dataplane;
}

/// Written to FILE.tmp and renamed, so a reader never sees a half-written port.
bool writeReadyFile(const std::string& file, int port) {
  const std::string tmp = file + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) log::error(kLog, "writing ready file %s: %s", file.c_str(), ec.message().c_str());
  return !ec;
}

int failed(const char* what, const Error& error) {
  log::error(kLog, "%s%s", what, error.message().c_str());
  return 1;
}

}  // namespace

int runServe(const ServeFlags& f) {
  log::setLevel(f.logLevel);
  const auto start = std::chrono::steady_clock::now();
  const sigset_t sigs = blockStopSignals();
  std::error_code ec;
  std::filesystem::create_directories(f.dataDir, ec);
  if (ec) return failed("", Error{ec, "creating data dir " + f.dataDir});
  auto tlsFiles = tls::ensureTlsMaterial(std::filesystem::path(f.dataDir) / "tls");
  if (!tlsFiles) return failed("TLS material: ", tlsFiles.error());
  auto service = openService(f);
  if (!service) return failed("", service.error());
  auto want = wantDataplane(f);
  if (!want) return failed("", want.error());
  std::unique_ptr<manager::Manager> dataplane;
  if (*want) {
    auto started = startDataplane(f, **service);
    if (!started) return failed("data plane: ", started.error());
    dataplane = std::move(*started);
  }
  // Without a data plane, operations complete as soon as they are stored.
  (*service)->setListener(dataplane.get());

  armhttp::ServerOptions opts;
  opts.bindAddress = f.bind;
  opts.port = f.port;
  opts.certFile = tlsFiles->serverCert.string();
  opts.keyFile = tlsFiles->serverKey.string();
  opts.logRequests = f.logRequests;
  armhttp::ArmServer server(**service, opts);
  auto bound = server.bind();
  if (!bound) return failed("", bound.error());
  std::thread([&server, sigs] {
    int sig = 0;
    sigwait(&sigs, &sig);
    server.stop();
  }).detach();

  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  log::info(kLog, "ARM endpoint https://localhost:%d/ ready in %.0f ms", *bound, ms);
  log::info(kLog, "data: %s   CA: %s",
            f.inMemory ? "(in memory)" : (f.dataDir + "/azlb.db").c_str(),
            tlsFiles->caCert.c_str());
  const std::string azlb = commandName();
  log::info(kLog, "set up az:  eval \"$(%s env --port %d --data-dir %s)\" && %s az-login",
            azlb.c_str(), *bound, f.dataDir.c_str(), azlb.c_str());
  if (!f.readyFile.empty() && !writeReadyFile(f.readyFile, *bound)) return 1;
  server.run();
  if (dataplane) {
    (*service)->setListener(nullptr);
    dataplane->stop(!f.keepDataplane);
  }
  log::info(kLog, "stopped");
  return 0;
}

}  // namespace azlb::cli
