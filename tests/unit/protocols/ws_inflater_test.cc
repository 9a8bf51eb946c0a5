// WsInflater: RFC 7692 7.2.3's examples, context takeover and its reset,
// window sizes, a zip bomb against the limit, corrupt data, and messages
// compressed by a second, independent zlib stream (what a client's own
// compressor sends).

#include "protocols/ws/ws_inflater.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "ws_deflate_test_data.h"

namespace linecast {
namespace {

using namespace ws_test;

using Result = WsInflater::Result;

WsDeflateParams clientParams(int windowBits = 15, bool noContextTakeover = false) {
  WsDeflateParams p;
  p.clientMaxWindowBits = windowBits;
  p.clientNoContextTakeover = noContextTakeover;
  return p;
}

// A client's compressor, written straight on zlib: raw DEFLATE, a sync
// flush per message, the flush's 00 00 ff ff removed (RFC 7692 7.2.1).
class ClientDeflate {
 public:
  explicit ClientDeflate(int windowBits, int level = Z_DEFAULT_COMPRESSION, bool reset = false)
      : reset_(reset) {
    EXPECT_EQ(deflateInit2(&z_, level, Z_DEFLATED, -windowBits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  }
  ~ClientDeflate() { deflateEnd(&z_); }

  std::string message(std::string_view in) {
    std::string out(deflateBound(&z_, in.size()) + 64, '\0');
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z_, Z_SYNC_FLUSH), Z_OK);
    EXPECT_EQ(z_.avail_in, 0u);
    out.resize(out.size() - z_.avail_out);
    EXPECT_TRUE(out.ends_with(bytes({0x00, 0x00, 0xff, 0xff})));
    out.resize(out.size() - 4);
    if (reset_) deflateReset(&z_);
    return out;
  }

 private:
  z_stream z_{};
  bool reset_;
};

TEST(WsInflater, RfcExampleHello) {
  // RFC 7692 7.2.3.1: "Hello" in one compressed block.
  WsInflater in(clientParams(), 1024);
  ASSERT_EQ(in.inflate(kRfcHello), Result::kOk);
  EXPECT_EQ(in.output(), "Hello");
}

TEST(WsInflater, RfcExampleContextTakeover) {
  // RFC 7692 7.2.3.2: the second "Hello" refers to the first's.
  WsInflater in(clientParams(), 1024);
  ASSERT_EQ(in.inflate(kRfcHello), Result::kOk);
  ASSERT_EQ(in.inflate(bytes({0xf2, 0x00, 0x11, 0x00, 0x00})), Result::kOk);
  EXPECT_EQ(in.output(), "Hello");
}

TEST(WsInflater, NoContextTakeoverResetsTheWindow) {
  WsInflater in(clientParams(15, true), 1024);
  ASSERT_EQ(in.inflate(kRfcHello), Result::kOk);
  ASSERT_EQ(in.inflate(kRfcHello), Result::kOk);
  EXPECT_EQ(in.output(), "Hello");
  // A client bound to reset that refers to its previous message anyway.
  EXPECT_EQ(in.inflate(bytes({0xf2, 0x00, 0x11, 0x00, 0x00})), Result::kCorrupt);
}

TEST(WsInflater, RfcExampleStoredBlock) {
  // RFC 7692 7.2.3.3: a block with no compression.
  WsInflater in(clientParams(), 1024);
  ASSERT_EQ(in.inflate(bytes({0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00})),
            Result::kOk);
  EXPECT_EQ(in.output(), "Hello");
}

TEST(WsInflater, RfcExampleFinalBlock) {
  // RFC 7692 7.2.3.4: a final block, then a byte that starts an empty
  // stored block; then the same without that byte. Each next message
  // still inflates.
  WsInflater in(clientParams(), 1024);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(in.inflate(bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00})), Result::kOk);
    EXPECT_EQ(in.output(), "Hello");
    ASSERT_EQ(in.inflate(bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})), Result::kOk);
    EXPECT_EQ(in.output(), "Hello");
    ASSERT_EQ(in.inflate(kRfcHello), Result::kOk);
    EXPECT_EQ(in.output(), "Hello");
  }
  // Two final blocks in one message: two streams, one after the other.
  ASSERT_EQ(in.inflate(bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xf3, 0x48, 0xcd, 0xc9,
                              0xc9, 0x07, 0x00})),
            Result::kOk);
  EXPECT_EQ(in.output(), "HelloHello");
}

TEST(WsInflater, RfcExampleTwoBlocks) {
  // RFC 7692 7.2.3.5: "He" and "llo" in two blocks, a sync flush between.
  WsInflater in(clientParams(), 1024);
  ASSERT_EQ(in.inflate(bytes({0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9,
                              0x07, 0x00})),
            Result::kOk);
  EXPECT_EQ(in.output(), "Hello");
}

TEST(WsInflater, EmptyMessages) {
  WsInflater in(clientParams(), 1024);
  // No bytes at all: nothing to inflate, no stream created.
  ASSERT_EQ(in.inflate(""), Result::kOk);
  EXPECT_EQ(in.output(), "");
  EXPECT_FALSE(in.hasStream());
  // RFC 7692 7.2.3.6: an empty message compressed is one 00 byte.
  ASSERT_EQ(in.inflate(bytes({0x00})), Result::kOk);
  EXPECT_EQ(in.output(), "");
  EXPECT_TRUE(in.hasStream());
  // Neither leaves the stream half way.
  ASSERT_EQ(in.inflate(""), Result::kOk);
  ASSERT_EQ(in.inflate(kRfcHello), Result::kOk);
  EXPECT_EQ(in.output(), "Hello");
}

TEST(WsInflater, StreamIsCreatedAtTheFirstMessage) {
  WsInflater in(clientParams(), 1024);
  EXPECT_FALSE(in.hasStream());
  EXPECT_EQ(in.bufferCapacity(), std::string().capacity());
  ASSERT_EQ(in.inflate(kRfcHello), Result::kOk);
  EXPECT_TRUE(in.hasStream());
}

TEST(WsInflater, ReadsAnIndependentCompressor) {
  // Several messages through one context-keeping client stream: later ones
  // refer to earlier ones.
  for (int level : {1, 6, 9}) {
    ClientDeflate client(15, level);
    WsInflater in(clientParams(), 1 << 20);
    for (std::size_t i = 0; i < 40; ++i) {
      std::string message = ticks(i * 97 % 5000, static_cast<std::uint32_t>(i % 7));
      ASSERT_EQ(in.inflate(client.message(message)), Result::kOk) << level << " " << i;
      ASSERT_EQ(in.output(), message) << level << " " << i;
    }
  }
}

TEST(WsInflater, ClientWithoutContextTakeover) {
  ClientDeflate client(15, 6, true);
  WsInflater in(clientParams(15, true), 1 << 20);
  for (std::uint32_t i = 0; i < 10; ++i) {
    std::string message = ticks(3000, i % 2);
    ASSERT_EQ(in.inflate(client.message(message)), Result::kOk);
    ASSERT_EQ(in.output(), message);
  }
}

TEST(WsInflater, WindowBits) {
  // A window of 8 is agreed as 8, but zlib compresses with 9: matches stay
  // within 250 bytes, so an inflater with a 256-byte window reads it.
  for (int bits = 8; bits <= 15; ++bits) {
    ClientDeflate client(bits == 8 ? 9 : bits);
    WsInflater in(clientParams(bits), 1 << 20);
    for (std::uint32_t i = 0; i < 5; ++i) {
      std::string message = ticks(20000, i) + randomBytes(700, i) + randomBytes(700, i);
      ASSERT_EQ(in.inflate(client.message(message)), Result::kOk) << bits;
      ASSERT_EQ(in.output(), message) << bits;
    }
  }
}

TEST(WsInflater, MatchBeyondTheAgreedWindowIsCorrupt) {
  // The same 1000 random bytes in two messages: the client's 32 KiB
  // window matches the second with the first, 1000 bytes back, more than a
  // 512-byte window holds. (Within one message zlib resolves a match from
  // the output itself, so only a match into an earlier message shows.)
  ClientDeflate client(15);
  WsInflater in(clientParams(9), 1 << 20);
  std::string block = randomBytes(1000, 3);
  ASSERT_EQ(in.inflate(client.message(block)), Result::kOk);
  EXPECT_EQ(in.inflate(client.message(block)), Result::kCorrupt);
}

TEST(WsInflater, ZipBombStopsAtTheLimit) {
  // 10 MiB of zeros compress to about 10 KB; the limit is 1 MiB.
  ClientDeflate client(15, 9);
  std::string bomb = client.message(std::string(10 << 20, '\0'));
  EXPECT_LT(bomb.size(), 20000u);
  constexpr std::size_t kLimit = 1 << 20;
  WsInflater in(clientParams(), kLimit);
  Result result = in.inflate(bomb);
  EXPECT_EQ(result, Result::kTooBig);
  EXPECT_EQ(WsInflater::closeCode(result), 1009);
  EXPECT_LE(in.bufferCapacity(), kLimit);
  // The stream is lost: the connection must close.
  EXPECT_EQ(in.inflate(kRfcHello), Result::kCorrupt);
}

TEST(WsInflater, LimitIsInclusive) {
  for (std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096},
                            std::size_t{4097}, std::size_t{100000}}) {
    std::string message = ticks(limit, 1);
    {
      ClientDeflate client(15);
      WsInflater in(clientParams(), limit);
      ASSERT_EQ(in.inflate(client.message(message)), Result::kOk) << limit;
      EXPECT_EQ(in.output(), message);
      EXPECT_LE(in.bufferCapacity(), std::max<std::size_t>(limit, 30));
    }
    {
      ClientDeflate client(15);
      WsInflater in(clientParams(), limit);
      EXPECT_EQ(in.inflate(client.message(message + "x")), Result::kTooBig) << limit;
    }
  }
}

TEST(WsInflater, CorruptData) {
  for (const std::string& bad : {bytes({0xff}), bytes({0xff, 0xff, 0xff, 0xff}),
                                 // a stored block whose length and its complement disagree
                                 bytes({0x00, 0x05, 0x00, 0xfb, 0xff, 0x48, 0x65}),
                                 // a distance before the start of the data
                                 bytes({0xf2, 0x00, 0x11, 0x00, 0x00}),
                                 // after a final block, a block of the reserved type 11
                                 bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xff})}) {
    WsInflater in(clientParams(), 1024);
    Result result = in.inflate(bad);
    EXPECT_EQ(result, Result::kCorrupt);
    EXPECT_EQ(WsInflater::closeCode(result), 1007);
    EXPECT_EQ(in.inflate(kRfcHello), Result::kCorrupt);
  }
  EXPECT_EQ(WsInflater::closeCode(Result::kOk), 0);
}

TEST(WsInflater, BigBufferIsGivenBack) {
  ClientDeflate client(15);
  WsInflater in(clientParams(), 4 << 20);
  std::string big = ticks(1 << 20, 5);
  ASSERT_EQ(in.inflate(client.message(big)), Result::kOk);
  EXPECT_EQ(in.output(), big);
  EXPECT_GE(in.bufferCapacity(), big.size());
  ASSERT_EQ(in.inflate(client.message("small")), Result::kOk);
  EXPECT_EQ(in.output(), "small");
  EXPECT_LE(in.bufferCapacity(), 64u * 1024);
}

}  // namespace
}  // namespace linecast
