// Compiles tests/support/netns_privileges.cpp into azlb_netns_tests (tests/CMakeLists.txt globs
// only tests/netns/*.cpp). Delete this file if that CMake file lists the support source itself.
#include "tests/support/netns_privileges.cpp"
