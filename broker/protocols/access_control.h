#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/jwt_key.h"
#include "auth/user_directory.h"
#include "net/connection.h"
#include "routing/route_cache.h"

namespace linecast {

class Broker;
class Connection;
struct Metrics;

// Who a connection is and what it may do, the same for every protocol
// (docs/PROTOCOL.md, "Authentication", "Users and permissions"): the
// --auth-token, which allows everything; the users of --users and the JWTs
// of --jwt-secret-file/--jwt-public-key, whose Permissions the connection
// then carries. Each protocol asks it and answers in its own words; this
// counts the failures and refusals.
class AccessControl {
 public:
  AccessControl(std::string token, std::shared_ptr<UserDirectoryStore> users,
                std::shared_ptr<JwtKeyStore> jwt, Broker& broker);

  // Some authentication is configured: connections must authenticate (or
  // be the anonymous user).
  bool required() const { return !token_.empty() || users_ != nullptr || jwt_ != nullptr; }
  bool hasUsers() const { return users_ != nullptr; }
  // A single credential is accepted: the --auth-token or a JWT.
  bool takesTokens() const { return !token_.empty() || jwt_ != nullptr; }

  // A new connection (and one that RESET): unauthenticated, or the
  // anonymous user's when the users file has one.
  void admit(Connection& conn) const;

  // A single credential: a JWT when a JWT key is configured and it has two
  // dots (its permissions, until its exp), else the --auth-token
  // (everything allowed). False (counted) when it is neither.
  bool withToken(Connection& conn, std::string_view token);
  // A user and password from the users file. False (counted) when they are
  // not a pair; on success the connection's permissions are the user's,
  // and subscriptions they no longer allow are dropped.
  bool withPassword(Connection& conn, std::string_view user, std::string_view password);

  // Mutual TLS: a client certificate's Common Name that names a user of
  // the users file authenticates the connection as that user. False (and
  // nothing changes) when no user has that name.
  bool withCertificate(Connection& conn, std::string_view commonName);

  // The checks; each refusal is counted. A connection without permissions
  // may do everything. The form with the channel's route (Broker::route)
  // remembers an allowed route on the connection, so a publisher's next
  // message to it costs one compare.
  bool mayPublish(Connection& conn, std::string_view channel, const PublishRoute& route) {
    if (conn.permissions() == nullptr || conn.publishAllowedOn(route.serial)) return true;
    return checkPublish(conn, channel, route);
  }
  bool mayPublish(Connection& conn, std::string_view channel);
  bool maySubscribe(Connection& conn, std::string_view pattern);

  void countFailure();

 private:
  bool withJwt(Connection& conn, std::string_view text);
  bool checkPublish(Connection& conn, std::string_view channel, const PublishRoute& route);
  // Authenticated as `name` with these permissions, until `expires` (the
  // monotonic clock; 0: never).
  void grant(Connection& conn, std::shared_ptr<const Permissions> permissions, std::string name,
             double expires = 0);

  std::string token_;
  std::shared_ptr<UserDirectoryStore> users_;
  std::shared_ptr<JwtKeyStore> jwt_;
  Broker& broker_;
};

}  // namespace linecast
