#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace linecast {
namespace {

// OpenSSL's reasons for the last failure, oldest first, and the queue
// emptied so that the next failure starts clean.
std::string openSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

// A file OpenSSL cannot open says so through a chain of codes; checking
// first gives the plain reason ("No such file or directory").
bool readable(const std::string& path, const char* flag, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    error = fmt::format("cannot read {} '{}': {}", flag, path, std::strerror(errno));
    return false;
  }
  std::fclose(file);
  return true;
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::load(const TlsFiles& files, std::string& error) {
  ERR_clear_error();
  if (!readable(files.cert, "--tls-cert", error) || !readable(files.key, "--tls-key", error)) return nullptr;
  if (!files.ca.empty() && !readable(files.ca, "--tls-ca", error)) return nullptr;
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    error = "cannot create a TLS context: " + openSslErrors();
    return nullptr;
  }
  std::shared_ptr<TlsContext> context(new TlsContext(ctx, !files.ca.empty()));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // No renegotiation (a client could make the server do handshakes on an
  // open connection at will); a peer that closes without close_notify is an
  // ordinary end of stream, as it is for plaintext clients; kernel TLS
  // where the kernel has it.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
                               SSL_OP_ENABLE_KTLS | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Partial writes and a moving buffer: a write takes what the socket takes
  // from the output ring, and the retry comes from wherever the ring's
  // front is then. Release buffers: an idle connection holds no 16 KiB
  // record buffers (bench/README, "TLS").
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  // Read ahead into a 64 KiB buffer: one read() takes several records, not
  // a header and then a body per record (released when empty, as above).
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024);
  // AES-128-GCM first, as Mozilla's "intermediate" profile and Go's
  // crypto/tls order them: as safe, and a third cheaper per byte than
  // AES-256 (OpenSSL's default first choice) with AES-NI.
  SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
  if (SSL_CTX_use_certificate_chain_file(ctx, files.cert.c_str()) != 1) {
    error = fmt::format("cannot load --tls-cert '{}': {}", files.cert, openSslErrors());
    return nullptr;
  }
  // OpenSSL checks the key against the certificate as it loads it.
  bool loaded = SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM) == 1;
  if (!loaded && ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
    error = fmt::format("cannot load --tls-key '{}': {}", files.key, openSslErrors());
    return nullptr;
  }
  if (!loaded || SSL_CTX_check_private_key(ctx) != 1) {
    error = fmt::format("--tls-key '{}' does not match the certificate in --tls-cert '{}'", files.key,
                        files.cert);
    ERR_clear_error();
    return nullptr;
  }
  if (!files.ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, files.ca.c_str(), nullptr) != 1) {
      error = fmt::format("cannot load --tls-ca '{}': {}", files.ca, openSslErrors());
      return nullptr;
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca.c_str());
    if (names == nullptr) {
      error = fmt::format("cannot load --tls-ca '{}': no certificate in it", files.ca);
      ERR_clear_error();
      return nullptr;
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  // Resumed sessions must be tied to this server's verification settings.
  static constexpr unsigned char kSessionContext[] = "linecast";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

bool TlsContextStore::reload(std::string& error) {
  auto fresh = TlsContext::load(files_, error);
  if (!fresh) return false;
  current_.store(std::move(fresh));
  return true;
}

}  // namespace linecast
