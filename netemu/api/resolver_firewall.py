"""The Route 53 Resolver DNS Firewall API (Route53Resolver, 2018-04-01) on ``--api``: AWS JSON 1.1,
``POST /`` with ``X-Amz-Target: Route53Resolver.<Operation>``, errors as ``{"__type", "message"}``
with HTTP 400 (503 when the state store fails), the shapes of botocore's ``route53resolver``
model, so boto3's ``client("route53resolver", endpoint_url=...)`` drives it.

Every rule is the topology loader's (``vpc.firewall.read``): after each change the whole firewall
is read again as a ``dns_firewall`` section (ids as names), and the first problem refuses the
change with its code and message.

State: rows of the one ``Store`` (``api/store.py``) the Route 53 API uses, one row per resource
(``KINDS``: ``firewalldomainlist``, ``firewallrulegroup`` with its rules,
``firewallassociation``, ``firewallconfig`` keyed by VPC). Requests run one at a time; a change
is committed (durable under ``--state DIR``) before it is acknowledged, and a failing store
answers 503 with nothing changed. Readers follow the rows through the store's interface:
``netemu apply --api-state DIR`` makes the VPC resolvers apply them (``state_from_rows``,
``firewall_from_state``). A ``DIR/route53resolver-firewall.json`` (``FILE``) written by earlier
versions is migrated into the store once, on the first start, and renamed ``*.migrated``.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from netemu.api.auth import Verifier
from netemu.api.store import (
    FILENAME,
    STORE_FAILURES,
    MemoryStore,
    SqliteStore,
    Store,
    StoreMoved,
    Write,
)
from netemu.vpc import firewall as vpc_firewall
from netemu.vpc.draft import Report

if TYPE_CHECKING:
    from netemu.api.account import Account

log = logging.getLogger("netemu.api")

TARGET_PREFIX = "Route53Resolver."
FILE = "route53resolver-firewall.json"     # the state before it moved into the store
MIGRATED = FILE + ".migrated"               # the same file once migrated
# the part of the state (``empty_state``) -> the kind of its store rows
KINDS = {"lists": "firewalldomainlist", "groups": "firewallrulegroup",
         "associations": "firewallassociation", "configs": "firewallconfig"}
FIREWALL_KINDS = frozenset(KINDS.values())
REGION = "us-east-1"
ACCOUNT = "123456789012"
COMMIT_TRIES = 3    # a request raced by other servers' commits is checked again this often
MAX_DOMAINS_PER_REQUEST = 1000    # UpdateFirewallDomains: a limit of 1000 domains per request


class ResolverApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _now() -> str:
    ts = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def _new_id(kind: str) -> str:
    return f"rslvr-{kind}-{uuid.uuid4().hex[:17]}"


def _arn(kind: str, ident: str) -> str:
    return f"arn:aws:route53resolver:{REGION}:{ACCOUNT}:{kind}/{ident}"


def empty_state() -> dict[str, Any]:
    return {"lists": {}, "groups": {}, "associations": {}, "configs": {}}


def as_topology(state: dict[str, Any]) -> dict[str, Any]:
    """The state as a topology file's ``dns_firewall`` section (ids stand for names)."""
    return {
        "domain_lists": [{"name": i, "domains": list(dl["Domains"])}
                         for i, dl in state["lists"].items()],
        "rule_groups": [{"name": i, "rules": [_rule_as_topology(r) for r in g["Rules"]]}
                        for i, g in state["groups"].items()],
        "associations": [{"name": i, "rule_group": a["FirewallRuleGroupId"], "vpc": a["VpcId"],
                          "priority": a["Priority"]} for i, a in state["associations"].items()],
        "configs": [{"vpc": vpc, "firewall_fail_open": c["FirewallFailOpen"] == "ENABLED"}
                    for vpc, c in state["configs"].items()],
    }


def _rule_as_topology(r: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f"{r['Name']}/{r['FirewallDomainListId']}",
                           "priority": r["Priority"], "domain_list": r["FirewallDomainListId"],
                           "action": r["Action"]}
    for key, field in (("BlockResponse", "block_response"),
                       ("BlockOverrideDomain", "block_override_domain"),
                       ("BlockOverrideTtl", "block_override_ttl"),
                       ("BlockOverrideDnsType", "block_override_dns_type"),
                       ("Qtype", "qtype"),
                       ("FirewallDomainRedirectionAction", "firewall_domain_redirection_action")):
        if r.get(key) is not None:
            out[field] = r[key]
    return out


def _no_files(name: str) -> tuple[str, str]:
    raise OSError(2, "domains files are the topology's; use UpdateFirewallDomains")


def firewall_from_state(state: dict[str, Any]) -> vpc_firewall.DnsFirewall:
    """The pure model of a stored state (already validated when it was committed)."""
    report = Report("Route53Resolver firewall rows")
    parts = vpc_firewall.read({"dns_firewall": as_topology(state)}, report, _no_files)
    return parts.firewall


def state_from_rows(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The firewall state held by a store's rows (``Store.load().rows``, a follower's copy)."""
    return {part: dict(rows.get(kind, {})) for part, kind in KINDS.items()}


def writes_between(old: dict[str, Any], new: dict[str, Any]) -> list[Write]:
    """The store writes that turn state ``old`` into ``new``: changed rows and deleted ones."""
    writes: list[Write] = []
    for part, kind in KINDS.items():
        before, after = old.get(part, {}), new.get(part, {})
        writes += [(kind, key, value) for key, value in after.items()
                   if before.get(key) != value]
        writes += [(kind, key, None) for key in before if key not in after]
    return writes


def read_state(directory: str | Path) -> dict[str, Any] | None:
    """The firewall state stored under ``serve --state DIR``, or None when DIR holds no
    store."""
    if not (Path(directory) / FILENAME).is_file():
        return None
    store = SqliteStore(directory)
    try:
        return state_from_rows(store.load().rows)
    finally:
        store.close()


def migrate_file(store: Store, directory: str | Path) -> int | None:
    """The first start after the upgrade: ``DIR/route53resolver-firewall.json`` (``FILE``) is
    read once, validated like any change, committed to ``store`` as rows in one commit, then
    renamed ``MIGRATED`` and never read again. Returns the number of rows written (None when
    there was no file). A store that already holds firewall rows (a migration interrupted
    after its commit) keeps them; the file is only renamed. Raises ValueError naming the file
    when it cannot be read or breaks a rule: nothing is migrated and the file stays."""
    path = Path(directory) / FILE
    if not path.is_file():
        return None
    if any(store.load().rows.get(kind) for kind in FIREWALL_KINDS):
        os.replace(path, path.with_name(MIGRATED))
        return 0
    try:
        got = json.loads(path.read_text())
        if not isinstance(got, dict):
            raise ValueError("not a JSON object")
        state = {part: dict(got.get(part) or {}) for part in KINDS}
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"{path}: the DNS Firewall state of an earlier netemu cannot be read "
                         f"({exc}); fix or remove the file to start") from None
    report = Report(str(path))
    vpc_firewall.read({"dns_firewall": as_topology(state)}, report, _no_files)
    if report.problems:
        raise ValueError(f"{report.problems[0]} (not migrated into the state store; fix or "
                         "remove the file to start)")
    writes = writes_between(empty_state(), state)
    if writes:
        store.commit(writes)
    os.replace(path, path.with_name(MIGRATED))
    log.warning("DNS Firewall state %s migrated into the state store (%d rows); the file is "
                "now %s and no longer read", path, len(writes), MIGRATED)
    return len(writes)


class FirewallApi:
    """The operations over the firewall rows of ``store`` (memory when None); ``state_dir``
    is where an earlier version's JSON file may wait to be migrated (``migrate_file``)."""

    def __init__(self, store: Store | None = None, state_dir: str | Path | None = None,
                 verifier: Verifier | None = None,
                 on_change: Callable[[dict[str, Any]], None] | None = None,
                 account: Account | None = None) -> None:
        self.store: Store = store if store is not None else MemoryStore()
        self.verifier = verifier
        self.on_change = on_change
        self.lock = asyncio.Lock()     # one request at a time: read, change, commit
        if state_dir is not None:
            migrate_file(self.store, state_dir)
        self.state = state_from_rows(self.store.load().rows)
        # sharing --state with other servers (``account.follow``): the Route 53 account's lock,
        # catch-up and ``commit(expect=)``, and its follower loop keeps ``self.state`` current
        self.account = account if account is not None and account.follow else None
        if self.account is not None:
            self.lock = self.account.lock
            self.account.readers.append(self.reload)

    def reload(self, rows: dict[str, dict[str, Any]]) -> None:
        """Other servers' commits were taken in: answer from the rows they left."""
        state = state_from_rows(rows)
        if state != self.state:
            self.state = state
            if self.on_change is not None:
                self.on_change(state)

    # -- HTTP ----------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response | None:
        target = request.headers.get("X-Amz-Target", "")
        if request.method != "POST" or not target.startswith(TARGET_PREFIX):
            return None
        body = await request.read()
        if self.verifier is not None:
            problem = self.verifier.check(request.method, request.path_qs,
                                          dict(request.headers), body)
            if problem is not None:
                return _error(*problem)
        operation = target[len(TARGET_PREFIX):]
        method = getattr(self, "op_" + operation, None)
        if method is None:
            return _error("UnknownOperationException",
                          f"netemu does not implement Route53Resolver.{operation}")
        for _ in range(COMMIT_TRIES):
            async with self.lock:
                try:
                    return await self._handle_once(operation, method, body)
                except StoreMoved as exc:   # caught up meanwhile: the request checked again
                    log.info("Route53Resolver.%s: %s; checking the request again", operation,
                             exc)
        return _error("ThrottlingException",
                      "The request was not processed because other servers sharing the state "
                      f"committed changes meanwhile {COMMIT_TRIES} times; send it again")

    async def _handle_once(self, operation: str, method: Callable[[dict[str, Any]], Any],
                           body: bytes) -> web.Response:
        """One try of a request, under ``self.lock``: against the store's latest version when
        shared (raises StoreMoved, nothing written, when another server committed first)."""
        before = self.state
        try:
            if self.account is not None:
                await self.account.catch_up()   # its readers set self.state (``reload``)
                before = self.state
            params = json.loads(body or b"{}")
            if not isinstance(params, dict):
                raise ValueError("the request body must be a JSON object")
            result = method(params)
            if self.state is not before:    # a change: durable before it is answered
                writes = writes_between(before, self.state)
                if writes and self.account is not None:
                    await self.account._store_commit(writes)
                elif writes:
                    await asyncio.to_thread(self.store.commit, writes)
        except StoreMoved:   # the account caught up: the state is what the rows now hold
            assert self.account is not None
            self.state = state_from_rows(self.account.rows)
            raise
        except ResolverApiError as exc:
            self.state = before
            return _error(exc.code, exc.message)
        except STORE_FAILURES as exc:      # nothing committed, nothing acknowledged
            self.state = before
            log.error("Route53Resolver.%s: the state store failed: %s", operation, exc)
            return _error("InternalServiceErrorException",
                          f"the state store failed ({exc}); nothing was changed, retry",
                          503)
        except (ValueError, KeyError, TypeError) as exc:
            self.state = before
            return _error("ValidationException", f"invalid request: {exc}")
        if self.state is not before and self.on_change is not None:
            self.on_change(self.state)
        return web.Response(status=200, text=json.dumps(result),
                            content_type="application/x-amz-json-1.1")

    # -- state ---------------------------------------------------------------------------------

    def _commit(self, new: dict[str, Any]) -> None:
        """Validate the whole firewall as the topology loader does, then keep it."""
        report = Report("Route53Resolver")
        vpc_firewall.read({"dns_firewall": as_topology(new)}, report, _no_files)
        if report.problems:
            problem = report.problems[0]
            raise ResolverApiError(problem.code, problem.message)
        self.state = new     # committed to the store by ``handle`` before it answers

    def _copy(self) -> dict[str, Any]:
        return copy.deepcopy(self.state)

    def _find(self, kind: str, ident: Any, what: str) -> dict[str, Any]:
        found: dict[str, Any] | None = self.state[kind].get(ident)
        if found is None:
            raise ResolverApiError("ResourceNotFoundException",
                                   f"[RSLVR-00000] Can't find the resource with ID '{ident}' "
                                   f"({what}).")
        return found

    # -- domain lists ----------------------------------------------------------------------------

    def _list_out(self, ident: str, dl: dict[str, Any], status: str = "COMPLETE") -> dict[str, Any]:
        return {"Id": ident, "Arn": _arn("firewall-domain-list", ident), "Name": dl["Name"],
                "DomainCount": len(dl["Domains"]), "Status": status,
                "StatusMessage": "Created Firewall Domain List",
                "CreatorRequestId": dl["CreatorRequestId"], "CreationTime": dl["CreationTime"],
                "ModificationTime": dl["ModificationTime"]}

    def op_CreateFirewallDomainList(self, p: dict[str, Any]) -> dict[str, Any]:
        ident, now = _new_id("fdl"), _now()
        new = self._copy()
        new["lists"][ident] = {"Name": str(p["Name"]), "Domains": [],
                               "CreatorRequestId": str(p["CreatorRequestId"]),
                               "CreationTime": now, "ModificationTime": now}
        self._commit(new)
        return {"FirewallDomainList": self._list_out(ident, new["lists"][ident])}

    def op_UpdateFirewallDomains(self, p: dict[str, Any]) -> dict[str, Any]:
        ident = p["FirewallDomainListId"]
        self._find("lists", ident, "a firewall domain list")
        domains = p["Domains"]
        if not isinstance(domains, list) or len(domains) > MAX_DOMAINS_PER_REQUEST:
            raise ResolverApiError("ValidationException", "Domains: a list of at most "
                                   f"{MAX_DOMAINS_PER_REQUEST} domains per request")
        bad = [d for d in domains if not isinstance(d, str) or not vpc_firewall.valid_domain(d)]
        if bad:
            raise ResolverApiError("ValidationException",
                                   f"Domain {bad[0]!r} is invalid: it can optionally start with "
                                   "* (asterisk); otherwise only A-Z, a-z, 0-9, - (hyphen); "
                                   "1-255 characters (R140)")
        given = [vpc_firewall.canonical_domain(d) for d in domains]
        new = self._copy()
        dl = new["lists"][ident]
        operation = p["Operation"]
        if operation == "ADD":
            dl["Domains"] = list(dict.fromkeys(dl["Domains"] + given))
        elif operation == "REMOVE":
            dl["Domains"] = [d for d in dl["Domains"] if d not in set(given)]
        elif operation == "REPLACE":
            dl["Domains"] = list(dict.fromkeys(given))
        else:
            raise ResolverApiError("ValidationException",
                                   f"Operation {operation!r} must be ADD, REMOVE or REPLACE")
        dl["ModificationTime"] = _now()
        self._commit(new)
        return {"Id": ident, "Name": dl["Name"], "Status": "COMPLETE",
                "StatusMessage": "Finished domain list update"}

    def op_GetFirewallDomainList(self, p: dict[str, Any]) -> dict[str, Any]:
        ident = p["FirewallDomainListId"]
        return {"FirewallDomainList": self._list_out(
            ident, self._find("lists", ident, "a firewall domain list"))}

    def op_ListFirewallDomainLists(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"FirewallDomainLists": [
            {"Id": i, "Arn": _arn("firewall-domain-list", i), "Name": dl["Name"],
             "CreatorRequestId": dl["CreatorRequestId"]}
            for i, dl in self.state["lists"].items()]}

    def op_ListFirewallDomains(self, p: dict[str, Any]) -> dict[str, Any]:
        dl = self._find("lists", p["FirewallDomainListId"], "a firewall domain list")
        return {"Domains": list(dl["Domains"])}

    def op_DeleteFirewallDomainList(self, p: dict[str, Any]) -> dict[str, Any]:
        ident = p["FirewallDomainListId"]
        dl = self._find("lists", ident, "a firewall domain list")
        users = [g["Name"] for g in self.state["groups"].values()
                 if any(r["FirewallDomainListId"] == ident for r in g["Rules"])]
        if users:
            raise ResolverApiError("ConflictException",
                                   f"The domain list {ident} is used by rules of rule group(s) "
                                   f"{', '.join(users)}")
        new = self._copy()
        del new["lists"][ident]
        self._commit(new)
        return {"FirewallDomainList": self._list_out(ident, dl, "DELETING")}

    # -- rule groups and rules ----------------------------------------------------------------

    def _group_out(self, ident: str, g: dict[str, Any], status: str = "COMPLETE") -> dict[str, Any]:
        return {"Id": ident, "Arn": _arn("firewall-rule-group", ident), "Name": g["Name"],
                "RuleCount": len(g["Rules"]), "Status": status,
                "StatusMessage": "Created Firewall Rule Group", "OwnerId": ACCOUNT,
                "CreatorRequestId": g["CreatorRequestId"], "ShareStatus": "NOT_SHARED",
                "CreationTime": g["CreationTime"], "ModificationTime": g["ModificationTime"]}

    def op_CreateFirewallRuleGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        ident, now = _new_id("frg"), _now()
        new = self._copy()
        new["groups"][ident] = {"Name": str(p["Name"]), "Rules": [],
                                "CreatorRequestId": str(p["CreatorRequestId"]),
                                "CreationTime": now, "ModificationTime": now}
        self._commit(new)
        return {"FirewallRuleGroup": self._group_out(ident, new["groups"][ident])}

    def op_GetFirewallRuleGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        ident = p["FirewallRuleGroupId"]
        return {"FirewallRuleGroup": self._group_out(
            ident, self._find("groups", ident, "a firewall rule group"))}

    def op_ListFirewallRuleGroups(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"FirewallRuleGroups": [
            {"Id": i, "Arn": _arn("firewall-rule-group", i), "Name": g["Name"],
             "OwnerId": ACCOUNT, "CreatorRequestId": g["CreatorRequestId"],
             "ShareStatus": "NOT_SHARED"} for i, g in self.state["groups"].items()]}

    def op_DeleteFirewallRuleGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        ident = p["FirewallRuleGroupId"]
        g = self._find("groups", ident, "a firewall rule group")
        used = [i for i, a in self.state["associations"].items()
                if a["FirewallRuleGroupId"] == ident]
        if used:
            raise ResolverApiError("ConflictException",
                                   f"The rule group {ident} is associated with a VPC "
                                   f"({', '.join(used)}): disassociate it first")
        new = self._copy()
        del new["groups"][ident]
        self._commit(new)
        return {"FirewallRuleGroup": self._group_out(ident, g, "DELETING")}

    _RULE_FIELDS = ("Action", "BlockResponse", "BlockOverrideDomain", "BlockOverrideDnsType",
                    "BlockOverrideTtl", "Qtype", "FirewallDomainRedirectionAction")

    def op_CreateFirewallRule(self, p: dict[str, Any]) -> dict[str, Any]:
        group_id, list_id = p["FirewallRuleGroupId"], p.get("FirewallDomainListId")
        self._find("groups", group_id, "a firewall rule group")
        if list_id is None:
            raise ResolverApiError("ValidationException", "netemu's DNS Firewall rules need a "
                                   "FirewallDomainListId (DNS Firewall Advanced is not emulated)")
        self._find("lists", list_id, "a firewall domain list")
        now = _now()
        rule = {"FirewallRuleGroupId": group_id, "FirewallDomainListId": list_id,
                "Name": str(p["Name"]), "Priority": p["Priority"],
                "CreatorRequestId": str(p["CreatorRequestId"]), "CreationTime": now,
                "ModificationTime": now,
                **{k: p[k] for k in self._RULE_FIELDS if p.get(k) is not None}}
        new = self._copy()
        rules = new["groups"][group_id]["Rules"]
        if any(r["FirewallDomainListId"] == list_id and r.get("Qtype") == p.get("Qtype")
               for r in rules):
            raise ResolverApiError("ValidationException",
                                   f"rule group {group_id} already has a rule for domain list "
                                   f"{list_id}")
        rules.append(rule)
        self._commit(new)
        return {"FirewallRule": rule}

    def op_UpdateFirewallRule(self, p: dict[str, Any]) -> dict[str, Any]:
        group_id, list_id = p["FirewallRuleGroupId"], p["FirewallDomainListId"]
        new = self._copy()
        rule = self._rule_in(new, group_id, list_id, p.get("Qtype"))
        for key in ("Name", "Priority", *self._RULE_FIELDS):
            if p.get(key) is not None:
                rule[key] = p[key]
        if rule.get("Action") != "BLOCK":
            for key in self._RULE_FIELDS[1:5]:
                rule.pop(key, None)
        rule["ModificationTime"] = _now()
        self._commit(new)
        return {"FirewallRule": rule}

    def _rule_in(self, state: dict[str, Any], group_id: Any, list_id: Any,
                 qtype: Any) -> dict[str, Any]:
        self._find("groups", group_id, "a firewall rule group")
        for r in state["groups"][group_id]["Rules"]:
            if r["FirewallDomainListId"] == list_id and (qtype is None
                                                         or r.get("Qtype") == qtype):
                found: dict[str, Any] = r
                return found
        raise ResolverApiError("ResourceNotFoundException",
                               f"[RSLVR-00000] Can't find the resource with ID '{list_id}' "
                               f"(a rule of rule group {group_id}).")

    def op_DeleteFirewallRule(self, p: dict[str, Any]) -> dict[str, Any]:
        group_id, list_id = p["FirewallRuleGroupId"], p["FirewallDomainListId"]
        new = self._copy()
        rule = self._rule_in(new, group_id, list_id, p.get("Qtype"))
        new["groups"][group_id]["Rules"].remove(rule)
        self._commit(new)
        return {"FirewallRule": rule}

    def op_ListFirewallRules(self, p: dict[str, Any]) -> dict[str, Any]:
        g = self._find("groups", p["FirewallRuleGroupId"], "a firewall rule group")
        rules = sorted(g["Rules"], key=lambda r: int(r["Priority"]))
        if p.get("Priority") is not None:
            rules = [r for r in rules if r["Priority"] == p["Priority"]]
        if p.get("Action") is not None:
            rules = [r for r in rules if r["Action"] == p["Action"]]
        return {"FirewallRules": rules}

    # -- associations and configs --------------------------------------------------------------

    def _assoc_out(self, ident: str, a: dict[str, Any], status: str = "COMPLETE") -> dict[str, Any]:
        return {"Id": ident, "Arn": _arn("firewall-rule-group-association", ident),
                **{k: a[k] for k in ("FirewallRuleGroupId", "VpcId", "Name", "Priority",
                                     "MutationProtection", "CreatorRequestId", "CreationTime",
                                     "ModificationTime")},
                "Status": status, "StatusMessage": "Finished rule group association update"}

    def op_AssociateFirewallRuleGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        self._find("groups", p["FirewallRuleGroupId"], "a firewall rule group")
        ident, now = _new_id("frgassoc"), _now()
        new = self._copy()
        new["associations"][ident] = {
            "FirewallRuleGroupId": p["FirewallRuleGroupId"], "VpcId": str(p["VpcId"]),
            "Name": str(p["Name"]), "Priority": p["Priority"],
            "MutationProtection": p.get("MutationProtection", "DISABLED"),
            "CreatorRequestId": str(p["CreatorRequestId"]), "CreationTime": now,
            "ModificationTime": now}
        self._commit(new)
        return {"FirewallRuleGroupAssociation": self._assoc_out(ident,
                                                                new["associations"][ident])}

    def op_GetFirewallRuleGroupAssociation(self, p: dict[str, Any]) -> dict[str, Any]:
        ident = p["FirewallRuleGroupAssociationId"]
        return {"FirewallRuleGroupAssociation": self._assoc_out(
            ident, self._find("associations", ident, "a firewall rule group association"))}

    def op_ListFirewallRuleGroupAssociations(self, p: dict[str, Any]) -> dict[str, Any]:
        out = [self._assoc_out(i, a) for i, a in self.state["associations"].items()]
        for key in ("FirewallRuleGroupId", "VpcId", "Priority"):
            if p.get(key) is not None:
                out = [a for a in out if a[key] == p[key]]
        return {"FirewallRuleGroupAssociations": out}

    def op_DisassociateFirewallRuleGroup(self, p: dict[str, Any]) -> dict[str, Any]:
        ident = p["FirewallRuleGroupAssociationId"]
        a = self._find("associations", ident, "a firewall rule group association")
        if a.get("MutationProtection") == "ENABLED":
            raise ResolverApiError("ValidationException",
                                   f"The association {ident} has mutation protection enabled")
        new = self._copy()
        del new["associations"][ident]
        self._commit(new)
        return {"FirewallRuleGroupAssociation": self._assoc_out(ident, a, "DELETING")}

    def _config_out(self, vpc: str) -> dict[str, Any]:
        c = self.state["configs"].get(vpc, {"FirewallFailOpen": "DISABLED"})
        return {"Id": "rslvr-fc-" + uuid.uuid5(uuid.NAMESPACE_URL, vpc).hex[:17],
                "ResourceId": vpc, "OwnerId": ACCOUNT, "FirewallFailOpen": c["FirewallFailOpen"]}

    def op_GetFirewallConfig(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"FirewallConfig": self._config_out(str(p["ResourceId"]))}

    def op_UpdateFirewallConfig(self, p: dict[str, Any]) -> dict[str, Any]:
        value = p["FirewallFailOpen"]
        if value not in ("ENABLED", "DISABLED", "USE_LOCAL_RESOURCE_SETTING"):
            raise ResolverApiError("ValidationException",
                                   f"FirewallFailOpen {value!r} must be ENABLED or DISABLED")
        new = self._copy()
        new["configs"][str(p["ResourceId"])] = {
            "FirewallFailOpen": "ENABLED" if value == "ENABLED" else "DISABLED"}
        self._commit(new)
        return {"FirewallConfig": self._config_out(str(p["ResourceId"]))}

    def op_ListFirewallConfigs(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"FirewallConfigs": [self._config_out(v) for v in self.state["configs"]]}


def _error(code: str, message: str, status: int = 400) -> web.Response:
    return web.Response(status=status, text=json.dumps({"__type": code, "message": message}),
                        content_type="application/x-amz-json-1.1",
                        headers={"x-amzn-ErrorType": code})
