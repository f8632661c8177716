// `azlb env`: the shell exports that point az, the Python/JS SDKs and Terraform at azlb.
#include <cstdio>
#include <filesystem>

#include "arm-api/tls/tls_material.h"
#include "cli/commands/commands.h"

namespace azlb::cli {

int runEnv(const ClientFlags& flags) {
  const std::string dataDir = std::filesystem::absolute(flags.dataDir).string();
  const std::string port = std::to_string(flags.port);
  auto files = tls::ensureTlsMaterial(std::filesystem::path(dataDir) / "tls");
  if (!files) {
    std::fprintf(stderr, "azlb env: TLS material: %s\n", files.error().message().c_str());
    return 1;
  }
  const std::string url = "https://localhost:" + port + "/";
  std::printf("export AZLB_PORT=%s\n", port.c_str());
  std::printf("export AZLB_DATA_DIR='%s'\n", dataDir.c_str());
  std::printf("export AZLB_URL='%s'\n", url.c_str());
  // az and the Python SDK (requests), Node SDKs, Go/Terraform and curl each read their own
  // variable.
  std::printf("export REQUESTS_CA_BUNDLE='%s'\n", files->bundle.c_str());
  std::printf("export NODE_EXTRA_CA_CERTS='%s'\n", files->caCert.c_str());
  std::printf("export SSL_CERT_FILE='%s'\n", files->bundle.c_str());
  std::printf("export CURL_CA_BUNDLE='%s'\n", files->bundle.c_str());
  // az keeps its login for azlb apart from the user's real Azure login.
  std::printf("export AZURE_CONFIG_DIR='%s/az'\n", dataDir.c_str());
  std::printf("export AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_SURVEY_MESSAGE=false\n");
  // Terraform azurerm / ARM SDKs that take an endpoint.
  std::printf("export ARM_ENDPOINT='%s' ARM_METADATA_HOSTNAME='localhost:%s'\n", url.c_str(),
              port.c_str());
  // Debian's az needs azlb's launcher for `az network` (see README); its folder goes first on PATH
  // even before `azlb az-login` writes it, so README's lines work in their order on a fresh data
  // dir.
  std::printf("case \":$PATH:\" in *\":%s/bin:\"*) ;; *) export PATH='%s/bin':\"$PATH\";; esac\n",
              dataDir.c_str(), dataDir.c_str());
  return 0;
}

}  // namespace azlb::cli
