#include "loadgen/ws_upgrade.h"

#include <gtest/gtest.h>

namespace linecast::bench {
namespace {

using Status = WsUpgradeAnswer::Status;

// RFC 6455 1.3's example key and answer.
constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

std::string answer(std::string_view accept = kAccept, std::string_view extra = "") {
  return std::string("HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\n"
                     "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: ")
      .append(accept).append("\r\n").append(extra).append("\r\n");
}

TEST(WsUpgrade, ComputesTheRfcsAcceptValue) { EXPECT_EQ(wsAcceptFor(kKey), kAccept); }

TEST(WsUpgrade, KeysAreTheBase64OfSixteenFreshBytes) {
  std::string a = makeWsKey(), b = makeWsKey();
  EXPECT_EQ(a.size(), 24u);
  EXPECT_EQ(a.substr(22), "==");
  EXPECT_NE(a, b);
}

TEST(WsUpgrade, WritesTheRequest) {
  EXPECT_EQ(wsUpgradeRequest("127.0.0.1:7401", "/ws", kKey),
            "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:7401\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
}

TEST(WsUpgrade, AcceptsAnAnswerSplitAnywhereAndStopsAtItsEnd) {
  std::string stream = answer() + "\x81\x04PONG";
  std::size_t end = answer().size();
  for (std::size_t at = 0; at <= end; ++at) {
    WsUpgradeAnswer reader{std::string(kAccept)};
    std::string first = stream.substr(0, at), second = stream.substr(at);
    std::size_t pos = 0;
    Status status = reader.feed(first, pos);
    if (at < end) {
      ASSERT_EQ(status, Status::kNeedMore) << at;
      ASSERT_EQ(pos, first.size());
      pos = 0;
      ASSERT_EQ(reader.feed(second, pos), Status::kAccepted) << at << ": " << reader.error();
      EXPECT_EQ(second.substr(pos), "\x81\x04PONG") << at;
    } else {
      ASSERT_EQ(status, Status::kAccepted) << reader.error();
      EXPECT_EQ(pos, end);
    }
  }
}

Status feedAll(std::string_view text, std::string* error = nullptr) {
  WsUpgradeAnswer reader{std::string(kAccept)};
  std::size_t pos = 0;
  Status status = reader.feed(text, pos);
  if (error) *error = reader.error();
  return status;
}

TEST(WsUpgrade, RefusesWhatIsNotAValidSwitch) {
  std::string error;
  EXPECT_EQ(feedAll("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", &error), Status::kRefused);
  EXPECT_EQ(error, "upgrade refused: HTTP/1.1 404 Not Found");
  EXPECT_EQ(feedAll("HTTP/1.1 1010 Odd\r\n\r\n"), Status::kRefused);
  EXPECT_EQ(feedAll(answer("x3pPLMBiTxaQ9kYGzzhZRbK+xOo="), &error), Status::kRefused);
  EXPECT_NE(error.find("wrong Sec-WebSocket-Accept"), std::string::npos);
  EXPECT_EQ(feedAll(answer(kAccept, "Sec-WebSocket-Extensions: permessage-deflate\r\n")), Status::kRefused);
  EXPECT_EQ(feedAll("HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                    &error), Status::kRefused);
  EXPECT_EQ(error, "upgrade answer without 'Upgrade: websocket'");
  EXPECT_EQ(feedAll("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: close\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), Status::kRefused);
  EXPECT_EQ(feedAll("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"), Status::kRefused);
}

TEST(WsUpgrade, RefusesAnEndlessAnswer) {
  WsUpgradeAnswer reader{std::string(kAccept)};
  std::string filler(1000, 'x');
  Status status = Status::kNeedMore;
  for (int i = 0; i < 20 && status == Status::kNeedMore; ++i) {
    std::size_t pos = 0;
    status = reader.feed(filler, pos);
  }
  EXPECT_EQ(status, Status::kRefused);
}

}  // namespace
}  // namespace linecast::bench
