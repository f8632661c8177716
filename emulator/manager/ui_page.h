// The live page's HTML (emulator/manager/ui/index.html), compiled in: azlb serves it itself at
// /azlb/ui, offline, with no files to install.
#pragma once

namespace azlb::manager {

extern const char* const kUiPage;

}  // namespace azlb::manager
