// RingBuffer: wrap-around, growth within a limit, release, the two-span
// views, and a randomized comparison against std::deque<char>.

#include "net/ring_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <string_view>
#include <utility>

namespace linecast {
namespace {

constexpr std::size_t kNoLimit = std::size_t{1} << 30;

std::string contents(const RingBuffer& ring) {
  std::string out;
  for (auto span : ring.readableSpans()) out.append(span.data(), span.size());
  return out;
}

std::string pattern(std::size_t n, char first = 'a') {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(first + i % 26));
  return s;
}

// Leaves `bytes` in the ring with the read position at `offset` of a ring of
// kMinCapacity bytes, so that the bytes wrap when offset + size > capacity.
void placeAt(RingBuffer& ring, std::size_t offset, std::string_view bytes) {
  ASSERT_FALSE(bytes.empty());
  ASSERT_LE(bytes.size(), RingBuffer::kMinCapacity);
  ASSERT_TRUE(ring.reserve(RingBuffer::kMinCapacity, RingBuffer::kMinCapacity));
  ring.append(std::string(offset, '#'));
  ring.append(bytes[0]);
  ring.consume(offset);  // one byte stays, so the read position is kept
  ring.append(bytes.substr(1));
  ASSERT_EQ(ring.capacity(), RingBuffer::kMinCapacity);
}

TEST(RingBuffer, StartsWithoutABlock) {
  RingBuffer ring;
  EXPECT_EQ(ring.size(), 0u);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.capacity(), 0u);
  EXPECT_EQ(ring.freeSpace(), 0u);
  for (auto span : ring.readableSpans()) EXPECT_TRUE(span.empty());
  for (auto span : ring.writableSpans()) EXPECT_TRUE(span.empty());
  EXPECT_FALSE(ring.releaseIfEmpty());  // nothing to give back
}

TEST(RingBuffer, FirstReserveTakesTheMinimumCapacity) {
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(1, kNoLimit));
  EXPECT_EQ(ring.capacity(), RingBuffer::kMinCapacity);
  EXPECT_EQ(ring.freeSpace(), RingBuffer::kMinCapacity);
}

TEST(RingBuffer, ReserveWithinCapacityChangesNothing) {
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(10, kNoLimit));
  ring.append("hello");
  std::size_t capacity = ring.capacity();
  ASSERT_TRUE(ring.reserve(capacity - 5, kNoLimit));
  EXPECT_EQ(ring.capacity(), capacity);
  EXPECT_EQ(contents(ring), "hello");
}

TEST(RingBuffer, GrowsToPowersOfTwo) {
  RingBuffer ring;
  std::string expected;
  for (std::size_t n : {1u, 255u, 1u, 300u, 1000u, 7u, 5000u}) {
    ASSERT_TRUE(ring.reserve(n, kNoLimit));
    std::string chunk = pattern(n, 'A');
    ring.append(chunk);
    expected += chunk;
    EXPECT_TRUE(std::has_single_bit(ring.capacity())) << ring.capacity();
    EXPECT_GE(ring.capacity(), ring.size());
    // Growth is by doubling: never more than twice what is needed.
    EXPECT_LT(ring.capacity(), 2 * std::max(ring.size(), RingBuffer::kMinCapacity));
  }
  EXPECT_EQ(contents(ring), expected);
}

TEST(RingBuffer, ReserveRespectsTheLimit) {
  RingBuffer ring;
  constexpr std::size_t kMax = 1024;
  ASSERT_TRUE(ring.reserve(1000, kMax));
  ring.append(pattern(1000));
  EXPECT_TRUE(ring.reserve(24, kMax));  // exactly kMax bytes buffered
  EXPECT_FALSE(ring.reserve(25, kMax));  // one byte past the limit
  EXPECT_EQ(ring.size(), 1000u);
  EXPECT_LE(ring.capacity(), kMax);
  EXPECT_EQ(contents(ring), pattern(1000));
}

TEST(RingBuffer, RefusedReserveChangesNothing) {
  RingBuffer ring;
  placeAt(ring, 200, pattern(100));  // wrapped
  auto before = ring.readableSpans();
  EXPECT_FALSE(ring.reserve(200, 256));
  EXPECT_EQ(ring.capacity(), 256u);
  EXPECT_EQ(ring.size(), 100u);
  auto after = ring.readableSpans();
  EXPECT_EQ(after[0].data(), before[0].data());
  EXPECT_EQ(after[0].size(), before[0].size());
  EXPECT_EQ(after[1].size(), before[1].size());
  EXPECT_EQ(contents(ring), pattern(100));
}

TEST(RingBuffer, ReserveOnAnEmptyRingRespectsTheLimit) {
  RingBuffer ring;
  EXPECT_FALSE(ring.reserve(4097, 4096));
  EXPECT_EQ(ring.capacity(), 0u);
  EXPECT_TRUE(ring.reserve(4096, 4096));
  EXPECT_EQ(ring.capacity(), 4096u);
}

TEST(RingBuffer, WrapsAroundTheEnd) {
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(256, 256));
  ring.append(pattern(200));
  ring.consume(150);  // head 150, 50 bytes left
  std::string more = pattern(150, 'A');
  ASSERT_TRUE(ring.reserve(150, 256));
  ASSERT_EQ(ring.capacity(), 256u);  // fits without growing: it must wrap
  ring.append(more);
  std::string expected = pattern(200).substr(150) + more;
  EXPECT_EQ(ring.size(), 200u);
  EXPECT_EQ(contents(ring), expected);
  auto spans = ring.readableSpans();
  EXPECT_EQ(spans[0].size(), 106u);  // 150..255
  EXPECT_EQ(spans[1].size(), 94u);   // 0..93
  EXPECT_EQ(spans[1].data() + 256, spans[0].data() + spans[0].size());  // block start and end
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(ring.at(i), expected[i]) << i;
}

TEST(RingBuffer, ReadableSpansOfContiguousBytesHaveAnEmptySecond) {
  RingBuffer ring;
  placeAt(ring, 10, "hello");
  auto spans = ring.readableSpans();
  EXPECT_EQ(std::string_view(spans[0].data(), spans[0].size()), "hello");
  EXPECT_TRUE(spans[1].empty());
}

TEST(RingBuffer, ReadableSpansEndingExactlyAtTheBlockEnd) {
  RingBuffer ring;
  placeAt(ring, 250, "abcdef");  // 250..255
  auto spans = ring.readableSpans();
  EXPECT_EQ(spans[0].size(), 6u);
  EXPECT_TRUE(spans[1].empty());
  // The free space is then one span from the block's start.
  auto writable = ring.writableSpans();
  EXPECT_EQ(writable[0].size(), 250u);
  EXPECT_TRUE(writable[1].empty());
}

TEST(RingBuffer, WritableSpansWrapAndCommit) {
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(256, 256));
  ring.append(pattern(200));
  ring.consume(100);  // head 100, tail 200: free is 200..255 then 0..99
  auto spans = ring.writableSpans();
  ASSERT_EQ(spans[0].size(), 56u);
  ASSERT_EQ(spans[1].size(), 100u);
  EXPECT_EQ(spans[0].size() + spans[1].size(), ring.freeSpace());
  std::string fill = pattern(156, 'A');
  std::copy(fill.begin(), fill.begin() + 56, spans[0].begin());
  std::copy(fill.begin() + 56, fill.end(), spans[1].begin());
  ring.commit(156);
  EXPECT_EQ(ring.size(), 256u);
  EXPECT_EQ(ring.freeSpace(), 0u);
  EXPECT_EQ(contents(ring), pattern(200).substr(100) + fill);
  for (auto span : ring.writableSpans()) EXPECT_TRUE(span.empty());
}

TEST(RingBuffer, PartialCommitThroughWritableSpans) {
  RingBuffer ring;
  placeAt(ring, 240, "0123456789");  // 240..249
  auto spans = ring.writableSpans();
  ASSERT_EQ(spans[0].size(), 6u);    // 250..255
  ASSERT_EQ(spans[1].size(), 240u);  // 0..239
  std::string fill = "abcdefghij";   // 6 in the first span, 4 in the second
  std::copy(fill.begin(), fill.begin() + 6, spans[0].begin());
  std::copy(fill.begin() + 6, fill.end(), spans[1].begin());
  ring.commit(fill.size());
  EXPECT_EQ(contents(ring), "0123456789abcdefghij");
  auto next = ring.writableSpans();
  EXPECT_EQ(next[0].size(), 236u);  // 4..239
  EXPECT_TRUE(next[1].empty());
}

TEST(RingBuffer, GrowthKeepsWrappedBytesInOrder) {
  RingBuffer ring;
  std::string bytes = pattern(200);
  placeAt(ring, 180, bytes);  // wraps
  ASSERT_FALSE(ring.readableSpans()[1].empty());
  ASSERT_TRUE(ring.reserve(100, kNoLimit));
  EXPECT_EQ(ring.capacity(), 512u);
  EXPECT_EQ(contents(ring), bytes);
  EXPECT_TRUE(ring.readableSpans()[1].empty());  // growth linearizes
  ring.append(pattern(100, 'A'));
  EXPECT_EQ(contents(ring), bytes + pattern(100, 'A'));
}

TEST(RingBuffer, CopyOutAcrossTheWrap) {
  RingBuffer ring;
  std::string bytes = pattern(100, 'A');
  placeAt(ring, 200, bytes);  // 56 bytes before the wrap, 44 after
  for (std::size_t offset = 0; offset <= bytes.size(); ++offset) {
    for (std::size_t len = 0; offset + len <= bytes.size(); len += 7) {
      std::string out(len, '\0');
      ring.copyOut(offset, len, out.data());
      ASSERT_EQ(out, bytes.substr(offset, len)) << offset << " " << len;
    }
  }
}

TEST(RingBuffer, AppendChar) {
  RingBuffer ring;
  placeAt(ring, 254, "x");
  ring.append('y');
  ring.append('z');  // wraps to index 0
  EXPECT_EQ(contents(ring), "xyz");
  EXPECT_EQ(ring.readableSpans()[1].size(), 1u);
}

TEST(RingBuffer, AppendEmptyView) {
  RingBuffer ring;
  ring.append(std::string_view());  // no block yet, nothing to copy
  EXPECT_TRUE(ring.empty());
  ASSERT_TRUE(ring.reserve(1, kNoLimit));
  ring.append("a");
  ring.append(std::string_view());  // e.g. an empty PUB payload
  ring.append("b");
  EXPECT_EQ(contents(ring), "ab");
}

TEST(RingBuffer, ConsumingEverythingResetsToTheBlockStart) {
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(256, 256));
  ring.append(pattern(200));
  ring.consume(150);
  EXPECT_EQ(ring.writableSpans()[0].size(), 56u);  // still after the bytes
  ring.consume(50);
  EXPECT_TRUE(ring.empty());
  // The next append starts at the block's start: the whole block is one
  // writable span and a full-capacity write stays contiguous.
  auto spans = ring.writableSpans();
  EXPECT_EQ(spans[0].size(), 256u);
  EXPECT_TRUE(spans[1].empty());
  ring.append(pattern(256));
  auto readable = ring.readableSpans();
  EXPECT_EQ(readable[0].size(), 256u);
  EXPECT_TRUE(readable[1].empty());
  EXPECT_EQ(ring.capacity(), 256u);
}

TEST(RingBuffer, ConsumeZeroAndPartial) {
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(10, kNoLimit));
  ring.append("abcdef");
  ring.consume(0);
  EXPECT_EQ(contents(ring), "abcdef");
  ring.consume(2);
  EXPECT_EQ(contents(ring), "cdef");
  EXPECT_EQ(ring.at(0), 'c');
}

TEST(RingBuffer, Clear) {
  RingBuffer ring;
  placeAt(ring, 200, pattern(100));
  ring.clear();
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.capacity(), 256u);
  EXPECT_EQ(ring.writableSpans()[0].size(), 256u);
}

TEST(RingBuffer, ReleaseIfEmpty) {
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(1000, kNoLimit));
  ring.append("x");
  EXPECT_FALSE(ring.releaseIfEmpty());  // holds a byte
  EXPECT_EQ(ring.capacity(), 1024u);
  EXPECT_EQ(contents(ring), "x");
  ring.consume(1);
  EXPECT_TRUE(ring.releaseIfEmpty());
  EXPECT_EQ(ring.capacity(), 0u);
  EXPECT_EQ(ring.size(), 0u);
  for (auto span : ring.writableSpans()) EXPECT_TRUE(span.empty());
  EXPECT_FALSE(ring.releaseIfEmpty());  // already released
  // And it can be used again.
  ASSERT_TRUE(ring.reserve(3, kNoLimit));
  EXPECT_EQ(ring.capacity(), RingBuffer::kMinCapacity);
  ring.append("abc");
  EXPECT_EQ(contents(ring), "abc");
}

TEST(RingBuffer, MoveConstructTakesTheBlock) {
  RingBuffer a;
  placeAt(a, 200, pattern(100));
  const char* block = a.readableSpans()[1].data();
  RingBuffer b(std::move(a));
  EXPECT_EQ(contents(b), pattern(100));
  EXPECT_EQ(b.capacity(), 256u);
  EXPECT_EQ(b.readableSpans()[1].data(), block);  // no copy
  EXPECT_EQ(a.capacity(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_TRUE(a.empty());
  // The moved-from ring is usable.
  ASSERT_TRUE(a.reserve(2, kNoLimit));
  a.append("ok");
  EXPECT_EQ(contents(a), "ok");
}

TEST(RingBuffer, MoveAssignReplacesTheBlock) {
  RingBuffer a;
  placeAt(a, 250, "wrapped!");
  RingBuffer b;
  ASSERT_TRUE(b.reserve(2000, kNoLimit));
  b.append("old");
  b = std::move(a);
  EXPECT_EQ(contents(b), "wrapped!");
  EXPECT_EQ(b.capacity(), 256u);
  EXPECT_EQ(a.capacity(), 0u);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(a.empty());
}

TEST(RingBuffer, SelfMoveAssignKeepsTheBytes) {
  RingBuffer a;
  placeAt(a, 250, "wrapped!");
  RingBuffer& alias = a;
  a = std::move(alias);
  EXPECT_EQ(contents(a), "wrapped!");
  EXPECT_EQ(a.capacity(), 256u);
}

// Random operations against std::deque<char>: appends (direct and through
// writableSpans), consumes, copyOut of random ranges, growth up to a limit
// and release, checking the whole contents after every step.
// The ring is one pointer: capacity, head and tail live in its block
// (issue 14, step 5), and no block is the empty ring.
TEST(RingBuffer, IsOnePointerAndEmptyWithoutABlock) {
  static_assert(sizeof(RingBuffer) == sizeof(void*));
  RingBuffer ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.size(), 0u);
  EXPECT_EQ(ring.capacity(), 0u);
  EXPECT_EQ(ring.freeSpace(), 0u);
  EXPECT_TRUE(ring.readableSpans()[0].empty());
  EXPECT_TRUE(ring.writableSpans()[0].empty());
  EXPECT_EQ(ring.claimContiguous(0, kNoLimit), nullptr);
  ring.consume(0);
  ring.commit(0);
  ring.clear();
  EXPECT_FALSE(ring.releaseIfEmpty());
  RingPin pin;
  ring.pin(pin);  // nothing to pin
  pin.reset();
}

TEST(RingBuffer, ClaimContiguousKeepsTheLimitAndTheWrap) {
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(10, kNoLimit));
  char* out = ring.claimContiguous(5, 8);
  ASSERT_NE(out, nullptr);
  std::memcpy(out, "hello", 5);
  EXPECT_EQ(contents(ring), "hello");
  EXPECT_EQ(ring.claimContiguous(4, 8), nullptr);  // 9 bytes would pass the limit
  ring.consume(3);
  // Read position 3: the tail can go to the block's end in one piece only.
  ring.append(pattern(RingBuffer::kMinCapacity - 5 - 3));
  // 6 bytes free: 3 at the end of the block, 3 at its start.
  EXPECT_EQ(ring.claimContiguous(4, kNoLimit), nullptr);  // would wrap
  std::size_t before = ring.size();
  EXPECT_EQ(ring.claimContiguous(RingBuffer::kMinCapacity, kNoLimit), nullptr);  // does not fit
  EXPECT_EQ(ring.size(), before);
}

// io_uring: the block a send reads outlives a regrow and the ring itself
// until the pin is reset, and a block still the ring's stays the ring's.
TEST(RingBuffer, APinnedBlockOutlivesRegrowAndTheRing) {
  RingBuffer ring;
  ASSERT_TRUE(ring.reserve(100, kNoLimit));
  ring.append(pattern(100));
  RingPin pin;
  ring.pin(pin);
  const char* sending = ring.readableSpans()[0].data();
  ASSERT_TRUE(ring.reserve(RingBuffer::kMinCapacity * 4, kNoLimit));  // regrows
  EXPECT_NE(ring.readableSpans()[0].data(), sending);
  EXPECT_EQ(std::string(sending, 100), pattern(100));  // the old block is alive
  pin.reset();  // freed here (ASan would see a use after free otherwise)
  EXPECT_EQ(contents(ring), pattern(100));

  ring.pin(pin);
  { RingBuffer gone = std::move(ring); }
  // The ring is gone; its block waits for the pin.
  pin.reset();

  RingBuffer kept;
  ASSERT_TRUE(kept.reserve(10, kNoLimit));
  kept.append("abc");
  kept.pin(pin);
  pin.reset();  // still the ring's: unmarked, not freed
  kept.consume(3);
  EXPECT_TRUE(kept.releaseIfEmpty());
}

TEST(RingBuffer, MatchesADequeModel) {
  constexpr std::size_t kMax = 4096;
  std::mt19937 rng(20261126);
  auto uniform = [&](std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
  };
  RingBuffer ring;
  std::deque<char> model;
  char next = 0;
  auto nextByte = [&] { return static_cast<char>(next++); };
  std::size_t wrappedReads = 0;
  std::size_t refused = 0;

  for (int step = 0; step < 20000; ++step) {
    std::size_t op = uniform(0, 9);
    if (op <= 2) {  // append through append()
      std::size_t n = uniform(0, op == 0 ? 3000 : 100);
      bool ok = ring.reserve(n, kMax);
      ASSERT_EQ(ok, model.size() + n <= kMax) << step;
      if (!ok) {
        ++refused;
        continue;
      }
      std::string bytes;
      for (std::size_t i = 0; i < n; ++i) bytes.push_back(nextByte());
      if (n == 1 && uniform(0, 1) == 0) {
        ring.append(bytes[0]);
      } else {
        ring.append(bytes);
      }
      model.insert(model.end(), bytes.begin(), bytes.end());
    } else if (op == 3) {  // append through writableSpans + commit
      std::size_t n = uniform(0, 200);
      if (!ring.reserve(n, kMax)) {
        ASSERT_GT(model.size() + n, kMax);
        continue;
      }
      auto spans = ring.writableSpans();
      ASSERT_EQ(spans[0].size() + spans[1].size(), ring.freeSpace());
      std::size_t written = 0;
      for (auto span : spans) {
        for (std::size_t i = 0; i < span.size() && written < n; ++i, ++written) {
          span[i] = nextByte();
          model.push_back(span[i]);
        }
      }
      ASSERT_EQ(written, n);
      ring.commit(n);
    } else if (op <= 6) {  // consume
      std::size_t n = uniform(0, model.size());
      ring.consume(n);
      model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(n));
    } else if (op == 7) {  // copyOut / at
      if (model.empty()) continue;
      std::size_t offset = uniform(0, model.size() - 1);
      std::size_t len = uniform(0, model.size() - offset);
      std::string out(len, '\0');
      ring.copyOut(offset, len, out.data());
      ASSERT_EQ(out, std::string(model.begin() + static_cast<std::ptrdiff_t>(offset),
                                 model.begin() + static_cast<std::ptrdiff_t>(offset + len)));
      ASSERT_EQ(ring.at(offset), model[offset]);
    } else if (op == 8) {  // release
      std::size_t capacity = ring.capacity();
      bool released = ring.releaseIfEmpty();
      ASSERT_EQ(released, model.empty() && capacity > 0);
      if (released) {
        ASSERT_EQ(ring.capacity(), 0u);
      }
    } else {  // drain most of it, to exercise the reset and the wrap
      std::size_t keep = uniform(0, std::min<std::size_t>(model.size(), 3));
      std::size_t n = model.size() - keep;
      ring.consume(n);
      model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(n));
    }

    ASSERT_EQ(ring.size(), model.size()) << step;
    ASSERT_EQ(ring.empty(), model.empty());
    ASSERT_LE(ring.size(), kMax);
    ASSERT_LE(ring.capacity(), kMax);
    ASSERT_TRUE(ring.capacity() == 0 || std::has_single_bit(ring.capacity()));
    ASSERT_EQ(ring.freeSpace(), ring.capacity() - ring.size());
    auto spans = ring.readableSpans();
    if (!spans[1].empty()) ++wrappedReads;
    ASSERT_EQ(contents(ring), std::string(model.begin(), model.end())) << step;
  }
  // The run covered the interesting states.
  EXPECT_GT(refused, 10u) << refused;
  EXPECT_GT(wrappedReads, 100u) << wrappedReads;
}

}  // namespace
}  // namespace linecast
