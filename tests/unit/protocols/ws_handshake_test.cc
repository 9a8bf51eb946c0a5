// The RFC 6455 opening handshake: the accept value's vector (RFC 6455 1.3),
// the checks and their refusals, the subprotocol choice.

#include "protocols/ws/ws_handshake.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace linecast {
namespace {

WsUpgradeRequest valid() {
  WsUpgradeRequest r;
  r.method = "GET";
  r.upgrade = "websocket";
  r.connection = "Upgrade";
  r.version = "13";
  r.key = "dGhlIHNhbXBsZSBub25jZQ==";
  return r;
}

TEST(WsHandshake, AcceptValueOfTheRfcExample) {
  EXPECT_EQ(wsAcceptValue("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WsHandshake, ValidUpgrade) {
  auto verdict = checkWsUpgrade(valid(), {});
  EXPECT_EQ(verdict.status, 101);
  EXPECT_EQ(verdict.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(wsUpgradeResponse(verdict.accept),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  EXPECT_EQ(wsUpgradeResponse("x", "mqtt"),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: x\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n");
  EXPECT_EQ(wsUpgradeResponse("x", {}, "permessage-deflate"),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: x\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n");
}

TEST(WsHandshake, TokensAreCaseInsensitiveAndListed) {
  auto r = valid();
  r.upgrade = "WebSocket";
  r.connection = "keep-alive, UPGRADE";
  EXPECT_EQ(checkWsUpgrade(r, {}).status, 101);
  r.connection = "keep-alive,upgrade ";
  EXPECT_EQ(checkWsUpgrade(r, {}).status, 101);
  EXPECT_TRUE(headerHasToken("a, b ,c", "B"));
  EXPECT_FALSE(headerHasToken("upgrades", "upgrade"));
  EXPECT_FALSE(headerHasToken("", "upgrade"));
}

TEST(WsHandshake, Refusals) {
  auto r = valid();
  r.method = "POST";
  EXPECT_EQ(checkWsUpgrade(r, {}).status, 405);
  r = valid();
  r.upgrade = "";
  EXPECT_EQ(checkWsUpgrade(r, {}).status, 400);
  r = valid();
  r.upgrade = "h2c";
  EXPECT_EQ(checkWsUpgrade(r, {}).status, 400);
  r = valid();
  r.connection = "keep-alive";
  EXPECT_EQ(checkWsUpgrade(r, {}).status, 400);
  for (std::string_view version : {"", "8", "12", "14", "13, 8"}) {
    r = valid();
    r.version = version;
    auto verdict = checkWsUpgrade(r, {});
    EXPECT_EQ(verdict.status, 426) << version;
    EXPECT_EQ(verdict.header, "Sec-WebSocket-Version: 13");
  }
  for (std::string_view key : {"", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25j", "dGhlIHNhbXBsZSBub25jZXg=",
                               "dGhlIHNhbXBsZSBub25jZQ=!"}) {
    r = valid();
    r.key = key;
    EXPECT_EQ(checkWsUpgrade(r, {}).status, 400) << key;
  }
}

TEST(WsHandshake, OriginCheck) {
  std::vector<std::string> allowed = {"https://app.example", "http://localhost:8080"};
  auto r = valid();
  EXPECT_EQ(checkWsUpgrade(r, allowed).status, 101);  // no Origin: not a browser
  r.origin = "https://App.Example";
  EXPECT_EQ(checkWsUpgrade(r, allowed).status, 101);
  r.origin = "http://localhost:8080";
  EXPECT_EQ(checkWsUpgrade(r, allowed).status, 101);
  r.origin = "https://evil.example";
  EXPECT_EQ(checkWsUpgrade(r, allowed).status, 403);
  r.origin = "https://app.example.evil";
  EXPECT_EQ(checkWsUpgrade(r, allowed).status, 403);
  EXPECT_EQ(checkWsUpgrade(r, {}).status, 101);  // no list: any origin
}

TEST(WsHandshake, SubprotocolSelection) {
  const std::vector<std::string_view> supported = {"mqtt"};
  EXPECT_EQ(selectWsSubprotocol("mqtt", supported), "mqtt");
  EXPECT_EQ(selectWsSubprotocol("chat, mqtt", supported), "mqtt");
  EXPECT_EQ(selectWsSubprotocol("mqttv3.1", supported), "");
  EXPECT_EQ(selectWsSubprotocol("MQTT", supported), "");
  EXPECT_EQ(selectWsSubprotocol("", supported), "");
  const std::vector<std::string_view> two = {"b", "a"};
  EXPECT_EQ(selectWsSubprotocol("a, b", two), "a");  // the client's preference
}

}  // namespace
}  // namespace linecast
