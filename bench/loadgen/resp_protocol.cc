#include "loadgen/resp_protocol.h"

#include <charconv>

#include <fmt/format.h>

namespace linecast::bench {
namespace {

void appendBulk(std::string& out, std::string_view bytes) {
  fmt::format_to(std::back_inserter(out), "${}\r\n", bytes.size());
  out.append(bytes).append("\r\n");
}

bool parseInt(std::string_view text, long long& value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && startsWithNoCase(a, b);
}

}  // namespace

void RespEncoder::hello(std::string& out) const {
  if (resp3_) out.append("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n");
}

void RespEncoder::subscribe(std::string& out, std::string_view channel, std::uint64_t) const {
  out.append("*2\r\n$9\r\nSUBSCRIBE\r\n");
  appendBulk(out, channel);
}

void RespEncoder::publish(std::string& out, std::string_view channel,
                          std::string_view payload) const {
  out.append("*3\r\n$7\r\nPUBLISH\r\n");
  appendBulk(out, channel);
  appendBulk(out, payload);
}

void RespEncoder::ping(std::string& out) const { out.append("*1\r\n$4\r\nPING\r\n"); }

bool RespEncoder::auth(std::string& out, std::string_view user, std::string_view password) const {
  out.append("*3\r\n$4\r\nAUTH\r\n");
  appendBulk(out, user);
  appendBulk(out, password);
  return true;
}

bool RespDecoder::wholeMessage(std::string_view chunk, std::size_t& pos, EventSink& sink) {
  constexpr std::string_view kHead = "3\r\n$7\r\nmessage\r\n$";
  std::string_view frame = chunk.substr(pos);
  if (frame.size() <= kHead.size() || !(frame[0] == '*' || (resp3_ && frame[0] == '>')) ||
      frame.substr(1, kHead.size()) != kHead) {
    return false;
  }
  std::size_t at = 1 + kHead.size();
  // A length: digits, then CRLF.
  auto length = [&](std::size_t& value) {
    std::size_t start = at;
    value = 0;
    while (at < frame.size() && frame[at] >= '0' && frame[at] <= '9' && at - start < 10) {
      value = value * 10 + static_cast<std::size_t>(frame[at++] - '0');
    }
    if (at == start || frame.substr(at, 2) != "\r\n") return false;
    at += 2;
    return true;
  };
  std::size_t channelSize = 0;
  std::size_t payloadSize = 0;
  if (!length(channelSize) || frame.size() < at + channelSize + 3) return false;
  std::string_view channel = frame.substr(at, channelSize);
  at += channelSize;
  if (frame.substr(at, 3) != "\r\n$") return false;
  at += 3;
  if (!length(payloadSize) || payloadSize > maxBulk_ || frame.size() < at + payloadSize + 2) return false;
  std::string_view payload = frame.substr(at, payloadSize);
  at += payloadSize;
  if (frame.substr(at, 2) != "\r\n") return false;
  pos += at + 2;
  sink.onEvent({EventType::kMessage, channel, payload, {}});
  return true;
}

bool RespDecoder::feed(std::string_view chunk, EventSink& sink) {
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    if (!inBulk_ && arrayLeft_ == 0 && skip_.empty() && !lines_.midLine() && wholeMessage(chunk, pos, sink)) {
      continue;
    }
    if (inBulk_) {
      std::string_view bytes;
      if (!bulk_.next(chunk, pos, bytes)) break;
      if (bytes.substr(bulkSize_) != "\r\n")
        return fail("bulk string not followed by CRLF: " + excerpt(bytes.substr(bulkSize_)));
      inBulk_ = false;
      onValue('$', bytes.substr(0, bulkSize_), bulk_.fromCarry(), sink);
      continue;
    }
    std::string_view line;
    LineReader::Status status = lines_.next(chunk, pos, line);
    if (status == LineReader::Status::kNeedMore) break;
    if (status == LineReader::Status::kTooLong) return fail("line too long from server");
    if (!onHeader(line, sink)) return false;
  }
  // Elements of an unfinished array that still point into this chunk must
  // be copied before the chunk goes away.
  if (arrayLeft_ > 0) {
    for (std::size_t i = 0; i < arraySize_ - arrayLeft_; ++i) own(i);
  }
  return true;
}

bool RespDecoder::onHeader(std::string_view line, EventSink& sink) {
  if (line.empty()) return fail("empty line where a RESP value was expected");
  char type = line[0];
  std::string_view rest = line.substr(1);
  switch (type) {
    case '+':
    case '-':
      onValue(type, rest, lines_.fromCarry(), sink);
      return true;
    case ':': {
      long long value = 0;
      if (!parseInt(rest, value)) return fail("bad integer: " + excerpt(line));
      onValue(type, rest, lines_.fromCarry(), sink);
      return true;
    }
    case '_':  // RESP3's scalars, which pub/sub replies do not carry
    case '#':
    case ',':
    case '(':
      if (!resp3_) return fail("unexpected RESP type: " + excerpt(line));
      onValue(type == '_' ? '$' : type, {}, false, sink);
      return true;
    case '=':
    case '!':
      if (!resp3_) return fail("unexpected RESP type: " + excerpt(line));
      [[fallthrough]];
    case '$': {
      long long size = 0;
      if (!parseInt(rest, size) || size < -1) return fail("bad bulk length: " + excerpt(line));
      if (size == -1) {  // null bulk string
        onValue('$', {}, false, sink);
        return true;
      }
      if (static_cast<unsigned long long>(size) > maxBulk_)
        return fail(fmt::format("bulk string of {} bytes is over the limit", size));
      bulkSize_ = static_cast<std::size_t>(size);
      bulk_.expect(bulkSize_ + 2);
      inBulk_ = true;
      return true;
    }
    case '>':
    case '%':
    case '~':
    case '|':
      if (!resp3_) return fail("unexpected RESP type: " + excerpt(line));
      [[fallthrough]];
    case '*': {
      long long count = 0;
      if (!parseInt(rest, count) || count < -1) return fail("bad array length: " + excerpt(line));
      return onAggregate(type, line, count, sink);
    }
    default:
      return fail("unexpected RESP type: " + excerpt(line));
  }
}

bool RespDecoder::onAggregate(char type, std::string_view line, long long count, EventSink& sink) {
  std::size_t values = count <= 0 ? 0 : static_cast<std::size_t>(count) * (type == '%' || type == '|' ? 2 : 1);
  bool flat = (type == '*' || type == '>') && values <= kMaxElements;
  if (skip_.empty() && arrayLeft_ == 0 && flat) {
    if (values == 0) {  // empty or null array
      sink.onEvent({EventType::kReply, {}, {}, line});
      return true;
    }
    arraySize_ = arrayLeft_ = values;
    return true;
  }
  if (!resp3_) {
    if (arrayLeft_ > 0) return fail("nested array (not a pub/sub reply)");
    return fail(fmt::format("array of {} elements (not a pub/sub reply)", count));
  }
  if (skip_.empty()) {
    // The frame is no pub/sub event: skip it whole, the flat array it was
    // inside (if any) included.
    if (arrayLeft_ > 0) skip_.push_back(arrayLeft_);
    for (Element& e : elements_) e = Element{};
    arrayLeft_ = arraySize_ = 0;
  }
  if (values == 0) {
    if (skip_.empty()) {
      sink.onEvent({EventType::kReply, {}, {}, line});
    } else {
      skipValue(sink);
    }
    return true;
  }
  skip_.push_back(values);
  return true;
}

void RespDecoder::skipValue(EventSink& sink) {
  while (!skip_.empty() && --skip_.back() == 0) {
    skip_.pop_back();  // that aggregate is complete: a value of its parent
    if (skip_.empty()) {
      sink.onEvent({EventType::kReply, {}, {}, {}});
      return;
    }
  }
}

void RespDecoder::onValue(char type, std::string_view data, bool fromCarry, EventSink& sink) {
  if (!skip_.empty()) return skipValue(sink);
  if (arrayLeft_ == 0) {
    emitScalar(type, data, sink);
    return;
  }
  std::size_t i = arraySize_ - arrayLeft_;
  elements_[i] = {type, data, false};
  // The reader reuses its carry for the next value, so keep our own copy.
  if (fromCarry) own(i);
  if (--arrayLeft_ == 0) emitArray(sink);
}

void RespDecoder::own(std::size_t i) {
  Element& e = elements_[i];
  if (e.owned) return;
  owned_[i].assign(e.data);
  e.data = owned_[i];
  e.owned = true;
}

void RespDecoder::emitScalar(char type, std::string_view data, EventSink& sink) {
  if (type == '-') {
    sink.onEvent({EventType::kError, {}, {}, data});
  } else if (type == '+' && data == "PONG") {
    sink.onEvent({EventType::kPong, {}, {}, {}});
  } else if (type == '+' && data == "OK") {
    sink.onEvent({EventType::kOk, {}, {}, data});
  } else {
    sink.onEvent({EventType::kReply, {}, {}, data});
  }
}

void RespDecoder::emitArray(EventSink& sink) {
  std::string_view kind = elements_[0].type == '$' ? elements_[0].data : std::string_view{};
  std::size_t n = arraySize_;
  if (n == 3 && equalsNoCase(kind, "message")) {
    sink.onEvent({EventType::kMessage, elements_[1].data, elements_[2].data, {}});
  } else if (n == 4 && equalsNoCase(kind, "pmessage")) {
    sink.onEvent({EventType::kMessage, elements_[2].data, elements_[3].data, {}});
  } else if (n == 3 && (equalsNoCase(kind, "subscribe") || equalsNoCase(kind, "psubscribe"))) {
    sink.onEvent({EventType::kSubscribed, elements_[1].data, {}, {}});
  } else if (n == 2 && equalsNoCase(kind, "pong")) {
    sink.onEvent({EventType::kPong, {}, {}, elements_[1].data});
  } else {
    sink.onEvent({EventType::kReply, {}, {}, kind});
  }
  for (Element& e : elements_) e = Element{};
  arraySize_ = 0;
}

}  // namespace linecast::bench
