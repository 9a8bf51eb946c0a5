#pragma once

#include <cstdint>
#include <string_view>

namespace linecast {

// Why a connection ends; named in the log line and counted in the stats.
enum class CloseReason : std::uint8_t {
  kNone,
  kPeerClosed,      // EOF from the client
  kQuit,            // QUIT
  kIoError,         // read/write failed (reset by peer, ...)
  kSlowConsumer,    // output over --max-outbuf
  kLineTooLong,     // line over --max-line
  kAuthFailed,      // wrong AUTH token
  kAuthTimeout,     // no AUTH within --auth-timeout
  kReadTimeout,     // partial line older than --read-timeout
  kShutdown,        // server stopping
  kHttpClose,       // HTTP response with Connection: close
  kIdleTimeout,     // idle HTTP keep-alive connection
  kProtocolError,   // malformed RESP request (Redis closes on these)
  kTlsHandshake,    // TLS handshake failed or did not finish in time
  kTlsRequired,     // plaintext under --tls-required
  kTokenExpired,    // the JWT it authenticated with expired
  kKilled,          // Redis's CLIENT KILL
  kTakenOver,       // MQTT: another connection CONNECTed with its client id
  kMovedThread,     // not closed: handed to another reactor thread (MQTT over WebSocket)
};

constexpr std::string_view closeReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kNone: return "none";
    case CloseReason::kPeerClosed: return "peer-closed";
    case CloseReason::kQuit: return "quit";
    case CloseReason::kIoError: return "io-error";
    case CloseReason::kSlowConsumer: return "slow-consumer";
    case CloseReason::kLineTooLong: return "line-too-long";
    case CloseReason::kAuthFailed: return "auth-failed";
    case CloseReason::kAuthTimeout: return "auth-timeout";
    case CloseReason::kReadTimeout: return "read-timeout";
    case CloseReason::kShutdown: return "shutdown";
    case CloseReason::kHttpClose: return "http-close";
    case CloseReason::kIdleTimeout: return "idle-timeout";
    case CloseReason::kProtocolError: return "protocol-error";
    case CloseReason::kTlsHandshake: return "tls-handshake";
    case CloseReason::kTlsRequired: return "tls-required";
    case CloseReason::kTokenExpired: return "token-expired";
    case CloseReason::kKilled: return "killed";
    case CloseReason::kTakenOver: return "taken-over";
    case CloseReason::kMovedThread: return "moved-thread";
  }
  return "unknown";
}

}  // namespace linecast
