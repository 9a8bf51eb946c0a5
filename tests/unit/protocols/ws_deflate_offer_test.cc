// negotiateWsDeflate: RFC 7692 7.1's negotiation on the server's side, the
// header's grammar (RFC 6455 9.1), which offers are declined, and the
// answer's text.

#include "protocols/ws/ws_deflate_offer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace linecast {
namespace {

// The answer for a header, or "declined".
std::string answer(std::string_view header) {
  auto agreed = negotiateWsDeflate(header);
  return agreed ? agreed->response : "declined";
}

TEST(WsDeflateOffer, PlainOfferTakesTheDefaults) {
  auto agreed = negotiateWsDeflate("permessage-deflate");
  ASSERT_TRUE(agreed);
  EXPECT_EQ(agreed->response, "permessage-deflate");
  EXPECT_FALSE(agreed->params.serverNoContextTakeover);
  EXPECT_FALSE(agreed->params.clientNoContextTakeover);
  EXPECT_EQ(agreed->params.serverMaxWindowBits, 15);
  EXPECT_EQ(agreed->params.clientMaxWindowBits, 15);
}

TEST(WsDeflateOffer, NoOfferNoExtension) {
  EXPECT_EQ(answer(""), "declined");
  EXPECT_EQ(answer("   "), "declined");
  EXPECT_EQ(answer("x-webkit-deflate-frame"), "declined");
  // Names are compared exactly.
  EXPECT_EQ(answer("Permessage-Deflate"), "declined");
  EXPECT_EQ(answer("permessage-deflate2"), "declined");
}

TEST(WsDeflateOffer, ClientMaxWindowBitsWithoutValueAsksNothing) {
  // What browsers send: the client could take a smaller window; the server
  // does not ask for one.
  auto agreed = negotiateWsDeflate("permessage-deflate; client_max_window_bits");
  ASSERT_TRUE(agreed);
  EXPECT_EQ(agreed->response, "permessage-deflate");
  EXPECT_EQ(agreed->params.clientMaxWindowBits, 15);
}

TEST(WsDeflateOffer, ClientMaxWindowBitsWithValueIsEchoed) {
  auto agreed = negotiateWsDeflate("permessage-deflate; client_max_window_bits=10");
  ASSERT_TRUE(agreed);
  EXPECT_EQ(agreed->response, "permessage-deflate; client_max_window_bits=10");
  EXPECT_EQ(agreed->params.clientMaxWindowBits, 10);
  EXPECT_EQ(agreed->params.serverMaxWindowBits, 15);
}

TEST(WsDeflateOffer, ServerParametersAreEchoed) {
  auto agreed = negotiateWsDeflate("permessage-deflate; server_max_window_bits=8");
  ASSERT_TRUE(agreed);
  EXPECT_EQ(agreed->response, "permessage-deflate; server_max_window_bits=8");
  EXPECT_EQ(agreed->params.serverMaxWindowBits, 8);

  agreed = negotiateWsDeflate("permessage-deflate; server_no_context_takeover");
  ASSERT_TRUE(agreed);
  EXPECT_EQ(agreed->response, "permessage-deflate; server_no_context_takeover");
  EXPECT_TRUE(agreed->params.serverNoContextTakeover);
  EXPECT_FALSE(agreed->params.clientNoContextTakeover);

  agreed = negotiateWsDeflate("permessage-deflate; client_no_context_takeover");
  ASSERT_TRUE(agreed);
  EXPECT_EQ(agreed->response, "permessage-deflate; client_no_context_takeover");
  EXPECT_TRUE(agreed->params.clientNoContextTakeover);
}

TEST(WsDeflateOffer, AllParametersInTheAnswersOrder) {
  auto agreed = negotiateWsDeflate(
      "permessage-deflate; client_max_window_bits=9; server_no_context_takeover; "
      "server_max_window_bits=12; client_no_context_takeover");
  ASSERT_TRUE(agreed);
  EXPECT_EQ(agreed->response,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
            "server_max_window_bits=12; client_max_window_bits=9");
  EXPECT_TRUE(agreed->params.serverNoContextTakeover);
  EXPECT_TRUE(agreed->params.clientNoContextTakeover);
  EXPECT_EQ(agreed->params.serverMaxWindowBits, 12);
  EXPECT_EQ(agreed->params.clientMaxWindowBits, 9);
}

TEST(WsDeflateOffer, FirstAcceptableOfferWins) {
  EXPECT_EQ(answer("permessage-deflate; server_max_window_bits=10, permessage-deflate"),
            "permessage-deflate; server_max_window_bits=10");
  EXPECT_EQ(answer("permessage-deflate, permessage-deflate; server_max_window_bits=10"),
            "permessage-deflate");
  // The first is declined, the second taken.
  EXPECT_EQ(answer("permessage-deflate; server_max_window_bits=7, "
                   "permessage-deflate; server_max_window_bits=9"),
            "permessage-deflate; server_max_window_bits=9");
  // Other extensions are skipped, whatever their parameters.
  EXPECT_EQ(answer("x-webkit-deflate-frame; no_context_takeover, permessage-deflate; "
                   "client_no_context_takeover"),
            "permessage-deflate; client_no_context_takeover");
}

TEST(WsDeflateOffer, InvalidOffersAreDeclined) {
  // Unknown parameter.
  EXPECT_EQ(answer("permessage-deflate; foo"), "declined");
  EXPECT_EQ(answer("permessage-deflate; foo, permessage-deflate"), "permessage-deflate");
  // A parameter twice, even with the same value.
  EXPECT_EQ(answer("permessage-deflate; server_no_context_takeover; server_no_context_takeover"),
            "declined");
  EXPECT_EQ(answer("permessage-deflate; client_max_window_bits; client_max_window_bits=10"),
            "declined");
  EXPECT_EQ(answer("permessage-deflate; server_max_window_bits=10; server_max_window_bits=10"),
            "declined");
  // Window bits outside 8..15, not a number, with a leading zero or a sign.
  for (std::string_view bad : {"7", "16", "0", "abc", "08", "+9", "9.0", "\"\"", "150"}) {
    EXPECT_EQ(answer("permessage-deflate; server_max_window_bits=" + std::string(bad)), "declined")
        << bad;
    EXPECT_EQ(answer("permessage-deflate; client_max_window_bits=" + std::string(bad)), "declined")
        << bad;
  }
  // server_max_window_bits needs a value; the no_context_takeover ones take none.
  EXPECT_EQ(answer("permessage-deflate; server_max_window_bits"), "declined");
  EXPECT_EQ(answer("permessage-deflate; server_no_context_takeover=1"), "declined");
  EXPECT_EQ(answer("permessage-deflate; client_no_context_takeover=\"\""), "declined");
  // Parameter names are exact too.
  EXPECT_EQ(answer("permessage-deflate; Server_No_Context_Takeover"), "declined");
}

TEST(WsDeflateOffer, EveryWindowSizeIsAccepted) {
  for (int bits = 8; bits <= 15; ++bits) {
    auto agreed = negotiateWsDeflate("permessage-deflate; server_max_window_bits=" +
                                     std::to_string(bits) +
                                     "; client_max_window_bits=" + std::to_string(bits));
    ASSERT_TRUE(agreed) << bits;
    EXPECT_EQ(agreed->params.serverMaxWindowBits, bits);
    EXPECT_EQ(agreed->params.clientMaxWindowBits, bits);
  }
}

TEST(WsDeflateOffer, QuotedValues) {
  auto agreed = negotiateWsDeflate("permessage-deflate; client_max_window_bits=\"10\"");
  ASSERT_TRUE(agreed);
  EXPECT_EQ(agreed->params.clientMaxWindowBits, 10);
  // The answer uses the plain token.
  EXPECT_EQ(agreed->response, "permessage-deflate; client_max_window_bits=10");
  // A backslash quotes the next character.
  EXPECT_EQ(answer("permessage-deflate; server_max_window_bits=\"1\\2\""),
            "permessage-deflate; server_max_window_bits=12");
  // A comma or semicolon inside quotes separates nothing.
  EXPECT_EQ(answer("permessage-deflate; x=\"a, permessage-deflate; b\", permessage-deflate"),
            "permessage-deflate");
  // An unknown extension's quoted parameters are skipped like any other.
  EXPECT_EQ(answer("foo; bar=\"1;2,3\", permessage-deflate"), "permessage-deflate");
}

TEST(WsDeflateOffer, WhitespaceAroundSeparators) {
  EXPECT_EQ(answer(" \tpermessage-deflate \t; \tclient_max_window_bits \t= \t12 \t,\t foo "),
            "permessage-deflate; client_max_window_bits=12");
  EXPECT_EQ(answer("permessage-deflate;server_no_context_takeover;client_max_window_bits=9"),
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=9");
  // Empty list elements (RFC 7230 7), as header lines joined with ", " may give.
  EXPECT_EQ(answer(", ,permessage-deflate , ,"), "permessage-deflate");
}

TEST(WsDeflateOffer, MalformedHeaderIsDeclinedWhole) {
  // Where one offer ends is a guess once the grammar breaks: nothing is
  // accepted, not even a valid offer before the break.
  for (std::string_view bad : {
           "permessage-deflate x",
           "permessage-deflate;",
           "permessage-deflate;;server_no_context_takeover",
           "permessage-deflate; =10",
           "permessage-deflate; client_max_window_bits=",
           "permessage-deflate; client_max_window_bits=\"10",
           "permessage-deflate; client_max_window_bits=\"10\\",
           "permessage-deflate; client_max_window_bits=\"1\x01\"",
           "permessage-deflate; client_max_window_bits=10 11",
           "; permessage-deflate",
           "permessage-deflate, (bad)",
           "permessage-deflate, x y",
       }) {
    EXPECT_EQ(answer(bad), "declined") << bad;
  }
}

}  // namespace
}  // namespace linecast
