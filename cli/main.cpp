// azlb: one binary, many subcommands (serve now; the data-plane processes join it later).
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/commands/commands.h"

namespace {

void usage(FILE* out) {
  std::fputs(
      "azlb: Azure Load Balancer on one Linux machine\n"
      "\n"
      "usage: azlb <command> [flags]\n"
      "\n"
      "commands:\n"
      "  serve      run the ARM endpoint (HTTPS) with its SQLite store\n"
      "  env        print the shell exports that point az / SDKs at azlb: eval \"$(azlb env)\"\n"
      "  az-login   register azlb as an az cloud and log az in against it\n"
      "  mux        run one MUX of the data plane (started by the manager in its netns)\n"
      "  host-agent run one host agent of the data plane (started by the manager in its netns)\n"
      "  status     print the data plane: tiers, addresses, processes, rules, which VM sits where\n"
      "  exec       run a command inside a VM: azlb exec <vm> -- <command>\n"
      "  cleanup    remove every namespace, link and process an azlb instance created\n"
      "  version    print the version\n"
      "\n"
      "Run 'azlb <command> --help' for the flags of a command.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  std::string cmd = argv[1];
  if (cmd == "serve") return azlb::cli::runServe(argc, argv);
  if (cmd == "env") return azlb::cli::runEnv(argc, argv);
  if (cmd == "az-login") return azlb::cli::runAzLogin(argc, argv);
  if (cmd == "mux") return azlb::cli::runMux(argc, argv);
  if (cmd == "host-agent") return azlb::cli::runHostAgent(argc, argv);
  if (cmd == "status") return azlb::cli::runStatus(argc, argv);
  if (cmd == "exec") return azlb::cli::runExec(argc, argv);
  if (cmd == "cleanup") return azlb::cli::runCleanup(argc, argv);
  if (cmd == "version" || cmd == "--version") {
    std::puts("azlb 0.1.0");
    return 0;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    usage(stdout);
    return 0;
  }
  std::fprintf(stderr, "azlb: unknown command '%s'\n\n", cmd.c_str());
  usage(stderr);
  return 2;
}
