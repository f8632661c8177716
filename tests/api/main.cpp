// The api tier: a real HTTPS client against the in-process ARM server (and the azlb binary for
// restart tests). STYLE.md §8.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
