#pragma once

#include <string>

typedef struct ssl_ctx_st SSL_CTX;

namespace linecast::test {

// The integration suite's TLS pass (LINECAST_TEST_TLS=1, registered in
// tests/CMakeLists.txt like the io_uring pass): every server gets a
// certificate and every TestClient speaks TLS to it, so each test runs its
// checks through the TLS transport.
bool tlsPass();

// The server's certificate and key for the pass: made once per test binary
// with the openssl command into a temporary folder.
const std::string& tlsCertFile();
const std::string& tlsKeyFile();

// The clients' context: TLS 1.2+, no verification (tests/tls verifies).
SSL_CTX* tlsClientContext();

}  // namespace linecast::test
