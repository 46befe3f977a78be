#!/usr/bin/env bash
# Installs, as root on Debian 12 (bookworm), what building and testing the project needs from
# Debian: the worker's build tools and libraries (scripts/build-worker.mjs), meson >= 1.1 from
# bookworm-backports, a deb-src line for libsrtp2's source package, and, with --test, what the test
# suite uses (Chromium, nginx, iproute2, nftables). Safe to run again: it adds only what is missing.
#
#   scripts/setup-debian.sh           # to build and run
#   scripts/setup-debian.sh --test    # also to run npm test
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1
if [ "$(id -u)" -ne 0 ]; then echo "setup-debian: run as root (sudo $0 $*)" >&2; exit 1; fi
. /etc/os-release
if [ "${VERSION_CODENAME:-}" != "bookworm" ]; then
  echo "setup-debian: written for Debian 12 (bookworm); this is ${PRETTY_NAME:-unknown}. See docs/mediasoup.md for what the worker needs." >&2
  exit 1
fi

sources=/etc/apt/sources.list.d/cdn-relay.sources
if [ ! -f "$sources" ]; then
  echo "setup-debian: adding bookworm-backports (meson >= 1.1) and deb-src bookworm (libsrtp2's source) to $sources"
  cat >"$sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi

# The worker: compilers, meson + ninja, pkg-config, the libraries it links, flatc for its message
# headers, dpkg-dev for `apt-get source libsrtp2`.
pkgs=(gcc g++ make python3 pkg-config ninja-build binutils dpkg-dev
      libssl-dev libuv1-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler)
if [ "$want_test" = 1 ]; then
  # Browser tests use Debian's Chromium; the proxy tests nginx; the multi-host tests ip, tc and nft.
  pkgs+=(chromium nginx iproute2 nftables)
fi

echo "setup-debian: apt-get update"
apt-get update -qq
echo "setup-debian: installing ${pkgs[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "setup-debian: installing meson from bookworm-backports"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports meson >/dev/null
echo "setup-debian: done (meson $(meson --version))"
