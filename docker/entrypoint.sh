#!/bin/sh
# The image's entrypoint: maps LINECAST_* environment variables to
# linecast-server flags, then execs the server (so it gets SIGTERM directly).
#
#   docker run linecast                          # the server, configured by env and TOML
#   docker run linecast --log-level debug        # extra flags go to the server
#   docker run linecast linecast-cli ping        # anything else runs as given
#
# Precedence: command-line flags > LINECAST_* variables > the TOML file
# (LINECAST_CONFIG; the image sets /etc/linecast/linecast.toml) > defaults.
# A flag given on the command line suppresses its variable, since the
# server refuses a flag given twice.
#
# LINECAST_AUTH_TOKEN is written to a private file and passed as
# --auth-token-file, so the token stays out of the process list.
# LINECAST_SERVER_BIN names the server binary (the tests use a fake).
set -eu

case "${1:-}" in
  "" | -*) ;;
  *) exec "$@" ;;
esac

nl='
'
# The flags on the command line, one per line ("--port=7500" counts as --port).
given_flags="$nl"
for arg in "$@"; do
  case "$arg" in
    --*) given_flags="$given_flags${arg%%=*}$nl" ;;
  esac
done
given() {
  case "$given_flags" in
    *"$nl$1$nl"*) return 0 ;;
  esac
  return 1
}

count=0
queue() {  # queue --flag value
  count=$((count + 1))
  eval "flag_$count=\$1 value_$count=\$2"
}
map() {  # map VARIABLE --flag
  eval "value=\${$1:-}"
  if [ -n "$value" ] && ! given "$2"; then queue "$2" "$value"; fi
}

map LINECAST_CONFIG --config
map LINECAST_BIND --bind
map LINECAST_PORT --port
map LINECAST_HTTP_PORT --http-port
map LINECAST_MAX_CONNS --max-conns
map LINECAST_MAX_LINE --max-line
map LINECAST_MAX_OUTBUF --max-outbuf
map LINECAST_MAX_SUBS --max-subs
map LINECAST_READ_TIMEOUT --read-timeout
map LINECAST_AUTH_TIMEOUT --auth-timeout
map LINECAST_SHUTDOWN_GRACE --shutdown-grace
map LINECAST_LOG_LEVEL --log-level
map LINECAST_AUTH_TOKEN_FILE --auth-token-file
map LINECAST_TLS_CERT --tls-cert
map LINECAST_TLS_KEY --tls-key
map LINECAST_TLS_CA --tls-ca
map LINECAST_USERS --users
map LINECAST_JWT_SECRET_FILE --jwt-secret-file
map LINECAST_JWT_PUBLIC_KEY --jwt-public-key
map LINECAST_MQTT_PORT --mqtt-port
map LINECAST_MQTT_MAX_QUEUED --mqtt-max-queued
map LINECAST_MQTT_MAX_INFLIGHT --mqtt-max-inflight
map LINECAST_DATA_DIR --data-dir
map LINECAST_FSYNC --fsync
map LINECAST_CLUSTER --cluster
map LINECAST_CLUSTER_PASSWORD_FILE --cluster-password-file
map LINECAST_NODE_ID --node-id

if [ -n "${LINECAST_AUTH_TOKEN:-}" ] && ! given --auth-token && ! given --auth-token-file; then
  if [ -n "${LINECAST_AUTH_TOKEN_FILE:-}" ]; then
    echo "entrypoint: set LINECAST_AUTH_TOKEN or LINECAST_AUTH_TOKEN_FILE, not both" >&2
    exit 2
  fi
  token_file="$(umask 077 && mktemp "${TMPDIR:-/tmp}/linecast-token.XXXXXX")"
  printf '%s' "$LINECAST_AUTH_TOKEN" > "$token_file"
  queue --auth-token-file "$token_file"
fi
unset LINECAST_AUTH_TOKEN

# The mapped flags go before the caller's arguments, in the order above.
while [ "$count" -gt 0 ]; do
  eval "set -- \"\$flag_$count\" \"\$value_$count\" \"\$@\""
  count=$((count - 1))
done

exec "${LINECAST_SERVER_BIN:-linecast-server}" "$@"
