#pragma once

#include <optional>
#include <string>
#include <vector>

namespace linecast {

// One `key = value` line of a --config file.
struct ConfigEntry {
  std::string key;
  std::string value;  // without its quotes
  int line = 0;
};

// Reads the subset of TOML that the server's keys need: `key = value`
// lines whose value is bare text or a "double" or 'single' quoted string
// (no escapes), `#` comments, blank lines, and the `[default]` header that
// CLI11, which read these files before, took for the top level. On any
// other line, or a key given twice, returns nullopt with `error` set to
// "path:line: what is wrong".
std::optional<std::vector<ConfigEntry>> readConfigFile(const std::string& path, std::string& error);

// The one of `known` that `key` most likely misspells ("maxline",
// "max_line" and "max-lin" all give "max-line"), or "" if none is close.
std::string closestKey(const std::string& key, const std::vector<std::string>& known);

}  // namespace linecast
