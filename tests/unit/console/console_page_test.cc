#include "console/console_page.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace linecast {
namespace {

// The page is embedded whole, byte for byte, from broker/console/console.html.
TEST(ConsolePage, IsTheWholeHtmlDocument) {
  std::string_view page = consolePage();
  ASSERT_GT(page.size(), 1000u);
  EXPECT_TRUE(page.starts_with("<!doctype html>")) << page.substr(0, 40);
  EXPECT_TRUE(page.ends_with("</html>\n"));
  EXPECT_EQ(page.find('\0'), std::string_view::npos);
}

// Self-contained: nothing is loaded from anywhere (no CDN, fonts, scripts).
TEST(ConsolePage, LoadsNothingFromElsewhere) {
  std::string_view page = consolePage();
  for (std::string_view bad : {"<script src", "<link rel=\"stylesheet\"", "@import", "url(http",
                               "src=\"http", "href=\"http", "src=\"//", "href=\"//"}) {
    EXPECT_EQ(page.find(bad), std::string_view::npos) << bad;
  }
  // Message data reaches the page only through textContent.
  EXPECT_EQ(page.find("innerHTML"), std::string_view::npos);
  EXPECT_EQ(page.find("outerHTML"), std::string_view::npos);
  EXPECT_EQ(page.find("insertAdjacentHTML"), std::string_view::npos);
  EXPECT_EQ(page.find("document.write"), std::string_view::npos);
}

// What it speaks: the line protocol over /ws and /stats for the chart.
TEST(ConsolePage, SpeaksTheProtocol) {
  std::string_view page = consolePage();
  for (std::string_view needed : {"\"/ws\"", "\"/stats\"", "SUB ", "UNSUB ", "PUB ", "MSG ", "Bearer"}) {
    EXPECT_NE(page.find(needed), std::string_view::npos) << needed;
  }
}

}  // namespace
}  // namespace linecast
