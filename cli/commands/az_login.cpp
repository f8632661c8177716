// `azlb az-login`: registers azlb as an az cloud and logs az in against azlb's own ADFS-style
// login endpoint, so that plain `az network lb ...` works afterwards. On Debian's azure-cli it
// first writes azlb's launcher (see kDebianLauncher) to <data-dir>/bin/az.
#include <httplib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "arm-api/tls/tls_material.h"
#include "cli/commands/commands.h"

namespace azlb::cli {

namespace {

// Debian 12 ships azure-cli 2.45, whose 'latest' profile pins Microsoft.Network to 2022-01-01,
// while Debian's azure-mgmt-network has no models for that version: every `az network` command
// dies before sending a request. The launcher moves the profile to 2022-07-01 (the newest the
// Debian SDK has) in memory and maps the versioned operations module the SDK-backed commands
// import onto the SDK's shared one. It changes nothing on disk and works against real Azure too.
const char* kDebianLauncher = R"PY(#!/usr/bin/python3
# azlb's az launcher for Debian's azure-cli (written by `azlb az-login`; safe to delete).
import os
import runpy
import sys

from azure.cli.core.profiles import ResourceType
from azure.cli.core.profiles._shared import AZURE_API_PROFILES

NETWORK_API = '2022-07-01'
AZURE_API_PROFILES['latest'][ResourceType.MGMT_NETWORK] = NETWORK_API

import azure.mgmt.network.operations as shared_operations
import azure.mgmt.network.v2022_07_01 as versioned_package

versioned_package.operations = shared_operations
sys.modules['azure.mgmt.network.v2022_07_01.operations'] = shared_operations
os.environ.setdefault('AZ_INSTALLER', 'DEB')
sys.argv[0] = 'az'
runpy.run_module('azure.cli', run_name='__main__', alter_sys=True)
)PY";

bool isDebianAz() {
  return std::filesystem::exists("/usr/lib/python3/dist-packages/azure/cli/__main__.py") &&
         std::filesystem::exists("/var/lib/dpkg/info/azure-cli.list");
}

bool onPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find(':', i);
    if (j == std::string::npos) j = p.size();
    std::string dir = p.substr(i, j - i);
    if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    i = j + 1;
  }
  return false;
}

/// Runs argv with extra environment; output goes to the terminal when verbose, else to a log file.
int run(const std::vector<std::string>& argv, const std::vector<std::string>& env, bool verbose,
        const std::string& logFile) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    if (!verbose) {
      FILE* f = std::fopen(logFile.c_str(), "a");
      if (f) {
        dup2(fileno(f), 1);
        dup2(fileno(f), 2);
      }
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::perror(args[0]);
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

int runAzLogin(const ClientFlags& flags) {
  const std::string dataDir = std::filesystem::absolute(flags.dataDir).string();
  const int port = flags.port;
  const std::string& cloud = flags.cloudName;
  const std::string& client = flags.clientId;
  const bool verbose = flags.verbose;
  auto files = tls::ensureTlsMaterial(std::filesystem::path(dataDir) / "tls");
  if (!files) {
    std::fprintf(stderr, "azlb az-login: TLS material: %s\n", files.error().message().c_str());
    return 1;
  }

  // Ask azlb itself for its tenant, which also proves it is up and trusts our CA.
  httplib::SSLClient probe("localhost", port);
  probe.set_ca_cert_path(files->caCert.c_str());
  probe.enable_server_certificate_verification(true);
  probe.set_connection_timeout(3, 0);
  auto ready = probe.Get("/azlb/ready");
  if (!ready || ready->status != 200) {
    std::fprintf(
        stderr,
        "azlb az-login: azlb is not answering on https://localhost:%d/ with the CA of %s.\n"
        "Start it first: azlb serve --port %d --data-dir %s\n",
        port, dataDir.c_str(), port, dataDir.c_str());
    return 1;
  }
  auto info = nlohmann::json::parse(ready->body, nullptr, false);
  const std::string tenant = info.is_object() ? info.value("tenantId", "") : "";
  if (tenant.empty()) {
    std::fprintf(stderr, "azlb az-login: unexpected answer from /azlb/ready: %s\n",
                 ready->body.c_str());
    return 1;
  }

  std::string az = "az";
  if (isDebianAz()) {
    std::filesystem::create_directories(dataDir + "/bin");
    az = dataDir + "/bin/az";
    std::ofstream(az) << kDebianLauncher;
    chmod(az.c_str(), 0755);
  } else if (!onPath("az")) {
    std::fprintf(
        stderr,
        "azlb az-login: az is not installed (Debian: apt-get install azure-cli python3-azure)\n");
    return 1;
  }
  const std::string configDir = dataDir + "/az";
  std::filesystem::create_directories(configDir);
  const std::vector<std::string> env = {
      "AZURE_CONFIG_DIR=" + configDir, "REQUESTS_CA_BUNDLE=" + files->bundle.string(),
      "AZURE_CORE_COLLECT_TELEMETRY=false", "AZURE_CORE_SURVEY_MESSAGE=false",
      "AZURE_CORE_NO_COLOR=true"};
  const std::string log = dataDir + "/az-login.log";
  const std::string url = "https://localhost:" + std::to_string(port) + "/";

  // Re-registering replaces an older registration (for example on another port).
  if (run({az, "cloud", "show", "-n", cloud}, env, false, log) == 0) {
    run({az, "cloud", "set", "-n", "AzureCloud"}, env, false, log);
    run({az, "cloud", "unregister", "-n", cloud}, env, false, log);
  }
  struct Step {
    const char* what;
    std::vector<std::string> argv;
  };
  const std::vector<Step> steps = {
      {"registering cloud",
       {az, "cloud", "register", "-n", cloud, "--endpoint-resource-manager", url}},
      {"selecting cloud", {az, "cloud", "set", "-n", cloud}},
      {"logging in",
       {az, "login", "--service-principal", "-u", client, "-p", "azlb", "--tenant", tenant}},
  };
  for (const auto& s : steps) {
    std::printf("azlb az-login: %s ...\n", s.what);
    std::fflush(stdout);
    int rc = run(s.argv, env, verbose, log);
    if (rc != 0) {
      std::fprintf(stderr, "azlb az-login: %s failed (exit %d); see %s\n", s.what, rc, log.c_str());
      return 1;
    }
  }
  std::printf(
      "azlb az-login: az now talks to %s (cloud %s).\n"
      "In this shell run: eval \"$(azlb env --port %d --data-dir %s)\"   then: az network lb "
      "list\n",
      url.c_str(), cloud.c_str(), port, dataDir.c_str());
  return 0;
}

}  // namespace azlb::cli
