#include "cluster/interest_message.h"

#include "cluster/envelope.h"

namespace linecast {
namespace {

constexpr unsigned char kGlobFlag = 1;
constexpr unsigned char kLostFlag = 2;

bool knownKind(char kind) {
  using Kind = InterestMessage::Kind;
  return kind == static_cast<char>(Kind::kChange) || kind == static_cast<char>(Kind::kReset) ||
         kind == static_cast<char>(Kind::kAck) || kind == static_cast<char>(Kind::kGone);
}

// A node id at the front of `bytes` (u8 length, 1..255 bytes), consumed.
bool takeNode(std::string_view& bytes, std::string_view& node) {
  if (bytes.empty()) return false;
  std::size_t length = static_cast<unsigned char>(bytes[0]);
  if (length == 0 || bytes.size() < 1 + length) return false;
  node = bytes.substr(1, length);
  bytes.remove_prefix(1 + length);
  return true;
}

bool takeNames(std::string_view body, bool reset, InterestNotice& notice) {
  while (!body.empty()) {
    if (body.size() < 5) return false;
    auto flags = static_cast<unsigned char>(body[0]);
    if ((flags & ~(kGlobFlag | kLostFlag)) != 0) return false;
    bool lost = (flags & kLostFlag) != 0;
    if (reset && lost) return false;
    std::uint64_t length = envelope_detail::readLittleEndian(body.data() + 1, 4);
    if (length > body.size() - 5) return false;
    RedisInterest name{(flags & kGlobFlag) != 0, std::string(body.substr(5, length))};
    (lost ? notice.lost : notice.gained).push_back(std::move(name));
    body.remove_prefix(5 + length);
  }
  return true;
}

}  // namespace

void InterestMessage::begin(Kind kind, std::string_view sender, std::uint64_t seq) {
  bytes_.assign("LI");
  bytes_ += static_cast<char>(kind);
  putNode(sender);
  putLittleEndian(seq, 8);
  headSize_ = bytes_.size();
}

void InterestMessage::add(const RedisInterest& name, bool lost) {
  bytes_ += static_cast<char>((name.pattern ? kGlobFlag : 0) | (lost ? kLostFlag : 0));
  putLittleEndian(name.text.size(), 4);
  bytes_ += name.text;
}

void InterestMessage::ack(std::string_view sender, std::string_view acknowledged, std::uint64_t seq) {
  begin(Kind::kAck, sender, seq);
  putNode(acknowledged);
}

void InterestMessage::putNode(std::string_view node) {
  bytes_ += static_cast<char>(node.size());
  if (!node.empty()) bytes_.append(node.data(), node.size());
}

void InterestMessage::putLittleEndian(std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) bytes_ += static_cast<char>((value >> (8 * i)) & 0xff);
}

bool decodeInterestMessage(std::string_view bytes, DecodedInterest& out) {
  if (bytes.size() < 3 || bytes[0] != 'L' || bytes[1] != 'I' || !knownKind(bytes[2])) return false;
  out.kind = static_cast<InterestMessage::Kind>(bytes[2]);
  bytes.remove_prefix(3);
  if (!takeNode(bytes, out.sender) || bytes.size() < 8) return false;
  out.seq = envelope_detail::readLittleEndian(bytes.data(), 8);
  bytes.remove_prefix(8);
  out.acknowledged = {};
  out.notice = InterestNotice{};
  out.notice.seq = out.seq;
  switch (out.kind) {
    case InterestMessage::Kind::kAck:
      return takeNode(bytes, out.acknowledged) && bytes.empty();
    case InterestMessage::Kind::kGone:
      return bytes.empty();
    case InterestMessage::Kind::kReset:
      out.notice.reset = true;
      return takeNames(bytes, true, out.notice);
    case InterestMessage::Kind::kChange:
      return takeNames(bytes, false, out.notice);
  }
  return false;
}

}  // namespace linecast
