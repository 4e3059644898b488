"""Where a name lands in a hosted zone, pure: built once per ZoneSet, asked once per query.

``compile_zones(zoneset)`` indexes every hosted zone by its labels (public zones, and private
zones per associated VPC), and every zone by its names: the nodes that own record sets, every
existing name including empty non-terminals (R10), and the delegation points (NS below the apex).
Each (name, type) group is compiled by the routing policies (``policies.compile_group``) here,
once, so the per-query path never validates or parses.

``find(zone, qname, qtype)`` answers where a query lands (RFC 1034 4.3.2 with RFC 4592
wildcards, R17-R20): ``FOUND`` (a node; ``owner`` is the query name, also for a wildcard match),
``NODATA`` (the name exists with no records, e.g. an empty non-terminal), ``NXDOMAIN``, or
``DELEGATION`` (a zone cut at or above the name; DS at the cut is answered by the parent).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from netemu.route53 import names, policies, rdata
from netemu.route53.answer import Answer, Rcode, RRsetRef
from netemu.route53.model import HostedZone, RecordSet, ZoneSet
from netemu.route53.names import Labels

FOUND, NODATA, NXDOMAIN, DELEGATION = "FOUND", "NODATA", "NXDOMAIN", "DELEGATION"


@dataclass(frozen=True, slots=True)
class Node:
    """One owner name with record sets: its compiled groups, by type."""

    labels: Labels
    name: str
    groups: Mapping[str, policies.CompiledGroup]
    records: Mapping[str, tuple[RecordSet, ...]]


RecordKey = tuple[str, str, str | None]
"""(name, type, set identifier): how a user names a record set inside one hosted zone, and the
key of every per-record table of a ``CompiledZone`` (never ``id()``: a rebuilt, equal record set
finds the same entries)."""


@dataclass(frozen=True, slots=True)
class CompiledZone:
    """One hosted zone, compiled. Per-record tables are keyed by ``RecordSet.key``: ``refs`` the
    RRsetRef of a plain record at its own name, ``targets`` the names whose addresses go in
    ADDITIONAL (R11), ``alias_groups`` the group an alias points at (in this same zone, R35).
    Plain dicts (faster to read per query than read-only proxies) never mutated after
    compilation."""

    zone: HostedZone
    apex: Labels
    nodes: Mapping[Labels, Node]
    existing: frozenset[Labels]     # every name that exists, empty non-terminals included (R10)
    cuts: frozenset[Labels]         # delegation points: NS record sets below the apex
    soa: RecordSet
    ns: RecordSet
    negative_ttl: int               # R9: min(SOA TTL, SOA minimum)
    ns_authority: tuple[RRsetRef, ...]   # R11: the apex NS, for positive answers
    nxdomain: Answer                     # R9, R10: prebuilt negative answers
    nodata: Answer
    refs: Mapping[RecordKey, RRsetRef] = field(default_factory=dict)
    targets: Mapping[RecordKey, tuple[Labels, ...]] = field(default_factory=dict)
    alias_groups: Mapping[RecordKey, policies.CompiledGroup] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Landing:
    kind: str
    node: Node | None = None
    owner: Labels = ()
    wildcard: bool = False


@dataclass(frozen=True, slots=True)
class CompiledZones:
    """Everything the engine needs, built once per ZoneSet: the compiled zones by hosted zone
    id, and the tables that find the zone for a query name (public, and private per VPC)."""

    zoneset: ZoneSet
    public: Mapping[Labels, CompiledZone]
    private: Mapping[str, Mapping[Labels, CompiledZone]]
    by_id: Mapping[str, CompiledZone] = field(default_factory=dict)

    def find_zone(self, qname: Labels, vpc: str | None = None) -> CompiledZone | None:
        """The most specific hosted zone for ``qname`` (R90): a private zone of ``vpc`` first,
        then public zones; None when no zone holds the name (the server answers REFUSED)."""
        if vpc is not None:
            table = self.private.get(vpc)
            if table:
                for i in range(len(qname) - 1):
                    zone = table.get(qname[i:])
                    if zone is not None:
                        return zone
        table = self.public
        for i in range(len(qname) - 1):
            zone = table.get(qname[i:])
            if zone is not None:
                return zone
        return None


def compile_zone(zone: HostedZone, zoneset: ZoneSet,
                 previous: CompiledZone | None = None) -> CompiledZone:
    """One zone, compiled. ``previous`` (the same zone compiled before, against the same CIDR
    collections) lets a change recompile only the names whose record sets changed: a name whose
    record sets are the very same values keeps its Node, and its per-record table entries."""
    apex = names.parse(zone.name)
    # each distinct spelling parsed once; names the previous compile knew are not parsed again
    spelled: dict[str, Labels] = {n.name: n.labels for n in previous.nodes.values()} \
        if previous is not None else {}
    grouped: dict[Labels, dict[str, list[RecordSet]]] = defaultdict(lambda: defaultdict(list))
    for rec in zone.record_sets:
        labels = spelled.get(rec.name)
        if labels is None:
            labels = spelled[rec.name] = names.parse(rec.name)
        grouped[labels][rec.type].append(rec)
    nodes: dict[Labels, Node] = {}
    reused: set[Labels] = set()
    for labels, types in grouped.items():
        old = previous.nodes.get(labels) if previous is not None else None
        if old is not None and _same_records(old.records, types):
            nodes[labels] = old
            reused.add(labels)
            continue
        groups = {t: policies.compile_group(recs, zoneset) for t, recs in types.items()}
        nodes[labels] = Node(labels, names.to_text(labels), groups,
                             {t: tuple(r) for t, r in types.items()})
    if previous is not None and nodes.keys() == previous.nodes.keys() and all(
            nodes[k].records.keys() == previous.nodes[k].records.keys() for k in nodes):
        existing, cuts = set(previous.existing), set(previous.cuts)
    else:
        existing, cuts = {apex}, set()
        for labels, node in nodes.items():
            for i in range(len(labels) - len(apex) + 1):
                existing.add(labels[i:])
            if "NS" in node.records and labels != apex:
                cuts.add(labels)
    soa = nodes[apex].records["SOA"][0]
    ns = nodes[apex].records["NS"][0]
    assert soa.ttl is not None
    minimum = int(soa.values[0].split()[-1])
    negative_ttl = min(soa.ttl, minimum)
    assert ns.ttl is not None
    negative = (RRsetRef(apex, "SOA", negative_ttl, soa),)
    refs, targets, alias_groups = _record_tables(nodes, previous, reused)
    return CompiledZone(
        zone, apex, nodes, frozenset(existing), frozenset(cuts), soa, ns,
        negative_ttl, (RRsetRef(apex, "NS", ns.ttl, ns),),
        Answer(Rcode.NXDOMAIN, True, (), negative, (), (f"nxdomain in zone {zone.name}",)),
        Answer(Rcode.NOERROR, True, (), negative, (), (f"nodata in zone {zone.name}",)),
        refs, targets, alias_groups,
    )


def _same_records(old: Mapping[str, tuple[RecordSet, ...]],
                  new: Mapping[str, list[RecordSet]]) -> bool:
    """The very same record values, type by type, in the same order."""
    if old.keys() != new.keys():
        return False
    for rtype, recs in new.items():
        before = old[rtype]
        if len(before) != len(recs) or any(a is not b for a, b in zip(before, recs, strict=True)):
            return False
    return True


def _record_tables(nodes: Mapping[Labels, Node], previous: CompiledZone | None = None,
                   reused: set[Labels] | None = None) -> tuple[
        dict[RecordKey, RRsetRef], dict[RecordKey, tuple[Labels, ...]],
        dict[RecordKey, policies.CompiledGroup]]:
    """The per-record tables of one zone, keyed by ``RecordSet.key``. Records of ``reused``
    nodes take their entries from ``previous``; alias entries are always looked up again (the
    target may have changed)."""
    refs: dict[RecordKey, RRsetRef] = {}
    targets: dict[RecordKey, tuple[Labels, ...]] = {}
    alias_groups: dict[RecordKey, policies.CompiledGroup] = {}
    for node in nodes.values():
        keep = previous is not None and reused is not None and node.labels in reused
        for rtype, recs in node.records.items():
            for rec in recs:
                key = rec.key
                if keep:
                    assert previous is not None
                    if key in previous.refs:
                        refs[key] = previous.refs[key]
                    if key in previous.targets:
                        targets[key] = previous.targets[key]
                else:
                    if rec.alias_target is None and rec.ttl is not None:
                        refs[key] = RRsetRef(node.labels, rtype, rec.ttl, rec)
                    found = rdata_targets(rec)
                    if found:
                        targets[key] = found
                if rec.alias_target is not None:   # R35: a record of this same zone
                    target = nodes.get(names.parse(rec.alias_target.dns_name))
                    if target is not None and rtype in target.groups:
                        alias_groups[rec.key] = target.groups[rtype]
    return refs, targets, alias_groups


def compile_zones(zoneset: ZoneSet) -> CompiledZones:
    public: dict[Labels, CompiledZone] = {}
    private: dict[str, dict[Labels, CompiledZone]] = defaultdict(dict)
    by_id: dict[str, CompiledZone] = {}
    for zone in zoneset.zones:
        compiled = compile_zone(zone, zoneset)
        by_id[zone.id] = compiled
        if zone.private:
            for vpc in zone.vpcs:
                private[vpc.vpc_id][compiled.apex] = compiled
        else:
            public[compiled.apex] = compiled
    return CompiledZones(zoneset, public, dict(private), by_id)


def rdata_targets(rec: RecordSet) -> tuple[Labels, ...]:
    out: list[Labels] = []
    for value in rec.values:
        out.extend(rdata.target_names(rec.type, value))
    return tuple(out)


def find(zone: CompiledZone, qname: Labels, qtype: str) -> Landing:
    """Where ``qname`` lands in ``zone`` (which holds it)."""
    depth = len(zone.apex)
    if zone.cuts:
        for k in range(depth + 1, len(qname) + 1):
            cut = qname[len(qname) - k:]
            if cut in zone.cuts:
                if cut == qname and qtype == "DS":
                    break
                return Landing(DELEGATION, zone.nodes[cut], cut)
    node = zone.nodes.get(qname)
    if node is not None:
        return Landing(FOUND, node, qname)
    if qname in zone.existing:
        return Landing(NODATA, None, qname)          # empty non-terminal (R10)
    for i in range(1, len(qname) - depth + 1):       # closest encloser (RFC 4592, R19)
        encloser = qname[i:]
        if encloser in zone.existing:
            source = (names.WILDCARD,) + encloser
            wild = zone.nodes.get(source)
            if wild is not None:
                return Landing(FOUND, wild, qname, wildcard=True)
            if source in zone.existing:
                return Landing(NODATA, None, qname, wildcard=True)
            break
    return Landing(NXDOMAIN, None, qname)
