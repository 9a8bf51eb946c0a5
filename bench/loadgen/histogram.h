#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace linecast::bench {

// An HDR-style histogram of unsigned 64-bit values (the loadgen records
// nanoseconds). Buckets are log-linear: values below 256 each have their own
// bucket; above that every power of two is split into 128 equal sub-buckets,
// so a reported percentile is within 1/128 (0.8%) of the true value while
// memory stays fixed (7,424 counters, about 58 KiB) whatever the range.
//
//   value  0..255      -> bucket = value               (exact)
//   value  2^m..2^m+1  -> shift = m - 7, bucket = shift*128 + (value >> shift)
//
// Not thread-safe: each worker thread records into its own and the runner
// merges them after the threads have stopped.
class Histogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr std::uint64_t kSubCount = 1u << kSubBits;  // 128
  static constexpr std::size_t kBuckets = (64 - kSubBits - 1) * kSubCount + 2 * kSubCount;

  Histogram();

  void record(std::uint64_t value);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  // The value at quantile q (0 < q <= 1): the upper end of the bucket that
  // holds the ceil(q * count)-th smallest value, capped at max(). Rounding
  // up means a reported percentile is never better than the truth.
  std::uint64_t percentile(double q) const;

  static std::size_t bucketOf(std::uint64_t value);
  static std::uint64_t bucketHigh(std::size_t bucket);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace linecast::bench
