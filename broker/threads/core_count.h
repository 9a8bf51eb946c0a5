#pragma once

#include <cstddef>
#include <string_view>

namespace linecast {

// The cores this process may actually run on: the CPUs in its affinity mask
// (taskset, a cpuset cgroup), capped by a cgroup v2 CPU quota (docker
// --cpus) when one is set. Never less than 1.
std::size_t usableCores();

// The cgroup v2 `cpu.max` text ("max 100000" or "150000 100000") as whole
// cores, rounded up; 0 when it sets no limit or cannot be read.
std::size_t coresFromCpuMax(std::string_view cpuMax);

// --threads 0: one reactor thread per two usable cores, at least one.
// Every message a broker moves costs the kernel's TCP stack and the
// clients about as much CPU again as it costs the reactor (bench/README,
// "Results: 2026-12-05, issue 17"); a reactor per core leaves that work no
// core of its own, and the threads then steal each other's time.
std::size_t defaultReactorThreads(std::size_t cores);

}  // namespace linecast
