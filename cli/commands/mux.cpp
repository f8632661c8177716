// `azlb mux`: one MUX of the data plane, run inside its namespace by the manager. Flags in,
// runtime::runMux out (the process itself lives in emulator/runtime).
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "cli/args.h"
#include "cli/flag_reader.h"
#include "cli/commands/commands.h"
#include "emulator/dataplane/ipv4_address.h"
#include "emulator/runtime/processes.h"

namespace azlb::cli {

namespace {

const char* kMuxHelp =
    "usage: azlb mux --index I --socket PATH --tun NAME --underlay ADDR [flags]\n"
    "\n"
    "Runs one MUX in the current network namespace (the manager starts it in azlb<inst>-mux<I>):\n"
    "creates TUN NAME, routes the frontend prefix into it, load-balances every packet to a\n"
    "backend (Maglev + flow table) and sends it IP-in-IP to the backend's underlay address.\n"
    "Configuration snapshots and status requests arrive on the Unix socket PATH as JSON lines.\n"
    "\n"
    "  --index I             this MUX's number (for logs and status)\n"
    "  --socket PATH         control socket (newline-delimited JSON)\n"
    "  --tun NAME            TUN device to create (at most 15 characters)\n"
    "  --underlay ADDR       outer source address of encapsulated packets; must not be\n"
    "                        configured on any interface (e.g. 100.64.4.1)\n"
    "  --frontend-prefix P   prefix routed into the TUN (default 198.18.0.0/16)\n"
    "  --tun-mtu N           TUN MTU (default 65535)\n"
    "  --no-offload          plain TUN: no virtio-net header, no TSO/checksum offload (one\n"
    "                        1500-byte packet per read/write; slower, for comparison)\n"
    "  --underlay-mtu N      drop outer packets larger than N (default 65535: no limit)\n"
    "  --flows N             flow-table capacity (default 262144)\n"
    "  --batch N             packets read per batch (default 32)\n"
    "\n"
    "Needs CAP_NET_ADMIN (run as root). SIGTERM or SIGINT stops it cleanly.\n";

}  // namespace

int runMux(int argc, char** argv) {
  Args args;
  if (auto err = parseArgs(argc, argv, 2,
                           {"index", "socket", "tun", "underlay", "frontend-prefix", "tun-mtu",
                            "underlay-mtu", "flows", "batch"},
                           {"help", "no-offload"}, args)) {
    std::fprintf(stderr, "azlb mux: %s\n\n%s", err->c_str(), kMuxHelp);
    return 2;
  }
  if (args.has("help")) {
    std::fputs(kMuxHelp, stdout);
    return 0;
  }
  runtime::MuxProcessOptions options;
  FlagReader flags("azlb mux", args);
  options.index = flags.number<std::uint32_t>("index", 0, 0, 999);
  options.socketPath = flags.required("socket");
  options.tunName = flags.required("tun");
  options.underlay = flags.address("underlay");
  options.frontendPrefix = args.get("frontend-prefix", options.frontendPrefix);
  options.tunMtu = flags.number<unsigned>("tun-mtu", options.tunMtu, 576, 65535);
  options.underlayMtu = flags.number<std::size_t>("underlay-mtu", options.underlayMtu, 576, 65535);
  options.flowCapacity = flags.number<std::size_t>("flows", options.flowCapacity, 1, 1U << 26U);
  options.batchSize = flags.number<std::size_t>("batch", options.batchSize, 1, 1024);
  options.offload = !args.has("no-offload");
  if (!flags.ok()) {
    std::fputs(kMuxHelp, stderr);
    return 2;
  }
  return runtime::runMux(options);
}

}  // namespace azlb::cli
