#pragma once

// Helpers for the fault tests (fault_*_test.cc): the server's descriptors
// and CPU time from /proc, and a child process that is killed mid-write.

#include <dirent.h>
#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace linecast::test {

// Open descriptors of a process.
inline std::size_t fdCount(pid_t pid) {
  std::size_t n = 0;
  std::string path = "/proc/" + std::to_string(pid) + "/fd";
  if (DIR* dir = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') ++n;
    }
    ::closedir(dir);
  }
  return n;
}

// The number the kernel would give the process's next descriptor: the
// lowest one not open. An RLIMIT_NOFILE of exactly this makes the next
// accept() fail with EMFILE, whatever holes or inherited descriptors there are.
inline std::size_t lowestFreeFd(pid_t pid) {
  std::vector<bool> used;
  std::string path = "/proc/" + std::to_string(pid) + "/fd";
  if (DIR* dir = ::opendir(path.c_str())) {
    while (dirent* e = ::readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      std::size_t fd = std::stoul(e->d_name);
      if (fd >= used.size()) used.resize(fd + 1, false);
      used[fd] = true;
    }
    ::closedir(dir);
  }
  std::size_t fd = 0;
  while (fd < used.size() && used[fd]) ++fd;
  return fd;
}

// User + system CPU seconds a process has used (/proc/PID/stat).
inline double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t close = all.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(all.substr(close + 2));
  std::string field;
  unsigned long utime = 0;
  unsigned long stime = 0;
  // After "pid (comm) ": state is field 3; utime and stime are 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace linecast::test
