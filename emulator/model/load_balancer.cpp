#include "emulator/model/load_balancer.h"

namespace azlb::model {

const char* toString(ProbeProtocol p) {
  switch (p) {
    case ProbeProtocol::Tcp:
      return "Tcp";
    case ProbeProtocol::Http:
      return "Http";
    case ProbeProtocol::Https:
      return "Https";
  }
  return "Tcp";
}

const char* toString(AdminState a) {
  switch (a) {
    case AdminState::None:
      return "None";
    case AdminState::Up:
      return "Up";
    case AdminState::Down:
      return "Down";
    case AdminState::Drain:
      return "Drain";
  }
  return "None";
}

}  // namespace azlb::model
