#!/usr/bin/env bash
# Provisions netemu on a Debian machine: the Vagrant VM runs it (see Vagrantfile), and CI runs it
# on its own Debian machine with --check (tests/test_vagrant.py), so every step below is run
# somewhere outside a VM too.
#
#   scripts/vagrant-provision.sh               in the VM (root): Debian packages, netemu (.venv),
#                                              two systemd units, enabled and started
#   scripts/vagrant-provision.sh --check DIR   on any Debian host (root): the same packages and
#                                              netemu; the units are written under DIR (an
#                                              alternate root), checked with systemd-analyze
#                                              verify and enabled there with systemctl --root;
#                                              the running systemd is not touched, nothing starts
#
# The units:
#   netemu-serve.service     netemu serve on the VM's own address (the interface of its default
#                            route, or $NETEMU_LISTEN_ADDR): DNS on port 1053 (UDP and TCP) and
#                            the Route 53 API on 4580, state kept in /var/lib/netemu; the
#                            Vagrantfile forwards both ports to 127.0.0.1 on the host
#   netemu-topology.service  netemu apply of $NETEMU_TOPOLOGY (topologies/three-tier.yaml) at
#                            boot, netemu destroy when stopped
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

CHECK=0
TARGET=/
if [ "${1:-}" = "--check" ]; then
  CHECK=1
  TARGET=${2:?usage: vagrant-provision.sh [--check DIR]}
  mkdir -p "$TARGET"
  TARGET=$(cd "$TARGET" && pwd)
fi
TOPOLOGY=${NETEMU_TOPOLOGY:-topologies/three-tier.yaml}
DNS_PORT=1053
API_PORT=4580
PACKAGES=(python3 python3-venv python3-pip iproute2 nftables iputils-ping dnsutils tcpdump
          conntrack curl make)

say() { echo "provision: $*"; }

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  say "Debian packages present: ${PACKAGES[*]}"
}

# The address the VM's other side reaches: the source address of the default route
# (VirtualBox NAT: 10.0.2.15), which Vagrant's forwarded ports deliver to.
listen_address() {
  local addr=${NETEMU_LISTEN_ADDR:-}
  if [ -z "$addr" ]; then
    addr=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  fi
  echo "${addr:-127.0.0.1}"
}

write_units() {
  local addr=$1 dir="$TARGET/etc/systemd/system"
  mkdir -p "$dir"
  cat > "$dir/netemu-serve.service" <<EOF
[Unit]
Description=netemu: Route 53 DNS and API emulator on $addr
Documentation=file://$REPO/README.md
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
WorkingDirectory=$REPO
ExecStart=$REPO/.venv/bin/netemu serve --zones $REPO/zones --listen $addr:$DNS_PORT --api $addr:$API_PORT --state /var/lib/netemu
StateDirectory=netemu
KillSignal=SIGINT
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
EOF
  cat > "$dir/netemu-topology.service" <<EOF
[Unit]
Description=netemu: $TOPOLOGY on network namespaces
Documentation=file://$REPO/README.md
After=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
WorkingDirectory=$REPO
# the topology before --zones, which takes every path after it
ExecStart=$REPO/.venv/bin/netemu apply --quiet $REPO/$TOPOLOGY --zones $REPO/zones
ExecStop=$REPO/.venv/bin/netemu destroy

[Install]
WantedBy=multi-user.target
EOF
  say "wrote $dir/netemu-serve.service and netemu-topology.service (serve on $addr)"
}

verify_units() {
  local dir="$TARGET/etc/systemd/system"
  if command -v systemd-analyze >/dev/null; then
    # --man=no: the Documentation= pages need not be installed man pages
    SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
      "$dir/netemu-serve.service" "$dir/netemu-topology.service"
    say "systemd-analyze verify: both units are valid"
  else
    say "systemd-analyze not found: units not verified"
  fi
}

install_packages
NETEMU_NO_VAGRANT=1 PY=python3 bash scripts/setup.sh   # no vagrant inside the VM
"$REPO/.venv/bin/netemu" --help >/dev/null
say "netemu installed in $REPO/.venv"
"$REPO/.venv/bin/netemu" check "$TOPOLOGY" >/dev/null
say "$TOPOLOGY passes netemu check"
ADDR=$(listen_address)
write_units "$ADDR"
verify_units
systemctl --root="$TARGET" enable netemu-serve.service netemu-topology.service 2>&1 \
  | sed 's/^/provision: /'

if [ "$CHECK" = 1 ]; then
  say "check mode: units enabled under $TARGET only; nothing started"
  exit 0
fi
systemctl daemon-reload
systemctl restart netemu-serve.service netemu-topology.service
for _ in $(seq 50); do
  dig @"$ADDR" -p "$DNS_PORT" +short +time=1 +tries=1 www.example.com A | grep -q . && break
  sleep 0.2
done
say "dig @$ADDR -p $DNS_PORT www.example.com: $(dig @"$ADDR" -p "$DNS_PORT" +short www.example.com A)"
"$REPO/.venv/bin/netemu" status
