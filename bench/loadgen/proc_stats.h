#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace linecast::bench {

// What /proc and getrusage tell about a process: the broker's memory and
// CPU time (from its pid) and the loadgen's own CPU time, so a report shows
// which side of the benchmark ran out of CPU.

// Resident memory (VmRSS) in KiB.
std::optional<std::uint64_t> readRssKb(pid_t pid);
// Number of threads (the Threads: line of /proc/PID/status).
std::optional<std::uint32_t> readThreads(pid_t pid);
// User + system CPU seconds (utime + stime of /proc/PID/stat).
std::optional<double> readCpuSeconds(pid_t pid);

struct CpuTimes {
  double userSec = 0;
  double systemSec = 0;
};
// This process, all threads (getrusage RUSAGE_SELF).
CpuTimes selfCpu();

// The whole machine's busy CPU seconds so far (all cores: user, nice,
// system, irq, softirq), and the time the hypervisor gave to other guests
// (steal), from /proc/stat. Over a run, busy minus the loadgen and the
// broker is what other processes took from the cores they share.
struct MachineCpu {
  double busySec = 0;
  double stealSec = 0;
};
std::optional<MachineCpu> readMachineCpu();

// Raises RLIMIT_NOFILE's soft limit to the hard limit (10,000 connections
// need 10,000 descriptors); returns the limit now in force.
std::uint64_t raiseFdLimit();

}  // namespace linecast::bench
