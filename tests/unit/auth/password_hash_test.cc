#include "auth/password_hash.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

// Python: hashlib.pbkdf2_hmac("sha256", b"secret", b"0123456789abcdef", 1000)
constexpr std::string_view kKnown =
    "pbkdf2-sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg==$";

TEST(PasswordHash, MadeHashesVerifyTheirPasswordOnly) {
  PasswordHash made = PasswordHash::make("correct horse", 1000);
  EXPECT_EQ(made.salt.size(), PasswordHash::kSaltBytes);
  EXPECT_TRUE(made.verify("correct horse"));
  EXPECT_FALSE(made.verify("correct hors"));
  EXPECT_FALSE(made.verify(""));
  std::string error;
  auto parsed = PasswordHash::parse(made.text(), error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_TRUE(parsed->verify("correct horse"));
  EXPECT_NE(PasswordHash::make("correct horse", 1000).salt, made.salt);  // a fresh salt each time
}

TEST(PasswordHash, MatchesAnIndependentPbkdf2) {
  std::string error;
  auto parsed = PasswordHash::parse(
      std::string(kKnown) + "tiKWHy4FAGCWE8gn6GtKhaxD2OeeAUUWXFT/p1aaNl8=", error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->salt, "0123456789abcdef");
  EXPECT_EQ(parsed->iterations, 1000u);
  EXPECT_TRUE(parsed->verify("secret"));
  EXPECT_FALSE(parsed->verify("Secret"));
}

TEST(PasswordHash, RefusesWhatIsNotTheStoredForm) {
  std::string error;
  EXPECT_FALSE(PasswordHash::parse("hunter2", error));
  EXPECT_NE(error.find("linecast-cli passwd"), std::string::npos);
  EXPECT_FALSE(PasswordHash::parse("pbkdf2-sha256$0$MDEy$MDEy", error));
  EXPECT_NE(error.find("iterations"), std::string::npos);
  EXPECT_FALSE(PasswordHash::parse("pbkdf2-sha256$1000$!!!!$MDEy", error));
  EXPECT_FALSE(PasswordHash::parse("pbkdf2-sha256$1000$MDEy$MDEy", error));  // hash not 32 bytes
  EXPECT_NE(error.find("32 bytes"), std::string::npos);
  EXPECT_FALSE(PasswordHash::parse("pbkdf2-sha1$1000$MDEy$MDEy", error));
  EXPECT_FALSE(PasswordHash::parse("pbkdf2-sha256$1000$MDEy$MDEy$extra", error));
  EXPECT_FALSE(PasswordHash::parse("pbkdf2-sha256$10x$MDEy$MDEy", error));
}

}  // namespace
}  // namespace linecast
