#pragma once

#include "loadgen/protocol.h"
#include "loadgen/split_reader.h"

namespace linecast::bench {

// linecast's line protocol (docs/PROTOCOL.md): "SUB ch", "PUB ch payload",
// "PING"; the server answers "MSG ch payload", "PONG", "+OK", "-ERR text",
// each line ending in "\n".
class LinecastEncoder final : public Encoder {
 public:
  // retain: publishes are "RETAIN ch payload" (published and kept).
  explicit LinecastEncoder(bool retain = false) : publishVerb_(retain ? "RETAIN " : "PUB ") {}
  bool serverGreets() const override { return false; }
  bool subscribeConfirms() const override { return false; }
  void hello(std::string&) const override {}
  bool auth(std::string& out, std::string_view user, std::string_view password) const override;
  void subscribe(std::string& out, std::string_view channel, std::uint64_t sid) const override;
  void publish(std::string& out, std::string_view channel, std::string_view payload) const override;
  void ping(std::string& out) const override;
  void pong(std::string& out) const override;

 private:
  std::string_view publishVerb_;
};

class LinecastDecoder final : public Decoder {
 public:
  // Lines are the payload plus "MSG " and the channel.
  explicit LinecastDecoder(std::size_t maxFrame) : lines_(maxFrame + 512, /*stripCr=*/false) {}
  bool feed(std::string_view chunk, EventSink& sink) override;
  // Over WebSocket every line comes whole: no LineReader, no copy.
  bool feedLine(std::string_view line, EventSink& sink) override { return onLine(line, sink); }

 private:
  bool onLine(std::string_view line, EventSink& sink);

  LineReader lines_;
};

}  // namespace linecast::bench
