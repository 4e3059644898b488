"""VPC DNS rules, pure: EC2 hostnames (V83, V84), DHCP options sets (CreateDhcpOptions),
Resolver rule precedence (R92, R93) and endpoints (R94) as the topology loader reads them."""

from __future__ import annotations

from typing import Any

import pytest

from netemu.errors import LoadError
from netemu.vpc import dns
from netemu.vpc.load import load_topology


def topo(**extra: Any) -> dict[str, Any]:
    vpc = {"name": "app", "cidr_blocks": ["10.0.0.0/16"],
           "subnets": [{"name": "a", "cidr": "10.0.1.0/24"}, {"name": "b", "cidr": "10.0.2.0/24"}],
           "instances": [{"name": "web1", "subnet": "a"}]}
    vpc.update(extra.pop("vpc", {}))
    return {"region": extra.pop("region", "us-east-1"), "vpcs": [vpc], **extra}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(LoadError) as info:
        load_topology(data, "t.yaml")
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("ip,region,private,public", [
    ("10.24.34.0", "us-east-1", "ip-10-24-34-0.ec2.internal.",
     "ec2-10-24-34-0.compute-1.amazonaws.com."),
    ("10.24.34.0", "us-west-2", "ip-10-24-34-0.us-west-2.compute.internal.",
     "ec2-10-24-34-0.us-west-2.compute.amazonaws.com."),
])
def test_ec2_hostnames_V83_V84(ip: str, region: str, private: str, public: str) -> None:
    assert dns.private_hostname(ip, region) == private
    assert dns.public_hostname(ip, region) == public
    assert dns.reverse_pointer("10.0.1.11") == "11.1.0.10.in-addr.arpa."
    assert dns.reverse_zone("10.0.1.11") == "0.10.in-addr.arpa."


def test_default_options_set_is_amazon_provided_dns() -> None:
    t = load_topology(topo(region="eu-west-1", vpc={"region": "eu-west-1"}))
    opts = t.dns.options_for(t.vpcs[0])
    assert opts.domain_name == "eu-west-1.compute.internal"
    assert opts.resolv_conf("10.0.0.2") == (
        "search eu-west-1.compute.internal\nnameserver 10.0.0.2\n")
    t = load_topology(topo())
    assert t.dns.options_for(t.vpcs[0]).domain_name == "ec2.internal"


def test_named_and_inline_options_sets() -> None:
    t = load_topology(topo(dhcp_options_sets=[{
        "name": "corp", "domain_name": "Corp.Example.", "ntp_servers": ["169.254.169.123"],
        "domain_name_servers": ["10.0.1.53", "AmazonProvidedDNS"]}], vpc={"dhcp_options": "corp"}))
    opts = t.dns.options_for(t.vpcs[0])
    assert (opts.name, opts.domain_name) == ("corp", "corp.example")
    assert opts.resolv_conf("10.0.0.2") == (
        "search corp.example\nnameserver 10.0.1.53\nnameserver 10.0.0.2\n")
    t = load_topology(topo(vpc={"dhcp_options": {"domain_name_servers": "10.0.1.53, 10.0.1.54"}}))
    assert t.dns.options_for(t.vpcs[0]).name_servers("10.0.0.2") == ("10.0.1.53", "10.0.1.54")


@pytest.mark.parametrize("options,expected", [
    ({"domain_name_servers": ["10.0.0.1", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]},
     "dhcp_options.domain_name_servers: InvalidParameterValue: Value (10.0.0.1, 10.0.0.3, "
     "10.0.0.4, 10.0.0.5, 10.0.0.6) for parameter domain-name-servers is invalid. You can "
     "specify up to 4 DNS servers."),
    ({"domain_name_servers": ["dns.example"]},
     "Value (dns.example) for parameter domain_name_servers is invalid. It is not an IP address."),
    ({"ntp_servers": ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]},
     "You can specify up to eight NTP servers: four IPv4 and four IPv6 addresses."),
    ({"netbios_node_type": 3}, "Value (3) for parameter netbios-node-type is invalid."),
    ({"domain": "x"}, "UnknownParameter: unknown key(s) domain"),
])
def test_options_set_errors_name_the_item_and_aws_rule(options: dict[str, Any],
                                                       expected: str) -> None:
    got = problems(topo(vpc={"dhcp_options": options}))
    assert any(expected in p and p.startswith("t.yaml: vpcs[app].dhcp_options") for p in got), got


def test_unknown_options_set_is_refused() -> None:
    got = problems(topo(vpc={"dhcp_options": "nope"}))
    assert got == ["t.yaml: vpcs[app].dhcp_options: InvalidDhcpOptionID.NotFound: "
                   "The dhcpOption ID 'nope' does not exist"]


def rule(domain: str, kind: str = "FORWARD", name: str | None = None) -> dns.ResolverRule:
    targets = (dns.ResolverTarget("192.0.2.53"),) if kind == "FORWARD" else ()
    return dns.ResolverRule(name or domain, domain, kind, targets, "out" if targets else None,
                            ("app",))


def test_most_specific_rule_wins_and_system_carves_out_R92() -> None:
    table = dns.rule_table("app", [rule("corp.example."), rule("aws.corp.example.", "SYSTEM")],
                           ["ec2.internal."])
    assert table.lookup("db.corp.example.")[0] == dns.FORWARD
    assert table.lookup("corp.example.")[0] == dns.FORWARD
    assert table.lookup("x.aws.corp.example.")[0] == dns.SYSTEM
    assert table.lookup("xcorp.example.") == (dns.AUTO, None)    # labels, not characters
    assert table.lookup("ip-10-0-0-1.ec2.internal.") == (dns.AUTO, None)


def test_forward_rule_beats_a_private_zone_of_the_same_name_R92_R93() -> None:
    same = dns.rule_table("app", [rule("example.com.")], ["example.com."])
    assert same.lookup("www.example.com.")[0] == dns.FORWARD
    # a more specific private zone (autodefined rule) wins over a forward rule of its parent
    inner = dns.rule_table("app", [rule("example.com.")], ["int.example.com."])
    assert inner.lookup("www.int.example.com.")[0] == dns.AUTO
    # a custom "." rule does not override the autodefined ones (R93)
    root = dns.rule_table("app", [rule(".")], dns.autodefined("us-east-1"))
    assert root.lookup("www.example.org.")[0] == dns.FORWARD
    assert root.lookup("ip-10-0-0-1.ec2.internal.")[0] == dns.AUTO
    assert root.lookup("4.3.2.10.in-addr.arpa.")[0] == dns.AUTO
    assert root.lookup("1.0.20.172.in-addr.arpa.")[0] == dns.AUTO
    assert root.lookup("1.0.32.172.in-addr.arpa.")[0] == dns.FORWARD
    # a custom rule for the same name does override one (R93)
    same = dns.rule_table("app", [rule("10.in-addr.arpa.")], dns.autodefined("us-east-1"))
    assert same.lookup("4.3.2.10.in-addr.arpa.")[0] == dns.FORWARD


def test_rules_apply_only_to_associated_vpcs() -> None:
    table = dns.rule_table("data", [rule("corp.example.")], [])
    assert table.lookup("db.corp.example.") == (dns.AUTO, None)


def endpoint(direction: str = "OUTBOUND", **kw: Any) -> dict[str, Any]:
    return {"name": "out", "vpc": "app", "direction": direction,
            "ip_addresses": [{"subnet": "a"}, {"subnet": "b", "ip": "10.0.2.20"}], **kw}


def test_endpoints_become_enis_in_their_subnets_R94() -> None:
    t = load_topology(topo(resolver_endpoints=[endpoint()], resolver_rules=[{
        "name": "corp", "domain_name": "corp.example", "rule_type": "FORWARD",
        "target_ips": [{"ip": "10.99.1.53"}], "resolver_endpoint": "out", "vpcs": ["app"]}]))
    ep = t.dns.endpoints[0]
    assert [(a.subnet, a.ip, a.eni) for a in ep.addresses] == [
        ("a", "10.0.1.5", "rslvr-out-1"), ("b", "10.0.2.20", "rslvr-out-2")]
    assert {i.name for i in t.vpcs[0].instances} == {"web1", "rslvr-out-1", "rslvr-out-2"}
    assert t.dns.rules[0].domain_name == "corp.example."


@pytest.mark.parametrize("data,expected", [
    (topo(resolver_endpoints=[dict(endpoint(), ip_addresses=[{"subnet": "a"}])]),
     "resolver_endpoints[out].ip_addresses: InvalidParameterException: IpAddresses: a resolver "
     "endpoint needs between 2 and 20 IP addresses (R94)"),
    (topo(resolver_endpoints=[dict(endpoint(), ip_addresses=[{"subnet": "a"}, {"subnet": "z"}])]),
     "resolver_endpoints[out].ip_addresses[1].subnet: InvalidSubnet"),
    (topo(resolver_rules=[{"name": "r", "domain_name": "corp.example", "rule_type": "FORWARD",
                           "target_ips": [{"ip": "10.99.1.53"}], "resolver_endpoint": "nope"}]),
     "resolver_rules[r].resolver_endpoint: ResourceNotFoundException"),
    (topo(resolver_endpoints=[endpoint("INBOUND")],
          resolver_rules=[{"name": "r", "domain_name": "corp.example", "rule_type": "FORWARD",
                           "target_ips": [{"ip": "10.99.1.53"}], "resolver_endpoint": "out"}]),
     "is not an OUTBOUND endpoint"),
    (topo(resolver_rules=[{"name": "r", "domain_name": "corp.example", "rule_type": "FORWARD"}]),
     "resolver_rules[r]: InvalidRequestException: A FORWARD rule needs target_ips"),
    (topo(resolver_rules=[{"name": "r", "domain_name": "corp.example", "rule_type": "RECURSIVE"}]),
     "resolver_rules[r].rule_type: InvalidParameterException"),
    (topo(resolver_rules=[{"name": "r", "domain_name": "a.example", "rule_type": "SYSTEM",
                           "vpcs": ["app"]},
                          {"name": "s", "domain_name": "A.example.", "rule_type": "SYSTEM",
                           "vpcs": ["app"]}]),
     "resolver_rules[s].vpcs: ResourceExistsException"),
])
def test_resolver_errors(data: dict[str, Any], expected: str) -> None:
    got = problems(data)
    assert any(expected in p for p in got), got


def test_dns_resolution_over_peering_needs_the_option_and_both_attributes_V61() -> None:
    def two(flag: object, hostnames: bool = True) -> dict[str, Any]:
        data = topo(vpc={"enable_dns_hostnames": True})
        data["vpcs"].append({"name": "peer", "cidr_blocks": ["10.1.0.0/16"],
                             "enable_dns_hostnames": hostnames,
                             "subnets": [{"name": "a", "cidr": "10.1.1.0/24"}]})
        data["peerings"] = [{"name": "pcx", "requester": "app", "accepter": "peer",
                             "allow_dns_resolution": flag}]
        return data

    t = load_topology(two(True))
    assert [v.name for v in t.dns.peers_resolving(t, t.vpcs[0])] == ["peer"]
    assert [v.name for v in t.dns.peers_resolving(t, t.vpcs[1])] == ["app"]
    t = load_topology(two(False))
    assert t.dns.peers_resolving(t, t.vpcs[0]) == ()
    t = load_topology(two(True, hostnames=False))
    assert t.dns.peers_resolving(t, t.vpcs[0]) == ()
    assert any("allow_dns_resolution must be true or false" in p for p in problems(two("yes")))


def test_trace_to_the_instances_resolver_follows_its_dhcp_options() -> None:
    """``--to resolver``: AmazonProvidedDNS is the VPC's Resolver, never filtered (V37, V50);
    a custom name server is a flow like any other, through security groups and NACLs."""
    from pathlib import Path

    from netemu.vpc.load import load_topology_file
    from netemu.vpc.trace import Flow, TraceError, trace

    lab = load_topology_file(Path(__file__).parents[1] / "dns" / "data" / "resolver" / "lab.yaml")
    t = trace(lab, Flow("web1", "resolver", "udp", 53))
    assert t.reachable and t.packet.dst == "10.0.0.2"
    assert [h.component for h in t.hops] == ["resolver"]
    t = trace(lab, Flow("c1", "resolver", "udp", 53))
    assert t.reachable and t.packet.dst == "10.4.1.53"
    assert "security-group" in [h.component for h in t.hops]
    with pytest.raises(TraceError, match="needs an instance as the source"):
        trace(lab, Flow("extdns", "resolver", "udp", 53))


def test_apply_notes_private_zones_no_vpc_will_see_R88() -> None:
    from netemu.dataplane.resolver import notes
    from netemu.route53.load import load_zone_text

    t = load_topology(topo(), "t.yaml")          # enable_dns_hostnames false (V81)
    zones = load_zone_text("HostedZone: {Name: a.internal., Config: {PrivateZone: true}}\n"
                           "VPCs: [{VPCRegion: us-east-1, VPCId: app}, "
                           "{VPCRegion: us-east-1, VPCId: ghost}]\n")
    got = notes(t, zones)
    assert len(got) == 2
    assert "not answered in VPC app: it needs enable_dns_support and enable_dns_hostnames" in got[0]
    assert "associated with VPC ghost, which t.yaml does not have" in got[1]
