#include "routing/glob_match.h"

#include <utility>

namespace linecast {
namespace {

unsigned char byteAt(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

// A bracket set whose '[' is at p[i-1]. Returns whether byte c is in it and
// sets `next` to the pattern index after the set. Bytes compare unsigned, so
// a range means the same on every platform (Redis compares plain chars,
// whose sign depends on the platform).
bool matchSet(std::string_view p, std::size_t i, unsigned char c, std::size_t& next) {
  bool negate = i < p.size() && p[i] == '^';
  if (negate) ++i;
  bool hit = false;
  while (i < p.size()) {
    std::size_t left = p.size() - i;
    if (p[i] == '\\' && left >= 2) {
      hit = hit || byteAt(p, i + 1) == c;
      i += 2;
    } else if (p[i] == ']') {
      next = i + 1;
      return hit != negate;
    } else if (left >= 3 && p[i + 1] == '-') {
      unsigned char lo = byteAt(p, i);
      unsigned char hi = byteAt(p, i + 2);
      if (lo > hi) std::swap(lo, hi);
      hit = hit || (c >= lo && c <= hi);
      i += 3;
    } else {
      hit = hit || byteAt(p, i) == c;
      ++i;
    }
  }
  next = p.size();  // an unclosed set runs to the end of the pattern
  return hit != negate;
}

// Every pattern element other than '*' matches exactly one byte. Returns
// whether p's element at i matches c; `next` is the index after it.
bool matchElement(std::string_view p, std::size_t i, unsigned char c, std::size_t& next) {
  switch (p[i]) {
    case '?':
      next = i + 1;
      return true;
    case '[':
      return matchSet(p, i + 1, c, next);
    case '\\':
      if (i + 1 < p.size()) {
        next = i + 2;
        return byteAt(p, i + 1) == c;
      }
      break;  // a trailing backslash is itself
    default:
      break;
  }
  next = i + 1;
  return byteAt(p, i) == c;
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view subject) {
  if (subject.empty()) return pattern.empty();
  constexpr std::size_t kNoStar = std::string_view::npos;
  std::size_t p = 0;
  std::size_t s = 0;
  // Where to resume when the elements after the last '*' fail: that star
  // then swallows one more byte. Since every other element is one byte
  // wide, retrying only the last star finds every match.
  std::size_t starPattern = kNoStar;
  std::size_t starSubject = 0;
  while (s < subject.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      if (p == pattern.size()) return true;
      starPattern = p;
      starSubject = s;
      continue;
    }
    std::size_t next;
    if (p < pattern.size() && matchElement(pattern, p, byteAt(subject, s), next)) {
      p = next;
      ++s;
      continue;
    }
    if (starPattern == kNoStar) return false;
    p = starPattern;
    s = ++starSubject;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace linecast
