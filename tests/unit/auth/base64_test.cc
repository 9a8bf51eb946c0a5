#include "auth/base64.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    auto decoded = base64Decode(base64Encode(bytes));
    if (n == 0) {
      EXPECT_FALSE(decoded);  // nothing is not a salt
    } else {
      ASSERT_TRUE(decoded);
      EXPECT_EQ(*decoded, bytes);
    }
    bytes.push_back(static_cast<char>(n * 37));
  }
  EXPECT_FALSE(base64Decode("abc"));   // not a multiple of 4
  EXPECT_FALSE(base64Decode("ab-_"));  // base64url is not the stored form
  EXPECT_FALSE(base64Decode("a=bc"));  // padding only at the end
  EXPECT_FALSE(base64Decode(" abc"));  // OpenSSL would skip the space
}

// The url alphabet without padding, from the standard encoding.
std::string urlForm(std::string text) {
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

TEST(Base64Url, DecodesEveryLengthWithoutPadding) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    auto decoded = base64UrlDecode(urlForm(base64Encode(bytes)));
    ASSERT_TRUE(decoded) << n;
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(250 - n * 37));
  }
}

TEST(Base64Url, RefusesWhatIsNotBase64Url) {
  EXPECT_EQ(*base64UrlDecode("eyJhbGciOiJIUzI1NiJ9"), R"({"alg":"HS256"})");
  EXPECT_EQ(*base64UrlDecode("-_8"), "\xfb\xff");
  EXPECT_FALSE(base64UrlDecode("+_8"));    // the standard alphabet's '+'
  EXPECT_FALSE(base64UrlDecode("-/8"));    // and '/'
  EXPECT_FALSE(base64UrlDecode("QQ=="));   // padding
  EXPECT_FALSE(base64UrlDecode("QUJDR"));  // 4k+1 characters
  EXPECT_FALSE(base64UrlDecode("QU JD"));
  EXPECT_FALSE(base64UrlDecode(std::string_view("QU\0D", 4)));
}

}  // namespace
}  // namespace linecast
