"""Real boto3 (``client("route53resolver")``) against a real ``netemu serve --api --state`` on
loopback: the DNS Firewall operations (R140-R146) and their refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from netemu.api.resolver_firewall import firewall_from_state, read_state
from netemu.vpc import firewall as fw
from tests.live import ApiServer, api_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with api_server(tmp_path_factory.mktemp("fwapi")) as s:
        yield s


@pytest.fixture(scope="module")
def r53r(server: ApiServer) -> Any:
    import boto3

    return boto3.client("route53resolver", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_domain_lists_R140(r53r: Any) -> None:
    dl = r53r.create_firewall_domain_list(CreatorRequestId="c1", Name="blocked")
    ident = dl["FirewallDomainList"]["Id"]
    assert ident.startswith("rslvr-fdl-") and dl["FirewallDomainList"]["DomainCount"] == 0
    r53r.update_firewall_domains(FirewallDomainListId=ident, Operation="ADD",
                                 Domains=["bad.example.com", "*.ads.example.com"])
    r53r.update_firewall_domains(FirewallDomainListId=ident, Operation="ADD",
                                 Domains=["more.example.com"])
    r53r.update_firewall_domains(FirewallDomainListId=ident, Operation="REMOVE",
                                 Domains=["bad.example.com"])
    assert r53r.list_firewall_domains(FirewallDomainListId=ident)["Domains"] == [
        "*.ads.example.com.", "more.example.com."]
    got = r53r.get_firewall_domain_list(FirewallDomainListId=ident)["FirewallDomainList"]
    assert got["Name"] == "blocked" and got["DomainCount"] == 2
    assert ident in [d["Id"] for d in r53r.list_firewall_domain_lists()["FirewallDomainLists"]]
    with pytest.raises(ClientError) as info:
        r53r.update_firewall_domains(FirewallDomainListId=ident, Operation="ADD",
                                     Domains=["www.*.example.com"])
    assert code(info) == "ValidationException"
    with pytest.raises(ClientError) as info:
        r53r.get_firewall_domain_list(FirewallDomainListId="rslvr-fdl-nope")
    assert code(info) == "ResourceNotFoundException"


def test_rules_associations_and_the_stored_state(r53r: Any, server: ApiServer) -> None:
    """R141-R144 through the API; the stored state reads back as the model the resolver
    applies (``apply --api-state``)."""
    lst = r53r.create_firewall_domain_list(CreatorRequestId="c2", Name="l")
    list_id = lst["FirewallDomainList"]["Id"]
    r53r.update_firewall_domains(FirewallDomainListId=list_id, Operation="REPLACE",
                                 Domains=["evil.example.net"])
    group_id = r53r.create_firewall_rule_group(CreatorRequestId="g", Name="g")[
        "FirewallRuleGroup"]["Id"]
    rule = r53r.create_firewall_rule(
        CreatorRequestId="r1", FirewallRuleGroupId=group_id, FirewallDomainListId=list_id,
        Priority=100, Action="BLOCK", BlockResponse="OVERRIDE",
        BlockOverrideDomain="walled.example.com", BlockOverrideDnsType="CNAME",
        BlockOverrideTtl=30, Name="override")["FirewallRule"]
    assert rule["Priority"] == 100 and rule["BlockOverrideTtl"] == 30
    other = r53r.create_firewall_domain_list(CreatorRequestId="c3", Name="o")[
        "FirewallDomainList"]["Id"]
    with pytest.raises(ClientError) as info:     # R141: one priority per rule in a group
        r53r.create_firewall_rule(CreatorRequestId="r2", FirewallRuleGroupId=group_id,
                                  FirewallDomainListId=other, Priority=100, Action="ALLOW",
                                  Name="clash")
    assert code(info) == "ValidationException"
    with pytest.raises(ClientError) as info:     # R142: BLOCK needs a BlockResponse
        r53r.create_firewall_rule(CreatorRequestId="r3", FirewallRuleGroupId=group_id,
                                  FirewallDomainListId=other, Priority=200, Action="BLOCK",
                                  Name="noresponse")
    assert code(info) == "ValidationException"
    with pytest.raises(ClientError) as info:
        r53r.create_firewall_rule(CreatorRequestId="r4", FirewallRuleGroupId=group_id,
                                  FirewallDomainListId="rslvr-fdl-missing", Priority=300,
                                  Action="ALLOW", Name="missing")
    assert code(info) == "ResourceNotFoundException"
    r53r.create_firewall_rule(CreatorRequestId="r5", FirewallRuleGroupId=group_id,
                              FirewallDomainListId=other, Priority=50, Action="ALERT",
                              Name="alert",
                              FirewallDomainRedirectionAction="TRUST_REDIRECTION_DOMAIN")
    rules = r53r.list_firewall_rules(FirewallRuleGroupId=group_id)["FirewallRules"]
    assert [r["Name"] for r in rules] == ["alert", "override"]     # ascending priority

    with pytest.raises(ClientError) as info:     # R144: 101-9899
        r53r.associate_firewall_rule_group(CreatorRequestId="a0", FirewallRuleGroupId=group_id,
                                           VpcId="app", Priority=100, Name="too-low")
    assert code(info) == "ValidationException"
    assoc = r53r.associate_firewall_rule_group(
        CreatorRequestId="a1", FirewallRuleGroupId=group_id, VpcId="app", Priority=101,
        Name="app-g")["FirewallRuleGroupAssociation"]
    second = r53r.create_firewall_rule_group(CreatorRequestId="g2", Name="g2")[
        "FirewallRuleGroup"]["Id"]
    with pytest.raises(ClientError) as info:     # R144: one priority per VPC
        r53r.associate_firewall_rule_group(CreatorRequestId="a2", FirewallRuleGroupId=second,
                                           VpcId="app", Priority=101, Name="clash")
    assert code(info) == "ConflictException"
    with pytest.raises(ClientError) as info:     # an associated group cannot be deleted
        r53r.delete_firewall_rule_group(FirewallRuleGroupId=group_id)
    assert code(info) == "ConflictException"
    with pytest.raises(ClientError) as info:     # a list in use cannot be deleted
        r53r.delete_firewall_domain_list(FirewallDomainListId=list_id)
    assert code(info) == "ConflictException"
    assert r53r.get_firewall_config(ResourceId="app")["FirewallConfig"][
        "FirewallFailOpen"] == "DISABLED"          # R146: AWS's default
    r53r.update_firewall_config(ResourceId="app", FirewallFailOpen="ENABLED")
    listed = r53r.list_firewall_rule_group_associations(VpcId="app")[
        "FirewallRuleGroupAssociations"]
    assert [a["Id"] for a in listed] == [assoc["Id"]]

    stored = read_state(server.state)      # the rows committed to the state store
    assert stored is not None
    model = firewall_from_state(stored)
    assert model.fail_open == ("app",)
    (group,) = model.groups_for("app")
    assert group.name == group_id and [r.action for r in group.rules] == ["ALERT", "BLOCK"]
    assert [r.redirection for r in group.rules] == [fw.TRUST, fw.INSPECT]     # R149
    lists = {dl.name: fw.compile_list(dl.all_domains) for dl in model.domain_lists}
    verdict = fw.evaluate("evil.example.net.", "A", model.groups_for("app"), lists, False)
    assert verdict.blocked and verdict.decided is not None
    assert verdict.decided.rule.override_domain == "walled.example.com."

    r53r.disassociate_firewall_rule_group(FirewallRuleGroupAssociationId=assoc["Id"])
    r53r.delete_firewall_rule(FirewallRuleGroupId=group_id, FirewallDomainListId=list_id)
    r53r.delete_firewall_rule_group(FirewallRuleGroupId=group_id)
    r53r.delete_firewall_domain_list(FirewallDomainListId=list_id)
    assert group_id not in [g["Id"] for g in
                            r53r.list_firewall_rule_groups()["FirewallRuleGroups"]]
