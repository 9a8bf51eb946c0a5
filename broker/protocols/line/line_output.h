#pragma once

#include <string_view>

#include "net/close_reason.h"
#include "net/connection.h"

namespace linecast {

// How the line protocol's own lines (replies and errors) reach a client.
// On a TCP connection each is the line and its '\n'; over WebSocket each is
// one message, and a fatal line is followed by a close frame
// (docs/PROTOCOL.md, "WebSocket"). LineProtocol executes commands the same
// way for both and only writes through this.
class LineOutput {
 public:
  virtual ~LineOutput() = default;

  // Queues one line made of three pieces, given without its terminator.
  virtual bool line(Connection& conn, std::string_view a, std::string_view b, std::string_view c) = 0;
  // A fatal error: its line, then the connection ends once it is written.
  virtual void fail(Connection& conn, CloseReason reason, std::string_view line) = 0;
  // QUIT: what is queued goes out (its "+OK bye" included), then the end.
  virtual void close(Connection& conn, CloseReason reason) = 0;

  bool line(Connection& conn, std::string_view a) { return line(conn, a, {}, {}); }
  bool line(Connection& conn, std::string_view a, std::string_view b) { return line(conn, a, b, {}); }
};

// The TCP framing: each line ends with '\n'.
class NewlineOutput final : public LineOutput {
 public:
  using LineOutput::line;
  bool line(Connection& conn, std::string_view a, std::string_view b, std::string_view c) override {
    return conn.queue(a, b, c, '\n');
  }
  void fail(Connection& conn, CloseReason reason, std::string_view line) override {
    if (!conn.open()) return;
    conn.queue(line, '\n');
    conn.drain(reason);
  }
  void close(Connection& conn, CloseReason reason) override { conn.drain(reason); }

  static NewlineOutput& instance() {
    static NewlineOutput output;
    return output;
  }
};

}  // namespace linecast
