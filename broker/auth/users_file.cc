// Reading --users FILE into a UserDirectory, with toml++ (Debian
// libtomlplusplus-dev): every problem is reported with its line.
#include <toml++/toml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "auth/user_directory.h"
#include "config_file.h"
#include "routing/channel.h"

namespace linecast {
namespace {

const std::vector<std::string> kUserKeys = {"name", "password", "publish", "subscribe", "deny_subscribe"};

int lineOf(const toml::source_region& where) { return static_cast<int>(where.begin.line); }

// A list of patterns, or a message saying why the value is not one.
std::string readPatterns(const toml::node& node, std::string_view key, std::vector<std::string>& out) {
  const toml::array* list = node.as_array();
  if (list == nullptr) return fmt::format("{} must be a list of patterns, like [\"room1.>\"]", key);
  for (const toml::node& item : *list) {
    const auto* text = item.as_string();
    if (text == nullptr) return fmt::format("{} must hold strings only", key);
    const std::string& pattern = text->get();
    if (!isValidPattern(pattern)) {
      return fmt::format("{}: '{}' is not a valid pattern ({})", key, printableName(pattern),
                         brokenChannelRule(pattern, true));
    }
    out.push_back(pattern);
  }
  return {};
}

// One [[user]] table into `user`; "" or the problem, with `line` set to
// where it is.
std::string readUser(const toml::table& table, User& user, int& line) {
  auto permissions = std::make_shared<Permissions>();
  bool named = false;
  for (auto&& [key, node] : table) {
    line = lineOf(key.source());
    const std::string name(key.str());
    std::string problem;
    if (name == "name") {
      const auto* text = node.as_string();
      if (text == nullptr || text->get().empty() || text->get().find_first_of(" \t\r\n") != std::string::npos) {
        return "name must be a non-empty string without spaces";
      }
      user.name = text->get();
      named = true;
    } else if (name == "password") {
      const auto* text = node.as_string();
      if (text == nullptr) return "password must be a string";
      std::string why;
      user.password = PasswordHash::parse(text->get(), why);
      if (!user.password) return "password " + why;
    } else if (auto* list = permissions->listNamed(name)) {
      problem = readPatterns(node, name, *list);
    } else {
      std::string guess = closestKey(name, kUserKeys);
      return fmt::format("unknown key '{}'", name) + (guess.empty() ? "" : fmt::format(" (did you mean '{}'?)", guess));
    }
    if (!problem.empty()) return problem;
  }
  line = lineOf(table.source());
  if (!named) return "a [[user]] needs a name";
  if (user.name == UserDirectory::kAnonymous && user.password) {
    return "the anonymous user has no password (it is who connections are before AUTH)";
  }
  if (user.name != UserDirectory::kAnonymous && !user.password) {
    return fmt::format("user '{}' has no password", user.name);
  }
  user.permissions = std::move(permissions);
  return {};
}

}  // namespace

std::shared_ptr<UserDirectory> UserDirectory::load(const std::string& path, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    error = fmt::format("cannot read --users '{}': {}", path, std::strerror(errno));
    return nullptr;
  }
  std::string text;
  char chunk[4096];
  while (std::size_t n = std::fread(chunk, 1, sizeof chunk, file)) text.append(chunk, n);
  bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) {
    error = fmt::format("cannot read --users '{}'", path);
    return nullptr;
  }
  return parse(text, path, error);
}

std::shared_ptr<UserDirectory> UserDirectory::parse(std::string_view text, const std::string& path,
                                                    std::string& error) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    error = fmt::format("{}:{}: {}", path, lineOf(e.source()), e.description());
    return nullptr;
  }
  auto directory = std::shared_ptr<UserDirectory>(new UserDirectory());
  for (auto&& [key, node] : root) {
    int line = lineOf(key.source());
    if (key.str() != "user") {
      error = fmt::format("{}:{}: unknown key '{}' (the file holds [[user]] tables only)", path, line, key.str());
      return nullptr;
    }
    const toml::array* users = node.as_array();
    if (users == nullptr || !users->is_array_of_tables()) {
      error = fmt::format("{}:{}: user must be [[user]] tables", path, line);
      return nullptr;
    }
    for (const toml::node& entry : *users) {
      User user;
      std::string problem = readUser(*entry.as_table(), user, line);
      if (problem.empty() && directory->users_.count(user.name) > 0) {
        problem = fmt::format("user '{}' is given twice", user.name);
      }
      if (!problem.empty()) {
        error = fmt::format("{}:{}: {}", path, line, problem);
        return nullptr;
      }
      std::string name = user.name;
      directory->users_.emplace(name, std::move(user));
    }
  }
  directory->anonymous_ = directory->find(kAnonymous);
  return directory;
}

}  // namespace linecast
