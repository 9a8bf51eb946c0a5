#include "protocols/access_control.h"

#include <vector>

#include "net/connection.h"
#include "protocols/auth.h"
#include "routing/broker.h"
#include "util/clock.h"
#include "util/log.h"

namespace linecast {

AccessControl::AccessControl(std::string token, std::shared_ptr<UserDirectoryStore> users,
                             std::shared_ptr<JwtKeyStore> jwt, Broker& broker)
    : token_(std::move(token)), users_(std::move(users)), jwt_(std::move(jwt)), broker_(broker) {}

void AccessControl::admit(Connection& conn) const {
  conn.authenticated = !required();
  conn.setCredentialsExpire(0);
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
  // The spec's order: a JWT first, then the --auth-token (which may itself
  // hold two dots).
  if (jwt_ && JwtToken::looksLikeOne(token) && withJwt(conn, token)) return true;
  if (token_.empty() || !tokensEqual(token_, token)) {
    countFailure();
    return false;
  }
  conn.authenticated = true;
  conn.setCredentialsExpire(0);
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
  grant(conn, found->permissions, found->name);
  return true;
}

bool AccessControl::withJwt(Connection& conn, std::string_view text) {
  double wallNow = wallSeconds();
  std::string why;
  auto token = jwt_->current()->verify(text, wallNow, why);
  if (!token) {
    log(LogLevel::kInfo, "conn {} {} JWT refused: {}", conn.id(), conn.peer(), why);
    return false;  // withToken counts the failure once the token form failed too
  }
  // The live check runs on the monotonic clock, which a wall-clock step
  // does not move.
  double expires = monotonicSeconds() + (token->expires + JwtKey::kLeeway - wallNow);
  grant(conn, std::move(token->permissions), token->subject.empty() ? "jwt" : token->subject, expires);
  return true;
}

void AccessControl::grant(Connection& conn, std::shared_ptr<const Permissions> permissions, std::string name,
                          double expires) {
  conn.authenticated = true;
  conn.setCredentialsExpire(expires);
  // Re-authentication replaces the permissions in place: what they no
  // longer allow goes.
  std::vector<std::string> dropped;
  for (const std::string& pattern : conn.patterns()) {
    if (!permissions->maySubscribe(pattern)) dropped.push_back(pattern);
  }
  log(LogLevel::kDebug, "conn {} authenticated as {}", conn.id(), name);
  conn.setPermissions(std::move(permissions), std::move(name));
  for (const std::string& pattern : dropped) broker_.unsubscribe(conn, pattern);
  // deny_subscribe may differ: the routes' subscriber lists are rebuilt.
  broker_.permissionsChanged();
}

bool AccessControl::withCertificate(Connection& conn, std::string_view commonName) {
  if (!users_ || commonName.empty()) return false;
  auto directory = users_->current();
  const User* user = directory->find(commonName);
  if (user == nullptr || user->name == UserDirectory::kAnonymous) return false;
  grant(conn, user->permissions, user->name);
  return true;
}

bool AccessControl::checkPublish(Connection& conn, std::string_view channel, const PublishRoute& route) {
  if (!mayPublish(conn, channel)) return false;
  // Serial 0 is the one uncached route every over-long channel shares.
  if (route.serial != 0) conn.rememberPublishAllowed(route.serial);
  return true;
}

bool AccessControl::mayPublish(Connection& conn, std::string_view channel) {
  if (conn.permissions() == nullptr || conn.permissions()->mayPublish(channel)) return true;
  ++broker_.metrics().permissionDenied[0];
  return false;
}

bool AccessControl::maySubscribe(Connection& conn, std::string_view pattern) {
  if (conn.permissions() == nullptr || conn.permissions()->maySubscribe(pattern)) return true;
  ++broker_.metrics().permissionDenied[1];
  return false;
}

}  // namespace linecast
