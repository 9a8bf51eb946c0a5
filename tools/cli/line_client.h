#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "client_tls.h"

namespace linecast::cli {

// One TCP connection to the broker, read line by line, over TLS when asked.
//
// This class owns its socket. The socket is non-blocking; every wait is a
// poll() bounded by the caller's timeout, so a silent server never hangs the
// CLI where it promised an answer.
class LineClient {
 public:
  enum class Read { kLine, kEof, kTimeout, kError };

  LineClient() = default;
  ~LineClient();
  LineClient(const LineClient&) = delete;
  LineClient& operator=(const LineClient&) = delete;

  // Resolves host and connects to the first address that answers. On failure
  // returns false and sets error() to a message naming host:port.
  bool connect(const std::string& host, unsigned port, std::chrono::milliseconds timeout,
               const TlsOptions& tls = {});

  // Sends all of data. False when the connection is gone (error() says why).
  bool sendAll(std::string_view data);

  // The next line without its "\n". timeout < 0 waits for ever. kError sets error().
  Read readLine(std::string& line, std::chrono::milliseconds timeout);

  // True when readLine() would return a line without touching the socket.
  bool hasBufferedLine() const;

  // Reads whatever the socket holds right now without waiting; false on EOF or error.
  bool pumpNonBlocking();

  int fd() const { return fd_; }
  const std::string& address() const { return address_; }  // "host:port", for messages
  const std::string& error() const { return error_; }

 private:
  // Reads once into buffer_; 1 = got bytes, 0 = EOF, -1 = error, -2 = would block.
  int readSome();
  // One send of data, plain or TLS: bytes sent, -2 when the socket is
  // full, -1 on error (error_ set).
  long sendSome(std::string_view data);
  bool connectTcp(const std::string& host, unsigned port, std::chrono::milliseconds timeout);

  std::unique_ptr<ClientTls> tls_;  // null: plaintext
  int fd_ = -1;
  std::string address_;
  std::string error_;
  std::string buffer_;
  std::size_t start_ = 0;  // buffer_[0, start_) is consumed
};

// A line received from the server, classified.
struct ServerLine {
  enum class Kind { kMsg, kPong, kOk, kErr, kOther };
  Kind kind = Kind::kOther;
  std::string_view channel;  // kMsg
  std::string_view payload;  // kMsg: the payload; kPong: its text; kErr: the text after "-ERR "
};

ServerLine classify(std::string_view line);

}  // namespace linecast::cli
