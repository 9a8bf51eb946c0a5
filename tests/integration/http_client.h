#pragma once

// HTTP/1.1 requests and responses over a TestClient, for the tests of the
// HTTP port (http_test.cc, retained_test.cc).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "test_client.h"

namespace linecast::test {

struct Response {
  int status = 0;
  std::string headers;  // each "Name: value\r" line, then "\n"
  std::string body;
};

// Reads one response (status line, headers, Content-Length body).
inline std::optional<Response> readResponse(TestClient& c) {
  Response r;
  auto status = c.readLine();
  if (!status || status->rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
  r.status = std::stoi(status->substr(9, 3));
  std::size_t length = 0;
  for (int i = 0; i < 100; ++i) {
    auto line = c.readLine();
    if (!line) return std::nullopt;
    if (*line == "\r" || line->empty()) break;
    r.headers += *line + "\n";
    if (line->rfind("Content-Length: ", 0) == 0) length = std::stoul(line->substr(16));
  }
  // Byte-exact: the body need not end with a newline.
  auto body = c.readBytes(length);
  if (!body) return std::nullopt;
  r.body = std::move(*body);
  return r;
}

// A connection to the HTTP port; a failure to connect fails the test.
inline TestClient httpClient(std::uint16_t port) {
  TestClient c;
  EXPECT_TRUE(c.connect(port));
  return c;
}

// One request on a connection of its own, and its response.
inline std::optional<Response> exchangeOn(std::uint16_t port, const std::string& request) {
  TestClient c = httpClient(port);
  if (!c.send(request)) return std::nullopt;
  return readResponse(c);
}

inline std::string post(std::string_view path, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: t\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra) + "\r\n" + std::string(body);
}

inline std::string get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

}  // namespace linecast::test
