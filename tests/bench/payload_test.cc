#include "loadgen/payload.h"

#include <gtest/gtest.h>

namespace linecast::bench {
namespace {

TEST(Payload, ChannelNamesHaveOneWidth) {
  EXPECT_EQ(channelName("lcb", 0), "lcb.000000");
  EXPECT_EQ(channelName("lcb", 42), "lcb.000042");
  EXPECT_EQ(channelName("lcb", 42, '/'), "lcb/000042");
  EXPECT_EQ(channelName("lcb", kMaxChannels - 1).size(), channelName("lcb", 7).size());
}

TEST(Payload, StampsRoundTrip) {
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0xdeadbeef},
                          std::uint64_t{1'700'000'000'123'456'789ull}, UINT64_MAX}) {
    std::string payload = fillerPayload(24);
    writeStamp(payload.data(), v);
    EXPECT_EQ(payload.size(), 24u);
    EXPECT_EQ(payload.substr(kStampBytes), std::string(24 - kStampBytes, 'x'));
    EXPECT_EQ(readStamp(payload), v);
  }
}

TEST(Payload, NoStampInShortOrForeignPayloads) {
  EXPECT_EQ(readStamp("0123"), std::nullopt);
  EXPECT_EQ(readStamp(fillerPayload(32)), std::nullopt);
  EXPECT_EQ(readStamp("0123456789ABCDEF"), std::nullopt);  // we write lower case only
}

}  // namespace
}  // namespace linecast::bench
