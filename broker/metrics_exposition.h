#pragma once

#include <cstddef>
#include <string>

#include "metrics.h"

namespace linecast {

// The same figures in the two shapes HTTP serves: Prometheus text format
// 0.0.4 for /metrics and JSON for /stats (metric names without the
// "linecast_" prefix; a labelled metric becomes an object keyed by label).
std::string renderPrometheus(const Metrics& metrics, std::size_t subscriptions);
std::string renderStatsJson(const Metrics& metrics, std::size_t subscriptions);

}  // namespace linecast
