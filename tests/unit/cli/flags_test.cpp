// The azlb command line (cli/flags.h): strict rejection naming the flag, exit code 2, valid lines
// parse to their values, README's serve defaults, env fallbacks, generated help.
#include "cli/flags.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

using azlb::cli::Command;
using azlb::cli::CommandLine;
using azlb::cli::helpText;
using azlb::cli::kUsageError;
using azlb::cli::parseCommandLine;
using Catch::Matchers::Contains;

namespace {

/// Sets (or unsets, with nullopt) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value->c_str(), 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

CommandLine parse(std::vector<std::string> args) { return parseCommandLine(args); }

void requireUsageError(const std::vector<std::string>& args, const std::string& mentions) {
  INFO("azlb " << [&] {
    std::string s;
    for (const auto& a : args) s += a + " ";
    return s;
  }());
  const CommandLine line = parseCommandLine(args);
  REQUIRE(line.exitCode == kUsageError);
  CHECK(line.output.empty());
  CHECK_THAT(line.error, Contains(mentions));
}

}  // namespace

TEST_CASE("serve rejects the lines the issue names, naming the flag, with exit code 2", "[cli]") {
  ScopedEnv port("AZLB_PORT", std::nullopt);
  requireUsageError({"serve", "--muxes", "3x"}, "--muxes");
  requireUsageError({"serve", "--underlay", "100.64.0.0/16junk"}, "--underlay");
  requireUsageError({"serve", "--port", "70000"}, "--port");
  requireUsageError({"serve", "--bogus"}, "--bogus");
  requireUsageError({"serve", "--port"}, "--port needs a value");
  requireUsageError({"serve", "--data-dir"}, "--data-dir needs a value");
}

TEST_CASE("numbers are whole decimal strings in range", "[cli]") {
  ScopedEnv port("AZLB_PORT", std::nullopt);
  for (const char* bad :
       {"3x", "x3", "", " 3", "3 ", "+3", "-3", "0x3", "03", "3.0", "0", "61", "99999999999999999999"})
    requireUsageError({"serve", "--muxes", bad}, "--muxes");
  for (const char* bad : {"-1", "65536", "8443x", "0x20fb", "08443"})
    requireUsageError({"serve", "--port", bad}, "--port");
  requireUsageError({"serve", "--hosts", "0"}, "--hosts");
  requireUsageError({"mux", "--socket", "s", "--tun", "t", "--underlay", "100.64.4.1", "--tun-mtu", "575"},
                    "--tun-mtu");
  requireUsageError({"mux", "--socket", "s", "--tun", "t", "--underlay", "100.64.4.1", "--flows", "0"}, "--flows");
  requireUsageError({"host-agent", "--socket", "s", "--tun", "t", "--index", "100"}, "--index");
}

TEST_CASE("prefixes and addresses parse strictly", "[cli]") {
  for (const char* bad : {"100.64.0.0/16junk", "100.64.0.0/016", "100.64.0.0/-16", "100.064.0.0/16", "100.64.0.0",
                          "100.64.1.0/16", "10.0.0.0/8", "100.64.0.0/24", "100.64.0.0/ 16", "100.64.0.0/16 "})
    requireUsageError({"serve", "--underlay", bad}, "--underlay");
  for (const char* bad : {"198.18.0.0/16x", "198.18.0.1/16", "198.18.0.0/33", "198.18/16"})
    requireUsageError({"serve", "--public-prefix", bad}, "--public-prefix");
  for (const char* bad : {"0.0.0.0", "100.64.4", "100.64.4.1x", "100.64.04.1"})
    requireUsageError({"mux", "--socket", "s", "--tun", "t", "--underlay", bad}, "--underlay");
  requireUsageError(
      {"mux", "--socket", "s", "--tun", "t", "--underlay", "100.64.4.1", "--frontend-prefix", "1.2.3.4/8"},
      "--frontend-prefix");
}

TEST_CASE("words, scales, instance ids and switches are checked", "[cli]") {
  requireUsageError({"serve", "--dataplane", "maybe"}, "--dataplane");
  requireUsageError({"serve", "--log-level", "loud"}, "--log-level");
  for (const char* bad : {"0", "1.5", "1e-1", "nan", "inf", "-0.5", ".5", "0,5"})
    requireUsageError({"serve", "--probe-time-scale", bad}, "--probe-time-scale");
  requireUsageError({"serve", "--idle-timeout-scale", "2"}, "--idle-timeout-scale");
  requireUsageError({"serve", "--instance", "abcde"}, "--instance");
  requireUsageError({"cleanup", "--instance", "../.."}, "--instance");
  requireUsageError({"serve", "--in-memory=false"}, "--in-memory");
  requireUsageError({"serve", "--muxes", "3", "--muxes", "4"}, "--muxes");
  requireUsageError({"serve", "stray"}, "stray");
  requireUsageError({"serve", "--bind", "0.0.0.0"}, "--allow-remote");
  requireUsageError({"mux", "--tun", "t", "--underlay", "100.64.4.1"}, "--socket");
  requireUsageError({"exec", "vm1"}, "--");
  requireUsageError({"status", "--", "x"}, "--");
  requireUsageError({"frobnicate"}, "frobnicate");
  requireUsageError({}, "no command");
}

TEST_CASE("serve's defaults are README's table", "[cli]") {
  ScopedEnv port("AZLB_PORT", std::nullopt);
  ScopedEnv dir("AZLB_DATA_DIR", std::nullopt);
  const CommandLine line = parse({"serve"});
  REQUIRE_FALSE(line.exitCode);
  REQUIRE(line.command == Command::Serve);
  const auto& f = line.serve;
  CHECK(f.port == 8443);
  CHECK(f.bind == "127.0.0.1");
  CHECK_FALSE(f.allowRemote);
  CHECK(f.dataDir == azlb::cli::defaultDataDir());
  CHECK_FALSE(f.inMemory);
  CHECK(f.subscription == "00000000-0000-0000-0000-000000000001");
  CHECK(f.tenant == "00000000-0000-0000-0000-0000000000aa");
  CHECK(f.publicPrefix == "198.18.0.0/16");
  CHECK(f.readyFile.empty());
  CHECK_FALSE(f.logRequests);
  CHECK(f.logLevel == azlb::log::Level::Info);
  CHECK(f.dataplane == "auto");
  CHECK(f.instance == "0");
  CHECK(f.muxes == 2);
  CHECK(f.hosts == 2);
  CHECK(f.underlay == "100.64.0.0/16");
  CHECK_FALSE(f.keepDataplane);
  CHECK(f.probeTimeScale == 1.0);
  CHECK(f.idleTimeoutScale == 1.0);
}

TEST_CASE("a full serve line parses to its values", "[cli]") {
  const CommandLine line = parse({"serve",
                                  "--port=0",
                                  "--bind",
                                  "10.1.2.3",
                                  "--allow-remote",
                                  "--data-dir",
                                  "/tmp/d",
                                  "--in-memory",
                                  "--subscription",
                                  "sub",
                                  "--tenant",
                                  "ten",
                                  "--public-prefix",
                                  "198.19.0.0/16",
                                  "--ready-file",
                                  "/tmp/r",
                                  "--log-requests",
                                  "--log-level",
                                  "warn",
                                  "--dataplane",
                                  "on",
                                  "--instance",
                                  "t9",
                                  "--muxes",
                                  "3",
                                  "--hosts",
                                  "60",
                                  "--underlay",
                                  "100.65.0.0/16",
                                  "--keep-dataplane",
                                  "--probe-time-scale",
                                  "0.1",
                                  "--idle-timeout-scale",
                                  "0.01"});
  INFO(line.error);
  REQUIRE_FALSE(line.exitCode);
  const auto& f = line.serve;
  CHECK(f.port == 0);
  CHECK(f.bind == "10.1.2.3");
  CHECK(f.allowRemote);
  CHECK(f.dataDir == "/tmp/d");
  CHECK(f.inMemory);
  CHECK(f.subscription == "sub");
  CHECK(f.tenant == "ten");
  CHECK(f.publicPrefix == "198.19.0.0/16");
  CHECK(f.readyFile == "/tmp/r");
  CHECK(f.logRequests);
  CHECK(f.logLevel == azlb::log::Level::Warn);
  CHECK(f.dataplane == "on");
  CHECK(f.instance == "t9");
  CHECK(f.muxes == 3);
  CHECK(f.hosts == 60);
  CHECK(f.underlay == "100.65.0.0/16");
  CHECK(f.keepDataplane);
  CHECK(f.probeTimeScale == Approx(0.1));
  CHECK(f.idleTimeoutScale == Approx(0.01));
}

TEST_CASE("$AZLB_PORT and $AZLB_DATA_DIR are fallbacks a flag overrides", "[cli]") {
  ScopedEnv port("AZLB_PORT", std::string("9443"));
  ScopedEnv dir("AZLB_DATA_DIR", std::string("/tmp/azlb-env-dir"));
  for (const char* command : {"serve", "env", "az-login"}) {
    const CommandLine fromEnv = parse({command});
    REQUIRE_FALSE(fromEnv.exitCode);
    const int p = fromEnv.command == Command::Serve ? fromEnv.serve.port : fromEnv.client.port;
    const std::string d = fromEnv.command == Command::Serve ? fromEnv.serve.dataDir : fromEnv.client.dataDir;
    CHECK(p == 9443);
    CHECK(d == "/tmp/azlb-env-dir");
  }
  const CommandLine flag = parse({"serve", "--port", "7443", "--data-dir", "/tmp/x"});
  CHECK(flag.serve.port == 7443);
  CHECK(flag.serve.dataDir == "/tmp/x");
  ScopedEnv badPort("AZLB_PORT", std::string("94x3"));
  requireUsageError({"serve"}, "--port");
}

TEST_CASE("$AZLB_INSTANCE is the default instance of serve, status, exec and cleanup; a flag overrides it",
          "[cli]") {
  ScopedEnv instance("AZLB_INSTANCE", std::string("rd"));
  CHECK(parse({"serve"}).serve.instance == "rd");
  CHECK(parse({"status"}).status.instance == "rd");
  CHECK(parse({"exec", "vm1", "--", "true"}).exec.instance == "rd");
  const CommandLine cleanup = parse({"cleanup", "--all"});
  REQUIRE_FALSE(cleanup.exitCode);
  CHECK(cleanup.cleanup.all);
  CHECK(parse({"status", "--instance", "t1"}).status.instance == "t1");
  ScopedEnv bad("AZLB_INSTANCE", std::string("../.."));
  requireUsageError({"status"}, "--instance");
}

TEST_CASE("the mux and host-agent lines the manager builds parse to the runtime's options", "[cli]") {
  const CommandLine mux = parse({"mux", "--index", "1", "--socket", "/run/azlb/0/mux1.sock", "--tun", "tun0",
                                 "--underlay", "100.64.4.2", "--frontend-prefix", "198.18.0.0/16"});
  INFO(mux.error);
  REQUIRE_FALSE(mux.exitCode);
  REQUIRE(mux.command == Command::Mux);
  CHECK(mux.mux.index == 1);
  CHECK(mux.mux.socketPath == "/run/azlb/0/mux1.sock");
  CHECK(mux.mux.tunName == "tun0");
  CHECK(mux.mux.underlay == azlb::dataplane::Ipv4Address::fromOctets(100, 64, 4, 2));
  CHECK(mux.mux.frontendPrefix == "198.18.0.0/16");
  CHECK(mux.mux.offload);
  CHECK(mux.mux.tunMtu == 65535);
  CHECK(mux.mux.flowCapacity == 262144);

  const CommandLine host = parse({"host-agent", "--index", "2", "--socket", "/s", "--tun", "tun0", "--vm-mtu", "9000",
                                  "--batch", "64", "--no-offload"});
  INFO(host.error);
  REQUIRE_FALSE(host.exitCode);
  REQUIRE(host.command == Command::HostAgent);
  CHECK(host.hostAgent.index == 2);
  CHECK(host.hostAgent.vmMtu == 9000);
  CHECK(host.hostAgent.batchSize == 64);
  CHECK_FALSE(host.hostAgent.offload);
}

TEST_CASE("status, exec and cleanup parse their flags; exec's command keeps its own flags", "[cli]") {
  const CommandLine exec = parse({"exec", "--instance", "t1", "vm1", "--", "ls", "-l", "--all"});
  INFO(exec.error);
  REQUIRE_FALSE(exec.exitCode);
  REQUIRE(exec.command == Command::Exec);
  CHECK(exec.exec.instance == "t1");
  CHECK(exec.exec.vm == "vm1");
  CHECK(exec.exec.command == std::vector<std::string>{"ls", "-l", "--all"});

  ScopedEnv noInstance("AZLB_INSTANCE", std::nullopt);
  const CommandLine status = parse({"status", "--json"});
  REQUIRE_FALSE(status.exitCode);
  CHECK(status.status.json);
  CHECK(status.status.instance == "0");

  const CommandLine cleanup = parse({"cleanup", "--all", "--prefix", "azlt"});
  REQUIRE_FALSE(cleanup.exitCode);
  CHECK(cleanup.cleanup.all);
  CHECK(cleanup.cleanup.prefix == "azlt");
}

TEST_CASE("--help is generated per subcommand and lists every flag", "[cli]") {
  const CommandLine line = parse({"serve", "--help"});
  REQUIRE(line.exitCode == 0);
  CHECK(line.error.empty());
  for (const char* flag : {"--port",
                           "--bind",
                           "--allow-remote",
                           "--data-dir",
                           "--in-memory",
                           "--subscription",
                           "--tenant",
                           "--public-prefix",
                           "--ready-file",
                           "--log-requests",
                           "--log-level",
                           "--dataplane",
                           "--instance",
                           "--muxes",
                           "--hosts",
                           "--underlay",
                           "--keep-dataplane",
                           "--probe-time-scale",
                           "--idle-timeout-scale",
                           "AZLB_PORT",
                           "AZLB_DATA_DIR"})
    CHECK_THAT(line.output, Contains(flag));
  for (const char* flag : {"--index", "--socket", "--tun", "--underlay", "--frontend-prefix", "--tun-mtu",
                           "--no-offload", "--underlay-mtu", "--flows", "--batch"})
    CHECK_THAT(helpText("mux"), Contains(flag));
  CHECK_THAT(helpText("host-agent"), Contains("--vm-mtu"));
  CHECK_THAT(helpText("az-login"), Contains("--cloud-name"));
  CHECK_THAT(helpText("cleanup"), Contains("--prefix"));
  for (const char* command : {"serve", "env", "az-login", "mux", "host-agent", "status", "exec", "cleanup"})
    CHECK_THAT(helpText(""), Contains(command));
  CHECK(parse({"help"}).output == helpText(""));
  CHECK(parse({"--version"}).output == "azlb 0.1.0\n");
}

TEST_CASE("import takes a csdef and its options; cloud-service checks its action's arguments", "[cli]") {
  ScopedEnv port("AZLB_PORT", std::nullopt);
  const CommandLine imp = parse({"import", "S.csdef", "--config", "S.cscfg", "--slot", "staging", "--name", "web",
                                 "--app-root", "/srv/app", "--no-wait"});
  REQUIRE_FALSE(imp.exitCode);
  CHECK(imp.command == Command::Import);
  CHECK(imp.import.definition == "S.csdef");
  CHECK(imp.import.configuration == "S.cscfg");
  CHECK(imp.import.slot == "staging");
  CHECK(imp.import.name == "web");
  CHECK(imp.import.appRoot == "/srv/app");
  CHECK(imp.import.resourceGroup == "cloud-services");
  CHECK(imp.import.noWait);
  requireUsageError({"import"}, "csdef");
  requireUsageError({"import", "S.csdef", "--slot", "blue"}, "--slot");

  const CommandLine show = parse({"cloud-service", "show", "web", "--json"});
  REQUIRE_FALSE(show.exitCode);
  CHECK(show.command == Command::CloudService);
  CHECK(show.cloudService.action == "show");
  CHECK(show.cloudService.args == std::vector<std::string>{"web"});
  CHECK(show.cloudService.json);
  const CommandLine busy = parse({"cloud-service", "instance", "web", "FERole_IN_1", "busy"});
  REQUIRE_FALSE(busy.exitCode);
  CHECK(busy.cloudService.args.at(2) == "busy");
  CHECK(parse({"cloud-service", "logs", "web", "--tail", "5"}).cloudService.tail == 5);
  requireUsageError({"cloud-service", "frobnicate"}, "action");
  requireUsageError({"cloud-service", "show"}, "show takes NAME");
  requireUsageError({"cloud-service", "list", "extra"}, "list takes no argument");
  requireUsageError({"cloud-service", "instance", "web", "FERole_IN_1", "sleepy"}, "sleepy");
  requireUsageError({"cloud-service", "instance", "web"}, "instance takes NAME INSTANCE busy|ready|auto");
}
