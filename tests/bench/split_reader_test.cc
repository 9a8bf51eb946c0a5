#include "loadgen/split_reader.h"

#include <gtest/gtest.h>

namespace linecast::bench {
namespace {

TEST(LineReader, HandsOutViewsIntoTheChunkWhenTheLineIsWhole) {
  LineReader reader(100, true);
  std::string_view chunk = "ab\r\ncd\n";
  std::size_t pos = 0;
  std::string_view line;
  ASSERT_EQ(reader.next(chunk, pos, line), LineReader::Status::kLine);
  EXPECT_EQ(line, "ab");
  EXPECT_FALSE(reader.fromCarry());
  EXPECT_EQ(line.data(), chunk.data());
  ASSERT_EQ(reader.next(chunk, pos, line), LineReader::Status::kLine);
  EXPECT_EQ(line, "cd");
  EXPECT_EQ(pos, chunk.size());
}

TEST(LineReader, GathersASplitLine) {
  LineReader reader(100, true);
  std::size_t pos = 0;
  std::string_view line;
  ASSERT_EQ(reader.next("hel", pos, line), LineReader::Status::kNeedMore);
  EXPECT_TRUE(reader.midLine());
  pos = 0;
  ASSERT_EQ(reader.next("lo\r", pos, line), LineReader::Status::kNeedMore);
  pos = 0;
  ASSERT_EQ(reader.next("\nnext", pos, line), LineReader::Status::kLine);
  EXPECT_EQ(line, "hello");
  EXPECT_TRUE(reader.fromCarry());
  EXPECT_EQ(pos, 1u);
}

TEST(LineReader, KeepsCarriageReturnsWhenAsked) {
  LineReader reader(100, false);
  std::size_t pos = 0;
  std::string_view line;
  ASSERT_EQ(reader.next("x\r\n", pos, line), LineReader::Status::kLine);
  EXPECT_EQ(line, "x\r");
}

TEST(LineReader, RefusesALineOverTheLimit) {
  LineReader reader(4, false);
  std::size_t pos = 0;
  std::string_view line;
  EXPECT_EQ(reader.next("12345\n", pos, line), LineReader::Status::kTooLong);
  LineReader split(4, false);
  pos = 0;
  EXPECT_EQ(split.next("123456", pos, line), LineReader::Status::kTooLong);
}

TEST(ExactReader, ReadsExactlyNBytesAcrossChunks) {
  ExactReader reader;
  reader.expect(5);
  std::size_t pos = 0;
  std::string_view bytes;
  EXPECT_FALSE(reader.next("ab", pos, bytes));
  EXPECT_EQ(pos, 2u);
  pos = 0;
  ASSERT_TRUE(reader.next("cdefg", pos, bytes));
  EXPECT_EQ(bytes, "abcde");
  EXPECT_TRUE(reader.fromCarry());
  EXPECT_EQ(pos, 3u);

  reader.expect(2);
  pos = 0;
  std::string_view chunk = "xyz";
  ASSERT_TRUE(reader.next(chunk, pos, bytes));
  EXPECT_EQ(bytes, "xy");
  EXPECT_FALSE(reader.fromCarry());
  EXPECT_EQ(bytes.data(), chunk.data());
}

}  // namespace
}  // namespace linecast::bench
