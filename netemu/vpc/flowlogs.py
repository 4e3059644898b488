"""VPC Flow Logs records for a trace: what AWS would log for the ENIs on the path.

Name
    Flow-log records, version 2 default format.
Behaviour (VPC-UG flow-logs.html, flow-logs-records-examples.html)
    - Default format: ``version account-id interface-id srcaddr dstaddr srcport dstport protocol
      packets bytes start end action log-status``, space-separated (V86).
    - One record per ENI per flow (5-tuple) per aggregation interval (V88); ``action`` ACCEPT or
      REJECT, ``log-status`` OK (V87).
    - Addresses are those the ENI sees: its primary private address, never the public IP (V89).
    - Stateful vs stateless (V90): a request let in by SG and NACL is ACCEPT; its reply, blocked
      by the NACL's outbound rules, is REJECT on the same ENI.
    - Logged ENIs: instances and NAT gateways (transit gateway attachment ENIs are not modelled).
Fields
    ``records(trace, account_id, start, end)`` -> tuple of FlowLogRecord; ``str(record)`` is
    the log line. ``packets`` is 1 and ``bytes`` the size of the smallest such packet (TCP SYN
    60/80, UDP 28/48, ICMP echo 84/104, other 20/40 bytes for IPv4/IPv6): a trace has no real
    traffic, so these two fields are placeholders. ICMP and port-less protocols log ports 0.
Example
    ``2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.10 203.0.113.50 40000 443 6 1 60 1700000000
    1700000060 ACCEPT OK``
"""

from __future__ import annotations

from dataclasses import dataclass

from netemu.vpc.packets import ICMP_PROTOCOLS, PORT_PROTOCOLS, TCP, UDP, Packet
from netemu.vpc.trace import Trace

AGGREGATION_SECONDS = 60  # the 1-minute aggregation interval (V88)


def _size(p: Packet) -> int:
    v6 = p.version == 6
    if p.protocol == TCP:
        return 80 if v6 else 60
    if p.protocol == UDP:
        return 48 if v6 else 28
    if p.protocol in ICMP_PROTOCOLS:
        return 104 if v6 else 84
    return 40 if v6 else 20


@dataclass(frozen=True, slots=True)
class FlowLogRecord:
    account_id: str
    interface_id: str
    srcaddr: str
    dstaddr: str
    srcport: int
    dstport: int
    protocol: int
    packets: int
    bytes: int
    start: int
    end: int
    action: str
    log_status: str = "OK"
    version: int = 2
    eni_name: str = ""  # not a log field: which node the ENI belongs to

    def __str__(self) -> str:
        return " ".join(str(f) for f in (
            self.version, self.account_id, self.interface_id, self.srcaddr, self.dstaddr,
            self.srcport, self.dstport, self.protocol, self.packets, self.bytes, self.start,
            self.end, self.action, self.log_status,
        ))


def records(trace: Trace, account_id: str = "123456789012", start: int = 0,
            end: int | None = None) -> tuple[FlowLogRecord, ...]:
    """The records of the ENIs the trace's packets touched, in path order."""
    end = start + AGGREGATION_SECONDS if end is None else end
    out: dict[tuple[object, ...], FlowLogRecord] = {}
    for ev in trace.log_events:
        p = ev.packet
        ports = (p.sport or 0, p.dport or 0) if p.protocol in PORT_PROTOCOLS else (0, 0)
        key = (ev.eni_id, p.src, p.dst, ports, p.protocol)
        rec = FlowLogRecord(account_id, ev.eni_id, p.src, p.dst, ports[0], ports[1], p.protocol,
                            1, _size(p), start, end, ev.action, eni_name=ev.eni)
        if key not in out or rec.action == "REJECT":  # one record per 5-tuple per interval;
            out[key] = rec  # a reject shows
    return tuple(out.values())
