#pragma once

#include "loadgen/protocol.h"
#include "loadgen/split_reader.h"

namespace linecast::bench {

// The core NATS text protocol, client side: the server greets with
// "INFO {json}", the client sends CONNECT, "SUB subj sid", "PUB subj n" +
// payload; deliveries are "MSG subj sid [reply] n\r\n<n bytes>\r\n".
class NatsEncoder final : public Encoder {
 public:
  bool serverGreets() const override { return true; }
  bool subscribeConfirms() const override { return false; }
  void hello(std::string& out) const override;
  void subscribe(std::string& out, std::string_view channel, std::uint64_t sid) const override;
  void publish(std::string& out, std::string_view channel, std::string_view payload) const override;
  void ping(std::string& out) const override;
  void pong(std::string& out) const override;
};

class NatsDecoder final : public Decoder {
 public:
  explicit NatsDecoder(std::size_t maxFrame)
      : maxPayload_(maxFrame), lines_(maxFrame + 512, /*stripCr=*/true) {}
  bool feed(std::string_view chunk, EventSink& sink) override;

 private:
  bool onLine(std::string_view line, EventSink& sink);
  bool onMsgHeader(std::string_view args);

  std::size_t maxPayload_;
  LineReader lines_;
  ExactReader payload_;
  bool inPayload_ = false;
  std::size_t payloadSize_ = 0;
  // The subject of the MSG whose payload we are reading. It points into the
  // chunk or the line reader's carry; when the payload spills into the next
  // chunk it is copied into subjectStore_ first, since the chunk goes away.
  std::string_view subject_;
  std::string subjectStore_;
};

}  // namespace linecast::bench
