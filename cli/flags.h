// The azlb command line: every subcommand's flags, parsed by ONE strict parser (cli/flags.cpp,
// on CLI11) into the structs below, with `--help` generated from the same table. Parsing only:
// no file, network or process is touched here, so tests/unit/cli/ can drive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "emulator/guestagent/role_host.h"
#include "emulator/runtime/processes.h"

namespace azlb::cli {

enum class Command {
  Help,
  Version,
  Serve,
  Env,
  AzLogin,
  Mux,
  HostAgent,
  RoleHost,
  Status,
  Exec,
  Cleanup,
  Import,
  CloudService,
  Trace
};

/// `azlb serve`; defaults as README's `azlb serve` table gives them.
struct ServeFlags {
  int port = 8443;  ///< or $AZLB_PORT; 0 = any free port
  std::string bind = "127.0.0.1";
  bool allowRemote = false;
  std::string dataDir;  ///< defaultDataDir() unless given
  bool inMemory = false;
  std::string subscription = "00000000-0000-0000-0000-000000000001";
  std::string tenant = "00000000-0000-0000-0000-0000000000aa";
  std::string publicPrefix = "198.18.0.0/16";
  std::string internetPrefix = "198.19.0.0/16";
  std::string readyFile;  ///< empty: none
  bool logRequests = false;
  log::Level logLevel = log::Level::Info;
  std::string dataplane = "auto";  ///< on, off or auto
  std::string instance = "0";
  std::uint32_t muxes = 2;
  std::uint32_t hosts = 2;
  std::string underlay = "100.64.0.0/16";  ///< checked: an a.b.0.0/16 prefix
  bool keepDataplane = false;
  double probeTimeScale = 1.0;
  double idleTimeoutScale = 1.0;
  bool fastpath = true;          ///< --fastpath on|off
  std::string routing = "auto";  ///< --routing bgp|static|auto (auto: bgp when BIRD is installed)
  std::string nsg = "warn";      ///< --nsg enforce|warn|off: network security groups on the wire
};

/// `azlb env` and `azlb az-login` (which also uses the last three).
struct ClientFlags {
  int port = 8443;  ///< or $AZLB_PORT
  std::string dataDir;
  std::string cloudName = "AzlbLocal";
  std::string clientId = "00000000-0000-0000-0000-0000000000c1";
  bool verbose = false;
};

struct StatusFlags {
  std::string instance = "0";
  bool json = false;
};

struct ExecFlags {
  std::string instance = "0";
  std::string vm;
  std::vector<std::string> command;  ///< everything after "--"
};

/// `azlb import`: a csdef (and cscfg) into a running azlb, through its API.
struct ImportFlags {
  int port = 8443;  ///< or $AZLB_PORT
  std::string dataDir;
  std::string definition;     ///< the .csdef
  std::string configuration;  ///< the .cscfg ("" = one instance per role)
  std::string slot = "production";
  std::string name;     ///< "" = the csdef's service name
  std::string appRoot;  ///< "" = the csdef's folder
  std::string resourceGroup = "cloud-services";
  bool noWait = false;
};

/// `azlb cloud-service ACTION [NAME [INSTANCE [STATE]]]`.
struct CloudServiceFlags {
  int port = 8443;  ///< or $AZLB_PORT
  std::string dataDir;
  std::string instance = "0";  ///< the azlb instance (instance and logs read its status.json)
  std::string action;          ///< list, show, delete, swap, instance, logs
  std::vector<std::string> args;
  std::string resourceGroup;  ///< "" = any group
  bool json = false;
  int tail = 0;  ///< logs: the last N lines of each (0 = all)
};

/// `azlb trace PROTOCOL DESTINATION [--from SOURCE]`: what the data plane does with one packet.
struct TraceFlags {
  int port = 8443;  ///< or $AZLB_PORT
  std::string dataDir;
  std::string protocol = "tcp";
  std::string destination;  ///< IP:PORT
  std::string from;         ///< IP:PORT, or a VM [:PORT]; "" = your shell (the root link's address)
  bool json = false;
};

struct CleanupFlags {
  std::string instance = "0";
  bool all = false;
  std::string prefix = "azlb";
};

/// What a command line asks for. `exitCode` set means: do not run anything; print `output` on
/// stdout (help, version) and `error` on stderr (a usage error naming the flag), and exit with
/// it (0 after help, 2 after a usage error).
struct CommandLine {
  Command command = Command::Help;
  ServeFlags serve;
  ClientFlags client;  ///< env, az-login
  runtime::MuxProcessOptions mux;
  runtime::HostAgentProcessOptions hostAgent;
  guestagent::RoleHostOptions roleHost;
  StatusFlags status;
  ExecFlags exec;
  CleanupFlags cleanup;
  ImportFlags import;
  CloudServiceFlags cloudService;
  TraceFlags trace;

  std::optional<int> exitCode;
  std::string output;
  std::string error;
};

inline constexpr int kUsageError = 2;

/// Parses argv without argv[0] ("serve", "--port", "0", ...). Never throws; never exits.
CommandLine parseCommandLine(const std::vector<std::string>& args);

/// The generated help of `subcommand` ("" = the command list).
std::string helpText(std::string_view subcommand);

/// Default data dir: $AZLB_DATA_DIR, else /var/lib/azlb as root, else $XDG_DATA_HOME/azlb or
/// ~/.local/share/azlb.
std::string defaultDataDir();

}  // namespace azlb::cli
