"""Managed prefix lists (``prefix_lists:``) as route destinations and SG rule sources, pure.

Name: prefix_lists
Behaviour (VPC-UG managed-prefix-lists.html; docs/behaviour.md V130-V134):
  - A customer-managed list is ``{name, id?, max_entries, entries: [CIDR]}`` (IPv4); the id
    defaults to ``pl-`` + a stable hex digest of the name. More entries than ``max_entries``
    is ``PrefixListMaxEntriesExceeded`` (V130).
  - AWS-managed lists exist in every topology: ``com.amazonaws.REGION.s3``,
    ``com.amazonaws.REGION.dynamodb``, ``com.amazonaws.global.cloudfront.origin-facing`` and
    ``com.amazonaws.route53-healthchecks`` (short name ``route53-healthchecks``, the
    ``route53_health_checkers`` CIDR, checkers.py). Their entries are netemu's emulated
    ranges (``MANAGED``), documented as such.
  - A list is named by its name or its ``pl-`` id. An unknown one is
    ``InvalidPrefixListID.NotFound``.
  - A security group rule's ``prefix_list:`` is its source (ingress) or destination (egress):
    the rule applies to every entry (V131). A network ACL rule cannot name one: NACL entries
    take a CIDR only (``UnknownParameter``, as the EC2 API answers, V132).
  - A route ``{destination_prefix_list: LIST, target}`` routes every entry of the list to the
    target with origin ``prefix-list``: among routes of the same prefix a static route wins,
    then the prefix-list route, then a propagated one (V23); otherwise the longest prefix over
    the list's entries wins (V22, routing.py).
  - A list's ``max_entries`` (not its current number of entries) counts against the quota of
    routes per route table and of rules per security group (V51, V133), with AWS's codes
    ``RouteLimitExceeded`` and ``RulesPerSecurityGroupLimitExceeded``.
  The loader calls ``read``, then ``rewrite`` (prefix-list SG rules become CIDR rules,
  prefix-list routes are taken out and kept) before the shape pass, and ``attach`` on the built
  topology (the routes join their tables). netaddr's IPSet merges a list's entries.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from netaddr import IPNetwork, IPSet  # type: ignore[import-untyped]

from netemu.vpc.quotas import QUOTAS

if TYPE_CHECKING:
    from netemu.vpc.checkers import Checkers
    from netemu.vpc.draft import Report
    from netemu.vpc.model import RouteTarget, Topology

KEY = "prefix_lists"
MAX_ENTRIES_LIMIT = 1000   # CreateManagedPrefixList: MaxEntries at most 1000
ID_RE = re.compile(r"^pl-[0-9a-f]{8,17}$")
# AWS-managed lists: short service name -> (id, entries, max entries (AWS's "weight"))
# netemu's emulated ranges (a teaching emulator picks its own public-looking addresses).
MANAGED_S3 = ("pl-63a5400a", ("52.216.0.0/15", "3.5.0.0/19"), 2)
MANAGED_DYNAMODB = ("pl-02cd2c6b", ("52.94.0.0/22",), 1)
MANAGED_CLOUDFRONT = ("pl-3b927c52", ("130.176.0.0/18", "64.252.64.0/18"), 55)
ROUTE53_ID = "pl-0e9c0bd3"
ROUTE53_NAME = "com.amazonaws.route53-healthchecks"
ROUTE53_SHORT = "route53-healthchecks"


@dataclass(frozen=True, slots=True)
class PrefixList:
    id: str
    name: str
    entries: tuple[str, ...]
    max_entries: int
    managed: bool = False

    def merged(self) -> tuple[str, ...]:
        """The entries as the fewest CIDRs covering the same addresses (netaddr's IPSet): what
        a security group rule naming the list matches. Routes keep each entry (V22)."""
        return tuple(str(c) for c in IPSet(IPNetwork(e) for e in self.entries).iter_cidrs())

    def label(self) -> str:
        return f"{self.id} ({self.name})"


@dataclass(frozen=True, slots=True)
class PrefixRoute:
    """A route to a prefix list, kept aside while the rest of the file is loaded."""

    vpc: str
    table: str
    path: str
    prefix_list: PrefixList
    target: RouteTarget


@dataclass
class Lists:
    lists: tuple[PrefixList, ...]
    routes: list[PrefixRoute]

    def find(self, ref: object) -> PrefixList | None:
        for pl in self.lists:
            if ref in (pl.id, pl.name) or (pl.name == ROUTE53_NAME and ref == ROUTE53_SHORT):
                return pl
        return None


def service_list_name(region: str, service: str) -> str:
    return f"com.amazonaws.{region}.{service}"


def managed(region: str, checkers: Checkers | None) -> tuple[PrefixList, ...]:
    s3, ddb, cf = MANAGED_S3, MANAGED_DYNAMODB, MANAGED_CLOUDFRONT
    out = [PrefixList(s3[0], service_list_name(region, "s3"), s3[1], s3[2], True),
           PrefixList(ddb[0], service_list_name(region, "dynamodb"), ddb[1], ddb[2], True),
           PrefixList(cf[0], "com.amazonaws.global.cloudfront.origin-facing", cf[1], cf[2],
                      True)]
    if checkers is not None:
        out.append(PrefixList(ROUTE53_ID, ROUTE53_NAME, (checkers.cidr,), 1, True))
    return tuple(out)


def _default_id(name: str) -> str:
    return "pl-" + hashlib.sha256(name.encode()).hexdigest()[:17]


def read(data: Any, checkers: Checkers | None, report: Report) -> Lists:
    """The managed lists and the file's ``prefix_lists`` (customer-managed)."""
    region = str(data.get("region", "us-east-1")) if isinstance(data, dict) else "us-east-1"
    lists = list(managed(region, checkers))
    raw = data.get(KEY) if isinstance(data, dict) else None
    if raw is None:
        return Lists(tuple(lists), [])
    if not isinstance(raw, list):
        report.add(KEY, "InvalidParameterValue", "prefix_lists is a list of prefix lists")
        return Lists(tuple(lists), [])
    for i, item in enumerate(raw):
        pl = _customer(item, f"{KEY}[{i}]", report, lists)
        if pl is not None:
            lists.append(pl)
    return Lists(tuple(lists), [])


def _customer(item: Any, path: str, report: Report,
              known: list[PrefixList]) -> PrefixList | None:
    allowed = {"name", "id", "max_entries", "entries", "address_family"}
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
        report.add(path, "MissingParameter", "a prefix list is {name, id?, max_entries, entries}")
        return None
    name = item["name"]
    path = f"{KEY}[{name}]"
    for extra in sorted(set(item) - allowed):
        report.add(f"{path}.{extra}", "UnknownParameter",
                   f"unknown key {extra!r} (name, id, max_entries, entries, address_family)")
    if item.get("address_family", "IPv4") != "IPv4":
        report.add(f"{path}.address_family", "InvalidParameterValue",
                   "netemu's prefix lists are IPv4 (address_family: IPv4)")
        return None
    pl_id = item.get("id", _default_id(name))
    if not isinstance(pl_id, str) or not ID_RE.match(pl_id):
        report.add(f"{path}.id", "InvalidPrefixListId.Malformed",
                   f"{pl_id!r} is not a prefix list id (pl- and 8 to 17 hex digits)")
        return None
    max_entries = item.get("max_entries")
    if isinstance(max_entries, bool) or not isinstance(max_entries, int) \
            or not 1 <= max_entries <= MAX_ENTRIES_LIMIT:
        report.add(f"{path}.max_entries", "InvalidParameterValue",
                   f"max_entries is required, a whole number from 1 to {MAX_ENTRIES_LIMIT}")
        return None
    entries_raw = item.get("entries") or []
    if not isinstance(entries_raw, list):
        report.add(f"{path}.entries", "InvalidParameterValue", "entries is a list of CIDRs")
        return None
    entries: list[str] = []
    for k, e in enumerate(entries_raw):
        cidr = e.get("cidr") if isinstance(e, dict) else e
        try:
            entries.append(str(ipaddress.IPv4Network(str(cidr), strict=True)))
        except ValueError:
            report.add(f"{path}.entries[{k}]", "InvalidParameterValue",
                       f"{cidr!r} is not an IPv4 CIDR block (its host bits must be zero)")
    if len(set(entries)) != len(entries):
        report.add(f"{path}.entries", "InvalidParameterValue",
                   "a prefix list holds each CIDR once")
    if len(entries) > max_entries:
        report.add(f"{path}.entries", "PrefixListMaxEntriesExceeded",
                   f"{len(entries)} entries are more than the list's max_entries {max_entries} "
                   "(V130)")
    if any(pl_id == k.id or name == k.name for k in known):
        report.add(path, "InvalidParameterValue", f"prefix list {name} ({pl_id}) is declared "
                   "twice or has a managed list's name or id")
        return None
    return PrefixList(pl_id, name, tuple(entries), max_entries)


# --- rewriting the raw topology -----------------------------------------------------------------


def rewrite(data: Any, lists: Lists, checkers_declared: bool, report: Report) -> Any:
    """SG rules' ``prefix_list`` -> one CIDR rule per entry; ``destination_prefix_list`` routes
    taken out into ``lists.routes``; NACL rules naming a prefix list refused; quotas (V133)."""
    if not isinstance(data, dict) or not isinstance(data.get("vpcs"), list):
        return data
    raw_quotas = data.get("quotas")
    raised: dict[str, Any] = raw_quotas if isinstance(raw_quotas, dict) else {}
    quotas = {n: raised[n] if isinstance(raised.get(n), int) else q.default
              for n, q in QUOTAS.items()}
    vpcs = []
    for i, v in enumerate(data["vpcs"]):
        if isinstance(v, dict):
            vname = str(v.get("name", i))
            v = _groups(v, vname, lists, checkers_declared, quotas, report)
            v = _tables(v, vname, lists, quotas, report)
            v = _nacls(v, vname, report)
        vpcs.append(v)
    return dict(data, vpcs=vpcs)


def _named(items: Any) -> list[tuple[str, Any]]:
    if not isinstance(items, list):
        return []
    return [(str(x.get("name", k)) if isinstance(x, dict) else str(k), x)
            for k, x in enumerate(items)]


def _groups(v: dict[str, Any], vname: str, lists: Lists, checkers_declared: bool,
            quotas: dict[str, int], report: Report) -> dict[str, Any]:
    if not isinstance(v.get("security_groups"), list):
        return v
    groups: list[Any] = []
    for gname, g in _named(v["security_groups"]):
        if isinstance(g, dict):
            g = dict(g)
            for side in ("ingress", "egress"):
                if not isinstance(g.get(side), list):
                    continue
                path = f"vpcs[{vname}].security_groups[{gname}].{side}"
                rules: list[Any] = []
                weight = 0
                for k, r in enumerate(g[side]):
                    out, w = _rule(r, f"{path}[{k}]", side, lists, checkers_declared, report)
                    rules += out
                    weight += w
                limit = quotas["rules_per_security_group"]
                # without a prefix list the rule count is validate.py's business (V51)
                if weight > limit and weight != len(rules):
                    report.add(path, "RulesPerSecurityGroupLimitExceeded",
                               f"{weight} rules counting each prefix list's max_entries are more "
                               f"than the {limit} rules per security group (V51, V133)")
                g[side] = rules
        groups.append(g)
    return dict(v, security_groups=groups)


def _rule(rule: Any, path: str, side: str, lists: Lists, checkers_declared: bool,
          report: Report) -> tuple[list[Any], int]:
    if not isinstance(rule, dict) or "prefix_list" not in rule:
        return [rule], 1
    rule = dict(rule)
    ref = rule.pop("prefix_list")
    pl = lists.find(ref)
    if pl is None:
        extra = (f"prefix list {ROUTE53_SHORT} needs the topology's route53_health_checkers key "
                 "(its checkers and their CIDR)" if ref == ROUTE53_SHORT else
                 f"The prefix list ID '{ref}' does not exist (known: "
                 + ", ".join(p.name for p in lists.lists) + ")")
        report.add(f"{path}.prefix_list", "InvalidPrefixListID.NotFound", extra)
        return [rule], 1
    if {"cidr", "source_group", "destination_group"} & set(rule):
        report.add(path, "InvalidParameterCombination",
                   "a rule names one peer: cidr, a security group or a prefix list")
        return [rule], 1
    word = "from" if side == "ingress" else "to"
    desc = rule.get("description") or f"{word} prefix list {pl.label()}"
    return [dict(rule, cidr=e, description=desc) for e in pl.merged()], pl.max_entries


def _tables(v: dict[str, Any], vname: str, lists: Lists, quotas: dict[str, int],
            report: Report) -> dict[str, Any]:
    from netemu.vpc.draft import Report as _R
    from netemu.vpc.shape import Reader

    if not isinstance(v.get("route_tables"), list):
        return v
    tables: list[Any] = []
    for tname, t in _named(v["route_tables"]):
        if isinstance(t, dict) and isinstance(t.get("routes"), list):
            kept: list[Any] = []
            weight = 0
            for k, r in enumerate(t["routes"]):
                path = f"vpcs[{vname}].route_tables[{tname}].routes[{k}]"
                if not isinstance(r, dict) or "destination_prefix_list" not in r:
                    kept.append(r)
                    weight += 1
                    continue
                if "destination" in r or set(r) - {"destination_prefix_list", "target"}:
                    report.add(path, "InvalidParameterCombination",
                               "a route has one destination: destination (a CIDR) or "
                               "destination_prefix_list, and a target")
                    continue
                pl = lists.find(r["destination_prefix_list"])
                if pl is None:
                    report.add(f"{path}.destination_prefix_list",
                               "InvalidPrefixListID.NotFound",
                               f"The prefix list ID '{r['destination_prefix_list']}' does not "
                               "exist")
                    continue
                sub = _R(report.source)
                target = Reader(sub).target(r.get("target"), f"{path}.target")
                for p in sub.problems:
                    report.problems.append(p)
                if target is None:
                    continue
                if target.kind in ("local", "none"):
                    report.add(f"{path}.target", "InvalidParameterValue",
                               f"a prefix-list route needs a gateway or network interface "
                               f"target, not {target.kind}")
                    continue
                weight += pl.max_entries
                lists.routes.append(PrefixRoute(vname, tname, path, pl, target))
            limit = quotas["routes_per_route_table"]
            if weight > limit and weight != len(kept):  # no prefix list: validate.py's (V29)
                report.add(f"vpcs[{vname}].route_tables[{tname}]", "RouteLimitExceeded",
                           f"{weight} routes counting each prefix list's max_entries are more "
                           f"than the {limit} routes per route table (V29, V133)")
            t = dict(t, routes=kept)
        tables.append(t)
    return dict(v, route_tables=tables)


def _nacls(v: dict[str, Any], vname: str, report: Report) -> dict[str, Any]:
    if not isinstance(v.get("network_acls"), list):
        return v
    acls: list[Any] = []
    for aname, a in _named(v["network_acls"]):
        if isinstance(a, dict):
            a = dict(a)
            for side in ("inbound", "outbound"):
                if not isinstance(a.get(side), list):
                    continue
                rules = []
                for k, r in enumerate(a[side]):
                    if isinstance(r, dict) and "prefix_list" in r:
                        report.add(f"vpcs[{vname}].network_acls[{aname}].{side}[{k}].prefix_list",
                                   "UnknownParameter",
                                   "a network ACL rule cannot reference a prefix list: "
                                   "CreateNetworkAclEntry takes a CIDR block only (V132)")
                        r = {x: y for x, y in r.items() if x != "prefix_list"}
                    rules.append(r)
                a[side] = rules
        acls.append(a)
    return dict(v, network_acls=acls)


# --- after the build ----------------------------------------------------------------------------


def check_targets(lists: Lists, vpcs: dict[str, Any], report: Report) -> None:
    """A prefix-list route's named target must exist in its VPC (``InvalidRoute`` codes)."""
    codes = {"nat_gateway": ("nat_gateways", "InvalidNatGatewayID.NotFound"),
             "instance": ("instances", "InvalidInstanceID.NotFound"),
             "peering": (None, "InvalidVpcPeeringConnectionID.NotFound"),
             "transit_gateway": (None, "InvalidTransitGatewayID.NotFound")}
    for r in lists.routes:
        v = vpcs.get(r.vpc)
        if v is None or r.target.kind not in codes:
            continue
        attr, code = codes[r.target.kind]
        if attr is not None and r.target.name not in {x.name for x in getattr(v, attr)}:
            report.add(f"{r.path}.target", code,
                       f"{r.target.kind} {r.target.name} does not exist in VPC {r.vpc}")


def attach(topology: Topology, lists: Lists,
           extra: list[PrefixRoute] | None = None) -> Topology:
    """The prefix-list routes (the file's and the gateway endpoints') join their tables, and
    the topology keeps its prefix lists."""
    from netemu.vpc.model import Route

    routes = list(lists.routes) + list(extra or [])
    vpcs = []
    for v in topology.vpcs:
        tables = []
        for t in v.route_tables:
            added = tuple(Route(e, r.target, origin="prefix-list", prefix_list=r.prefix_list.id)
                          for r in routes if (r.vpc, r.table) == (v.name, t.name)
                          for e in r.prefix_list.entries)
            tables.append(replace(t, routes=t.routes + added) if added else t)
        vpcs.append(replace(v, route_tables=tuple(tables)))
    return replace(topology, vpcs=tuple(vpcs), prefix_lists=lists.lists)
