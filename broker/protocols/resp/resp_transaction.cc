// MULTI / EXEC / DISCARD, as Redis 7.0 runs them (docs/PROTOCOL.md, "Redis
// clients, revision 4 additions"): commands are checked when they arrive
// (a refused one spoils the transaction: EXECABORT) and run by EXEC
// without a second check, one reply each inside EXEC's array. redis-py's
// default pipeline wraps its commands this way.

#include "protocols/resp/resp_protocol.h"

#include "protocols/resp/resp_session.h"
#include "protocols/resp/resp_writer.h"

namespace linecast {
namespace {

// Bounds what one transaction may hold: Redis has no bound of its own but
// its query buffer's; linecast keeps every per-connection buffer bounded.
constexpr std::size_t kMaxQueuedBytes = 64 * 1024 * 1024;

}  // namespace

void RespProtocol::multi(Connection& conn) {
  RespSession& session = respSession(conn);
  if (session.inMulti) return error(conn, "MULTI calls can not be nested");
  session.inMulti = true;
  respSimple(conn, "OK");
}

void RespProtocol::discard(Connection& conn) {
  RespSession& session = respSession(conn);
  if (!session.inMulti) return error(conn, "DISCARD without MULTI");
  session.endMulti();
  respSimple(conn, "OK");
}

void RespProtocol::queueCommand(Connection& conn, const RespCommandInfo& command,
                                std::span<const std::string_view> argv) {
  RespSession& session = respSession(conn);
  std::size_t bytes = 0;
  for (std::string_view arg : argv) bytes += arg.size() + sizeof(std::string);
  if (session.queuedBytes + bytes > kMaxQueuedBytes) {
    session.flagTransaction();
    return error(conn, "MULTI queue over 64 MiB: the transaction will be discarded");
  }
  session.queuedBytes += bytes;
  session.queued.push_back({&command, std::vector<std::string>(argv.begin(), argv.end())});
  respSimple(conn, "QUEUED");
}

void RespProtocol::exec(Connection& conn, double now) {
  RespSession& session = respSession(conn);
  if (!session.inMulti) return error(conn, "EXEC without MULTI");
  if (session.multiDirty) {
    session.endMulti();
    return error(conn, "-EXECABORT Transaction discarded because of previous errors.");
  }
  std::vector<RespSession::Queued> queued = std::move(session.queued);
  session.endMulti();
  // One reply per command follows, as in Redis (a SUBSCRIBE of two
  // channels still writes two confirmations: Redis's shape, kept).
  conn.queueReply('*', RespDecimal(static_cast<long long>(queued.size())).view(), kCrlf);
  std::vector<std::string_view> argv;
  for (const RespSession::Queued& entry : queued) {
    if (!conn.open()) break;
    argv.assign(entry.argv.begin(), entry.argv.end());
    run(conn, *entry.command, argv, now);
  }
}

}  // namespace linecast
