"""Route 53 Resolver DNS Firewall, pure: domain lists, rule groups, their VPC associations, the
VPC's fail-open setting, and the verdict on one query (``evaluate``).

Topology file shape (a new top-level key; ``vpc.load`` calls ``read`` and ``check``):

  dns_firewall:
    domain_lists: [{name, domains?: [DOMAIN], file?: PATH}]   # PATH: next to the topology,
                                                              # one domain a line, # comments
    rule_groups: [{name, rules: [{name, priority, domain_list, action: ALLOW|BLOCK|ALERT,
                                  block_response?: NODATA|NXDOMAIN|OVERRIDE,
                                  block_override_domain?, block_override_ttl?,
                                  block_override_dns_type?: CNAME, qtype?,
                                  firewall_domain_redirection_action?:
                                    INSPECT_REDIRECTION_DOMAIN|TRUST_REDIRECTION_DOMAIN}]}]
    associations: [{name, rule_group, vpc, priority}]        # priority 101-9899
    configs: [{vpc, firewall_fail_open: true|false}]         # UpdateFirewallConfig

Evaluation (R140-R146, R149): a VPC's associations in ascending priority, each group's rules in
ascending priority, first ALLOW or BLOCK match decides; an ALERT match is recorded and
evaluation goes on. A domain spec ``example.com`` matches that name only; ``*.example.com``
matches every name below it but not ``example.com`` itself; ``*`` matches every name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netemu.vpc.draft import Report

ACTIONS = ("ALLOW", "BLOCK", "ALERT")
BLOCK_RESPONSES = ("NODATA", "NXDOMAIN", "OVERRIDE")
OVERRIDE_TYPES = ("CNAME",)
INSPECT, TRUST = "INSPECT_REDIRECTION_DOMAIN", "TRUST_REDIRECTION_DOMAIN"
REDIRECTION_ACTIONS = (INSPECT, TRUST)          # FirewallDomainRedirectionAction
# AssociateFirewallRuleGroup: "The allowed values for Priority are between 100 and 9900"
# (both ends excluded: 100 and 9900 are kept for Firewall Manager's first and last groups).
ASSOCIATION_PRIORITY_MIN, ASSOCIATION_PRIORITY_MAX = 101, 9899
OVERRIDE_TTL_MAX = 604800                      # BlockOverrideTtl: 0-604800
DOMAIN_MAX = 255                               # FirewallDomainName: 1-255 characters
_DOMAIN_TEXT = re.compile(r"^(\*|\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*\.?$|^\*$")

# outcomes of ``evaluate``
NO_MATCH, ALLOW, BLOCK, ALERT, FAIL_OPEN, FAIL_CLOSED = (
    "NO_MATCH", "ALLOW", "BLOCK", "ALERT", "FAIL_OPEN", "FAIL_CLOSED")

TOP_KEYS = ("dns_firewall",)
FIREWALL_KEYS = ("domain_lists", "rule_groups", "associations", "configs")
LIST_KEYS = ("name", "domains", "file")
GROUP_KEYS = ("name", "rules")
RULE_KEYS = ("name", "priority", "domain_list", "action", "block_response",
             "block_override_domain", "block_override_ttl", "block_override_dns_type", "qtype",
             "firewall_domain_redirection_action")
ASSOCIATION_KEYS = ("name", "rule_group", "vpc", "priority")
CONFIG_KEYS = ("vpc", "firewall_fail_open")


# --- model values -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DomainList:
    name: str
    domains: tuple[str, ...]           # inline specs: lower case, absolute ("*" stays "*")
    file: str | None = None            # a domains file (absolute path), if any
    file_domains: tuple[str, ...] = ()  # the specs the file held when the topology loaded

    @property
    def all_domains(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.domains + self.file_domains))


@dataclass(frozen=True, slots=True)
class FirewallRule:
    name: str
    priority: int
    domain_list: str
    action: str                        # ALLOW | BLOCK | ALERT
    block_response: str | None = None  # BLOCK: NODATA | NXDOMAIN | OVERRIDE
    override_domain: str | None = None  # OVERRIDE: absolute, lower case
    override_ttl: int = 0
    override_type: str = "CNAME"
    qtype: str | None = None           # only queries of this type match (Qtype)
    redirection: str = INSPECT         # FirewallDomainRedirectionAction (R149)


@dataclass(frozen=True, slots=True)
class RuleGroup:
    name: str
    rules: tuple[FirewallRule, ...]    # ascending priority


@dataclass(frozen=True, slots=True)
class Association:
    name: str
    rule_group: str
    vpc: str
    priority: int


@dataclass(frozen=True, slots=True)
class DnsFirewall:
    domain_lists: tuple[DomainList, ...] = ()
    rule_groups: tuple[RuleGroup, ...] = ()
    associations: tuple[Association, ...] = ()
    fail_open: tuple[str, ...] = ()    # VPCs whose FirewallFailOpen is ENABLED

    def groups_for(self, vpc: str) -> tuple[RuleGroup, ...]:
        """The rule groups associated with ``vpc``, in ascending association priority."""
        by_name = {g.name: g for g in self.rule_groups}
        return tuple(by_name[a.rule_group] for a in sorted(
            (a for a in self.associations if a.vpc == vpc), key=lambda a: a.priority)
            if a.rule_group in by_name)


@dataclass(frozen=True, slots=True)
class Match:
    group: str
    rule: FirewallRule


@dataclass(frozen=True, slots=True)
class Verdict:
    """What DNS Firewall decided: ``outcome`` one of NO_MATCH, ALLOW, BLOCK, ALERT (only alerts
    matched: the query goes on), FAIL_OPEN, FAIL_CLOSED; ``decided`` the deciding match (ALLOW
    or BLOCK, or the first alert); ``alerts`` every ALERT match met on the way."""

    outcome: str
    decided: Match | None = None
    alerts: tuple[Match, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.outcome == BLOCK


# --- matching ---------------------------------------------------------------------------------


def canonical_domain(text: str) -> str:
    """A domain spec as compared: lower case, absolute; ``*`` alone stays ``*``."""
    text = text.strip().lower()
    return text if text == "*" else text.rstrip(".") + "."


def valid_domain(text: str) -> bool:
    """UpdateFirewallDomains: an optional leading ``*``, then only A-Z, a-z, 0-9, hyphen (and
    the dots between labels), 1-255 characters."""
    low = text.strip().lower()
    return 0 < len(low) <= DOMAIN_MAX and bool(_DOMAIN_TEXT.match(low)) \
        and all(0 < len(label) <= 63 for label in low.rstrip(".").split(".") if label != "*")


@dataclass(frozen=True, slots=True)
class CompiledList:
    """A domain list ready to match: exact names, wildcard parents, or everything."""

    exact: frozenset[str] = frozenset()
    below: frozenset[str] = frozenset()  # "*.example.com" -> "example.com."
    everything: bool = False

    def matches(self, name: str) -> bool:
        """``name``: absolute, lower case."""
        if self.everything or name in self.exact:
            return True
        if not self.below:
            return False
        rest = name
        while True:
            dot = rest.find(".")
            if dot < 0 or dot == len(rest) - 1:
                return False
            rest = rest[dot + 1:]
            if rest in self.below:
                return True


def compile_list(domains: Iterable[str]) -> CompiledList:
    exact: set[str] = set()
    below: set[str] = set()
    everything = False
    for spec in domains:
        spec = canonical_domain(spec)
        if spec == "*":
            everything = True
        elif spec.startswith("*."):
            below.add(spec[2:])
        else:
            exact.add(spec)
    return CompiledList(frozenset(exact), frozenset(below), everything)


def domain_matches(spec: str, name: str) -> bool:
    """One spec against one query name (R140)."""
    return compile_list([spec]).matches(canonical_domain(name))


# --- the verdict ------------------------------------------------------------------------------


def evaluate(name: str, qtype: str, groups: Sequence[RuleGroup],
             lists: Mapping[str, CompiledList | None], fail_open: bool) -> Verdict:
    """DNS Firewall's verdict on a query for ``name`` (absolute, any case) of type ``qtype``.

    ``groups``: the VPC's rule groups in association priority order (R143); ``lists``: each
    domain list compiled, or None when it cannot be read (then the query cannot be evaluated:
    FAIL_OPEN lets it go on, FAIL_CLOSED fails it, R146). Rules in ascending priority; the first
    ALLOW or BLOCK match decides (R141, R142); ALERT matches are collected and evaluation goes
    on (R145)."""
    qname = canonical_domain(name)
    alerts: list[Match] = []
    for group in groups:
        for rule in group.rules:
            if rule.qtype is not None and rule.qtype != qtype:
                continue
            compiled = lists.get(rule.domain_list)
            if compiled is None:
                return Verdict(FAIL_OPEN if fail_open else FAIL_CLOSED, Match(group.name, rule),
                               tuple(alerts))
            if not compiled.matches(qname):
                continue
            match = Match(group.name, rule)
            if rule.action == ALERT:
                alerts.append(match)
                continue
            return Verdict(rule.action, match, tuple(alerts))
    if alerts:
        return Verdict(ALERT, alerts[0], tuple(alerts))
    return Verdict(NO_MATCH)


def evaluate_chain(chain: Sequence[str], qtype: str, groups: Sequence[RuleGroup],
                   lists: Mapping[str, CompiledList | None], fail_open: bool,
                   first: Verdict) -> Verdict | None:
    """R149: the domains a CNAME chain leads to (``chain``, in answer order) are inspected as
    queries of their own, unless the rule that let the query name through trusts redirection
    (TRUST_REDIRECTION_DOMAIN); the first one blocked (or that cannot be evaluated, fail-open
    off) blocks the whole answer. None when the answer stands."""
    if first.decided is not None and first.outcome == ALLOW \
            and first.decided.rule.redirection == TRUST:
        return None
    for name in chain:
        got = evaluate(name, qtype, groups, lists, fail_open)
        if got.outcome in (BLOCK, FAIL_CLOSED):
            return got
        if got.decided is not None and got.outcome == ALLOW \
                and got.decided.rule.redirection == TRUST:
            return None
    return None


def log_fields(verdict: Verdict) -> dict[str, str]:
    """The firewall fields of a Resolver query log record (R147): the deciding match's rule
    group, domain list and action; nothing when no rule matched or the firewall could not
    evaluate the query (no rule decided it: the resolver's own log says why)."""
    match = verdict.decided
    if match is None or verdict.outcome in (NO_MATCH, FAIL_OPEN, FAIL_CLOSED):
        return {}
    return {"firewall_rule_group_id": match.group,
            "firewall_rule_action": match.rule.action,
            "firewall_domain_list_id": match.rule.domain_list}


# --- plain JSON for the resolver process --------------------------------------------------------


def vpc_config(fw: DnsFirewall, vpc: str) -> dict[str, Any]:
    """What the resolver needs for one VPC: its groups in order, the lists they use, fail-open."""
    groups = fw.groups_for(vpc)
    used = {r.domain_list for g in groups for r in g.rules}
    priority = {a.rule_group: a.priority for a in fw.associations if a.vpc == vpc}
    return {
        "fail_open": vpc in fw.fail_open,
        "groups": [{"name": g.name, "priority": priority[g.name],
                    "rules": [_rule_json(r) for r in g.rules]} for g in groups],
        "lists": {dl.name: {"domains": list(dl.domains), "file": dl.file,
                            "file_domains": list(dl.file_domains)}
                  for dl in fw.domain_lists if dl.name in used},
    }


def merge_configs(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """Two ``vpc_config`` bodies of one VPC as one (the topology's and the API's): rule groups
    in association priority order, both sides' lists, fail-open when either enables it."""
    groups = sorted([*first.get("groups", []), *second.get("groups", [])],
                    key=lambda g: int(g.get("priority", 0)))
    return {"fail_open": bool(first.get("fail_open") or second.get("fail_open")),
            "groups": groups,
            "lists": {**first.get("lists", {}), **second.get("lists", {})}}


def _rule_json(r: FirewallRule) -> dict[str, Any]:
    return {"name": r.name, "priority": r.priority, "domain_list": r.domain_list,
            "action": r.action, "block_response": r.block_response,
            "override_domain": r.override_domain, "override_ttl": r.override_ttl,
            "override_type": r.override_type, "qtype": r.qtype, "redirection": r.redirection}


def groups_from_json(body: Mapping[str, Any]) -> tuple[RuleGroup, ...]:
    return tuple(RuleGroup(str(g["name"]), tuple(FirewallRule(
        str(r["name"]), int(r["priority"]), str(r["domain_list"]), str(r["action"]),
        r.get("block_response"), r.get("override_domain"), int(r.get("override_ttl") or 0),
        str(r.get("override_type") or "CNAME"), r.get("qtype"),
        str(r.get("redirection") or INSPECT)) for r in g["rules"]))
        for g in body.get("groups", []))


def parse_domain_file(text: str) -> tuple[list[str], list[str]]:
    """A domains file: one domain a line, blank lines and ``#`` comments skipped (as
    ImportFirewallDomains reads a file). Returns (canonical domains, invalid lines)."""
    good: list[str] = []
    bad: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        (good if valid_domain(line) else bad).append(line)
    return [canonical_domain(d) for d in good], bad


# --- reading the topology file (called by vpc.load) ---------------------------------------------


@dataclass
class Parts:
    firewall: DnsFirewall = field(default_factory=DnsFirewall)
    vpcs_named: list[tuple[str, str]] = field(default_factory=list)  # (path, vpc) to check


def _items(raw: Mapping[str, Any], key: str, report: Report) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        report.add(f"dns_firewall.{key}", "ValidationException", f"{key} must be a list")
        return []
    return value


def _mapping(raw: Any, path: str, keys: tuple[str, ...], required: tuple[str, ...],
             report: Report) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        report.add(path, "ValidationException", "expected a mapping")
        return None
    unknown = sorted(str(k) for k in set(raw) - set(keys))
    if unknown:
        report.add(path, "ValidationException",
                   f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(keys)}")
        return None
    missing = [k for k in required if k not in raw]
    if missing:
        report.add(path, "ValidationException", f"missing {', '.join(missing)}")
        return None
    return raw


def _name(raw: Any, i: int) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    return name if isinstance(name, str) and name else str(i)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read(data: Any, report: Report, read_file: Callable[[str], tuple[str, str]]) -> Parts:
    """The ``dns_firewall`` key of a parsed topology file, with the refusals of
    CreateFirewallDomainList / UpdateFirewallDomains / CreateFirewallRule /
    AssociateFirewallRuleGroup / UpdateFirewallConfig. ``read_file(path)`` returns (absolute
    path, text) of a domains file next to the topology, or raises OSError."""
    parts = Parts()
    if not isinstance(data, dict) or data.get("dns_firewall") is None:
        return parts
    raw = _mapping(data["dns_firewall"], "dns_firewall", FIREWALL_KEYS, (), report)
    if raw is None:
        return parts
    lists = _lists(raw, report, read_file)
    groups = _groups(raw, report, lists)
    associations: list[Association] = []
    taken: dict[tuple[str, int], str] = {}
    pairs: set[tuple[str, str]] = set()
    for i, a in enumerate(_items(raw, "associations", report)):
        path = f"dns_firewall.associations[{_name(a, i)}]"
        a = _mapping(a, path, ASSOCIATION_KEYS, ASSOCIATION_KEYS, report)
        if a is None:
            continue
        priority = _int(a["priority"])
        if priority is None or not ASSOCIATION_PRIORITY_MIN <= priority \
                <= ASSOCIATION_PRIORITY_MAX:
            report.add(f"{path}.priority", "ValidationException",
                       f"Priority {a['priority']!r}: the allowed values for Priority are "
                       f"between {ASSOCIATION_PRIORITY_MIN - 1} and "
                       f"{ASSOCIATION_PRIORITY_MAX + 1} (exclusive) (R144)")
            continue
        group, vpc = str(a["rule_group"]), str(a["vpc"])
        if group not in groups:
            report.add(f"{path}.rule_group", "ResourceNotFoundException",
                       f"Can't find the resource with ID '{group}' (a rule group)", ref=group)
            continue
        if (vpc, priority) in taken:
            report.add(f"{path}.priority", "ConflictException",
                       f"VPC {vpc} already has rule group association {taken[(vpc, priority)]} "
                       f"at priority {priority}; each association of a VPC needs its own "
                       "priority (R144)")
            continue
        if (vpc, group) in pairs:
            report.add(path, "ConflictException",
                       f"rule group {group} is already associated with VPC {vpc}")
            continue
        taken[(vpc, priority)] = str(a["name"])
        pairs.add((vpc, group))
        associations.append(Association(str(a["name"]), group, vpc, priority))
        parts.vpcs_named.append((f"{path}.vpc", vpc))
    fail_open: list[str] = []
    for i, c in enumerate(_items(raw, "configs", report)):
        path = f"dns_firewall.configs[{c.get('vpc', i) if isinstance(c, dict) else i}]"
        c = _mapping(c, path, CONFIG_KEYS, CONFIG_KEYS, report)
        if c is None:
            continue
        flag = c["firewall_fail_open"]
        if not isinstance(flag, bool):
            report.add(f"{path}.firewall_fail_open", "ValidationException",
                       "firewall_fail_open must be true (ENABLED) or false (DISABLED)")
            continue
        parts.vpcs_named.append((f"{path}.vpc", str(c["vpc"])))
        if flag:
            fail_open.append(str(c["vpc"]))
    parts.firewall = DnsFirewall(tuple(lists.values()), tuple(groups.values()),
                                 tuple(associations), tuple(fail_open))
    return parts


def _lists(raw: Mapping[str, Any], report: Report,
           read_file: Callable[[str], tuple[str, str]]) -> dict[str, DomainList]:
    lists: dict[str, DomainList] = {}
    for i, dl in enumerate(_items(raw, "domain_lists", report)):
        path = f"dns_firewall.domain_lists[{_name(dl, i)}]"
        given = _name(dl, i)
        dl = _mapping(dl, path, LIST_KEYS, ("name",), report)
        if dl is None:
            report.broken.add(given)
            continue
        name = str(dl["name"])
        if name in lists:
            report.add(path, "ValidationException", f"domain list {name} is declared twice")
            continue
        inline = dl.get("domains", [])
        if not isinstance(inline, list) or not all(isinstance(d, str) for d in inline):
            report.add(f"{path}.domains", "ValidationException",
                       "domains must be a list of domain names")
            report.broken.add(name)
            continue
        bad = [d for d in inline if not valid_domain(d)]
        for d in bad:
            report.add(f"{path}.domains", "ValidationException",
                       f"{d!r} is not a valid domain specification: an optional leading * then "
                       "only A-Z, a-z, 0-9, hyphen, 1-255 characters (R140)")
        domains = [canonical_domain(d) for d in inline if d not in bad]
        from_file: list[str] = []
        where: str | None = None
        if "file" in dl:
            try:
                where, text = read_file(str(dl["file"]))
            except OSError as exc:
                report.add(f"{path}.file", "FileError",
                           f"cannot read domains file {dl['file']}: {exc.strerror or exc}")
                report.broken.add(name)
                continue
            got, wrong = parse_domain_file(text)
            for d in wrong:
                report.add(f"{path}.file", "ValidationException",
                           f"{dl['file']}: {d!r} is not a valid domain specification (R140)")
            from_file = got
        if bad:
            report.broken.add(name)
            continue
        lists[name] = DomainList(name, tuple(dict.fromkeys(domains)), where,
                                 tuple(dict.fromkeys(from_file)))
    return lists


def _groups(raw: Mapping[str, Any], report: Report,
            lists: Mapping[str, DomainList]) -> dict[str, RuleGroup]:
    groups: dict[str, RuleGroup] = {}
    for i, g in enumerate(_items(raw, "rule_groups", report)):
        path = f"dns_firewall.rule_groups[{_name(g, i)}]"
        given = _name(g, i)
        g = _mapping(g, path, GROUP_KEYS, ("name",), report)
        if g is None:
            report.broken.add(given)
            continue
        name = str(g["name"])
        if name in groups:
            report.add(path, "ValidationException", f"rule group {name} is declared twice")
            continue
        rules: dict[int, FirewallRule] = {}
        ok = True
        for j, r in enumerate(g.get("rules") or []):
            rule = _rule(r, f"{path}.rules[{_name(r, j)}]", report, lists, rules)
            if rule is None:
                ok = False
            else:
                rules[rule.priority] = rule
        if not ok:
            report.broken.add(name)
            continue
        groups[name] = RuleGroup(name, tuple(rules[p] for p in sorted(rules)))
    return groups


def _rule(raw: Any, path: str, report: Report, lists: Mapping[str, DomainList],
          rules: Mapping[int, FirewallRule]) -> FirewallRule | None:
    r = _mapping(raw, path, RULE_KEYS, ("name", "priority", "domain_list", "action"), report)
    if r is None:
        return None
    priority = _int(r["priority"])
    if priority is None:
        report.add(f"{path}.priority", "ValidationException", "Priority must be an integer")
        return None
    if priority in rules:
        report.add(f"{path}.priority", "ValidationException",
                   f"rule {rules[priority].name} already has priority {priority} in this rule "
                   "group: each rule needs a unique priority (R141)")
        return None
    if any(x.name == r["name"] for x in rules.values()):
        report.add(path, "ValidationException", f"rule {r['name']} is declared twice")
        return None
    listed = str(r["domain_list"])
    if listed not in lists:
        report.add(f"{path}.domain_list", "ResourceNotFoundException",
                   f"Can't find the resource with ID '{listed}' (a domain list)", ref=listed)
        return None
    action = r["action"]
    if action not in ACTIONS:
        report.add(f"{path}.action", "ValidationException",
                   f"Action {action!r} must be one of {', '.join(ACTIONS)}")
        return None
    response = r.get("block_response")
    override = r.get("block_override_domain")
    ttl = r.get("block_override_ttl")
    kind = r.get("block_override_dns_type")
    overrides = [k for k in ("block_override_domain", "block_override_ttl",
                             "block_override_dns_type") if k in r]
    qtype = r.get("qtype")
    if qtype is not None and (not isinstance(qtype, str) or not qtype.isalnum()):
        report.add(f"{path}.qtype", "ValidationException", "qtype must be a record type")
        return None
    redirection = r.get("firewall_domain_redirection_action", INSPECT)
    if redirection not in REDIRECTION_ACTIONS:
        report.add(f"{path}.firewall_domain_redirection_action", "ValidationException",
                   f"FirewallDomainRedirectionAction must be one of "
                   f"{', '.join(REDIRECTION_ACTIONS)}")
        return None
    if action != BLOCK:
        if response is not None or overrides:
            report.add(path, "ValidationException",
                       f"BlockResponse and BlockOverride* apply only to BLOCK rules, not {action}")
            return None
        return FirewallRule(str(r["name"]), priority, listed, action,
                            qtype=qtype.upper() if qtype else None, redirection=redirection)
    if response not in BLOCK_RESPONSES:
        report.add(f"{path}.block_response", "ValidationException",
                   "BlockResponse is required when the action is BLOCK: one of "
                   f"{', '.join(BLOCK_RESPONSES)} (R142)")
        return None
    if response != "OVERRIDE":
        if overrides:
            report.add(path, "ValidationException",
                       f"BlockOverride* apply only to BlockResponse OVERRIDE, not {response}")
            return None
        return FirewallRule(str(r["name"]), priority, listed, action, response,
                            qtype=qtype.upper() if qtype else None, redirection=redirection)
    ttl_value = _int(ttl)
    if not isinstance(override, str) or not valid_domain(override) or override.startswith("*") \
            or kind not in OVERRIDE_TYPES or ttl_value is None \
            or not 0 <= ttl_value <= OVERRIDE_TTL_MAX:
        report.add(path, "ValidationException",
                   "BlockResponse OVERRIDE needs block_override_domain (a domain name), "
                   "block_override_dns_type CNAME and block_override_ttl 0-"
                   f"{OVERRIDE_TTL_MAX} (R142)")
        return None
    return FirewallRule(str(r["name"]), priority, listed, action, response,
                        canonical_domain(override), ttl_value, str(kind),
                        qtype.upper() if qtype else None, redirection)


def check(parts: Parts, vpcs: Mapping[str, Any], report: Report) -> None:
    """References to VPCs (ResourceNotFoundException, as AssociateFirewallRuleGroup and
    UpdateFirewallConfig refuse an unknown VPC)."""
    for path, vpc in parts.vpcs_named:
        if vpc not in vpcs:
            report.add(path, "ResourceNotFoundException",
                       f"Can't find the resource with ID '{vpc}' (a VPC)", ref=vpc)
