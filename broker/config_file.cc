#include "config_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string_view>

namespace linecast {
namespace {

std::string_view trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

bool isQuote(char c) { return c == '"' || c == '\''; }

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Keys compared as a user is likely to mistype them: without case, '-' or '_'.
std::string normalized(std::string_view key) {
  std::string out = lower(key);
  std::erase_if(out, [](char c) { return c == '-' || c == '_'; });
  return out;
}

// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`.
std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t replace = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, replace});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::optional<std::vector<ConfigEntry>> readConfigFile(const std::string& path, std::string& error) {
  // An ifstream opens a directory without complaint and then reads nothing.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = fmt::format("cannot read the config file '{}': it is a directory", path);
    return std::nullopt;
  }
  std::ifstream in(path);
  if (!in) {
    error = fmt::format("cannot read the config file '{}': {}", path, std::strerror(errno));
    return std::nullopt;
  }
  auto fail = [&](int line, const std::string& what) {
    error = fmt::format("{}:{}: {}", path, line, what);
    return std::nullopt;
  };
  std::vector<ConfigEntry> entries;
  std::map<std::string, int> firstLine;
  std::string raw;
  for (int line = 1; std::getline(in, raw); ++line) {
    std::string_view text = trim(raw);
    if (text.empty() || text.front() == '#') continue;
    if (text.front() == '[') {
      std::string_view header = trim(text.substr(0, text.find('#')));
      if (lower(header) == "[default]") continue;
      return fail(line,
                  fmt::format("sections are not supported, not '{}' (keys go at the top level)", header));
    }
    auto equals = text.find('=');
    std::string_view key = trim(text.substr(0, std::min(equals, text.size())));
    if (key.size() >= 2 && isQuote(key.front()) && key.back() == key.front()) {
      key = key.substr(1, key.size() - 2);
    }
    if (equals == std::string_view::npos || key.empty()) {
      return fail(line, fmt::format("expected 'key = value', not '{}'", text));
    }
    // A quoted value may hold '#'; after a bare one, '#' starts a comment.
    std::string_view rest = trim(text.substr(equals + 1));
    std::string_view value;
    if (!rest.empty() && isQuote(rest.front())) {
      auto close = rest.find(rest.front(), 1);
      std::string_view after = close == std::string_view::npos ? rest : trim(rest.substr(close + 1));
      if (close == std::string_view::npos || (!after.empty() && after.front() != '#')) {
        return fail(line, fmt::format("{}: expected one value in matching quotes, not '{}'", key, rest));
      }
      value = rest.substr(1, close - 1);
    } else {
      value = trim(rest.substr(0, rest.find('#')));
      if (value.empty()) return fail(line, fmt::format("{}: no value after '='", key));
    }
    auto [seen, added] = firstLine.emplace(std::string(key), line);
    if (!added) return fail(line, fmt::format("{}: already set on line {}", key, seen->second));
    entries.push_back({std::string(key), std::string(value), line});
  }
  return entries;
}

std::string closestKey(const std::string& key, const std::vector<std::string>& known) {
  std::string best;
  std::size_t bestDistance = SIZE_MAX;
  for (const auto& candidate : known) {
    std::string target = normalized(candidate);
    // Two edits turn a short word into another word, not a typo of it.
    std::size_t allowed = std::min<std::size_t>(2, target.size() / 3);
    std::size_t distance = editDistance(normalized(key), target);
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

}  // namespace linecast
