#pragma once
#include <cstddef>
#include "emulator/cloudservice/definition.h"
namespace azlb::cloudservice {
int instancePublicPort(const Endpoint& instanceInput, int instanceIndex);
int localPortOf(const Deployment& d, std::size_t role, std::size_t endpoint);
}
