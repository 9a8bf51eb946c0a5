#include "auth/jwt_token.h"

#include <gtest/gtest.h>

#include "auth/base64.h"

namespace linecast {
namespace {

std::string url(std::string_view bytes) {
  std::string text = base64Encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

std::string token(std::string_view header, std::string_view payload, std::string_view signature = "sig") {
  return url(header) + "." + url(payload) + "." + url(signature);
}

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

std::optional<JwtToken> parse(std::string_view text, std::string& error) { return JwtToken::parse(text, error); }

TEST(JwtToken, ReadsTheClaimsLinecastUses) {
  std::string error;
  auto parsed = parse(token(kHeader, R"({"sub":"tv-1","exp":1900000000.5,"nbf":1,"iat":2,"aud":"x",
      "linecast":{"publish":["room1.tv.>"],"subscribe":["room1.>"],"deny_subscribe":["room1.admin.>"]}})"),
                      error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->alg, "HS256");
  EXPECT_EQ(parsed->subject, "tv-1");
  EXPECT_DOUBLE_EQ(parsed->expires, 1900000000.5);
  EXPECT_EQ(parsed->notBefore, 1);
  EXPECT_EQ(parsed->issuedAt, 2);
  EXPECT_EQ(parsed->signature, "sig");
  EXPECT_EQ(parsed->permissions->publish, std::vector<std::string>{"room1.tv.>"});
  EXPECT_EQ(parsed->permissions->subscribe, std::vector<std::string>{"room1.>"});
  EXPECT_EQ(parsed->permissions->denySubscribe, std::vector<std::string>{"room1.admin.>"});
  std::string text = token(kHeader, R"({"exp":1,"linecast":{}})");
  EXPECT_EQ(parse(text, error)->signingInput, text.substr(0, text.rfind('.')));
}

TEST(JwtToken, AnEmptyLinecastClaimAllowsNothing) {
  std::string error;
  auto parsed = parse(token(kHeader, R"({"exp":1,"linecast":{}})"), error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_FALSE(parsed->permissions->mayPublish("a"));
  EXPECT_FALSE(parsed->permissions->maySubscribe("a"));
}

struct Refused {
  std::string text;
  std::string_view why;  // part of the error
};

TEST(JwtToken, RefusesWhatIsNotOneWithAReason) {
  const Refused cases[] = {
      {"a.b", "three"},
      {"a.b.c.d", "three"},
      {token(kHeader, R"({"exp":1,"linecast":{}})") + "!", "signature is not base64url"},
      {"e30+.e30.e30", "header is not base64url"},
      {token("[1]", R"({"exp":1,"linecast":{}})"), "header is not a JSON object"},
      {token("{", R"({"exp":1,"linecast":{}})"), "header is not a JSON object"},
      {token(R"({"typ":"JWT"})", R"({"exp":1,"linecast":{}})"), "no alg"},
      {token(R"({"alg":256})", R"({"exp":1,"linecast":{}})"), "no alg"},
      {token(R"({"alg":"HS256","crit":["b64"]})", R"({"exp":1,"linecast":{}})"), "crit"},
      {token(kHeader, R"("exp")"), "payload is not a JSON object"},
      {token(kHeader, "{\"exp\":1,\"linecast\":{},\"sub\":\"\xff\"}"), "payload is not a JSON object"},
      {token(kHeader, R"({"linecast":{}})"), "exp claim is missing"},
      {token(kHeader, R"({"exp":"1900000000","linecast":{}})"), "exp claim must be a number"},
      {token(kHeader, R"({"exp":1,"nbf":null,"linecast":{}})"), "nbf claim must be a number"},
      {token(kHeader, R"({"exp":1,"iat":[],"linecast":{}})"), "iat claim must be a number"},
      {token(kHeader, R"({"exp":1,"sub":7,"linecast":{}})"), "sub claim must be a string"},
      {token(kHeader, R"({"exp":1})"), "linecast claim is missing"},
      {token(kHeader, R"({"exp":1,"linecast":[]})"), "must be an object"},
      {token(kHeader, R"({"exp":1,"linecast":{"publish":"a"}})"), "list of patterns"},
      {token(kHeader, R"({"exp":1,"linecast":{"subscribe":[1]}})"), "strings only"},
      {token(kHeader, R"({"exp":1,"linecast":{"subscribe":["a..b"]}})"), "not a valid pattern"},
      {token(kHeader, R"({"exp":1,"linecast":{"deny_subscribe":["a.>.b"]}})"), "not a valid pattern"},
      {token(kHeader, R"({"exp":1,"linecast":{"publsh":["a"]}})"), "unknown key 'publsh'"},
      {std::string(JwtToken::kMaxBytes + 1, 'a'), "longer than"},
  };
  for (const auto& [text, why] : cases) {
    std::string error;
    EXPECT_FALSE(parse(text, error)) << text;
    EXPECT_NE(error.find(why), std::string::npos) << text << ": " << error;
  }
}

TEST(JwtToken, LooksLikeOneWhenItHasTwoDots) {
  EXPECT_TRUE(JwtToken::looksLikeOne("a.b.c"));
  EXPECT_TRUE(JwtToken::looksLikeOne(".."));
  EXPECT_FALSE(JwtToken::looksLikeOne("s3cret"));
  EXPECT_FALSE(JwtToken::looksLikeOne("a.b"));
  EXPECT_FALSE(JwtToken::looksLikeOne("a.b.c.d"));
}

}  // namespace
}  // namespace linecast
