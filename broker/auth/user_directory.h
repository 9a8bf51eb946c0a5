#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/password_hash.h"
#include "auth/permissions.h"

namespace linecast {

// One entry of the users file.
struct User {
  std::string name;
  std::optional<PasswordHash> password;  // none: only `anonymous`
  std::shared_ptr<const Permissions> permissions;
};

// The users of --users FILE (docs/PROTOCOL.md, "Users and permissions"),
// shared by every reactor thread.
class UserDirectory {
 public:
  static constexpr std::string_view kAnonymous = "anonymous";

  // Reads and checks the file (TOML: [[user]] tables). On any problem
  // returns null with `error` as "path:line: what is wrong".
  static std::shared_ptr<UserDirectory> load(const std::string& path, std::string& error);
  // The same from the file's text; `path` names it in the errors.
  static std::shared_ptr<UserDirectory> parse(std::string_view text, const std::string& path, std::string& error);

  const User* find(std::string_view name) const;
  // The `anonymous` user, if the file has one: connections that have not
  // authenticated get its permissions.
  const User* anonymous() const { return anonymous_; }

  // The user when `password` is theirs, else null. PBKDF2 at 600,000
  // iterations costs a reactor about a third of a second, so a password
  // once verified is remembered (as its SHA-256, per user): a device that
  // reconnects costs a hash, not the iterations.
  const User* authenticate(std::string_view name, std::string_view password) const;

 private:
  std::map<std::string, User, std::less<>> users_;
  const User* anonymous_ = nullptr;
  mutable std::mutex verifiedMutex_;
  mutable std::map<std::string, std::string, std::less<>> verified_;  // name -> SHA-256 of the password
};

// The current directory; SIGHUP reloads it (a failed reload keeps it).
class UserDirectoryStore {
 public:
  UserDirectoryStore(std::string path, std::shared_ptr<UserDirectory> first)
      : path_(std::move(path)), current_(std::move(first)) {}
  std::shared_ptr<UserDirectory> current() const { return current_.load(); }
  const std::string& path() const { return path_; }
  bool reload(std::string& error);

 private:
  std::string path_;
  std::atomic<std::shared_ptr<UserDirectory>> current_;
};

}  // namespace linecast
