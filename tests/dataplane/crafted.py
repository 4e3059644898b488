"""Crafted packets with scapy inside namespaces: send frames from one node, capture what arrives
on an interface of another. Each side is a ``python3 -c`` child of this test (``ip netns exec``),
stopped by its PID when it overruns.
"""

from __future__ import annotations

import subprocess
import sys
import time

SNIFFER = r"""
import sys
from scapy.all import AsyncSniffer
iface, bpf = sys.argv[1], sys.argv[2]
s = AsyncSniffer(iface=iface, filter=bpf, store=True,
                started_callback=lambda: print("ready", flush=True))
s.start()
sys.stdin.readline()  # until the test says the frames are sent and settled
for p in s.stop() or []:
    print("got", p.summary(), flush=True)
"""

SENDER = r"""
import sys
from scapy.all import Ether, IP, IPv6, UDP, Raw, sendp
iface, mac, dsts = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
frames = [Ether(dst=mac) / (IPv6(dst=d, hlim=8) if ":" in d else IP(dst=d, ttl=8))
          / UDP(sport=40000, dport=9) / Raw(b"netemu") for d in dsts]
sendp(frames, iface=iface, verbose=0)
print("sent", len(frames), flush=True)
"""


def send_udp_frames(src_ns: str, iface: str, mac: str, destinations: list[str],
                    capture_ns: str, capture_iface: str, settle: float = 0.5) -> list[str]:
    """Send one UDP frame (port 9, IPv4 or IPv6) to each destination from ``src_ns`` out of
    ``iface`` to the MAC ``mac`` (the next hop), and return what ``capture_ns`` saw on
    ``capture_iface``."""
    sniffer = subprocess.Popen(["ip", "netns", "exec", capture_ns, sys.executable, "-c", SNIFFER,
                                capture_iface, "udp and port 9"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert sniffer.stdout is not None
        assert sniffer.stdout.readline().strip() == "ready"
        sent = subprocess.run(["ip", "netns", "exec", src_ns, sys.executable, "-c", SENDER, iface,
                               mac, ",".join(destinations)],
                              capture_output=True, text=True, timeout=60, check=True)
        assert sent.stdout.strip() == f"sent {len(destinations)}", sent.stderr
        time.sleep(settle)  # forwarding (and ARP on the way) takes a moment
        out, _ = sniffer.communicate("stop\n", timeout=60)
    finally:
        if sniffer.poll() is None:  # the sender failed: stop the sniffer we started, by its PID
            sniffer.kill()
            sniffer.wait()
    return [line.removeprefix("got ") for line in out.splitlines() if line.startswith("got ")]
