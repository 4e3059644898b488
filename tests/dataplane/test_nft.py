"""nftables rulesets pinned by golden files (regenerate: NETEMU_REGEN_GOLDEN=1 pytest ...; a
regenerating run skips the comparison, so it never passes against what it just wrote)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netemu.dataplane import plan
from tests.dataplane.topos import lab

GOLDEN = Path(__file__).parent / "golden"
P = "netemu-t-"
CASES = {"nacl-app": "r-app", "sg-web1": "i-app.web1", "sg-web2": "i-app.web2",
         "igw-app": "igw-app", "natgw-nat-a": "nat-app.nat-a"}




def regen_requested(value: str | None) -> bool:
    """Only NETEMU_REGEN_GOLDEN=1 regenerates; unset, empty or "0" compare."""
    if value not in (None, "", "0", "1"):
        raise ValueError(f"NETEMU_REGEN_GOLDEN={value!r}: 1 regenerates, 0 or unset compares")
    return value == "1"


def test_only_1_regenerates() -> None:
    assert [regen_requested(v) for v in (None, "", "0", "1")] == [False, False, False, True]
    with pytest.raises(ValueError):
        regen_requested("yes")


@pytest.mark.parametrize("golden,ns", sorted(CASES.items()))
def test_ruleset_matches_golden(golden: str, ns: str) -> None:
    text = plan.build(lab(), P).namespace(P + ns).nft
    path = GOLDEN / f"{golden}.nft"
    if regen_requested(os.environ.get("NETEMU_REGEN_GOLDEN")):
        path.write_text(text)
        pytest.skip(f"regenerated {path.name}: review the diff, then run without the variable")
    assert text, f"{ns} has no ruleset"
    assert text == path.read_text()


def test_nacl_is_stateless_and_ordered_V31_V34() -> None:
    text = plan.build(lab(), P).namespace(P + "r-app").nft
    assert "ct state" not in text
    web_out = text.split("chain nacl_web_outbound {")[1].split("}")[0]
    assert web_out.index('rule 90"') < web_out.index('rule 100"') < web_out.index("rule *")


def test_sg_is_stateful_and_references_members_V44_V46() -> None:
    text = plan.build(lab(), P).namespace(P + "i-app.web1").nft
    assert "ct state established,related accept" in text
    assert "set group_app_bastion { type ipv4_addr; elements = { 10.0.1.11 }; }" in text


def test_rulesets_replace_their_table_atomically() -> None:
    spaces = plan.build(lab(), P).namespaces
    filtered = {n.role for n in spaces if n.nft}
    # Every namespace that filters or translates has a ruleset; the rest have none.
    assert filtered == {"router", "instance", "nat", "igw"}
    assert {n.role for n in spaces if not n.nft} == {"internet", "host"}
    for n in spaces:
        if not n.nft:
            continue
        tables = [line for line in n.nft.splitlines() if line.startswith("table ") and "{" in line]
        assert tables, n.name
        for head in tables:
            decl = head.removesuffix(" {")
            lines = n.nft.splitlines()
            at = lines.index(head)
            # "table X" (so that the delete is valid), "delete table X", then its body.
            assert lines[at - 2:at] == [decl, "delete " + decl], n.name


def _peered(status: str) -> dict[str, object]:
    """VPC a's group w admits tcp 22 from group x of VPC b, peered by ``status``."""
    def vpc(name: str, cidr: str, sg: dict[str, object], inst: str) -> dict[str, object]:
        return {"name": name, "cidr_blocks": [cidr],
                "subnets": [{"name": "s", "cidr": cidr.replace("0.0/16", "1.0/24")}],
                "security_groups": [sg],
                "instances": [{"name": inst, "subnet": "s", "security_groups": [sg["name"]]}]}
    w = {"name": "w", "ingress": [{"protocol": "tcp", "ports": 22,
                                   "source_group": {"vpc": "b", "name": "x"}}]}
    return {"vpcs": [vpc("a", "10.0.0.0/16", w, "ia"),
                     vpc("b", "10.1.0.0/16", {"name": "x"}, "ib")],
            "peerings": [{"name": "p", "requester": "a", "accepter": "b", "status": status}]}


def test_sg_reference_across_a_deleted_peering_is_stale_V44_V45() -> None:
    from netemu.vpc.load import load_topology
    live = plan.build(load_topology(_peered("active")), P).namespace(P + "i-a.ia").nft
    assert "set group_b_x { type ipv4_addr; elements = { 10.1.1.4 }; }" in live  # V44
    assert "ip saddr @group_b_x tcp dport 22 accept" in live
    stale = plan.build(load_topology(_peered("deleted")), P).namespace(P + "i-a.ia").nft
    assert "group_b_x" not in stale and "dport 22" not in stale  # V45: matches nothing
