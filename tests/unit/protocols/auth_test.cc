// tokensEqual: the AUTH token comparison (docs/PROTOCOL.md, "Authentication").

#include "protocols/auth.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace linecast {
namespace {

TEST(TokensEqual, Equal) {
  EXPECT_TRUE(tokensEqual("s3cret", "s3cret"));
  EXPECT_TRUE(tokensEqual("x", "x"));
  std::string longToken(4096, 'k');
  EXPECT_TRUE(tokensEqual(longToken, std::string(4096, 'k')));
}

TEST(TokensEqual, Different) {
  EXPECT_FALSE(tokensEqual("s3cret", "s3creT"));  // last byte
  EXPECT_FALSE(tokensEqual("s3cret", "S3cret"));  // first byte, case matters
  EXPECT_FALSE(tokensEqual("s3cret", "xxxxxx"));
  EXPECT_FALSE(tokensEqual("abc", "abd"));
}

TEST(TokensEqual, PrefixIsNotEqual) {
  EXPECT_FALSE(tokensEqual("s3cret", "s3cre"));
  EXPECT_FALSE(tokensEqual("s3cret", "s"));
  EXPECT_FALSE(tokensEqual("s3cret", ""));
}

TEST(TokensEqual, LongerIsNotEqual) {
  EXPECT_FALSE(tokensEqual("s3cret", "s3cretX"));
  EXPECT_FALSE(tokensEqual("s3cret", "s3cret s3cret"));
  // The configured token followed by NUL bytes: a comparison that treated
  // missing bytes as zero would be fooled here.
  EXPECT_FALSE(tokensEqual("s3cret", std::string_view("s3cret\0", 7)));
  EXPECT_FALSE(tokensEqual(std::string_view("s3cret\0", 7), "s3cret"));
}

TEST(TokensEqual, Empty) {
  // The server never configures an empty token, but the comparison is total.
  EXPECT_TRUE(tokensEqual("", ""));
  EXPECT_FALSE(tokensEqual("", "x"));
  EXPECT_FALSE(tokensEqual("x", ""));
}

TEST(TokensEqual, EveryBytePosition) {
  const std::string token = "0123456789abcdef";
  for (std::size_t i = 0; i < token.size(); ++i) {
    std::string wrong = token;
    wrong[i] = static_cast<char>(wrong[i] ^ 0x01);
    EXPECT_FALSE(tokensEqual(token, wrong)) << i;
    wrong[i] = '\0';
    EXPECT_FALSE(tokensEqual(token, wrong)) << i;
  }
}

}  // namespace
}  // namespace linecast
