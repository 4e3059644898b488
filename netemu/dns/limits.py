"""Every resource bound of the DNS listeners in one place (issue 14), documented in docs/dns.md.

``Limits`` holds the numbers (``netemu serve`` options override some); ``RateLimiter`` is
response rate limiting in the style of RRL: a token bucket per client network (IPv4 /24,
IPv6 /56), refilled at ``rate`` responses a second with a burst of one second's worth; a query
over the limit is dropped, except every ``slip``-th one, which gets a truncated reply (TC=1, no
records) so a real client behind a spoofed flood retries over TCP, which is never limited.
The limiter takes the time as an argument (``now``) and tracks at most ``max_networks``
networks (the least recently seen is forgotten first), so its memory is bounded whatever the
query mix. ``truncated(query)`` builds that reply from the query's bytes alone.
"""

from __future__ import annotations

import ipaddress
import struct
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers; defaults are what ``netemu serve`` uses (docs/dns.md explains each)."""

    tcp_max_connections: int = 512     # open at once; at the limit the longest-idle one is closed
    tcp_idle_seconds: float = 10.0     # to complete the next message (a trickle does not count)
    tcp_lifetime_seconds: float = 120.0  # a connection's whole life, however busy
    tcp_max_queries: int = 1000        # answered on one connection, pipelined or not
    tcp_max_message: int = 16384       # largest query accepted over TCP (the length prefix)
    tcp_write_seconds: float = 10.0    # for a client to take its replies (else closed)
    udp_batch: int = 256               # datagrams read per wake-up (TCP is not starved)
    rate_limit: float = 0.0            # responses a second per /24 or /56; 0: off (default)
    rate_limit_slip: int = 2           # every Nth limited query gets TC=1; 0: drop all
    rate_limit_networks: int = 65536   # networks tracked at most (bounded memory)


DEFAULT = Limits()
IPV4_PREFIX, IPV6_PREFIX = 24, 56


def network_of(address: str) -> str:
    """The client network a rate limit bucket covers: ``192.0.2.0/24``, ``2001:db8::/56``."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


ANSWER, DROP, SLIP = "answer", "drop", "slip"


class RateLimiter:
    """Token buckets per client network; ``check(address, now)`` says answer, drop or slip."""

    __slots__ = ("_buckets", "burst", "limited", "max_networks", "rate", "slip", "slipped")

    def __init__(self, rate: float, slip: int = 2, max_networks: int = 65536) -> None:
        if rate <= 0:
            raise ValueError("rate limit must be greater than 0")
        self.rate = float(rate)
        self.burst = max(1.0, float(rate))
        self.slip = slip
        self.max_networks = max_networks
        # network -> [tokens, last refill time, queries limited so far]
        self._buckets: OrderedDict[str, list[float]] = OrderedDict()
        self.limited = 0
        self.slipped = 0

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, address: str, now: float) -> str:
        net = network_of(address)
        bucket = self._buckets.get(net)
        if bucket is None:
            if len(self._buckets) >= self.max_networks:
                self._buckets.popitem(last=False)   # forget the least recently seen network
            bucket = [self.burst, now, 0.0]
            self._buckets[net] = bucket
        else:
            self._buckets.move_to_end(net)
            elapsed = max(0.0, now - bucket[1])
            bucket[0] = min(self.burst, bucket[0] + elapsed * self.rate)
            bucket[1] = now
        if bucket[0] >= 1.0:
            bucket[0] -= 1.0
            return ANSWER
        bucket[2] += 1
        self.limited += 1
        if self.slip and int(bucket[2]) % self.slip == 0:
            self.slipped += 1
            return SLIP
        return DROP


_HEADER = struct.Struct("!HHHHHH")


def truncated(query: bytes) -> bytes | None:
    """The TC=1 reply to ``query`` (header and question echoed, no records), or None when the
    bytes are not a one-question query (then nothing is sent)."""
    if len(query) < 12:
        return None
    qid, flags, qdcount, _, _, _ = _HEADER.unpack_from(query)
    if flags & 0x8000 or qdcount != 1:
        return None
    pos = 12
    while True:
        if pos >= len(query):
            return None
        length = query[pos]
        if length == 0:
            pos += 1
            break
        if length & 0xC0:
            return None
        pos += 1 + length
    if pos + 4 > len(query):
        return None
    reply_flags = 0x8000 | (flags & 0x7900) | (flags & 0x0010) | 0x0200   # QR, opcode, RD, CD, TC
    return _HEADER.pack(qid, reply_flags, 1, 0, 0, 0) + query[12:pos + 4]


__all__ = ["ANSWER", "DEFAULT", "DROP", "SLIP", "Limits", "RateLimiter", "network_of",
           "truncated"]
