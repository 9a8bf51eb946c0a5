#pragma once

#include <atomic>
#include <memory>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;

namespace linecast {

// The files --tls-cert, --tls-key and --tls-ca name.
struct TlsFiles {
  std::string cert;  // PEM: the leaf first, then its chain
  std::string key;   // PEM
  std::string ca;    // PEM; empty: no client certificates (no mutual TLS)
};

// One loaded OpenSSL server context: TLS 1.2 and 1.3 only, renegotiation
// refused, record buffers released while a connection is idle, kernel TLS
// asked for (used where the kernel offers it), and with a CA file, client
// certificates required and verified.
class TlsContext {
 public:
  // Loads the files; on failure returns null and says in `error` which file
  // did not load and why.
  static std::shared_ptr<TlsContext> load(const TlsFiles& files, std::string& error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* get() const { return ctx_; }
  bool verifiesClients() const { return verifiesClients_; }

 private:
  TlsContext(SSL_CTX* ctx, bool verifiesClients) : ctx_(ctx), verifiesClients_(verifiesClients) {}

  SSL_CTX* ctx_;
  bool verifiesClients_;
};

// The current context for new handshakes, shared by every reactor thread.
// SIGHUP reloads it; a connection keeps the context it started with (its SSL
// holds a reference), so a reload closes nothing.
class TlsContextStore {
 public:
  explicit TlsContextStore(TlsFiles files, std::shared_ptr<TlsContext> first)
      : files_(std::move(files)), current_(std::move(first)) {}

  std::shared_ptr<TlsContext> current() const { return current_.load(); }
  const TlsFiles& files() const { return files_; }

  // Loads the files again. On failure the old context stays and `error`
  // says why; returns whether the new one is in use.
  bool reload(std::string& error);

 private:
  TlsFiles files_;
  std::atomic<std::shared_ptr<TlsContext>> current_;
};

}  // namespace linecast
