// WsDeflater: RFC 7692 7.2.3's examples, round trips through WsInflater
// (as the client's end) at several sizes, with and without context
// takeover and at every window size, the per-message choice to compress,
// and its memory (lazy stream, release, buffer given back).

#include "protocols/ws/ws_deflater.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocols/ws/ws_inflater.h"
#include "ws_deflate_test_data.h"

namespace linecast {
namespace {

using namespace ws_test;

WsDeflateParams serverParams(int windowBits = 15, bool noContextTakeover = false) {
  WsDeflateParams p;
  p.serverMaxWindowBits = windowBits;
  p.serverNoContextTakeover = noContextTakeover;
  return p;
}

// The client's end of the same agreement: it inflates with the window and
// the reset the server compresses with.
WsInflater clientInflater(const WsDeflateParams& server, std::size_t limit = 16 << 20) {
  WsDeflateParams client;
  client.clientMaxWindowBits = server.serverMaxWindowBits;
  client.clientNoContextTakeover = server.serverNoContextTakeover;
  return WsInflater(client, limit);
}

TEST(WsDeflater, RfcExampleHello) {
  // RFC 7692 7.2.3.1.
  WsDeflater out(serverParams());
  EXPECT_EQ(out.compress("Hello"), kRfcHello);
}

TEST(WsDeflater, RfcExampleContextTakeover) {
  // RFC 7692 7.2.3.2: the second "Hello" is a match of the first.
  WsDeflater out(serverParams());
  EXPECT_EQ(out.compress("Hello"), kRfcHello);
  EXPECT_EQ(out.compress("Hello"), bytes({0xf2, 0x00, 0x11, 0x00, 0x00}));
}

TEST(WsDeflater, NoContextTakeoverCompressesEachAlike) {
  WsDeflater out(serverParams(15, true));
  EXPECT_EQ(out.compress("Hello"), kRfcHello);
  EXPECT_EQ(out.compress("Hello"), kRfcHello);
}

TEST(WsDeflater, EmptyMessage) {
  // RFC 7692 7.2.3.6: one 00 byte; the stream is not created for it.
  WsDeflater out(serverParams());
  EXPECT_EQ(out.compress(""), bytes({0x00}));
  EXPECT_FALSE(out.hasStream());
  WsInflater in = clientInflater(serverParams());
  ASSERT_EQ(in.inflate(out.compress("")), WsInflater::Result::kOk);
  EXPECT_EQ(in.output(), "");
  // Between other messages, with context takeover.
  for (std::string_view m : {"Hello", "", "", "Hello", ""}) {
    ASSERT_EQ(in.inflate(out.compress(m)), WsInflater::Result::kOk);
    EXPECT_EQ(in.output(), m);
  }
}

TEST(WsDeflater, RoundTripsAtSeveralSizes) {
  for (bool noContext : {false, true}) {
    WsDeflateParams params = serverParams(15, noContext);
    WsDeflater out(params);
    WsInflater in = clientInflater(params);
    for (std::size_t size : {1, 2, 5, 31, 32, 100, 125, 126, 1000, 4096, 65535, 65536, 300000,
                             1 << 20}) {
      for (const std::string& message :
           {ticks(size, static_cast<std::uint32_t>(size)), randomBytes(size, 7)}) {
        std::string_view compressed = out.compress(message);
        ASSERT_EQ(in.inflate(compressed), WsInflater::Result::kOk) << size << " " << noContext;
        ASSERT_EQ(in.output(), message) << size << " " << noContext;
      }
    }
  }
}

TEST(WsDeflater, EveryWindowSize) {
  // Agreed 8 is deflated with 9, and still read with a 256-byte window.
  for (int bits = 8; bits <= 15; ++bits) {
    WsDeflateParams params = serverParams(bits);
    WsDeflater out(params);
    EXPECT_EQ(out.windowBits(), std::clamp(bits, 9, WsDeflater::kMaxWindowBits));
    WsInflater in = clientInflater(params);
    for (std::uint32_t i = 0; i < 6; ++i) {
      std::string message = ticks(20000, i) + randomBytes(300, i) + randomBytes(300, i);
      ASSERT_EQ(in.inflate(out.compress(message)), WsInflater::Result::kOk) << bits;
      ASSERT_EQ(in.output(), message) << bits;
    }
  }
}

TEST(WsDeflater, ContextTakeoverPaysOff) {
  // The same kind of message again and again: with the window kept, each
  // compresses to a fraction of what it does alone.
  std::size_t kept = 0;
  std::size_t reset = 0;
  std::size_t raw = 0;
  WsDeflater keeping(serverParams());
  WsDeflater resetting(serverParams(15, true));
  for (std::uint32_t i = 0; i < 200; ++i) {
    std::string message = ticks(90, i);
    raw += message.size();
    kept += keeping.compress(message).size();
    reset += resetting.compress(message).size();
  }
  EXPECT_LT(kept * 2, reset);
  EXPECT_LT(kept * 2, raw);
}

TEST(WsDeflater, ShortMessagesAreSentAsTheyAre) {
  WsDeflater keeping(serverParams());
  std::string shortMessage(WsDeflater::kMinSizeWithContext - 1, 'a');
  auto m = keeping.encode(shortMessage);
  EXPECT_FALSE(m.compressed);
  EXPECT_EQ(m.payload.data(), shortMessage.data());
  EXPECT_FALSE(keeping.hasStream());
  std::string longer(WsDeflater::kMinSizeWithContext, 'a');
  m = keeping.encode(longer);
  EXPECT_TRUE(m.compressed);
  EXPECT_LT(m.payload.size(), longer.size());

  // Without context takeover a lone message must be longer to gain.
  WsDeflater resetting(serverParams(15, true));
  std::string middle(WsDeflater::kMinSizeWithoutContext - 1, 'a');
  EXPECT_FALSE(resetting.encode(middle).compressed);
  EXPECT_TRUE(resetting.encode(middle + "a").compressed);
}

TEST(WsDeflater, UncompressedMessagesLeaveTheContextAlone) {
  // Short messages skip the stream on both ends; the compressed ones
  // around them still share the window.
  WsDeflater out(serverParams());
  WsInflater in = clientInflater(serverParams());
  for (std::uint32_t i = 0; i < 50; ++i) {
    std::string message = ticks(i % 3 == 0 ? 10 : 200, i);
    auto m = out.encode(message);
    if (m.compressed) {
      ASSERT_EQ(in.inflate(m.payload), WsInflater::Result::kOk);
      ASSERT_EQ(in.output(), message);
    } else {
      ASSERT_EQ(m.payload, message);
    }
  }
}

TEST(WsDeflater, StreamIsLazyAndReleasable) {
  WsDeflater out(serverParams());
  EXPECT_FALSE(out.hasStream());
  WsInflater in = clientInflater(serverParams());
  std::string message = ticks(500, 1);
  ASSERT_EQ(in.inflate(out.compress(message)), WsInflater::Result::kOk);
  EXPECT_TRUE(out.hasStream());
  // Released between messages: the client keeps its window, the server
  // starts a fresh one; the next message still inflates.
  out.release();
  EXPECT_FALSE(out.hasStream());
  ASSERT_EQ(in.inflate(out.compress(message)), WsInflater::Result::kOk);
  EXPECT_EQ(in.output(), message);
}

TEST(WsDeflater, BigBufferIsGivenBack) {
  WsDeflater out(serverParams());
  std::string big = randomBytes(1 << 20, 9);
  EXPECT_GE(out.compress(big).size(), big.size());
  EXPECT_GE(out.bufferCapacity(), big.size());
  out.compress(ticks(100, 1));
  EXPECT_LE(out.bufferCapacity(), 64u * 1024);
}

}  // namespace
}  // namespace linecast
