#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <poll.h>
#include <unistd.h>

#include "commands.h"
#include "exit_codes.h"

namespace linecast::cli {
namespace {

// Handles what the server sent so far. Success is silent in the protocol, so
// anything here is an -ERR (or the final PONG).
class ReplyWatcher {
 public:
  explicit ReplyWatcher(const GlobalOptions& global) : global_(global) {}

  // Processes one line; true when it is our final PONG.
  bool take(std::string_view line) {
    ServerLine reply = classify(line);
    if (reply.kind == ServerLine::Kind::kErr) {
      ++errors_;
      if (errors_ <= kMaxPrinted) printServerError(reply.payload);
      if (errors_ == kMaxPrinted + 1) printError("more errors follow; not printing them");
      int code = exitCodeForServerError(reply.payload);
      if (errorCode_ == kExitOk) {
        errorCode_ = code;
        if (code == kExitAuthFailed && global_.token.empty()) {
          printError("the server requires a token: pass --token or set LINECAST_TOKEN");
        }
      }
    }
    return reply.kind == ServerLine::Kind::kPong && reply.payload == "linecast-cli-pub";
  }

  int errorCode() const { return errorCode_; }
  std::uint64_t errors() const { return errors_; }

 private:
  static constexpr std::uint64_t kMaxPrinted = 10;
  const GlobalOptions& global_;
  int errorCode_ = kExitOk;
  std::uint64_t errors_ = 0;
};

// Appends "PUB <channel> <line>\n" unless the line is empty (empty lines
// publish nothing, as with HTTP). One "\r" before the "\n" is removed.
bool appendPub(std::string& out, const std::string& channel, std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return false;
  out += "PUB ";
  out += channel;
  out += ' ';
  out += line;
  out += '\n';
  return true;
}

// Reads whatever the server sent without waiting; false when it closed.
bool drainReplies(LineClient& client, ReplyWatcher& watcher) {
  bool open = client.pumpNonBlocking();
  std::string line;
  while (client.hasBufferedLine()) {
    client.readLine(line, std::chrono::milliseconds(0));
    watcher.take(line);
  }
  return open;
}

}  // namespace

int runPub(const GlobalOptions& global, const PubOptions& options) {
  if (options.channel.find_first_of(" \t\r\n") != std::string::npos) {
    printError("a channel has no spaces or line breaks");
    return kExitUsage;
  }
  if (options.message && options.message->find('\n') != std::string::npos) {
    printError("MESSAGE must be one line; to publish several, give them on stdin, one per line");
    return kExitUsage;
  }
  LineClient client;
  if (int code = openSession(global, client); code != kExitOk) return code;

  ReplyWatcher watcher(global);
  std::uint64_t published = 0;
  if (options.message) {
    std::string frame = fmt::format("PUB {} {}\n", options.channel, *options.message);
    if (!client.sendAll(frame)) {
      printError(client.error());
      return kExitConnectionLost;
    }
    published = 1;
  } else {
    // Stream stdin: one read() may hold many lines (a file) or one (a terminal),
    // and each batch goes out in one send so that a big file streams at speed.
    std::string pending;  // an incomplete stdin line
    std::string batch;
    char chunk[65536];
    bool serverOpen = true;
    for (;;) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {client.fd(), POLLIN, 0}};
      int ready = ::poll(fds, 2, -1);
      if (ready < 0 && errno == EINTR) continue;
      if (fds[1].revents != 0 && !drainReplies(client, watcher)) {
        serverOpen = false;
        break;
      }
      if (fds[0].revents == 0) continue;
      ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        printError(fmt::format("reading stdin: {}", std::strerror(errno)));
        return kExitUsage;
      }
      if (n == 0) {
        batch.clear();
        if (appendPub(batch, options.channel, pending)) ++published;
        if (!batch.empty() && !client.sendAll(batch)) serverOpen = false;
        break;
      }
      pending.append(chunk, static_cast<std::size_t>(n));
      batch.clear();
      std::size_t start = 0;
      for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
        if (appendPub(batch, options.channel, std::string_view(pending).substr(start, nl - start))) {
          ++published;
        }
      }
      pending.erase(0, start);
      if (!batch.empty() && !client.sendAll(batch)) {
        serverOpen = false;
        break;
      }
    }
    if (!serverOpen) {
      drainReplies(client, watcher);
      if (watcher.errorCode() != kExitOk) return watcher.errorCode();
      printError(fmt::format("connection to {} closed by the server while publishing", client.address()));
      return kExitConnectionLost;
    }
  }

  // The barrier: when PONG is back, every PUB has been handled and every -ERR has arrived.
  if (!client.sendAll("PING linecast-cli-pub\n")) {
    drainReplies(client, watcher);
    if (watcher.errorCode() != kExitOk) return watcher.errorCode();
    printError(client.error());
    return kExitConnectionLost;
  }
  std::string line;
  for (;;) {
    auto result = client.readLine(line, global.timeoutMs());
    if (result != LineClient::Read::kLine) {
      if (watcher.errorCode() != kExitOk) return watcher.errorCode();
      return reportReadFailure(result, client, "the PUB confirmation");
    }
    if (watcher.take(line)) break;
  }
  if (options.verbose) {
    printError(fmt::format("published {} message{} to {} on {}{}", published, published == 1 ? "" : "s",
                           options.channel, client.address(),
                           watcher.errors() ? fmt::format(" ({} refused)", watcher.errors()) : ""));
  }
  return watcher.errorCode();
}

}  // namespace linecast::cli
