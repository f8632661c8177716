#include "emulator/model/network.h"

#include <cctype>

namespace azlb::model {

std::string virtualNetworkOfSubnet(const std::string& subnetId) {
  std::string folded = subnetId;
  for (auto& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto pos = folded.rfind("/subnets/");
  return pos == std::string::npos ? std::string() : subnetId.substr(0, pos);
}

}  // namespace azlb::model
