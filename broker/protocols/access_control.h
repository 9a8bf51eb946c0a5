#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/user_directory.h"

namespace linecast {

class Broker;
class Connection;
struct Metrics;

// Who a connection is and what it may do, the same for every protocol
// (docs/PROTOCOL.md, "Authentication", "Users and permissions"): the
// --auth-token, which allows everything, and the users of --users, whose
// Permissions the connection then carries. Each protocol asks it and
// answers in its own words; this counts the failures and refusals.
class AccessControl {
 public:
  AccessControl(std::string token, std::shared_ptr<UserDirectoryStore> users, Broker& broker);

  // Some authentication is configured: connections must authenticate (or
  // be the anonymous user).
  bool required() const { return !token_.empty() || users_ != nullptr; }
  bool hasUsers() const { return users_ != nullptr; }
  bool hasToken() const { return !token_.empty(); }

  // A new connection (and one that RESET): unauthenticated, or the
  // anonymous user's when the users file has one.
  void admit(Connection& conn) const;

  // The token: everything allowed. False (counted) when it is not it.
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
  // may do everything.
  bool mayPublish(Connection& conn, std::string_view channel);
  bool maySubscribe(Connection& conn, std::string_view pattern);

  void countFailure();

 private:
  void grant(Connection& conn, const User& user);

  std::string token_;
  std::shared_ptr<UserDirectoryStore> users_;
  Broker& broker_;
};

}  // namespace linecast
