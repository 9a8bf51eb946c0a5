#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "net/connection.h"
#include "metrics.h"
#include "threads/spsc_queue.h"
#include "threads/thread_calls.h"

namespace linecast {

class Broker;
class ClientDirectory;

// A connection accepted by one reactor thread for another to own.
struct PendingConnection {
  int fd = -1;
  PeerAddress peer;
  std::uint16_t listener = 0;  // its row in the listener table
  // An HTTP connection that upgraded to MQTT over WebSocket on another
  // thread moves to thread 0 with its transport (the WebSocket framing
  // stacked on plain or TLS), the output not yet written (the 101) and the
  // input read after the request; empty for a new connection.
  std::unique_ptr<Transport> transport;
  std::string output;
  std::string input;
  bool mqttOverWebSocket = false;
};

// What a forwarded message is, which tells the consumer whom it may reach:
// a line-deliverable publish, a publish whose channel or payload only the
// indexes can take (Broker::publishAnyBytes), or a shard-channel publish
// (SPUBLISH), which only the indexes' shard channels take.
enum class Forwarded : std::uint32_t { kLine = 0, kAnyBytes = 2, kShard = 4 };

// What the reactor threads of one process share (--threads N): a lane from
// every thread to every other carrying published messages, each thread's
// wake-up eventfd, the hand-off of accepted connections, the process-wide
// connection count, and functions run on every thread (ThreadCalls).
//
// A lane is an SpscByteQueue of records: one per message, appended during
// the producer's turn, made visible record by record, and signalled once at
// the end of the turn, and only to a consumer that is about to sleep or
// asleep. A full lane spills into the producer's private overflow, which the
// producer moves in at the end of later turns, so per-publisher order holds;
// while any of a thread's overflows is over kCongestedBytes (by default) the thread stops
// reading its sockets (congested()), which pushes back on the publishers
// over TCP instead of growing without bound. A consumer never waits on a
// lane, so no cycle of full lanes can stall two threads.
class Interconnect {
 public:
  static constexpr std::size_t kCongestedBytes = 64 << 20;

  // maxRecord: the largest channel plus payload a message may have.
  // congestedBytes: the overflow past which a producer stops reading.
  Interconnect(std::size_t threads, std::size_t maxRecord,
               std::size_t congestedBytes = kCongestedBytes);
  ~Interconnect();
  Interconnect(const Interconnect&) = delete;
  Interconnect& operator=(const Interconnect&) = delete;

  std::size_t size() const { return threads_; }

  // Each reactor registers itself before any thread runs.
  void attach(std::size_t index, Broker& broker, const Metrics& metrics, ClientDirectory& clients,
              int wakeFd);
  Broker& broker(std::size_t index) const { return *mailboxes_[index].broker; }
  // Only on thread `index` itself (through calls()).
  ClientDirectory& clients(std::size_t index) const { return *mailboxes_[index].clients; }

  // Producer side, on thread `from`.
  void forward(std::size_t from, std::size_t to, std::string_view channel,
               std::uint64_t channelHash, std::string_view payload, Forwarded kind);
  void endTurn(std::size_t from);
  bool congested(std::size_t from) const { return overflowBytes_[from] > congestedBytes_; }

  // Consumer side, on thread `self`: calls onMessage(channel, channelHash,
  // payload, kind) for every message waiting in its lanes. Returns how
  // many.
  template <class OnMessage>
  std::size_t drain(std::size_t self, OnMessage&& onMessage);
  // Call before blocking in epoll_wait: false means work already waits and
  // the thread must not block. wokeUp() after the wait.
  bool prepareToSleep(std::size_t self);
  void wokeUp(std::size_t self) { mailboxes_[self].sleeping.store(false, std::memory_order_relaxed); }

  // Accepted connections for thread `to` (rare: a mutex is fine).
  void handOff(std::size_t to, PendingConnection conn);
  void takeHandOffs(std::size_t self, std::vector<PendingConnection>& out);

  // Shutdown: a thread that reads no more and has pushed all it had calls
  // quiesce(); once every thread has, the lanes hold everything that will
  // ever come, and each thread delivers it before it closes connections.
  bool overflowEmpty(std::size_t from) const { return overflowBytes_[from] == 0; }
  void quiesce() { quiesced_.fetch_add(1); }
  bool allQuiesced() const { return quiesced_.load() == threads_; }

  // Functions run on every thread (CLIENT LIST, CLIENT KILL).
  ThreadCalls& calls() { return calls_; }

  // Open client connections over every thread, for --max-conns.
  std::atomic<std::size_t>& openConnections() { return openConnections_; }
  MetricsTotals totals() const;

 private:
  // Record layout, 8-byte aligned: size (whole record), flags, channel
  // length, payload length, the channel's hash (so the consumer's route
  // lookup need not hash it again), then the bytes. A padding record fills the end
  // of the block before a wrap; only its first 8 bytes are written.
  struct RecordHeader {
    std::uint32_t size;
    std::uint32_t flags;
    std::uint32_t channelLength;
    std::uint32_t payloadLength;
    std::uint64_t channelHash;
  };
  static constexpr std::uint32_t kPadding = 1;  // beside a Forwarded kind

  struct Lane {
    explicit Lane(std::size_t capacity) : queue(capacity) {}
    SpscByteQueue queue;
    std::vector<char> overflow;  // producer's: records the queue had no room for
    std::size_t overflowHead = 0;
    bool wake = false;  // producer's: something went in during this turn
  };
  struct alignas(64) Mailbox {
    Broker* broker = nullptr;
    const Metrics* metrics = nullptr;
    ClientDirectory* clients = nullptr;
    int wakeFd = -1;
    std::atomic<bool> sleeping{false};
    std::atomic<bool> handOffsWaiting{false};
    std::mutex handOffMutex;
    std::vector<PendingConnection> handOffs;
  };

  Lane& lane(std::size_t from, std::size_t to) { return *lanes_[from * threads_ + to]; }
  static std::size_t recordSize(std::size_t channel, std::size_t payload) {
    return (sizeof(RecordHeader) + channel + payload + 7) & ~std::size_t{7};
  }
  // One record's bytes, in the queue or in an overflow alike.
  static void writeRecord(char* out, const RecordHeader& header, std::string_view channel,
                          std::string_view payload);
  // Copies one record into the queue; false when it has no room now.
  static bool push(SpscByteQueue& queue, const RecordHeader& header, std::string_view channel,
                   std::string_view payload);
  void moveOverflow(std::size_t from, Lane& lane);
  void wake(std::size_t to);

  std::size_t threads_;
  std::size_t congestedBytes_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::unique_ptr<Mailbox[]> mailboxes_;
  std::vector<std::size_t> overflowBytes_;  // by producer; each written by its own thread
  std::atomic<std::size_t> openConnections_{0};
  std::atomic<std::size_t> quiesced_{0};
  ThreadCalls calls_;
};

template <class OnMessage>
std::size_t Interconnect::drain(std::size_t self, OnMessage&& onMessage) {
  std::size_t messages = 0;
  for (std::size_t from = 0; from < threads_; ++from) {
    if (from == self) continue;
    SpscByteQueue& queue = lane(from, self).queue;
    // Only what is there now: a producer that keeps publishing must not
    // keep this thread from its own sockets.
    for (int pass = 0; pass < 2; ++pass) {  // the second pass takes a wrapped remainder
      std::span<const char> bytes = queue.readable();
      if (bytes.empty()) break;
      std::size_t used = 0;
      while (used < bytes.size()) {
        RecordHeader header;
        std::memcpy(&header, bytes.data() + used, 8);
        if (!(header.flags & kPadding)) {
          std::memcpy(&header, bytes.data() + used, sizeof header);
          const char* body = bytes.data() + used + sizeof header;
          onMessage(std::string_view(body, header.channelLength), header.channelHash,
                    std::string_view(body + header.channelLength, header.payloadLength),
                    static_cast<Forwarded>(header.flags));
          ++messages;
        }
        used += header.size;
      }
      queue.release(used);
    }
  }
  return messages;
}

}  // namespace linecast
