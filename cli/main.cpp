// azlb: one binary, many subcommands. Flags are parsed once by cli/flags.h; each command then
// runs with its own flags struct.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands/commands.h"
#include "cli/flags.h"
#include "emulator/runtime/processes.h"

int main(int argc, char** argv) {
  using azlb::cli::Command;
  const azlb::cli::CommandLine line =
      azlb::cli::parseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (line.exitCode) {
    std::fputs(line.output.c_str(), stdout);
    std::fputs(line.error.c_str(), stderr);
    return *line.exitCode;
  }
  switch (line.command) {
    case Command::Serve:
      return azlb::cli::runServe(line.serve);
    case Command::Env:
      return azlb::cli::runEnv(line.client);
    case Command::AzLogin:
      return azlb::cli::runAzLogin(line.client);
    case Command::Mux:
      return azlb::runtime::runMux(line.mux);
    case Command::HostAgent:
      return azlb::runtime::runHostAgent(line.hostAgent);
    case Command::RoleHost:
      return azlb::guestagent::runRoleHost(line.roleHost);
    case Command::Status:
      return azlb::cli::runStatus(line.status);
    case Command::Exec:
      return azlb::cli::runExec(line.exec);
    case Command::Cleanup:
      return azlb::cli::runCleanup(line.cleanup);
    case Command::Import:
      return azlb::cli::runImport(line.import);
    case Command::CloudService:
      return azlb::cli::runCloudService(line.cloudService);
    case Command::Trace:
      return azlb::cli::runTrace(line.trace);
    case Command::Help:
    case Command::Version:
      break;  // answered by the parser (exitCode set)
  }
  return 0;
}
