// linecast-cli: subscribe, publish, ping and health-check a linecast broker
// from a shell. See README.md in this directory for the exit codes.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.h"
#include "exit_codes.h"

#ifndef LINECAST_VERSION
#define LINECAST_VERSION "unknown"
#endif

namespace {

constexpr const char* kFooter = R"(Exit codes:
  0  ok
  1  the server answered -ERR (printed on stderr), or /healthz was not 200
  2  usage error
  3  cannot connect (the message names the address)
  4  authentication failed, or the server requires a token and none was given
  5  connection lost, or no answer within --timeout

Environment: LINECAST_TOKEN (--token), LINECAST_HOST (--host), LINECAST_PORT (--port),
LINECAST_HTTP_PORT (health --http-port).)";

}  // namespace

int main(int argc, char** argv) {
  using namespace linecast::cli;
  GlobalOptions global;
  SubOptions sub;
  PubOptions pub;
  PingOptions ping;
  HealthOptions health;
  PasswdOptions passwd;

  CLI::App app{"linecast-cli: subscribe, publish and ping on a linecast broker"};
  app.set_version_flag("--version", std::string("linecast-cli ") + LINECAST_VERSION);
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();  // global flags may come after the subcommand too
  app.add_option("--host", global.host, "broker address")->envname("LINECAST_HOST")->capture_default_str();
  app.add_option("--port", global.port, "line protocol port")
      ->envname("LINECAST_PORT")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("--token", global.token, "send AUTH <token> first")->envname("LINECAST_TOKEN");
  app.add_option("--timeout", global.timeout, "seconds to connect and for each awaited reply")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--tls", global.tls.enabled, "connect with TLS (the server's certificate must name --host)");
  auto* cacert = app.add_option("--cacert", global.tls.caFile, "CA file that signed the server's certificate "
                                                                 "(default: the system's CAs); implies --tls")
                     ->check(CLI::ExistingFile);
  auto* cert = app.add_option("--cert", global.tls.certFile, "client certificate for mutual TLS; implies --tls")
                   ->check(CLI::ExistingFile);
  app.add_option("--key", global.tls.keyFile, "private key of --cert (default: in the --cert file)")
      ->check(CLI::ExistingFile)
      ->needs(cert);

  auto* subCmd = app.add_subcommand("sub", "print every message on the channels or patterns");
  subCmd->add_option("CHANNEL", sub.patterns, "channels or patterns (room1.*.volume, room1.>)")->required();
  subCmd->add_flag("-v,--verbose", sub.verbose, "print 'channel payload' instead of the payload");
  subCmd->add_option("-n,--count", sub.count, "exit after N messages");

  auto* pubCmd = app.add_subcommand("pub", "publish MESSAGE, or each non-empty stdin line");
  pubCmd->add_option("CHANNEL", pub.channel, "channel to publish on")->required();
  pubCmd->add_option("MESSAGE", pub.message, "the payload (default: read stdin)");
  pubCmd->add_flag("-v,--verbose", pub.verbose, "report how many messages were published");

  auto* pingCmd = app.add_subcommand("ping", "measure PING/PONG round trips");
  pingCmd->add_option("-c,--count", ping.count, "round trips")->check(CLI::Range(1u, 1000000u))->capture_default_str();
  pingCmd->add_option("-i,--interval", ping.interval, "seconds between round trips")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  pingCmd->add_flag("-q,--quiet", ping.quiet, "print only the summary");

  auto* healthCmd = app.add_subcommand("health", "GET /healthz on the HTTP port; exit 0 only on 200");
  healthCmd->add_option("--http-port", health.httpPort, "HTTP port")
      ->envname("LINECAST_HTTP_PORT")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();

  auto* passwdCmd = app.add_subcommand(
      "passwd", "read a password on stdin and print its hash for the users file (--users)");
  passwdCmd->add_option("--iterations", passwd.iterations, "PBKDF2-HMAC-SHA256 iterations")
      ->check(CLI::Range(1000u, 100000000u))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (cacert->count() > 0 || cert->count() > 0) global.tls.enabled = true;
  if (global.token.find_first_of(" \t\r\n") != std::string::npos) {
    printError("a token has no spaces or line breaks");
    return kExitUsage;
  }

  if (subCmd->parsed()) return runSub(global, sub);
  if (pubCmd->parsed()) return runPub(global, pub);
  if (pingCmd->parsed()) return runPing(global, ping);
  if (passwdCmd->parsed()) return runPasswd(passwd);
  return runHealth(global, health);
}
