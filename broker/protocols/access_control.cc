#include "protocols/access_control.h"

#include <vector>

#include "net/connection.h"
#include "protocols/auth.h"
#include "routing/broker.h"
#include "util/log.h"

namespace linecast {

AccessControl::AccessControl(std::string token, std::shared_ptr<UserDirectoryStore> users, Broker& broker)
    : token_(std::move(token)), users_(std::move(users)), broker_(broker) {}

void AccessControl::admit(Connection& conn) const {
  conn.authenticated = !required();
  conn.setPermissions(nullptr, {});
  if (!users_) return;
  auto directory = users_->current();
  if (const User* anonymous = directory->anonymous()) {
    // Its permissions instead of "authentication required"; no deadline.
    conn.authenticated = true;
    conn.setPermissions(anonymous->permissions, anonymous->name);
  }
}

void AccessControl::countFailure() { ++broker_.metrics().authFailures; }

bool AccessControl::withToken(Connection& conn, std::string_view token) {
  if (token_.empty() || !tokensEqual(token_, token)) {
    countFailure();
    return false;
  }
  conn.authenticated = true;
  conn.setPermissions(nullptr, {});
  broker_.permissionsChanged();
  return true;
}

bool AccessControl::withPassword(Connection& conn, std::string_view user, std::string_view password) {
  const User* found = users_ ? users_->current()->authenticate(user, password) : nullptr;
  if (found == nullptr) {
    countFailure();
    return false;
  }
  grant(conn, *found);
  return true;
}

void AccessControl::grant(Connection& conn, const User& user) {
  conn.authenticated = true;
  conn.setPermissions(user.permissions, user.name);
  // Re-authentication replaces the permissions in place: what they no
  // longer allow goes.
  std::vector<std::string> dropped;
  for (const std::string& pattern : conn.patterns()) {
    if (!user.permissions->maySubscribe(pattern)) dropped.push_back(pattern);
  }
  for (const std::string& pattern : dropped) broker_.unsubscribe(conn, pattern);
  // deny_subscribe may differ: the routes' subscriber lists are rebuilt.
  broker_.permissionsChanged();
  log(LogLevel::kDebug, "conn {} authenticated as {}", conn.id(), user.name);
}

bool AccessControl::withCertificate(Connection& conn, std::string_view commonName) {
  if (!users_ || commonName.empty()) return false;
  auto directory = users_->current();
  const User* user = directory->find(commonName);
  if (user == nullptr || user->name == UserDirectory::kAnonymous) return false;
  grant(conn, *user);
  return true;
}

bool AccessControl::mayPublish(Connection& conn, std::string_view channel) {
  if (conn.permissions() == nullptr || conn.publishAllowedTo(channel)) return true;
  if (conn.permissions()->mayPublish(channel)) {
    conn.rememberPublishAllowed(channel);
    return true;
  }
  ++broker_.metrics().permissionDenied[0];
  return false;
}

bool AccessControl::maySubscribe(Connection& conn, std::string_view pattern) {
  if (conn.permissions() == nullptr || conn.permissions()->maySubscribe(pattern)) return true;
  ++broker_.metrics().permissionDenied[1];
  return false;
}

}  // namespace linecast
