// The azlb command line on CLI11 (Debian libcli11-dev 2.1, header-only).
//
// Why CLI11 and not the old FlagReader/parseArgs made strict: the old pair already refused
// unknown flags and missing values, but each command kept a hand-written help text beside its
// flag list, parsed values with atoi/stoi/sscanf ("3x" -> 3), took a flag given twice silently
// and read $AZLB_PORT with atoi. CLI11 binds each flag to its typed field, refuses duplicates,
// handles `--name=value`, env fallbacks and `--help` from the same table (help and parser cannot
// drift), and costs no library in the binary the manager starts in every namespace. One gap:
// CLI11 converts numbers with strtoull(base 0), which takes " 8", "0x10" and "010" (octal), so
// every number first passes checkWholeNumber (cli/flag_checks.h) on the raw text.
#include "cli/flags.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>

#include "arm-api/common/ipv4.h"
#include "cli/flag_checks.h"
#include "netns/naming.h"

namespace azlb::cli {

namespace {

using Check = std::function<std::string(std::string_view)>;

/// A CLI11 validator from a flag_checks function; the empty name keeps the help's type plain.
CLI::Validator rule(Check check) {
  return CLI::Validator([check = std::move(check)](std::string& text) { return check(text); }, "");
}

template <typename T>
CLI::Option* addNumber(CLI::App& app, const std::string& name, T& target, std::uint64_t min,
                       std::uint64_t max, const std::string& help) {
  return app.add_option(name, target, help)
      ->type_name("N")
      ->check(rule([min, max](std::string_view s) { return checkWholeNumber(s, min, max); }))
      ->capture_default_str();
}

CLI::Option* addScale(CLI::App& app, const std::string& name, double& target,
                      const std::string& help) {
  return app.add_option(name, target, help)
      ->type_name("F")
      ->check(rule(checkScale))
      ->capture_default_str();
}

CLI::Option* addPrefix(CLI::App& app, const std::string& name, std::string& target, int length,
                       const std::string& help) {
  return app.add_option(name, target, help)
      ->type_name("P")
      ->check(rule([length](std::string_view s) { return checkIpv4Prefix(s, length); }))
      ->capture_default_str();
}

CLI::Option* addInstance(CLI::App& app, std::string& target, const std::string& help) {
  return app.add_option("--instance", target, help)
      ->type_name("ID")
      ->envname("AZLB_INSTANCE")
      ->check(rule(checkInstance))
      ->capture_default_str();
}

CLI::Option* addPort(CLI::App& app, int& target, std::uint64_t min, const std::string& help) {
  return addNumber(app, "--port", target, min, 65535, help)->envname("AZLB_PORT");
}

CLI::Option* addDataDir(CLI::App& app, std::string& target, const std::string& help) {
  target = defaultDataDir();
  return app.add_option("--data-dir", target, help)
      ->type_name("DIR")
      ->envname("AZLB_DATA_DIR")
      ->capture_default_str();
}

void addServe(CLI::App& app, ServeFlags& f) {
  addPort(app, f.port, 0, "HTTPS port; 0 = any free port");
  app.add_option("--bind", f.bind, "address to listen on")
      ->type_name("ADDR")
      ->capture_default_str();
  app.add_flag("--allow-remote", f.allowRemote, "required to bind an address other than loopback");
  addDataDir(app, f.dataDir,
             "SQLite file and TLS material (/var/lib/azlb as root, else ~/.local/share/azlb)");
  app.add_flag("--in-memory", f.inMemory,
               "keep resources in memory only (TLS material still lives in the data dir)");
  app.add_option("--subscription", f.subscription, "the one subscription")
      ->type_name("ID")
      ->capture_default_str();
  app.add_option("--tenant", f.tenant, "the tenant")->type_name("ID")->capture_default_str();
  addPrefix(app, "--public-prefix", f.publicPrefix, -1, "where public IP addresses come from");
  app.add_option("--ready-file", f.readyFile,
                 "write the bound port to FILE once requests are accepted")
      ->type_name("FILE");
  app.add_flag("--log-requests", f.logRequests, "print one line per request on stderr");
  app.add_option_function<std::string>(
         "--log-level", [&f](const std::string& s) { f.logLevel = *log::parseLevel(s); },
         "debug, info, warn, error or off (default info)")
      ->type_name("LEVEL")
      ->check(rule([](std::string_view s) {
        return checkOneOf(s, {"debug", "info", "warn", "error", "off"});
      }));
  auto* dp = app.add_option_group("data plane", "needs root: network namespaces, veth, TUN");
  dp->add_option("--dataplane", f.dataplane, "on, off or auto (auto: on when running as root)")
      ->type_name("MODE")
      ->check(rule([](std::string_view s) {
        return checkOneOf(s, {"on", "off", "auto"});
      }))
      ->capture_default_str();
  addInstance(*dp, f.instance, "1-4 of [a-z0-9] in every kernel object name");
  addNumber(*dp, "--muxes", f.muxes, 1, 60, "MUX processes");
  addNumber(*dp, "--hosts", f.hosts, 1, 60, "hosts");
  addPrefix(*dp, "--underlay", f.underlay, 16, "the underlay a.b.0.0/16");
  addPrefix(*dp, "--internet-prefix", f.internetPrefix, -1,
            "\"the internet\": every address of it is a host in `azlb exec internet`");
  dp->add_flag("--keep-dataplane", f.keepDataplane,
               "leave the data plane running when serve exits");
  addScale(*dp, "--probe-time-scale", f.probeTimeScale,
           "multiply health-probe intervals and timeouts (0 < F <= 1)");
  addScale(*dp, "--idle-timeout-scale", f.idleTimeoutScale,
           "multiply rules' idle timeouts (0 < F <= 1)");
  dp->add_option_function<std::string>(
        "--fastpath", [&f](const std::string& s) { f.fastpath = s == "on"; },
        "on or off (default on): established VIP-to-VIP TCP flows go host to host, past the MUXes")
      ->type_name("MODE")
      ->check(rule([](std::string_view s) {
        return checkOneOf(s, {"on", "off"});
      }));
  dp->add_option("--routing", f.routing,
                 "bgp: the MUXes announce their frontends over BGP to BIRD in the router, which "
                 "installs the ECMP routes; static: azlb writes them; auto (default): bgp when "
                 "BIRD 2 is installed")
      ->type_name("MODE")
      ->check(rule([](std::string_view s) {
        return checkOneOf(s, {"bgp", "static", "auto"});
      }));
  dp->add_option("--nsg", f.nsg,
                 "network security groups on the wire: enforce (drop what Azure drops, Standard "
                 "backends closed until a group allows), warn (default: let it through and log "
                 "Azure's verdict once per flow) or off")
      ->type_name("MODE")
      ->check(rule([](std::string_view s) {
        return checkOneOf(s, {"enforce", "warn", "off"});
      }));
  app.footer(
      "Two azlb instances on one machine need different --instance ids, --public-prefix and "
      "--underlay.\n"
      "--probe-time-scale 0.1 turns Azure's 15 s probe interval into 1.5 s for CI (thresholds are "
      "unchanged);\n"
      "--idle-timeout-scale 0.01 turns the 4-minute idle timeout into 2.4 s, to watch flows time "
      "out.");
}

void addEnv(CLI::App& app, ClientFlags& f) {
  addPort(app, f.port, 1, "azlb's HTTPS port");
  addDataDir(app, f.dataDir, "azlb's data dir (TLS material)");
  app.footer("Prints exports; use: eval \"$(azlb env)\"");
}

void addAzLogin(CLI::App& app, ClientFlags& f) {
  addPort(app, f.port, 1, "azlb's HTTPS port");
  addDataDir(app, f.dataDir, "azlb's data dir; az's state goes to DIR/az");
  app.add_option("--cloud-name", f.cloudName, "az cloud name for azlb")
      ->type_name("NAME")
      ->capture_default_str();
  app.add_option("--client-id", f.clientId, "service principal az logs in as")
      ->type_name("ID")
      ->capture_default_str();
  app.add_flag("--verbose", f.verbose,
               "show az's output instead of writing it to DIR/az-login.log");
  app.footer(
      "Registers azlb (https://localhost:PORT/) as az cloud NAME and logs az in with a service "
      "principal\n"
      "against azlb's login endpoint. az's state goes to DIR/az, the AZURE_CONFIG_DIR that `azlb "
      "env`\n"
      "exports, so your real Azure login is left alone.");
}

/// The flags mux and host-agent share.
template <typename Options>
void addProcessCommon(CLI::App& app, Options& o, std::uint64_t maxIndex) {
  addNumber(app, "--index", o.index, 0, maxIndex, "this process's number");
  app.add_option("--socket", o.socketPath, "control socket (newline-delimited JSON)")
      ->type_name("PATH")
      ->required();
  app.add_option("--tun", o.tunName, "TUN device to create (at most 15 characters)")
      ->type_name("NAME")
      ->required();
  addNumber(app, "--tun-mtu", o.tunMtu, 576, 65535, "TUN MTU");
  addNumber(app, "--underlay-mtu", o.underlayMtu, 576, 65535, "drop outer packets larger than N");
  addNumber(app, "--flows", o.flowCapacity, 1, std::uint64_t{1} << 26U, "flow-table capacity");
  addNumber(app, "--batch", o.batchSize, 1, 1024, "packets read per batch");
  app.add_flag_callback(
      "--no-offload", [&o] { o.offload = false; },
      "plain TUN: no virtio-net header, no TSO/checksum offload (slower, for comparison)");
}

void addMux(CLI::App& app, runtime::MuxProcessOptions& o) {
  addProcessCommon(app, o, 999);
  app.add_option_function<std::string>(
         "--underlay",
         [&o](const std::string& s) { o.underlay = dataplane::Ipv4Address{*armapi::parseIpv4(s)}; },
         "outer source address of encapsulated packets; must not be configured on any interface")
      ->type_name("ADDR")
      ->required()
      ->check(rule([](std::string_view s) { return checkIpv4Address(s, false); }));
  addPrefix(app, "--frontend-prefix", o.frontendPrefix, -1, "prefix routed into the TUN");
  app.add_option_function<std::string>(
         "--bgp-peer",
         [&o](const std::string& s) { o.bgpPeer = dataplane::Ipv4Address{*armapi::parseIpv4(s)}; },
         "announce the frontends it serves over BGP to the router at ADDR")
      ->type_name("ADDR")
      ->check(rule([](std::string_view s) { return checkIpv4Address(s, false); }));
  app.add_option_function<std::string>(
         "--bgp-local",
         [&o](const std::string& s) { o.bgpLocal = dataplane::Ipv4Address{*armapi::parseIpv4(s)}; },
         "this MUX's address on the router link (BGP source, router id and next hop)")
      ->type_name("ADDR")
      ->check(rule([](std::string_view s) { return checkIpv4Address(s, false); }));
  app.footer(
      "Runs one MUX in the current network namespace (the manager starts it in azlb<inst>-mux<I>): "
      "creates\n"
      "TUN NAME, routes the frontend prefix into it, load-balances every packet to a backend "
      "(Maglev + flow\n"
      "table) and sends it IP-in-IP to the backend's underlay address. Needs CAP_NET_ADMIN (run as "
      "root).\n"
      "SIGTERM or SIGINT stops it cleanly.");
}

void addHostAgent(CLI::App& app, runtime::HostAgentProcessOptions& o) {
  addProcessCommon(app, o, 99);
  addNumber(app, "--vm-mtu", o.vmMtu, 576, 65535,
            "MTU of the VMs' links; superpackets reach VMs in N-byte segments");
  app.footer(
      "Runs host agent J in the current network namespace (the manager starts it in "
      "azlb<inst>-host<J>):\n"
      "decapsulates load-balanced traffic to the VMs (DNAT), sends their replies straight to the "
      "router\n"
      "(direct server return) and carries VM-to-VM traffic within a VNet. Snapshots for another "
      "--index are\n"
      "rejected. Needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root). SIGTERM or SIGINT stops it "
      "cleanly.");
}

void addRoleHost(CLI::App& app, guestagent::RoleHostOptions& o) {
  app.add_option("--config", o.config, "the instance's configuration (written by the manager)")
      ->type_name("FILE")
      ->required();
  app.footer(
      "Runs the guest agent of one cloud-service role instance in the current network namespace "
      "(the manager\n"
      "starts it in the instance's VM namespace): start-up tasks, the entry point (restarted when "
      "it exits),\n"
      "and the status / discovery interface on port 32526. SIGTERM stops it and its programs.");
}

void addStatus(CLI::App& app, StatusFlags& f) {
  addInstance(app, f.instance, "the azlb instance");
  app.add_flag("--json", f.json, "print status.json as it is");
}

void addExec(CLI::App& app, ExecFlags& f) {
  addInstance(app, f.instance, "the azlb instance");
  app.add_option("vm", f.vm, "NIC name, backend-address name, private IP or the VM's namespace")
      ->required();
  app.footer("usage: azlb exec [--instance ID] <vm>|internet|router -- <command> [args...]");
}

void addCleanup(CLI::App& app, CleanupFlags& f) {
  addInstance(app, f.instance, "the azlb instance to remove");
  // Not `excludes`: --instance may come from $AZLB_INSTANCE, and --all still means every instance.
  app.add_flag("--all", f.all, "every instance (overrides --instance)");
  app.add_option("--prefix", f.prefix, "name prefix of the kernel objects")
      ->type_name("PREFIX")
      ->check(rule([](std::string_view s) {
        return netns_model::isValidPrefix(s) ? std::string()
                                             : "'" + std::string(s) + "' is not a name prefix";
      }))
      ->capture_default_str();
}

void addImport(CLI::App& app, ImportFlags& f) {
  addPort(app, f.port, 1, "azlb's HTTPS port");
  addDataDir(app, f.dataDir, "azlb's data dir (TLS material)");
  app.add_option("csdef", f.definition, "the ServiceDefinition (.csdef)")
      ->type_name("FILE")
      ->required();
  app.add_option("--config", f.configuration,
                 "the ServiceConfiguration (.cscfg); default: 1 instance per role")
      ->type_name("FILE");
  app.add_option("--slot", f.slot,
                 "production, or staging: NAME-staging with its own VIP, swappable with NAME")
      ->type_name("SLOT")
      ->check(rule([](std::string_view s) {
        return checkOneOf(s, {"production", "staging"});
      }))
      ->capture_default_str();
  app.add_option("--name", f.name, "the cloud service's name (default: the csdef's name)")
      ->type_name("NAME");
  app.add_option("--app-root", f.appRoot,
                 "where the roles' folders are (default: the csdef's folder)")
      ->type_name("DIR");
  app.add_option("--resource-group", f.resourceGroup, "resource group (made when missing)")
      ->type_name("GROUP")
      ->capture_default_str();
  app.add_flag("--no-wait", f.noWait, "return once stored, before the instances are Ready");
  app.footer(
      "Validates both files (errors name file:line:column; nothing is created), then creates the "
      "public IP\nNAME-vip and the Microsoft.Compute/cloudServices resource through azlb's API and "
      "waits until every\ninstance is Ready and in rotation.");
}

void addTrace(CLI::App& app, TraceFlags& f) {
  addPort(app, f.port, 1, "azlb's HTTPS port");
  addDataDir(app, f.dataDir, "azlb's data dir (TLS material)");
  app.add_option("protocol", f.protocol, "tcp or udp")
      ->type_name("PROTOCOL")
      ->required()
      ->check(rule([](std::string_view s) {
        return checkOneOf(s, {"tcp", "udp"});
      }));
  app.add_option("destination", f.destination, "IP:PORT, e.g. a frontend 198.18.0.1:80")
      ->type_name("IP:PORT")
      ->required();
  app.add_option("--from", f.from,
                 "the source: IP:PORT (default: your shell's address on azlb's root link, port "
                 "40000), or a VM's name or address [:PORT] for internal and outbound flows")
      ->type_name("SOURCE");
  app.add_flag("--json", f.json, "the answer as JSON");
  app.footer(
      "Tier by tier: the router's ECMP choice (asked from its kernel), the rule, the distribution "
      "mode and hash\ninput, the Maglev slot and backend, backends skipped and why, the host and "
      "VM, the NAT and the\nreturn path; from a VM: VNet delivery, an internal load balancer, or "
      "outbound SNAT and Fastpath.");
}

void addCloudService(CLI::App& app, CloudServiceFlags& f) {
  addPort(app, f.port, 1, "azlb's HTTPS port");
  addDataDir(app, f.dataDir, "azlb's data dir (TLS material)");
  addInstance(app, f.instance, "the azlb instance (for instance and logs)");
  app.add_option("action", f.action, "list, show, delete, swap, instance or logs")
      ->type_name("ACTION")
      ->required()
      ->check(rule([](std::string_view s) {
        return checkOneOf(s, {"list", "show", "delete", "swap", "instance", "logs"});
      }));
  app.add_option("args", f.args, "NAME [INSTANCE [busy|ready|auto]]")->type_name("ARGS");
  app.add_option("--resource-group", f.resourceGroup, "only this resource group")
      ->type_name("GROUP");
  app.add_flag("--json", f.json, "show: print the summary document as JSON");
  addNumber(app, "--tail", f.tail, 0, 1000000, "logs: the last N lines of each log (0 = all)");
  app.footer(
      "azlb cloud-service list | show NAME [--json] | delete NAME | swap NAME\n"
      "                   | instance NAME INSTANCE busy|ready|auto | logs NAME [INSTANCE] [--tail "
      "N]");
}

/// Builds the one app, bound to `line`; returns which command each subcommand is.
std::map<const CLI::App*, Command> build(CLI::App& app, CommandLine& line) {
  app.option_defaults()->disable_flag_override();  // "--in-memory=false" is an error, not false
  app.set_version_flag("--version", "azlb 0.1.0");
  app.require_subcommand(1);
  std::map<const CLI::App*, Command> commands;
  auto add = [&](const char* name, const char* about, Command command) {
    CLI::App* sub = app.add_subcommand(name, about);
    commands[sub] = command;
    return sub;
  };
  addServe(*add("serve", "run the ARM endpoint (HTTPS) with its SQLite store", Command::Serve),
           line.serve);
  addEnv(*add("env", "print the shell exports that point az / SDKs at azlb: eval \"$(azlb env)\"",
              Command::Env),
         line.client);
  addAzLogin(
      *add("az-login", "register azlb as an az cloud and log az in against it", Command::AzLogin),
      line.client);
  addMux(*add("mux", "run one MUX of the data plane (started by the manager in its netns)",
              Command::Mux),
         line.mux);
  addHostAgent(*add("host-agent",
                    "run one host agent of the data plane (started by the manager in its netns)",
                    Command::HostAgent),
               line.hostAgent);
  addRoleHost(*add("role-host",
                   "run the guest agent of a cloud-service role instance (started by the manager)",
                   Command::RoleHost),
              line.roleHost);
  addStatus(*add("status",
                 "print the data plane: tiers, addresses, processes, rules, which VM sits where",
                 Command::Status),
            line.status);
  addExec(*add("exec",
               "run a command inside a VM (or `internet`, `router`): azlb exec <vm> -- <command>",
               Command::Exec),
          line.exec);
  addCleanup(*add("cleanup", "remove every namespace, link and process an azlb instance created",
                  Command::Cleanup),
             line.cleanup);
  addImport(
      *add("import", "import a .csdef/.cscfg cloud service into a running azlb", Command::Import),
      line.import);
  addCloudService(
      *add("cloud-service", "list, show, delete, swap cloud services; set an instance busy; logs",
           Command::CloudService),
      line.cloudService);
  addTrace(*add("trace", "why a packet goes where it goes: azlb trace tcp 198.18.0.1:80",
                Command::Trace),
           line.trace);
  add("version", "print the version", Command::Version);
  add("help", "print this list", Command::Help);
  return commands;
}

bool isSubcommand(CLI::App& app, const std::string& name) {
  return !app.get_subcommands([&name](const CLI::App* sub) { return sub->get_name() == name; })
              .empty();
}

bool isLoopback(const std::string& addr) {
  return addr == "localhost" || addr == "::1" || addr.rfind("127.", 0) == 0;
}

/// How many arguments each `cloud-service` action takes (min, max), and what the last one may be.
std::string cloudServiceArgsError(const CloudServiceFlags& f) {
  const std::map<std::string, std::pair<std::size_t, std::size_t>> counts = {
      {"list", {0, 0}}, {"show", {1, 1}},     {"delete", {1, 1}},
      {"swap", {1, 1}}, {"instance", {3, 3}}, {"logs", {1, 2}}};
  const auto [min, max] = counts.at(f.action);
  if (f.args.size() < min || f.args.size() > max)
    return f.action + " takes " +
           (f.action == "instance" ? std::string("NAME INSTANCE busy|ready|auto")
            : f.action == "logs"   ? std::string("NAME [INSTANCE]")
            : max == 0             ? std::string("no argument")
                                   : std::string("NAME"));
  if (f.action == "instance") return checkOneOf(f.args[2], {"busy", "ready", "auto"});
  return {};
}

/// Checks that involve more than one flag; "" when the line is fine.
std::string crossFlagError(const CommandLine& line) {
  if (line.command == Command::Serve && !isLoopback(line.serve.bind) && !line.serve.allowRemote)
    return "refusing to bind " + line.serve.bind +
           ": azlb accepts any bearer token, so only loopback is safe. Add --allow-remote if you "
           "really want that.";
  if (line.command == Command::Exec && line.exec.command.empty())
    return "needs -- <command> after the VM";
  if (line.command != Command::Exec && !line.exec.command.empty())
    return "unexpected arguments after --";
  if (line.command == Command::CloudService) return cloudServiceArgsError(line.cloudService);
  return {};
}

/// CLI11's wording for the commonest mistakes, said the way the rest of azlb says it.
std::string plainWords(const CLI::ParseError& e) {
  std::string text = e.what();
  for (std::string_view lead :
       {"The following argument was not expected: ", "The following arguments were not expected: "})
    if (text.rfind(lead, 0) == 0) return "unknown flag or argument " + text.substr(lead.size());
  if (auto at = text.find(" was given a disallowed flag override"); at != std::string::npos)
    return "--" + text.substr(0, at) + " takes no value";
  if (auto at = text.find(": 1 required "); at != std::string::npos && text.ends_with(" missing"))
    return text.substr(0, at) + " needs a value";
  return text;
}

void usageError(CommandLine& line, const std::string& who, const std::string& message) {
  line.exitCode = kUsageError;
  line.error = who + ": " + message + "\nRun '" + who + " --help' for its flags.\n";
}

}  // namespace

CommandLine parseCommandLine(const std::vector<std::string>& args) {
  CommandLine line;
  CLI::App app("azlb: Azure Load Balancer on one Linux machine", "azlb");
  const auto commands = build(app, line);
  if (args.empty()) {
    usageError(line, "azlb", "no command given");
    return line;
  }
  if (args[0].rfind("-", 0) != 0 && !isSubcommand(app, args[0])) {
    usageError(line, "azlb", "unknown command '" + args[0] + "'");
    return line;
  }
  // Everything after the first "--" is exec's command, never flags.
  std::vector<std::string> flags = args;
  if (auto dashes = std::find(flags.begin(), flags.end(), "--"); dashes != flags.end()) {
    line.exec.command.assign(dashes + 1, flags.end());
    flags.erase(dashes, flags.end());
  }
  std::vector<std::string> reversed(flags.rbegin(), flags.rend());  // CLI11 pops from the back
  std::string who = "azlb";
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    line.exitCode = 0;
    line.output = app.help();
    return line;
  } catch (const CLI::CallForVersion& v) {
    line.exitCode = 0;
    line.output = std::string(v.what()) + "\n";
    return line;
  } catch (const CLI::ParseError& e) {
    for (const auto* sub : app.get_subcommands()) who += " " + sub->get_name();
    usageError(line, who, plainWords(e));
    return line;
  }
  const CLI::App* sub = app.get_subcommands().at(0);
  line.command = commands.at(sub);
  if (line.command == Command::Help || line.command == Command::Version) {
    line.exitCode = 0;
    line.output = line.command == Command::Version
                      ? "azlb 0.1.0\n"
                      : app.get_formatter()->make_help(&app, "azlb", CLI::AppFormatMode::Normal);
  }
  if (auto error = crossFlagError(line); !error.empty())
    usageError(line, who + " " + sub->get_name(), error);
  return line;
}

std::string helpText(std::string_view subcommand) {
  std::vector<std::string> args;
  if (!subcommand.empty()) args.emplace_back(subcommand);
  args.emplace_back("--help");
  return parseCommandLine(args).output;
}

std::string defaultDataDir() {
  if (const char* d = std::getenv("AZLB_DATA_DIR"); d && *d) return d;
  if (geteuid() == 0) return "/var/lib/azlb";
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/azlb";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + "/.local/share/azlb";
}

}  // namespace azlb::cli
