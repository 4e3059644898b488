"""nftables rulesets pinned by golden files (regenerate: NETEMU_REGEN_GOLDEN=1 pytest ...)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netemu.dataplane import plan
from tests.dataplane.topos import lab

GOLDEN = Path(__file__).parent / "golden"
P = "netemu-t-"
CASES = {"nacl-app": "r-app", "sg-web1": "i-app.web1", "sg-web2": "i-app.web2", "igw-app": "igw-app",
         "natgw-nat-a": "nat-app.nat-a"}


@pytest.mark.parametrize("golden,ns", sorted(CASES.items()))
def test_ruleset_matches_golden(golden: str, ns: str) -> None:
    text = plan.build(lab(), P).namespace(P + ns).nft
    path = GOLDEN / f"{golden}.nft"
    if os.environ.get("NETEMU_REGEN_GOLDEN"):
        path.write_text(text)
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
    for n in plan.build(lab(), P).namespaces:
        if n.nft:
            first = n.nft.splitlines()[:2]
            assert first[1] == "delete " + first[0]
