// LineParser and forEachLine: framing of docs/PROTOCOL.md ("Framing"), fed
// in every split, across the ring's wrap-around, at the max-line limit.

#include "protocols/line/line_parser.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/ring_buffer.h"

namespace linecast {
namespace {

using Status = LineParser::Status;

constexpr std::size_t kRing = RingBuffer::kMinCapacity;  // 256

// The reference framing: split on '\n', drop one '\r' before it. Only the
// terminated lines count; the rest is the partial tail.
std::vector<std::string> referenceLines(std::string_view wire) {
  std::vector<std::string> lines;
  std::size_t nl;
  while ((nl = wire.find('\n')) != std::string_view::npos) {
    std::string_view line = wire.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    wire.remove_prefix(nl + 1);
  }
  return lines;
}

// A connection's input side: a ring, its parser and the shared scratch.
struct Input {
  explicit Input(std::size_t maxLine, std::size_t maxRing = std::size_t{1} << 20)
      : parser(maxLine), scratch(maxLine + 1), maxRing(maxRing) {}

  void push(std::string_view bytes) {
    ASSERT_TRUE(ring.reserve(bytes.size(), maxRing)) << "ring limit in the test itself";
    ring.append(bytes);
  }

  // One call of next(); on kLine checks the no-copy contract and consumes.
  Status next(std::string& out) {
    auto spans = ring.readableSpans();
    std::string_view line;
    std::size_t frameLength = 0;
    Status status = parser.next(ring, scratch, line, frameLength);
    if (status != Status::kLine) return status;
    EXPECT_GE(frameLength, line.size() + 1);
    EXPECT_LE(frameLength, line.size() + 2);
    EXPECT_LE(frameLength, ring.size());
    if (line.size() <= spans[0].size()) {
      // Contiguous in the ring: a view, no copy.
      EXPECT_EQ(line.data(), spans[0].data());
    } else {
      // Wraps: copied into the scratch buffer.
      EXPECT_EQ(line.data(), scratch.data());
      ++copied;
    }
    out.assign(line);
    ring.consume(frameLength);
    return Status::kLine;
  }

  // Takes every complete line; returns the status that stopped it.
  Status drain(std::vector<std::string>& lines) {
    std::string line;
    Status status;
    while ((status = next(line)) == Status::kLine) lines.push_back(line);
    return status;
  }

  RingBuffer ring;
  LineParser parser;
  std::vector<char> scratch;  // maxLine + 1 bytes, as the server allocates it
  std::size_t maxRing;
  std::size_t copied = 0;  // lines that had to be copied into scratch
};

// Leaves `bytes` in a 256-byte ring with the read position at `offset`.
void placeAt(RingBuffer& ring, std::size_t offset, std::string_view bytes) {
  ASSERT_FALSE(bytes.empty());
  ASSERT_LE(bytes.size(), kRing);
  ASSERT_TRUE(ring.reserve(kRing, kRing));
  ring.append(std::string(offset, '#'));
  ring.append(bytes[0]);
  ring.consume(offset);
  ring.append(bytes.substr(1));
  ASSERT_EQ(ring.capacity(), kRing);
}

TEST(LineParser, EmptyInputNeedsMore) {
  Input in(64);
  std::string line;
  EXPECT_EQ(in.next(line), Status::kNeedMore);
  in.push("");
  EXPECT_EQ(in.next(line), Status::kNeedMore);
}

TEST(LineParser, LfLine) {
  Input in(64);
  in.push("hello\n");
  std::string_view line;
  std::size_t frameLength = 0;
  ASSERT_EQ(in.parser.next(in.ring, in.scratch, line, frameLength), Status::kLine);
  EXPECT_EQ(line, "hello");
  EXPECT_EQ(frameLength, 6u);
  EXPECT_EQ(line.data(), in.ring.readableSpans()[0].data());  // a view into the ring
}

TEST(LineParser, CrLfLine) {
  Input in(64);
  in.push("hello\r\n");
  std::string_view line;
  std::size_t frameLength = 0;
  ASSERT_EQ(in.parser.next(in.ring, in.scratch, line, frameLength), Status::kLine);
  EXPECT_EQ(line, "hello");
  EXPECT_EQ(frameLength, 7u);
}

TEST(LineParser, LoneCarriageReturnStaysInTheLine) {
  struct Case {
    std::string wire;
    std::string line;
    std::size_t frameLength;
  };
  for (const Case& c : std::vector<Case>{
           {"a\rb\n", "a\rb", 4},
           {"a\rb\r\n", "a\rb", 5},
           {"\ra\n", "\ra", 3},
           {"a\r\r\n", "a\r", 4},  // only one '\r' belongs to the terminator
           {"\r\r\n", "\r", 3},
       }) {
    Input in(64);
    in.push(c.wire);
    std::string_view line;
    std::size_t frameLength = 0;
    ASSERT_EQ(in.parser.next(in.ring, in.scratch, line, frameLength), Status::kLine) << c.wire;
    EXPECT_EQ(line, c.line);
    EXPECT_EQ(frameLength, c.frameLength);
  }
}

TEST(LineParser, CarriageReturnWithoutNewlineWaits) {
  Input in(64);
  in.push("abc\r");
  std::string line;
  EXPECT_EQ(in.next(line), Status::kNeedMore);
  in.push("\n");
  ASSERT_EQ(in.next(line), Status::kLine);
  EXPECT_EQ(line, "abc");
}

TEST(LineParser, EmptyLinesAreEmptyViews) {
  Input in(64);
  in.push("\n\r\n\nx\n");
  std::vector<std::string> lines;
  EXPECT_EQ(in.drain(lines), Status::kNeedMore);
  EXPECT_EQ(lines, (std::vector<std::string>{"", "", "", "x"}));
  EXPECT_TRUE(in.ring.empty());
}

TEST(LineParser, SeveralLinesThenAPartialOne) {
  Input in(64);
  in.push("a\nbb\r\nccc\npartial");
  std::vector<std::string> lines;
  EXPECT_EQ(in.drain(lines), Status::kNeedMore);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(in.ring.size(), 7u);  // "partial" stays for the next read
  in.push(" end\n");
  lines.clear();
  EXPECT_EQ(in.drain(lines), Status::kNeedMore);
  EXPECT_EQ(lines, (std::vector<std::string>{"partial end"}));
}

TEST(LineParser, BytesAreKeptAsSent) {
  Input in(64);
  std::string wire("PUB ch \0\x01\xff\t x \n", 15);
  in.push(wire);
  std::string line;
  ASSERT_EQ(in.next(line), Status::kLine);
  EXPECT_EQ(line, wire.substr(0, 14));
}

const std::string kStream =
    "PUB a.b hello\n"
    "\n"
    "SUB x.*\r\n"
    "\r\n"
    "a\rb\n"
    "trailing cr\r\r\n"
    "   spaced   \n"
    "0123456789012345678901234567890123456789\r\n"  // 40 bytes
    "last\n";

TEST(LineParser, OneByteAtATime) {
  Input in(40);
  std::vector<std::string> lines;
  for (char c : kStream) {
    in.push(std::string_view(&c, 1));
    ASSERT_EQ(in.drain(lines), Status::kNeedMore);
  }
  EXPECT_EQ(lines, referenceLines(kStream));
  EXPECT_TRUE(in.ring.empty());
}

TEST(LineParser, OneByteAtATimeInASmallRing) {
  // The ring stays at 256 bytes and wraps many times.
  Input in(40, kRing);
  std::string wire;
  for (int i = 0; i < 20; ++i) wire += kStream;
  std::vector<std::string> lines;
  for (char c : wire) {
    in.push(std::string_view(&c, 1));
    ASSERT_EQ(in.drain(lines), Status::kNeedMore);
  }
  EXPECT_EQ(lines, referenceLines(wire));
  EXPECT_EQ(in.ring.capacity(), kRing);
}

TEST(LineParser, EveryTwoWaySplit) {
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    Input in(40);
    std::vector<std::string> lines;
    in.push(std::string_view(kStream).substr(0, cut));
    ASSERT_EQ(in.drain(lines), Status::kNeedMore);
    in.push(std::string_view(kStream).substr(cut));
    ASSERT_EQ(in.drain(lines), Status::kNeedMore);
    EXPECT_EQ(lines, referenceLines(kStream)) << "cut at " << cut;
  }
}

// Random lines (any bytes but '\n', '\r' likely, up to max-line long, LF or
// CRLF) in random chunks through a ring capped small enough to wrap often.
TEST(LineParser, RandomSplitsAcrossTheWrap) {
  constexpr std::size_t kMaxLine = 100;
  std::size_t copiedTotal = 0;
  for (unsigned seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    auto uniform = [&](std::size_t lo, std::size_t hi) {
      return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
    };
    const std::string alphabet("ab \t\r\0\xff.*>", 10);
    std::string wire;
    for (int i = 0; i < 300; ++i) {
      std::size_t length = uniform(0, 4) == 0 ? uniform(0, 3) : uniform(0, kMaxLine);
      std::string line;
      for (std::size_t j = 0; j < length; ++j) line.push_back(alphabet[uniform(0, alphabet.size() - 1)]);
      // A line ending in '\r' sent with "\n" loses that '\r' (it becomes a
      // CRLF terminator); sent with "\r\n" it keeps it. Either way the line
      // stays within the limit.
      wire += line;
      wire += uniform(0, 1) == 0 ? "\n" : "\r\n";
    }

    Input in(kMaxLine, kRing);
    std::vector<std::string> lines;
    for (std::size_t pos = 0; pos < wire.size();) {
      std::size_t n = std::min(uniform(1, 64), wire.size() - pos);
      in.push(std::string_view(wire).substr(pos, n));
      pos += n;
      ASSERT_EQ(in.drain(lines), Status::kNeedMore) << "seed " << seed;
    }
    EXPECT_EQ(lines, referenceLines(wire)) << "seed " << seed;
    EXPECT_TRUE(in.ring.empty());
    EXPECT_EQ(in.ring.capacity(), kRing);
    copiedTotal += in.copied;
  }
  EXPECT_GT(copiedTotal, 100u);  // lines really did wrap
}

// Every read position of the ring, so that each line (and each terminator,
// including a "\r\n" split by the wrap) crosses the end somewhere.
TEST(LineParser, EveryWrapPosition) {
  const std::vector<std::string> wires = {
      "hello world\n",
      "hello world\r\n",
      "a\rb\r\n",
      "ab\ncd\r\n\nef\n\r\n",
      std::string(200, 'x') + "\r\n",
      std::string(199, 'y') + "\n" + "z\r\n",
  };
  for (const std::string& wire : wires) {
    for (std::size_t offset = 0; offset < kRing; ++offset) {
      Input in(200, kRing);
      placeAt(in.ring, offset, wire);
      std::vector<std::string> lines;
      ASSERT_EQ(in.drain(lines), Status::kNeedMore);
      ASSERT_EQ(lines, referenceLines(wire)) << "offset " << offset << " wire " << wire.substr(0, 20);
      ASSERT_TRUE(in.ring.empty());
    }
  }
}

TEST(LineParser, WrappedLineIsCopiedIntoScratch) {
  Input in(64, kRing);
  placeAt(in.ring, 250, "0123456789\n");  // 6 bytes before the end, 5 after
  std::string_view line;
  std::size_t frameLength = 0;
  ASSERT_EQ(in.parser.next(in.ring, in.scratch, line, frameLength), Status::kLine);
  EXPECT_EQ(line, "0123456789");
  EXPECT_EQ(line.data(), in.scratch.data());
  EXPECT_EQ(frameLength, 11u);
}

TEST(LineParser, TerminatorAloneAfterTheWrapNeedsNoCopy) {
  // "abcdef" fills the ring to its end; "\r\n" or "\n" comes after the wrap.
  for (std::string_view wire : {std::string_view("abcdef\n"), std::string_view("abcdef\r\n")}) {
    Input in(64, kRing);
    placeAt(in.ring, 250, wire);
    std::string_view line;
    std::size_t frameLength = 0;
    ASSERT_EQ(in.parser.next(in.ring, in.scratch, line, frameLength), Status::kLine);
    EXPECT_EQ(line, "abcdef");
    EXPECT_EQ(line.data(), in.ring.readableSpans()[0].data());
    EXPECT_EQ(frameLength, wire.size());
  }
}

// --- the max-line limit (N bytes without the terminator) ---------------

constexpr std::size_t kN = 16;

Status parseWhole(std::string_view wire, std::string* out = nullptr) {
  Input in(kN);
  in.push(wire);
  std::string line;
  Status status = in.next(line);
  if (out != nullptr) *out = line;
  return status;
}

TEST(LineParserLimit, NBytesWithLfIsALine) {
  std::string line;
  EXPECT_EQ(parseWhole(std::string(kN, 'x') + "\n", &line), Status::kLine);
  EXPECT_EQ(line, std::string(kN, 'x'));
}

TEST(LineParserLimit, NBytesWithCrLfIsALine) {
  std::string line;
  EXPECT_EQ(parseWhole(std::string(kN, 'x') + "\r\n", &line), Status::kLine);
  EXPECT_EQ(line, std::string(kN, 'x'));
}

TEST(LineParserLimit, NPlusOneBytesIsTooLong) {
  EXPECT_EQ(parseWhole(std::string(kN + 1, 'x') + "\n"), Status::kTooLong);
  EXPECT_EQ(parseWhole(std::string(kN + 1, 'x') + "\r\n"), Status::kTooLong);
  // A '\r' inside the line counts: N bytes + "\r" + "\r\n" is N+1 bytes.
  EXPECT_EQ(parseWhole(std::string(kN, 'x') + "\r\r\n"), Status::kTooLong);
  EXPECT_EQ(parseWhole(std::string(kN - 1, 'x') + "\r\r\n"), Status::kLine);
}

TEST(LineParserLimit, EmptyLineWithLimitZero) {
  Input in(0);
  in.push("\n\r\n");
  std::vector<std::string> lines;
  EXPECT_EQ(in.drain(lines), Status::kNeedMore);
  EXPECT_EQ(lines, (std::vector<std::string>{"", ""}));
  in.push("x\n");
  EXPECT_EQ(in.drain(lines), Status::kTooLong);
}

TEST(LineParserLimit, PartialLines) {
  // N+1 bytes may still be N bytes followed by "\r\n".
  EXPECT_EQ(parseWhole(std::string(kN + 1, 'x')), Status::kNeedMore);
  EXPECT_EQ(parseWhole(std::string(kN, 'x') + "\r"), Status::kNeedMore);
  // N+2 bytes without a newline can only be a line over the limit.
  EXPECT_EQ(parseWhole(std::string(kN + 2, 'x')), Status::kTooLong);
  EXPECT_EQ(parseWhole(std::string(kN, 'x') + "\r\r"), Status::kTooLong);
}

TEST(LineParserLimit, GrowingByteByByte) {
  Input in(kN);
  std::string line;
  for (std::size_t i = 1; i <= kN + 1; ++i) {
    in.push("x");
    ASSERT_EQ(in.next(line), Status::kNeedMore) << i << " bytes";
  }
  in.push("x");
  EXPECT_EQ(in.next(line), Status::kTooLong);
}

TEST(LineParserLimit, NBytesThenCrThenLfByteByByte) {
  Input in(kN);
  std::string line;
  for (char c : std::string(kN, 'x') + "\r") {
    in.push(std::string_view(&c, 1));
    ASSERT_EQ(in.next(line), Status::kNeedMore);
  }
  in.push("\n");
  ASSERT_EQ(in.next(line), Status::kLine);
  EXPECT_EQ(line, std::string(kN, 'x'));
}

TEST(LineParserLimit, NPlusOneThenLfIsTooLong) {
  Input in(kN);
  std::string line;
  in.push(std::string(kN + 1, 'x'));
  ASSERT_EQ(in.next(line), Status::kNeedMore);
  in.push("\n");
  EXPECT_EQ(in.next(line), Status::kTooLong);
}

TEST(LineParserLimit, ShortLinesBeforeALongOneAreDelivered) {
  Input in(kN);
  in.push("ok\n" + std::string(kN, 'y') + "\n" + std::string(kN + 5, 'z'));
  std::vector<std::string> lines;
  EXPECT_EQ(in.drain(lines), Status::kTooLong);
  EXPECT_EQ(lines, (std::vector<std::string>{"ok", std::string(kN, 'y')}));
}

TEST(LineParserLimit, LongLineWithItsNewlineInTheSameRead) {
  Input in(kN);
  in.push(std::string(kN + 3, 'x') + "\nnext\n");
  std::string line;
  EXPECT_EQ(in.next(line), Status::kTooLong);
}

TEST(LineParserLimit, MaxLineAcrossTheWrapFitsTheScratch) {
  // The scratch holds exactly maxLine + 1 bytes (a std::vector, so the
  // sanitizer build sees any write past it).
  constexpr std::size_t kMax = 200;
  for (std::string_view terminator : {std::string_view("\n"), std::string_view("\r\n")}) {
    for (std::size_t offset : {100u, 150u, 200u, 255u}) {
      Input in(kMax, kRing);
      ASSERT_EQ(in.scratch.size(), kMax + 1);
      std::string wire = std::string(kMax, 'm') + std::string(terminator);
      placeAt(in.ring, offset, wire);
      std::string line;
      ASSERT_EQ(in.next(line), Status::kLine) << offset;
      EXPECT_EQ(line, std::string(kMax, 'm'));
      EXPECT_EQ(in.copied, 1u);
    }
  }
}

TEST(LineParser, MaxLineAccessor) { EXPECT_EQ(LineParser(1234).maxLine(), 1234u); }

// --- resumability --------------------------------------------------------

// The parser remembers how far it searched: a second call looks only at the
// bytes that arrived since. Shown by handing it, on the second call, a ring
// whose already-searched prefix now holds a '\n': a parser that rescanned
// would stop there; a resumable one finds the later newline.
TEST(LineParserResume, SearchesOnlyTheNewBytes) {
  LineParser parser(64);
  std::vector<char> scratch(65);
  std::string_view line;
  std::size_t frameLength = 0;

  RingBuffer first;
  ASSERT_TRUE(first.reserve(64, 1024));
  first.append("abcdef");
  ASSERT_EQ(parser.next(first, scratch, line, frameLength), Status::kNeedMore);

  RingBuffer second;
  ASSERT_TRUE(second.reserve(64, 1024));
  second.append("ab\ndefgh\n");
  ASSERT_EQ(parser.next(second, scratch, line, frameLength), Status::kLine);
  EXPECT_EQ(line, "ab\ndefgh");
  EXPECT_EQ(frameLength, 9u);

  // After a line the search starts over.
  RingBuffer third;
  ASSERT_TRUE(third.reserve(64, 1024));
  third.append("xy\nz\n");
  ASSERT_EQ(parser.next(third, scratch, line, frameLength), Status::kLine);
  EXPECT_EQ(line, "xy");
}

TEST(LineParserResume, ResetForgetsThePartialSearch) {
  LineParser parser(64);
  std::vector<char> scratch(65);
  std::string_view line;
  std::size_t frameLength = 0;
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(64, 1024));
  ring.append("partial line");
  ASSERT_EQ(parser.next(ring, scratch, line, frameLength), Status::kNeedMore);
  ring.clear();  // the caller discards the input
  parser.reset();
  ring.append("ab\n");
  ASSERT_EQ(parser.next(ring, scratch, line, frameLength), Status::kLine);
  EXPECT_EQ(line, "ab");
  EXPECT_EQ(frameLength, 3u);
}

TEST(LineParserResume, PartialLineSurvivesRingGrowth) {
  Input in(1000);
  placeAt(in.ring, 230, std::string(50, 'p'));  // wrapped partial line
  std::string line;
  ASSERT_EQ(in.next(line), Status::kNeedMore);
  in.push(std::string(300, 'q'));  // grows the ring, which linearizes it
  ASSERT_GT(in.ring.capacity(), kRing);
  ASSERT_EQ(in.next(line), Status::kNeedMore);
  in.push("\r\n");
  ASSERT_EQ(in.next(line), Status::kLine);
  EXPECT_EQ(line, std::string(50, 'p') + std::string(300, 'q'));
}

TEST(LineParserResume, LimitCountsTheWholePartialLine) {
  // The too-long decision uses every byte of the partial line, not only the
  // bytes of the latest read.
  Input in(kN);
  std::string line;
  in.push(std::string(kN, 'x'));
  ASSERT_EQ(in.next(line), Status::kNeedMore);
  in.push("x");
  ASSERT_EQ(in.next(line), Status::kNeedMore);
  in.push("x");
  EXPECT_EQ(in.next(line), Status::kTooLong);
}

// --- forEachLine ----------------------------------------------------------

std::vector<std::string> splitBlock(std::string_view block) {
  std::vector<std::string> lines;
  forEachLine(block, [&](std::string_view line) { lines.emplace_back(line); });
  return lines;
}

using Lines = std::vector<std::string>;

TEST(ForEachLine, Blocks) {
  EXPECT_EQ(splitBlock(""), Lines{});
  EXPECT_EQ(splitBlock("one"), (Lines{"one"}));
  EXPECT_EQ(splitBlock("a\nb"), (Lines{"a", "b"}));
  EXPECT_EQ(splitBlock("a\nb\n"), (Lines{"a", "b"}));
  EXPECT_EQ(splitBlock("a\r\nb\r\n"), (Lines{"a", "b"}));
  EXPECT_EQ(splitBlock("a\r\nlast"), (Lines{"a", "last"}));
  EXPECT_EQ(splitBlock("\n"), (Lines{""}));
  EXPECT_EQ(splitBlock("\r\n"), (Lines{""}));
  EXPECT_EQ(splitBlock("a\n\nb"), (Lines{"a", "", "b"}));
  EXPECT_EQ(splitBlock("a\rb"), (Lines{"a\rb"}));
  EXPECT_EQ(splitBlock("a\r\r\nb"), (Lines{"a\r", "b"}));
  EXPECT_EQ(splitBlock("   \n  x  "), (Lines{"   ", "  x  "}));
}

TEST(ForEachLine, ViewsPointIntoTheBlock) {
  std::string block = "ab\ncd";
  std::vector<const char*> starts;
  forEachLine(block, [&](std::string_view line) { starts.push_back(line.data()); });
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0], block.data());
  EXPECT_EQ(starts[1], block.data() + 3);
}

TEST(ForEachLine, AgreesWithLineParserOnTerminatedBlocks) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab \r\n";
  for (int round = 0; round < 500; ++round) {
    std::string block;
    std::size_t length = std::uniform_int_distribution<std::size_t>(0, 40)(rng);
    for (std::size_t i = 0; i < length; ++i) {
      block.push_back(alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)]);
    }
    block += '\n';
    Input in(64);
    in.push(block);
    std::vector<std::string> lines;
    ASSERT_EQ(in.drain(lines), Status::kNeedMore);
    ASSERT_EQ(splitBlock(block), lines) << round;
  }
}

}  // namespace
}  // namespace linecast
