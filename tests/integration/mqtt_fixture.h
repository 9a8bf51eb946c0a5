#pragma once

#include <string>
#include <vector>

#include "http_client.h"
#include "mqtt_test_client.h"
#include "server_test.h"

namespace linecast::test {

// A server with MQTT and HTTP on free ports, --max-line 1024 and a small
// in-flight window; moreArgs() adds a test's own flags.
class MqttTest : public ServerTest {
 protected:
  MqttTest() : mqttPort_(freePort()), httpPort_(freePort()) {}
  std::vector<std::string> serverArgs() const override {
    std::vector<std::string> args = {"--mqtt-port", std::to_string(mqttPort_), "--http-port",
                                     std::to_string(httpPort_), "--max-line", "1024", "--mqtt-max-inflight", "2"};
    auto more = moreArgs();
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  virtual std::vector<std::string> moreArgs() const { return {}; }

  // POST /pub/<channel> with the body; the response status.
  int httpPublish(const std::string& channel, const std::string& body) {
    auto r = exchangeOn(httpPort_, "POST /pub/" + channel + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                       std::to_string(body.size()) + "\r\n\r\n" + body);
    return r ? r->status : 0;
  }
  // One figure of /metrics ("linecast_mqtt_dropped_total"); -1 if absent.
  long long metric(const std::string& name) {
    auto r = exchangeOn(httpPort_, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    if (!r) return -1;
    std::string needle = "\n" + name + " ";
    auto at = r->body.find(needle);
    if (at == std::string::npos) return -1;
    return std::stoll(r->body.substr(at + needle.size()));
  }

  std::uint16_t mqttPort_;
  std::uint16_t httpPort_;
};

}  // namespace linecast::test
