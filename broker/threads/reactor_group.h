#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "config.h"
#include "persist/retained_persistence.h"
#include "persist/store_writer.h"
#include "threads/interconnect.h"
#include "server.h"

namespace linecast {

// The broker process with --threads N: N reactor threads (Servers) joined by
// an Interconnect. The first binds the listeners and hands each accepted
// connection to the threads in turn; a connection stays on its thread for
// life. With one thread there is no Interconnect at all: the Server is the
// whole broker, exactly as before threads existed.
class ReactorGroup {
 public:
  // Opens --data-dir and loads it (throws StoreError when it cannot), then
  // binds the listeners (throws std::system_error when it cannot).
  explicit ReactorGroup(const Config& config);
  ~ReactorGroup();
  ReactorGroup(const ReactorGroup&) = delete;
  ReactorGroup& operator=(const ReactorGroup&) = delete;

  // Runs the first thread on the caller's and the others on their own, until
  // requestStop() and every thread's shutdown. Returns the exit code.
  int run();
  // Async-signal-safe: asks every thread to stop.
  void requestStop();
  // Async-signal-safe (SIGHUP): the first thread reloads the TLS files;
  // every thread's new handshakes then use them.
  void requestReload() { servers_.front()->requestReload(); }

  std::size_t threads() const { return servers_.size(); }
  std::uint16_t port() const { return servers_.front()->port(); }
  std::uint16_t listenerPort(std::string_view name) const {
    return servers_.front()->listenerPort(name);
  }

 private:
  // --data-dir: the store, its retained messages loaded into the
  // RetainedStore, which journals every later change to it.
  void openDataDir(Config& config);

  // Owned here too, not only by the servers' configs: the journal's
  // destructor (after the servers are gone) still reads it.
  std::shared_ptr<RetainedStore> retained_;
  std::shared_ptr<StoreWriter> store_;  // null without --data-dir
  std::unique_ptr<RetainedPersistence> retainedJournal_;
  std::unique_ptr<Interconnect> net_;
  std::vector<std::unique_ptr<Server>> servers_;
  std::size_t defaultedFrom_ = 0;  // the usable cores, when --threads 0 chose
};

// --threads N, or for 0 the default for the cores this process may use
// (threads/core_count.h).
std::size_t reactorThreadsFor(const Config& config);

}  // namespace linecast
