#include "threads/interconnect.h"

#include <unistd.h>

#include <bit>

namespace linecast {

Interconnect::Interconnect(std::size_t threads, std::size_t maxRecord, std::size_t congestedBytes)
    : threads_(threads),
      congestedBytes_(congestedBytes),
      mailboxes_(std::make_unique<Mailbox[]>(threads)),
      overflowBytes_(threads, 0),
      calls_(threads) {
  // Room for several of the largest records, so one never waits on padding.
  std::size_t capacity = std::bit_ceil(std::max<std::size_t>(4 << 20, 4 * recordSize(maxRecord, 0)));
  lanes_.resize(threads * threads);
  for (std::size_t from = 0; from < threads; ++from) {
    for (std::size_t to = 0; to < threads; ++to) {
      if (from != to) lanes_[from * threads + to] = std::make_unique<Lane>(capacity);
    }
  }
}

Interconnect::~Interconnect() {
  for (std::size_t i = 0; i < threads_; ++i) {
    for (PendingConnection& conn : mailboxes_[i].handOffs) ::close(conn.fd);
  }
}

void Interconnect::attach(std::size_t index, Broker& broker, const Metrics& metrics, ClientDirectory& clients,
                          int wakeFd) {
  Mailbox& box = mailboxes_[index];
  box.broker = &broker;
  box.metrics = &metrics;
  box.clients = &clients;
  box.wakeFd = wakeFd;
  calls_.attach(index, wakeFd);
}

void Interconnect::writeRecord(char* out, const RecordHeader& header, std::string_view channel,
                               std::string_view payload) {
  std::memcpy(out, &header, sizeof header);
  if (!channel.empty()) std::memcpy(out + sizeof header, channel.data(), channel.size());
  if (!payload.empty()) std::memcpy(out + sizeof header + channel.size(), payload.data(), payload.size());
}

bool Interconnect::push(SpscByteQueue& queue, const RecordHeader& header, std::string_view channel,
                        std::string_view payload) {
  char* out = queue.reserve(header.size);
  if (out == nullptr) {
    // Not enough before the end of the block: pad to the end and retry
    // from the start, if the padding itself fits.
    std::size_t rest = queue.untilEnd();
    if (rest >= header.size) return false;  // simply full
    char* pad = queue.reserve(rest);
    if (pad == nullptr) return false;
    RecordHeader padding{static_cast<std::uint32_t>(rest), kPadding, 0, 0, 0};
    std::memcpy(pad, &padding, 8);
    queue.commit(rest);
    out = queue.reserve(header.size);
    if (out == nullptr) return false;
  }
  writeRecord(out, header, channel, payload);
  queue.commit(header.size);
  return true;
}

void Interconnect::forward(std::size_t from, std::size_t to, std::string_view channel,
                           std::uint64_t channelHash, std::string_view payload, Forwarded kind) {
  Lane& l = lane(from, to);
  l.wake = true;
  RecordHeader header{static_cast<std::uint32_t>(recordSize(channel.size(), payload.size())),
                      static_cast<std::uint32_t>(kind), static_cast<std::uint32_t>(channel.size()),
                      static_cast<std::uint32_t>(payload.size()), channelHash};
  // Once anything waits in the overflow, everything after it must too.
  if (l.overflow.size() == l.overflowHead && push(l.queue, header, channel, payload)) return;
  std::size_t at = l.overflow.size();
  l.overflow.resize(at + header.size);
  char* out = l.overflow.data() + at;
  writeRecord(out, header, channel, payload);
  overflowBytes_[from] += header.size;
}

void Interconnect::moveOverflow(std::size_t from, Lane& l) {
  while (l.overflowHead < l.overflow.size()) {
    RecordHeader header;
    const char* record = l.overflow.data() + l.overflowHead;
    std::memcpy(&header, record, sizeof header);
    const char* body = record + sizeof header;
    if (!push(l.queue, header, std::string_view(body, header.channelLength),
              std::string_view(body + header.channelLength, header.payloadLength))) {
      break;
    }
    l.overflowHead += header.size;
    overflowBytes_[from] -= header.size;
    l.wake = true;
  }
  if (l.overflowHead == l.overflow.size()) {
    l.overflow.clear();  // keeps the capacity for the next burst
    l.overflowHead = 0;
  }
}

void Interconnect::endTurn(std::size_t from) {
  for (std::size_t to = 0; to < threads_; ++to) {
    if (to == from) continue;
    Lane& l = lane(from, to);
    if (l.overflowHead < l.overflow.size()) moveOverflow(from, l);
    if (!l.wake) continue;
    l.wake = false;
    // Pairs with prepareToSleep(): either the consumer sees our records
    // before it blocks, or we see it sleeping and wake it.
    l.queue.announce();
    if (mailboxes_[to].sleeping.load(std::memory_order_seq_cst)) wake(to);
  }
}

bool Interconnect::prepareToSleep(std::size_t self) {
  Mailbox& box = mailboxes_[self];
  box.sleeping.store(true, std::memory_order_seq_cst);
  // A hand-off always writes the eventfd, so this flag needs no handshake.
  bool idle = !box.handOffsWaiting.load(std::memory_order_relaxed);
  for (std::size_t from = 0; idle && from < threads_; ++from) {
    if (from != self && !lane(from, self).queue.emptyBeforeSleep()) idle = false;
  }
  if (!idle) box.sleeping.store(false, std::memory_order_relaxed);
  return idle;
}

void Interconnect::wake(std::size_t to) {
  std::uint64_t one = 1;
  ssize_t ignored = ::write(mailboxes_[to].wakeFd, &one, sizeof one);
  (void)ignored;
}

void Interconnect::handOff(std::size_t to, PendingConnection conn) {
  Mailbox& box = mailboxes_[to];
  {
    std::lock_guard<std::mutex> lock(box.handOffMutex);
    box.handOffs.push_back(std::move(conn));
    box.handOffsWaiting.store(true, std::memory_order_relaxed);
  }
  wake(to);
}

void Interconnect::takeHandOffs(std::size_t self, std::vector<PendingConnection>& out) {
  Mailbox& box = mailboxes_[self];
  if (!box.handOffsWaiting.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(box.handOffMutex);
  out.swap(box.handOffs);
  box.handOffs.clear();
  box.handOffsWaiting.store(false, std::memory_order_relaxed);
}

MetricsTotals Interconnect::totals() const {
  MetricsTotals totals;
  for (std::size_t i = 0; i < threads_; ++i) {
    if (mailboxes_[i].metrics != nullptr) totals.add(*mailboxes_[i].metrics);
  }
  return totals;
}

}  // namespace linecast
