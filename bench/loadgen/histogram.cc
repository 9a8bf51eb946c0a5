#include "loadgen/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace linecast::bench {

Histogram::Histogram() : counts_(kBuckets, 0) {}

std::size_t Histogram::bucketOf(std::uint64_t value) {
  if (value < 2 * kSubCount) return static_cast<std::size_t>(value);
  int msb = 63 - std::countl_zero(value);
  int shift = msb - kSubBits;
  return static_cast<std::size_t>(shift) * kSubCount + static_cast<std::size_t>(value >> shift);
}

std::uint64_t Histogram::bucketHigh(std::size_t bucket) {
  if (bucket < 2 * kSubCount) return bucket;
  std::uint64_t shift = bucket / kSubCount - 1;
  std::uint64_t sub = bucket - shift * kSubCount;  // in [128, 256)
  std::uint64_t low = sub << shift;
  return low + ((std::uint64_t{1} << shift) - 1);
}

void Histogram::record(std::uint64_t value) {
  ++counts_[bucketOf(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double Histogram::mean() const {
  return count_ ? static_cast<double>(sum_ / static_cast<long double>(count_)) : 0.0;
}

std::uint64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucketHigh(i), max_);
  }
  return max_;
}

}  // namespace linecast::bench
