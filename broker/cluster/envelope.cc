#include "cluster/envelope.h"

namespace linecast {

void EnvelopeWriter::begin(std::string_view origin, std::uint64_t sequence, std::uint8_t mark) {
  bool retained = mark == cluster_mark::kRetained;
  bytes_.clear();
  messages_ = 0;
  retained_ = retained;
  bytes_ += "LC";
  bytes_ += static_cast<char>(mark);
  bytes_ += static_cast<char>(origin.size());
  bytes_.append(origin.data(), origin.size());
  putLittleEndian(sequence, 8);
  if (retained) bytes_ += '\x01';
}

void EnvelopeWriter::add(std::string_view payload) {
  putLittleEndian(payload.size(), 4);
  if (!payload.empty()) bytes_.append(payload.data(), payload.size());
  ++messages_;
}

void EnvelopeWriter::putLittleEndian(std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) bytes_ += static_cast<char>((value >> (8 * i)) & 0xff);
}

}  // namespace linecast
