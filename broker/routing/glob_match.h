#pragma once

#include <string_view>

namespace linecast {

// Matches a subject against a Redis glob pattern, with the semantics of
// Redis's stringmatchlen (case-sensitive), which PSUBSCRIBE uses:
//   *       any run of bytes, also none
//   ?       exactly one byte
//   [abc]   one byte of the set; [^abc] one byte not in it; [a-z] a range
//           (ends in either order); \x inside a set is a literal x
//   \x      a literal x
//   other   itself
// Redis's quirks are kept on purpose, because clients rely on Redis's
// answers: an empty subject matches only an empty pattern (so `*` does not
// match the empty channel), a `[` left open extends to the end of the
// pattern, `[]` is an empty set and `-` makes a range whenever two more
// bytes follow it (`[a-]` is the range from `]` to `a`).
//
// Runs in O(pattern × subject) at worst: a mismatch after a `*` only moves
// that star on by one byte, never back into earlier stars (Redis bounds its
// recursion the same way since 7.0.9).
bool globMatch(std::string_view pattern, std::string_view subject);

}  // namespace linecast
