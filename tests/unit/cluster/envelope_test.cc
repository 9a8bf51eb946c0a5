#include "cluster/envelope.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace linecast {
namespace {

std::vector<std::string> decoded(std::string_view bytes, EnvelopeHead& head, bool& ok) {
  std::vector<std::string> out;
  ok = decodeEnvelope(bytes, head, [&out](std::string_view payload) { out.emplace_back(payload); });
  return out;
}

TEST(Envelope, RoundTripKeepsOrderAndAnyBytes) {
  EnvelopeWriter writer;
  writer.begin("node-a", 0x0102030405060708ull);
  writer.add("first");
  writer.add("");
  writer.add(std::string_view("bin\0\n\xff", 6));
  EXPECT_EQ(writer.messages(), 3u);
  EnvelopeHead head;
  bool ok = false;
  auto messages = decoded(writer.bytes(), head, ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(head.origin, "node-a");
  EXPECT_EQ(head.sequence, 0x0102030405060708ull);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0], "first");
  EXPECT_EQ(messages[1], "");
  EXPECT_EQ(messages[2], std::string("bin\0\n\xff", 6));
}

TEST(Envelope, CarriesItsMarkAndRefusesAnUnknownOne) {
  EnvelopeWriter writer;
  writer.begin("n", 7, cluster_mark::mqttTopic(2));
  writer.add("x");
  EnvelopeHead head;
  bool ok = false;
  auto messages = decoded(writer.bytes(), head, ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(head.mark, cluster_mark::mqttTopic(2));
  EXPECT_TRUE(cluster_mark::isMqttTopic(head.mark));
  EXPECT_EQ(cluster_mark::qosOf(head.mark), 2);
  std::string bytes(writer.bytes());
  for (char unknown : {'\x00', '\x02', '\x13', '\x30', '\x1c'}) {
    bytes[2] = unknown;
    EXPECT_TRUE(decoded(bytes, head, ok).empty());
    EXPECT_FALSE(ok) << static_cast<int>(unknown);
  }
}

TEST(Envelope, WriterIsReusable) {
  EnvelopeWriter writer;
  writer.begin("n", 1);
  writer.add("old");
  writer.begin("n", 2);
  writer.add("new");
  EnvelopeHead head;
  bool ok = false;
  auto messages = decoded(writer.bytes(), head, ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(head.sequence, 2u);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], "new");
}

TEST(Envelope, EveryTruncationIsRefusedWhole) {
  EnvelopeWriter writer;
  writer.begin("node", 7);
  writer.add("hello");
  writer.add("world");
  std::string bytes(writer.bytes());
  // Cutting inside the second message's length or bytes must deliver
  // nothing at all, not the first message alone.
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    std::string_view prefix(bytes.data(), cut);
    EnvelopeHead head;
    bool ok = true;
    auto messages = decoded(prefix, head, ok);
    std::size_t whole = 4 + 4 + 8;  // the head alone is a valid, empty envelope
    bool boundary = cut == whole || cut == whole + 4 + 5;
    EXPECT_EQ(ok, boundary) << "cut at " << cut;
    if (!ok) {
      EXPECT_TRUE(messages.empty()) << "cut at " << cut;
    }
  }
}

TEST(Envelope, ARetainedEnvelopeIsMarkTwoWithItsFlag) {
  EnvelopeWriter writer;
  writer.begin("node-b", 9, cluster_mark::kRetained);
  writer.add("value");
  EXPECT_EQ(writer.bytes().substr(0, 3), std::string_view("LC\x02", 3));
  EnvelopeHead head;
  bool ok = false;
  auto messages = decoded(writer.bytes(), head, ok);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(head.retained);
  EXPECT_EQ(head.origin, "node-b");
  EXPECT_EQ(head.sequence, 9u);
  EXPECT_EQ(messages, std::vector<std::string>{"value"});
  // A plain one after it, with the same writer: version 1, not retained.
  writer.begin("node-b", 10);
  writer.add("plain");
  EXPECT_EQ(writer.bytes()[2], '\x01');
  decoded(writer.bytes(), head, ok);
  ASSERT_TRUE(ok);
  EXPECT_FALSE(head.retained);
}

TEST(Envelope, ForeignBytesAreRefused) {
  EnvelopeHead head;
  bool ok = true;
  decoded("hello world, not ours", head, ok);
  EXPECT_FALSE(ok);
  decoded(std::string_view("LC\x03\x01n12345678", 13), head, ok);  // another version
  EXPECT_FALSE(ok);
  decoded(std::string_view("LC\x02\x01n12345678", 13), head, ok);  // version 2 without its flags
  EXPECT_FALSE(ok);
  decoded(std::string_view("LC\x02\x01n12345678\x02", 14), head, ok);  // a flag not known
  EXPECT_FALSE(ok);
  decoded(std::string_view("LC\x01\x00", 4), head, ok);  // no origin
  EXPECT_FALSE(ok);
  // A length that claims more than is there.
  std::string lying("LC\x01\x01n", 5);
  lying.append(8, '\0');
  lying += std::string("\xff\xff\xff\x7f", 4);
  lying += "x";
  decoded(lying, head, ok);
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace linecast
