#include "loadgen/nats_protocol.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace linecast::bench {

void NatsEncoder::hello(std::string& out) const {
  // verbose:false, or the server would answer every PUB with +OK.
  out.append("CONNECT {\"verbose\":false,\"pedantic\":false}\r\n");
}

void NatsEncoder::subscribe(std::string& out, std::string_view channel, std::uint64_t sid) const {
  fmt::format_to(std::back_inserter(out), "SUB {} {}\r\n", channel, sid);
}

void NatsEncoder::publish(std::string& out, std::string_view channel,
                          std::string_view payload) const {
  fmt::format_to(std::back_inserter(out), "PUB {} {}\r\n", channel, payload.size());
  out.append(payload).append("\r\n");
}

void NatsEncoder::ping(std::string& out) const { out.append("PING\r\n"); }
void NatsEncoder::pong(std::string& out) const { out.append("PONG\r\n"); }

bool NatsDecoder::feed(std::string_view chunk, EventSink& sink) {
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    if (inPayload_) {
      std::string_view bytes;
      if (!payload_.next(chunk, pos, bytes)) break;
      if (bytes.substr(payloadSize_) != "\r\n")
        return fail("MSG payload not followed by CRLF: " + excerpt(bytes.substr(payloadSize_)));
      inPayload_ = false;
      sink.onEvent({EventType::kMessage, subject_, bytes.substr(0, payloadSize_), {}});
      continue;
    }
    std::string_view line;
    LineReader::Status status = lines_.next(chunk, pos, line);
    if (status == LineReader::Status::kNeedMore) break;
    if (status == LineReader::Status::kTooLong) return fail("line too long from server");
    if (!onLine(line, sink)) return false;
  }
  // A MSG whose payload is still to come (the chunk may even have ended
  // right after its header line) keeps its subject past this call: copy it
  // out of the chunk, which the caller reuses for the next read.
  if (inPayload_ && subject_.data() != subjectStore_.data()) {
    subjectStore_.assign(subject_);
    subject_ = subjectStore_;
  }
  return true;
}

bool NatsDecoder::onLine(std::string_view line, EventSink& sink) {
  if (line.empty()) return true;
  std::size_t verbEnd = line.find_first_of(" \t");
  std::string_view verb = line.substr(0, verbEnd);
  std::string_view args =
      verbEnd == std::string_view::npos ? std::string_view{} : line.substr(verbEnd + 1);
  auto is = [&](std::string_view name) {
    return verb.size() == name.size() && startsWithNoCase(verb, name);
  };
  if (is("MSG")) return onMsgHeader(args);
  if (is("PING")) {
    sink.onEvent({EventType::kPing, {}, {}, {}});
  } else if (is("PONG")) {
    sink.onEvent({EventType::kPong, {}, {}, {}});
  } else if (is("INFO")) {
    sink.onEvent({EventType::kGreeting, {}, {}, args});
  } else if (is("+OK")) {
    sink.onEvent({EventType::kOk, {}, {}, line});
  } else if (is("-ERR")) {
    sink.onEvent({EventType::kError, {}, {}, args});
  } else {
    // HMSG (headers) included: we never ask for headers.
    return fail("unexpected line from server: " + excerpt(line));
  }
  return true;
}

bool NatsDecoder::onMsgHeader(std::string_view args) {
  // MSG <subject> <sid> [reply-to] <#bytes>
  std::array<std::string_view, 5> parts;
  std::size_t n = 0;
  std::size_t i = 0;
  while (i < args.size()) {
    while (i < args.size() && (args[i] == ' ' || args[i] == '\t')) ++i;
    if (i == args.size()) break;
    std::size_t end = args.find_first_of(" \t", i);
    if (end == std::string_view::npos) end = args.size();
    if (n == parts.size()) return fail("MSG with too many arguments: " + excerpt(args));
    parts[n++] = args.substr(i, end - i);
    i = end;
  }
  if (n != 3 && n != 4) return fail("malformed MSG: " + excerpt(args));
  std::string_view size = parts[n - 1];
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), value);
  if (ec != std::errc{} || ptr != size.data() + size.size())
    return fail("MSG with a bad size: " + excerpt(args));
  if (value > maxPayload_) return fail(fmt::format("MSG payload of {} bytes is over the limit", value));
  subject_ = parts[0];
  payloadSize_ = value;
  payload_.expect(value + 2);
  inPayload_ = true;
  return true;
}

}  // namespace linecast::bench
