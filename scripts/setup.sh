#!/usr/bin/env bash
# Sets up everything netemu and its tests need on a fresh Debian machine.
# - Debian packages (only when run as root and something is missing): dig (dnsutils), nft
#   (nftables), ip (iproute2), ping (iputils-ping), tcpdump, conntrack, dnsperf, delv
#   (bind9-dnsutils: validates netemu's DNSSEC signatures in tests), dot (graphviz, for
#   `netemu draw`), chromium and chromedriver (chromium-driver, the web view's browser tests);
#   and vagrant (tests/test_vagrant.py runs `vagrant validate`; optional: a failed install only
#   skips it; NETEMU_NO_VAGRANT=1 leaves it out, as the Vagrant VM's own provisioning does).
# - .venv with netemu installed in editable mode plus the test and fast extras.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dig >/dev/null || need+=(dnsutils)
command -v nft >/dev/null || need+=(nftables)
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v conntrack >/dev/null || need+=(conntrack)
command -v dnsperf >/dev/null || need+=(dnsperf)
command -v delv >/dev/null || need+=(bind9-dnsutils)
command -v dot >/dev/null || need+=(graphviz)
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: missing ${need[*]} (not root or no apt-get): tests that need them will skip" >&2
  fi
fi
if [ -z "${NETEMU_NO_VAGRANT:-}" ] && ! command -v vagrant >/dev/null && [ "$(id -u)" = 0 ] \
     && command -v apt-get >/dev/null; then
  echo "setup: installing Debian package: vagrant"
  vagrant_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends vagrant \
      >/dev/null 2>&1
  }
  vagrant_install || { apt-get update -qq && vagrant_install; } \
    || echo "setup: vagrant not installed: tests/test_vagrant.py's vagrant validate will skip" >&2
fi

PY=${PY:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[test,fast]'
# atheris makes fuzz/campaign.py coverage-guided; optional (no wheel for every Python)
.venv/bin/python -m pip install -q --only-binary=:all: 'atheris>=2.3' >/dev/null 2>&1 \
  || echo "setup: atheris not installed: fuzz/campaign.py falls back to unguided mutation" >&2
