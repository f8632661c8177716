#include "emulator/model/network.h"

#include "common/strings.h"

namespace azlb::model {

std::string virtualNetworkOfSubnet(const std::string& subnetId) {
  auto pos = toLower(subnetId).rfind("/subnets/");
  return pos == std::string::npos ? std::string() : subnetId.substr(0, pos);
}

}  // namespace azlb::model
