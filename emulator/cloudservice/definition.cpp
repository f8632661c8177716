#include "emulator/cloudservice/definition.h"

namespace azlb::cloudservice {

std::string toString(const SourcePos& pos) {
  return pos.file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

const char* toString(EndpointProtocol p) {
  switch (p) {
    case EndpointProtocol::Http:
      return "http";
    case EndpointProtocol::Https:
      return "https";
    case EndpointProtocol::Tcp:
      return "tcp";
    case EndpointProtocol::Udp:
      return "udp";
    case EndpointProtocol::Any:
      return "any";
  }
  return "?";
}

const char* toString(EndpointKind k) {
  switch (k) {
    case EndpointKind::Input:
      return "InputEndpoint";
    case EndpointKind::Internal:
      return "InternalEndpoint";
    case EndpointKind::InstanceInput:
      return "InstanceInputEndpoint";
  }
  return "?";
}

std::string instanceName(const std::string& role, int index) {
  return role + "_IN_" + std::to_string(index);
}

}  // namespace azlb::cloudservice
