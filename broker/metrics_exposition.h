#pragma once

#include <cstddef>
#include <string>

#include "metrics.h"

namespace linecast {

// The same figures in the two shapes HTTP serves: Prometheus text format
// 0.0.4 for /metrics and JSON for /stats (metric names without the
// "linecast_" prefix; a labelled metric becomes an object keyed by label).
std::string renderPrometheus(const MetricsTotals& metrics);
std::string renderStatsJson(const MetricsTotals& metrics);

}  // namespace linecast
