#pragma once

#include <string>

#include "loadgen/options.h"
#include "loadgen/run_result.h"
#include "loadgen/target.h"

namespace linecast::bench {

// The result as one JSON object (--json), for scripts such as bench/compare.
std::string reportJson(const Options& options, const Targets& targets, const RunResult& result);
// The result as a few lines for a person.
std::string reportText(const Options& options, const Targets& targets, const RunResult& result);

// Escapes a string for a JSON string literal.
std::string jsonEscape(std::string_view text);

}  // namespace linecast::bench
