#include "protocols/ws/ws_deflate_offer.h"

#include <array>
#include <vector>

namespace linecast {

namespace {

constexpr std::string_view kExtensionName = "permessage-deflate";

// RFC 7692 7.1's parameters, in the order the answer lists them.
enum Param { kServerNoContext, kClientNoContext, kServerWindow, kClientWindow, kParamCount };
constexpr std::array<std::string_view, kParamCount> kParamNames = {
    "server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits",
    "client_max_window_bits"};

struct OfferParam {
  std::string_view name;
  bool hasValue = false;
  std::string value;  // unquoted and unescaped
};

struct Offer {
  std::string_view name;
  std::vector<OfferParam> params;
};

// RFC 7230 3.2.6's tchar.
bool isTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Reads the header's grammar (RFC 6455 9.1 over RFC 7230's list, token and
// quoted-string rules) front to back.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool atEnd() const { return pos_ >= text_.size(); }
  void skipSpace() {
    while (!atEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool take(char c) {
    if (atEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  std::string_view token() {
    std::size_t start = pos_;
    while (!atEnd() && isTokenChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // A token or a quoted-string (a backslash quotes the next character).
  bool value(std::string& out) {
    if (!take('"')) {
      out = token();
      return !out.empty();
    }
    while (!atEnd()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (atEnd()) return false;
        c = text_[pos_++];
      }
      // qdtext and quoted-pair: HTAB, SP, VCHAR, obs-text; no other controls.
      if (static_cast<unsigned char>(c) < 0x20 ? c != '\t' : c == 0x7F) return false;
      out += c;
    }
    return false;  // no closing quote
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// The whole header as offers, or nullopt where it breaks the grammar.
std::optional<std::vector<Offer>> parseOffers(std::string_view header) {
  std::vector<Offer> offers;
  Scanner in(header);
  while (true) {
    in.skipSpace();
    if (in.atEnd()) return offers;
    if (in.take(',')) continue;  // RFC 7230 7: empty list elements are allowed
    Offer offer;
    offer.name = in.token();
    if (offer.name.empty()) return std::nullopt;
    in.skipSpace();
    while (in.take(';')) {
      in.skipSpace();
      OfferParam param;
      param.name = in.token();
      if (param.name.empty()) return std::nullopt;
      in.skipSpace();
      if (in.take('=')) {
        in.skipSpace();
        param.hasValue = true;
        if (!in.value(param.value)) return std::nullopt;
        in.skipSpace();
      }
      offer.params.push_back(std::move(param));
    }
    if (!in.atEnd() && !in.take(',')) return std::nullopt;
    offers.push_back(std::move(offer));
  }
}

// RFC 7692 7.1.2's window bits: "8" to "15", no leading zero. 0 if not.
int windowBits(std::string_view v) {
  if (v.size() == 1 && v[0] >= '8' && v[0] <= '9') return v[0] - '0';
  if (v.size() == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5') return 10 + (v[1] - '0');
  return 0;
}

// The agreement for one permessage-deflate offer, or nullopt if it must be
// declined.
std::optional<WsDeflateAgreement> accept(const Offer& offer) {
  WsDeflateAgreement agreed;
  WsDeflateParams& p = agreed.params;
  // What the answer carries for each parameter ("" for nothing).
  std::array<std::string, kParamCount> answer;
  std::array<bool, kParamCount> seen{};
  for (const OfferParam& param : offer.params) {
    std::size_t which = 0;
    while (which < kParamCount && kParamNames[which] != param.name) ++which;
    if (which == kParamCount || seen[which]) return std::nullopt;
    seen[which] = true;
    int bits = param.hasValue ? windowBits(param.value) : 0;
    switch (which) {
      case kServerNoContext:
      case kClientNoContext:
        if (param.hasValue) return std::nullopt;
        (which == kServerNoContext ? p.serverNoContextTakeover : p.clientNoContextTakeover) = true;
        answer[which] = kParamNames[which];
        break;
      case kServerWindow:
        if (bits == 0) return std::nullopt;  // a value is required
        p.serverMaxWindowBits = bits;
        answer[which] = std::string(kParamNames[which]) + "=" + std::to_string(bits);
        break;
      default:  // kClientWindow: without a value, the server may choose (it asks nothing)
        if (param.hasValue && bits == 0) return std::nullopt;
        if (bits == 0) break;
        p.clientMaxWindowBits = bits;
        answer[which] = std::string(kParamNames[which]) + "=" + std::to_string(bits);
        break;
    }
  }
  agreed.response = kExtensionName;
  for (const std::string& part : answer) {
    if (!part.empty()) agreed.response.append("; ").append(part);
  }
  return agreed;
}

}  // namespace

std::optional<WsDeflateAgreement> negotiateWsDeflate(std::string_view header) {
  auto offers = parseOffers(header);
  if (!offers) return std::nullopt;
  for (const Offer& offer : *offers) {
    if (offer.name != kExtensionName) continue;
    if (auto agreed = accept(offer)) return agreed;
  }
  return std::nullopt;
}

}  // namespace linecast
