#include "loadgen/linecast_protocol.h"

namespace linecast::bench {

void LinecastEncoder::subscribe(std::string& out, std::string_view channel, std::uint64_t) const {
  out.append("SUB ").append(channel).append("\n");
}

void LinecastEncoder::publish(std::string& out, std::string_view channel,
                              std::string_view payload) const {
  out.append(publishVerb_).append(channel).append(" ").append(payload).append("\n");
}

void LinecastEncoder::ping(std::string& out) const { out.append("PING\n"); }

bool LinecastEncoder::auth(std::string& out, std::string_view user, std::string_view password) const {
  out.append("AUTH ").append(user).append(" ").append(password).append("\n");
  return true;
}
void LinecastEncoder::pong(std::string& out) const { out.append("PONG\n"); }

bool LinecastDecoder::feed(std::string_view chunk, EventSink& sink) {
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    std::string_view line;
    switch (lines_.next(chunk, pos, line)) {
      case LineReader::Status::kNeedMore: return true;
      case LineReader::Status::kTooLong: return fail("line too long from server");
      case LineReader::Status::kLine:
        if (!onLine(line, sink)) return false;
        break;
    }
  }
  return true;
}

bool LinecastDecoder::onLine(std::string_view line, EventSink& sink) {
  if (line.empty()) return true;
  if (startsWithNoCase(line, "MSG ")) {
    std::string_view rest = line.substr(4);
    std::size_t space = rest.find(' ');
    // The server always writes the space after the channel, even before an
    // empty payload, so a MSG without it is a broken frame.
    if (space == std::string_view::npos || space == 0)
      return fail("malformed MSG: " + excerpt(line));
    sink.onEvent({EventType::kMessage, rest.substr(0, space), rest.substr(space + 1), {}});
    return true;
  }
  if (startsWithNoCase(line, "PONG") && (line.size() == 4 || line[4] == ' ')) {
    sink.onEvent({EventType::kPong, {}, {}, line.size() > 5 ? line.substr(5) : std::string_view{}});
    return true;
  }
  if (startsWithNoCase(line, "+OK")) {
    sink.onEvent({EventType::kOk, {}, {}, line});
    return true;
  }
  if (startsWithNoCase(line, "-ERR")) {
    std::string_view text = line.size() > 5 ? line.substr(5) : std::string_view{};
    // "max number of clients reached" ends in "\r\n" so that it is valid
    // RESP too; the "\r" is not part of the message.
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    sink.onEvent({EventType::kError, {}, {}, text});
    return true;
  }
  return fail("unexpected line from server: " + excerpt(line));
}

}  // namespace linecast::bench
