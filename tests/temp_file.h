#pragma once

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace linecast::testing_files {

// A file in the temporary directory with the given text (a --config file,
// say), removed with the object. Unique per process and object.
class TempFile {
 public:
  explicit TempFile(const std::string& text, const std::string& suffix = ".toml") {
    static int count = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("linecast-test-" + std::to_string(::getpid()) + "-" + std::to_string(++count) + suffix))
                .string();
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A fresh directory path in the temporary directory, not created (a
// --data-dir is created by the store), removed with everything in it with
// the object. Unique per process and object.
class TempDirectory {
 public:
  explicit TempDirectory(const std::string& stem = "dir") {
    static int count = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("linecast-test-" + stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(++count)))
                .string();
    std::filesystem::remove_all(path_);
  }
  ~TempDirectory() {
    std::error_code ignored;
    // A test may have taken the permissions away.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ignored);
    std::filesystem::remove_all(path_, ignored);
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace linecast::testing_files
