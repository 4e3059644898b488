"""Desired data plane vs what exists -> an ordered plan of steps, each with its reason.
PURE. An empty plan means the kernel already matches the topology: ``apply`` does nothing.

Granularity: a namespace is recreated when its role or bridges change, or when an interrupted
apply left it half-made; everything else inside it (addresses, routes, rules, nftables,
sysctls, resolv.conf) is reconciled in place. A veth pair is recreated when its ends change or
when one of its namespaces is recreated; a namespace is reconfigured when its configuration
changed or one of its links was recreated (routes over a new link must be added again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netemu.dataplane.plan import Desired, Link

ORDER = {"delete_link": 0, "delete_ns": 1, "create_ns": 2, "create_link": 3, "configure_ns": 4}


@dataclass(frozen=True, slots=True)
class Step:
    action: str  # delete_link | delete_ns | create_ns | create_link | configure_ns
    target: str  # namespace name or link id
    reason: str

    def __str__(self) -> str:
        return f"{self.action:<12} {self.target}  ({self.reason})"


def plan(
    desired: Desired,
    recorded_ns: dict[str, dict[str, Any]],
    recorded_links: dict[str, dict[str, Any]],
    present: set[str],
) -> list[Step]:
    """``recorded_*`` come from the state file, ``present`` is the set of namespaces that exist
    and carry our marker (or are recorded as ours)."""
    want = {n.name: n for n in desired.namespaces}
    gone = sorted((present | set(recorded_ns)) - set(want))
    steps = [Step("delete_ns", name, "not in the topology any more") for name in gone]
    created = _namespaces(desired, recorded_ns, present, steps)
    relinked = _links(desired, recorded_links, created, created | set(gone), steps)
    for n in desired.namespaces:
        rec = recorded_ns.get(n.name) or {}
        if n.name in created:
            steps.append(Step("configure_ns", n.name, "new namespace"))
        elif n.name in relinked:
            steps.append(Step("configure_ns", n.name, "a link was recreated"))
        elif rec.get("config") != n.config():
            steps.append(Step("configure_ns", n.name,
                              "addresses, routes, rules or rulesets changed"))
    return sorted(steps, key=lambda s: ORDER[s.action])


def _namespaces(desired: Desired, recorded_ns: dict[str, dict[str, Any]], present: set[str],
                steps: list[Step]) -> set[str]:
    """Create the missing namespaces, recreate the changed or half-made ones; returns both."""
    created: set[str] = set()
    for n in desired.namespaces:
        rec = recorded_ns.get(n.name)
        if n.name not in present:
            steps.append(Step("create_ns", n.name, f"{n.role} {n.node} does not exist"))
            created.add(n.name)
        elif rec is None or rec.get("structure") != n.structure() \
                or rec.get("status") != "configured":
            why = ("not recorded as ours" if rec is None else
                   "left half-made by an interrupted apply"
                   if rec.get("status") != "configured" else "its bridges changed")
            steps.append(Step("delete_ns", n.name, why))
            steps.append(Step("create_ns", n.name, why))
            created.add(n.name)
    return created


def _links(desired: Desired, recorded_links: dict[str, dict[str, Any]], created: set[str],
           dying: set[str], steps: list[Step]) -> set[str]:
    """Delete the links that go or change, (re)create the missing ones; returns the namespaces
    at either end of a (re)created link."""
    want_links = {link.id: link for link in desired.links}
    for lid, rec in sorted(recorded_links.items()):
        a_dies, b_dies = rec.get("a_ns") in dying, rec.get("b_ns") in dying
        if a_dies and b_dies:
            continue  # goes with its namespaces
        link = want_links.get(lid)
        if link is None:
            why = "not in the topology any more"
        elif rec.get("fingerprint") != link.fingerprint() or rec.get("status") != "created":
            why = "changed"
        elif a_dies or b_dies:
            why = "an end's namespace is recreated"
        else:
            continue
        # One end survives: delete the pair explicitly so its name is free again at once
        # (a peer of a deleted namespace lingers for about a second, docs/dataplane.md).
        steps.append(Step("delete_link", lid, why))
    relinked: set[str] = set()
    for link in desired.links:
        known = recorded_links.get(link.id)
        if (link.a_ns in created or link.b_ns in created or known is None
                or known.get("fingerprint") != link.fingerprint()
                or known.get("status") != "created"):
            steps.append(Step("create_link", link.id, _link_reason(link, known, created)))
            relinked.update((link.a_ns, link.b_ns))
    return relinked


def _link_reason(link: Link, rec: dict[str, Any] | None, created: set[str]) -> str:
    if link.a_ns in created or link.b_ns in created:
        return "an end's namespace is new"
    if rec is None:
        return "does not exist"
    return "changed" if rec.get("status") == "created" else "left half-made by an interrupted apply"

