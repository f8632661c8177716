// TempDir: a fresh directory under $TMPDIR (or /tmp), removed with everything in it by the
// destructor. Shared by every test tier instead of a copy per file.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace azlb::testsupport {

class TempDir {
 public:
  /// `tag` names the directory (azlb-<tag>-XXXXXX) so a leftover says which test made it.
  explicit TempDir(const std::string& tag = "test") {
    const std::string tmpl =
        (std::filesystem::temp_directory_path() / ("azlb-" + tag + "-XXXXXX")).string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr)
      throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace azlb::testsupport
