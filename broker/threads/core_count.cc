#include "threads/core_count.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace linecast {
namespace {

std::size_t affinityCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<std::size_t>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// The cgroup v2 limit of this process's own group (/proc/self/cgroup names
// it: "0::/path"), where a container's --cpus lands.
std::size_t quotaCores() {
  std::ifstream groups("/proc/self/cgroup");
  std::string line;
  std::string path;
  while (std::getline(groups, line)) {
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  }
  std::ifstream limit("/sys/fs/cgroup" + path + "/cpu.max");
  std::stringstream text;
  text << limit.rdbuf();
  return coresFromCpuMax(text.str());
}

bool parseNumber(std::string_view text, std::size_t& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::size_t coresFromCpuMax(std::string_view cpuMax) {
  while (!cpuMax.empty() && (cpuMax.back() == '\n' || cpuMax.back() == ' ')) cpuMax.remove_suffix(1);
  auto space = cpuMax.find(' ');
  if (space == std::string_view::npos) return 0;
  std::size_t quota = 0;
  std::size_t period = 0;
  if (!parseNumber(cpuMax.substr(0, space), quota) || !parseNumber(cpuMax.substr(space + 1), period) ||
      quota == 0 || period == 0) {
    return 0;  // "max": no limit
  }
  return std::max<std::size_t>(1, (quota + period - 1) / period);
}

std::size_t usableCores() {
  std::size_t cores = affinityCores();
  if (std::size_t quota = quotaCores(); quota > 0) cores = std::min(cores, quota);
  return std::max<std::size_t>(1, cores);
}

std::size_t defaultReactorThreads(std::size_t cores) { return std::max<std::size_t>(1, cores / 2); }

}  // namespace linecast
