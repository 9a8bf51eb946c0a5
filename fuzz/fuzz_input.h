#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// Helpers shared by the fuzz targets (fuzz/README.md). They build both with
// libFuzzer (clang, -DLINECAST_FUZZ=ON) and with the project's compiler for
// the corpus replay that ctest runs, so they use nothing of libFuzzer's.
namespace linecast::fuzz {

// Reads the fuzz input front to back; past its end every read yields zero,
// so a target decodes any input, however short.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  std::size_t remaining() const { return empty() ? 0 : size_ - pos_; }

  std::uint8_t byte() { return empty() ? 0 : data_[pos_++]; }
  std::uint16_t u16() {
    std::uint16_t hi = byte();
    return static_cast<std::uint16_t>(hi << 8 | byte());
  }
  // A value in [0, n).
  std::size_t below(std::size_t n) { return n == 0 ? 0 : byte() % n; }

  // Up to n bytes taken from the input as they are.
  std::string_view bytes(std::size_t n) {
    if (n > remaining()) n = remaining();
    std::string_view out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }
  std::string_view rest() { return bytes(remaining()); }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// An invariant the target checks: a violation aborts, which libFuzzer
// reports as a crash with the input that caused it.
[[noreturn]] inline void violated(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n", what, file, line);
  std::abort();
}

}  // namespace linecast::fuzz

#define FUZZ_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::linecast::fuzz::violated(#cond, __FILE__, __LINE__))
