#include "tls_pass.h"

#include <openssl/ssl.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>

namespace linecast::test {
namespace {

struct Files {
  std::string cert;
  std::string key;
};

const Files& files() {
  static Files made = [] {
    char dir[] = "/tmp/linecast-tls-pass-XXXXXX";
    if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
    Files f{std::string(dir) + "/cert.pem", std::string(dir) + "/key.pem"};
    std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
                          "-subj /CN=localhost -keyout " + f.key + " -out " + f.cert + " 2>/dev/null";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed: " + command);
    return f;
  }();
  return made;
}

}  // namespace

bool tlsPass() {
  const char* value = std::getenv("LINECAST_TEST_TLS");
  return value != nullptr && *value != '\0' && *value != '0';
}

const std::string& tlsCertFile() { return files().cert; }
const std::string& tlsKeyFile() { return files().key; }

SSL_CTX* tlsClientContext() {
  static SSL_CTX* context = [] {
    // OpenSSL writes with write(): a server that closed must not kill the
    // test binary (the server's child resets SIGPIPE before exec).
    std::signal(SIGPIPE, SIG_IGN);
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    // send() retries with the same bytes at a moved address after a short write.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
  }();
  return context;
}

}  // namespace linecast::test
