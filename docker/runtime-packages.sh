#!/bin/sh
# Prints the Debian packages that provide the shared libraries the given
# binaries load, one per line. The Dockerfile's build stage runs it so that
# the runtime stage installs exactly those (libfmt9, libhttp-parser2.9, ...)
# and stays right when a library is added to the build.
set -eu
for binary in "$@"; do
  ldd "$binary" | awk '/=> \// { print $3 }'
done | sort -u | while read -r lib; do
  real="$(readlink -f "$lib")"
  # Debian 12 merged /lib into /usr/lib, but dpkg knows each file under one
  # of the two spellings: ask for all of them.
  for path in "$lib" "$real" "${lib#/usr}" "${real#/usr}" "/usr${lib#/usr}" "/usr${real#/usr}"; do
    if owner="$(dpkg-query -S "$path" 2>/dev/null)"; then
      printf '%s\n' "${owner%%:*}"
      break
    fi
  done
done | sort -u
