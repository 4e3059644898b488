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
    - ``log-status`` NODATA: an endpoint ENI of the flow (the source or destination instance)
      that no packet reached in the interval, e.g. the destination when the request is dropped
      on the way; SKIPDATA: records of the interval were skipped (AWS: capacity or internal
      error; netemu never skips, so only callers that say so get one, ``skipdata=``). Both carry
      ``-`` from ``srcaddr`` to ``bytes`` and in ``action`` (V87).
    - Custom formats (``LogFormat.parse("${version} ${vpc-id} ...")``): any of the version 2-5
      fields, in any order; the ``version`` field prints the highest version among the chosen
      fields (V92). Version 3: ``vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr
      pkt-dstaddr``; 4: ``region az-id sublocation-type sublocation-id``; 5:
      ``pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path``. A field that
      does not apply is ``-`` (a NAT gateway's ``instance-id``, ``traffic-path`` of incoming
      traffic, the sublocation and AWS-service fields, which netemu does not model).
Decisions
    ``tcp-flags`` of a trace's single packet: SYN (2) for the request, SYN-ACK (18) for the
    reply, 0 for other protocols. ``az-id`` is derived from the subnet's zone name
    (``us-east-1a`` -> ``use1-az1``): AWS maps names to ids per account. ``vpc-id``,
    ``subnet-id`` and ``instance-id`` are the deterministic ids of ``trace --format
    reachability-analyzer``. ``traffic-path`` of an egress-only internet gateway is 2, as for
    an internet gateway.
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

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from netemu.vpc import addressing
from netemu.vpc.model import Topology
from netemu.vpc.packets import ICMP_PROTOCOLS, PORT_PROTOCOLS, TCP, UDP, Packet
from netemu.vpc.reachability import resource_id
from netemu.vpc.trace import LogEvent, Trace

AGGREGATION_SECONDS = 60  # the 1-minute aggregation interval (V88)

# Every field netemu writes, with the flow-log version that introduced it (V86, V92).
FIELD_VERSIONS: dict[str, int] = {
    **dict.fromkeys(["version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport",
                     "dstport", "protocol", "packets", "bytes", "start", "end", "action",
                     "log-status"], 2),
    **dict.fromkeys(["vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr",
                     "pkt-dstaddr"], 3),
    **dict.fromkeys(["region", "az-id", "sublocation-type", "sublocation-id"], 4),
    **dict.fromkeys(["pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction",
                     "traffic-path"], 5),
}
DEFAULT_FIELDS = tuple(f for f, v in FIELD_VERSIONS.items() if v == 2)
TCP_SYN, TCP_SYN_ACK = 2, 18


class FlowLogFormatError(ValueError):
    """A custom format netemu cannot write (the message is AWS-worded)."""


@dataclass(frozen=True, slots=True)
class LogFormat:
    fields: tuple[str, ...] = DEFAULT_FIELDS

    @property
    def version(self) -> int:
        """V92: the highest version among the chosen fields."""
        return max(FIELD_VERSIONS[f] for f in self.fields)

    @classmethod
    def parse(cls, text: str) -> LogFormat:
        """``${field} ${field} ...`` (CreateFlowLogs ``LogFormat``), space-separated."""
        tokens = text.split()
        if not tokens:
            raise FlowLogFormatError("InvalidParameter: LogFormat: the format has no field")
        fields = []
        for token in tokens:
            m = re.fullmatch(r"\$\{([a-z0-9-]+)\}", token)
            if m is None:
                raise FlowLogFormatError(
                    f"InvalidParameter: LogFormat: {token!r} is not a field: write each field"
                    " as ${field-name}, separated by spaces")
            if m.group(1) not in FIELD_VERSIONS:
                raise FlowLogFormatError(
                    f"InvalidParameter: LogFormat: unknown field ${{{m.group(1)}}} (netemu"
                    " writes the version 2 to 5 fields: " + " ".join(FIELD_VERSIONS) + ")")
            fields.append(m.group(1))
        return cls(tuple(fields))


_REGION_WORDS = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
                 "northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw",
                 "gov": "g"}


def az_id(region: str, az: str) -> str:
    """``us-east-1`` + ``us-east-1a`` -> ``use1-az1`` (see Decisions)."""
    parts = region.split("-")
    if len(parts) < 3 or not az.startswith(region) or len(az) != len(region) + 1:
        return "-"
    short = parts[0] + "".join(_REGION_WORDS.get(p, p[:1]) for p in parts[1:-1]) + parts[-1]
    return f"{short}-az{ord(az[-1]) - ord('a') + 1}"


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
    srcport: int | str
    dstport: int | str
    protocol: int | str
    packets: int | str
    bytes: int | str
    start: int
    end: int
    action: str
    log_status: str = "OK"
    version: int = 2
    eni_name: str = ""  # not a log field: which node the ENI belongs to
    # the version 3-5 fields, by their log names (FIELD_VERSIONS); "-" when absent
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return " ".join(str(f) for f in (
            self.version, self.account_id, self.interface_id, self.srcaddr, self.dstaddr,
            self.srcport, self.dstport, self.protocol, self.packets, self.bytes, self.start,
            self.end, self.action, self.log_status,
        ))

    def value(self, name: str, version: int = 2) -> str:
        if name == "version":
            return str(version)
        attr = name.replace("-", "_")
        if attr in ("account_id", "interface_id", "srcaddr", "dstaddr", "srcport", "dstport",
                    "protocol", "packets", "bytes", "start", "end", "action", "log_status"):
            return str(getattr(self, attr))
        return self.extra.get(name, "-")

    def format(self, fmt: LogFormat) -> str:
        """The record in a custom format (V92: ``version`` is the format's)."""
        return " ".join(self.value(f, fmt.version) for f in fmt.fields)

    @classmethod
    def empty(cls, status: str, account_id: str, interface_id: str, start: int, end: int,
              eni_name: str = "", extra: dict[str, str] | None = None) -> FlowLogRecord:
        """A NODATA or SKIPDATA record: ``-`` from srcaddr to bytes and in action (V87)."""
        return cls(account_id, interface_id, "-", "-", "-", "-", "-", "-", "-", start, end,
                   "-", status, eni_name=eni_name, extra=dict(extra or {}))


def _extra(ev: LogEvent, topology: Topology | None) -> dict[str, str]:
    p = ev.packet
    flags = "0"
    if p.protocol == TCP:
        flags = str(TCP_SYN_ACK if ev.reply else TCP_SYN)
    out = {
        "vpc-id": resource_id("vpc", ev.vpc) if ev.vpc else "-",
        "subnet-id": resource_id("subnet", ev.subnet) if ev.subnet else "-",
        "instance-id": resource_id("instance", ev.eni) if ev.kind == "instance" else "-",
        "tcp-flags": flags,
        "type": "IPv6" if p.version == 6 else "IPv4",
        "pkt-srcaddr": p.src,
        "pkt-dstaddr": p.dst,
        "flow-direction": ev.direction,
        "traffic-path": ev.traffic_path if ev.direction == "egress" else "-",
    }
    out.update(_place(topology, ev.vpc, ev.subnet))
    return out


def _place(topology: Topology | None, vpc: str, subnet: str) -> dict[str, str]:
    if topology is None or not vpc:
        return {}
    v = next((x for x in topology.vpcs if x.name == vpc), None)
    if v is None:
        return {}
    s = next((x for x in v.subnets if x.name == subnet), None)
    return {"region": v.region, "az-id": az_id(v.region, s.az) if s is not None else "-"}


def _endpoint_enis(topology: Topology, trace: Trace) -> list[tuple[str, str, str, str]]:
    """(eni id, instance, vpc, subnet) of the flow's source and destination instances."""
    out = []
    for end in (trace.flow.src, trace.flow.dst):
        for v in topology.vpcs:
            for i in v.instances:
                if end in (i.name, i.private_ip, i.public_ip, i.ipv6_address):
                    out.append((i.eni_id or addressing.eni_id(v.name, i.name), i.name, v.name,
                                i.subnet))
    return out


def records(trace: Trace, account_id: str = "123456789012", start: int = 0,
            end: int | None = None, topology: Topology | None = None,
            skipdata: Iterable[str] = ()) -> tuple[FlowLogRecord, ...]:
    """The records of the ENIs the trace's packets touched, in path order. With ``topology``:
    the version 4 place fields, and a NODATA record for an endpoint instance no packet
    reached (V87). ``skipdata``: names of ENIs whose interval lost records (a SKIPDATA record
    each, V87)."""
    end = start + AGGREGATION_SECONDS if end is None else end
    out: dict[tuple[object, ...], FlowLogRecord] = {}
    for ev in trace.log_events:
        p = ev.packet
        ports = (p.sport or 0, p.dport or 0) if p.protocol in PORT_PROTOCOLS else (0, 0)
        key = (ev.eni_id, p.src, p.dst, ports, p.protocol)
        rec = FlowLogRecord(account_id, ev.eni_id, p.src, p.dst, ports[0], ports[1], p.protocol,
                            1, _size(p), start, end, ev.action, eni_name=ev.eni,
                            extra=_extra(ev, topology))
        if key not in out or rec.action == "REJECT":  # one record per 5-tuple per interval;
            out[key] = rec  # a reject shows
    result = list(out.values())
    seen = {r.interface_id for r in result}
    by_name = {r.eni_name: r for r in result}
    if topology is not None:
        for eni_id, name, vpc, subnet in _endpoint_enis(topology, trace):
            if eni_id not in seen:
                seen.add(eni_id)
                result.append(FlowLogRecord.empty(
                    "NODATA", account_id, eni_id, start, end, name, _quiet(vpc, subnet, name,
                                                                           topology)))
    for name in skipdata:
        found = by_name.get(name)
        if found is not None:
            result.append(FlowLogRecord.empty("SKIPDATA", account_id, found.interface_id, start,
                                              end, name, _quiet_from(found)))
    return tuple(result)


def _quiet(vpc: str, subnet: str, name: str, topology: Topology) -> dict[str, str]:
    """The place fields of a NODATA/SKIPDATA record (the traffic fields stay ``-``)."""
    return {"vpc-id": resource_id("vpc", vpc), "subnet-id": resource_id("subnet", subnet),
            "instance-id": resource_id("instance", name), **_place(topology, vpc, subnet)}


def _quiet_from(rec: FlowLogRecord) -> dict[str, str]:
    keep = ("vpc-id", "subnet-id", "instance-id", "region", "az-id")
    return {k: v for k, v in rec.extra.items() if k in keep}


def lines(recs: Iterable[FlowLogRecord], fmt: LogFormat | None = None) -> list[str]:
    """The log lines: the default format (``str``) or a custom one."""
    return [str(r) if fmt is None else r.format(fmt) for r in recs]


__all__ = ["DEFAULT_FIELDS", "FIELD_VERSIONS", "FlowLogFormatError", "FlowLogRecord",
           "LogFormat", "az_id", "lines", "records"]
