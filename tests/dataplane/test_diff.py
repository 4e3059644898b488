"""diff.plan: desired vs recorded/present -> steps with reasons (pure)."""

from __future__ import annotations

from dataclasses import replace

from netemu.dataplane import diff, plan
from tests.dataplane.topos import lab

P = "netemu-t-"


def recorded(d: plan.Desired) -> tuple[dict, dict, set[str]]:
    ns = {
        n.name: {
            "status": "configured",
            "structure": n.structure(),
            "config": n.config(),
            "node": n.node,
        }
        for n in d.namespaces
    }
    links = {
        lk.id: {
            "status": "created",
            "fingerprint": lk.fingerprint(),
            "a_ns": lk.a_ns,
            "a_if": lk.a_if,
            "b_ns": lk.b_ns,
            "b_if": lk.b_if,
        }
        for lk in d.links
    }
    return ns, links, set(ns)


def test_fresh_apply_creates_everything_in_order() -> None:
    d = plan.build(lab(), P)
    steps = diff.plan(d, {}, {}, set())
    actions = [s.action for s in steps]
    assert actions.count("create_ns") == len(d.namespaces) == actions.count("configure_ns")
    assert actions.count("create_link") == len(d.links)
    assert actions == sorted(actions, key=lambda a: diff.ORDER[a])


def test_same_topology_twice_is_an_empty_plan() -> None:
    d = plan.build(lab(), P)
    assert diff.plan(d, *recorded(d)) == []


def test_changed_ruleset_reconfigures_only_that_namespace() -> None:
    d = plan.build(lab(), P)
    ns, links, present = recorded(d)
    ns[P + "i-app.web1"]["config"] = "old"
    steps = diff.plan(d, ns, links, present)
    assert [(s.action, s.target) for s in steps] == [("configure_ns", P + "i-app.web1")]


def test_removed_instance_deletes_its_namespace_and_link() -> None:
    t = lab()
    app = t.vpcs[0]
    smaller = replace(t, vpcs=(replace(app, instances=app.instances[:-1]),) + t.vpcs[1:])
    ns, links, present = recorded(plan.build(t, P))
    steps = diff.plan(plan.build(smaller, P), ns, links, present)
    got = {(s.action, s.target) for s in steps}
    assert ("delete_ns", P + "i-app.app2") in got
    assert ("delete_link", "eni:app/i:app2") in got
    assert not any(s.action == "create_ns" for s in steps)


def test_half_made_namespace_is_recreated_with_its_links() -> None:
    d = plan.build(lab(), P)
    ns, links, present = recorded(d)
    ns[P + "i-app.web1"]["status"] = "created"
    got = {(s.action, s.target) for s in diff.plan(d, ns, links, present)}
    assert {("delete_ns", P + "i-app.web1"), ("create_ns", P + "i-app.web1"),
            ("create_link", "eni:app/i:web1"), ("configure_ns", P + "r-app")} <= got


def test_missing_namespace_is_recreated() -> None:
    d = plan.build(lab(), P)
    ns, links, present = recorded(d)
    present.discard(P + "h-client")
    got = {(s.action, s.target) for s in diff.plan(d, ns, links, present)}
    assert ("create_ns", P + "h-client") in got and ("create_link", "host:client") in got
