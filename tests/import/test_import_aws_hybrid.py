"""``netemu import aws`` of prefix lists, VPC endpoints, Site-to-Site VPN, secondary network
interfaces and Elastic IPs (issue 16). The snapshot (tests/import/data/hybrid, AWS CLI output
shapes) is one VPC ``core``: instance ``app`` with a second ENI in another subnet and secondary
addresses, ``web`` with an Elastic IP, an S3 gateway endpoint with a policy denying one bucket,
an SQS interface endpoint, a customer-managed prefix list routed to app's second ENI and named
by a security group rule, a VGW with a static VPN from ``dc1`` (a tunnel up) and a BGP VPN from
``dc2`` (both tunnels down). Imported, loaded, traced."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netemu.vpc.aws_import import Document, import_ec2
from netemu.vpc.load import load_topology
from netemu.vpc.model import Topology
from netemu.vpc.trace import Flow, trace
from tests.helpers import ROOT

DATA = Path(__file__).resolve().parent / "data" / "hybrid"
S3 = "s3.us-east-1.amazonaws.com"


def _docs() -> list[Document]:
    return [Document(str(p), "us-east-1", json.loads(p.read_text()))
            for p in sorted(DATA.rglob("*.json"))]


@pytest.fixture(scope="module")
def imported() -> dict[str, Any]:
    result = import_ec2(_docs())
    assert result.problems == ()
    return result.topology


def _load(data: dict[str, Any], hosts: bool = True) -> Topology:
    data = copy.deepcopy(data)
    if hosts:  # a snapshot knows no on-premises hosts: the user adds them
        for site, ip in (("dc1", "172.16.5.10"), ("dc2", "10.99.1.10")):
            s = next(x for x in data["on_premises"] if x["name"] == site)
            s["hosts"] = [{"name": f"{site}-host", "ip": ip}]
    return load_topology(data, "imported.yaml")


def test_prefix_lists_routes_and_rules(imported: dict[str, Any]) -> None:
    """The customer-managed list with its entries; the AWS-managed S3 list by its name; a
    prefix-list route to an ENI (V166: named by the ENI) and a rule naming the list (V131)."""
    assert imported["prefix_lists"] == [{"name": "corporate", "id": "pl-0a1b2c3d4e5f6a7b8",
                                         "entries": ["192.168.50.0/24", "192.168.60.0/24"],
                                         "max_entries": 10}]
    vpc = imported["vpcs"][0]
    table = vpc["route_tables"][0]
    assert table["routes"] == [{"destination_prefix_list": "corporate",
                                "target": {"network_interface": "app-data-eni"}}]
    assert table["propagating_vgws"] == ["core-vgw"]
    web = next(g for g in vpc["security_groups"] if g["name"] == "web")
    assert {"protocol": "tcp", "ports": 443, "prefix_list": "corporate",
            "description": "corporate"} in web["ingress"]
    t = _load(imported)
    hop = trace(t, Flow("web", "192.168.50.7", "tcp", 443)).hops[2]
    assert (hop.component, hop.rule) == ("route-table", "192.168.50.0/24 -> instance:app-data-eni")


def test_endpoints_gateway_and_interface(imported: dict[str, Any]) -> None:
    """S3 from a private subnet with no NAT through the gateway endpoint (V135, V136), the
    bucket its policy denies refused (V137), the SQS interface endpoint in its subnet."""
    gw, iface = imported["vpc_endpoints"]
    assert (gw["name"], gw["service"], gw["route_tables"]) == ("s3", "s3", ["private"])
    assert [s["Effect"] for s in gw["policy"]["Statement"]] == ["Allow", "Deny"]
    assert iface == {"name": "sqs", "vpc": "core", "type": "Interface",
                     "service": "com.amazonaws.us-east-1.sqs", "subnets": ["private-a"],
                     "security_groups": ["endpoints"], "private_dns_enabled": True}
    t = _load(imported)
    ok = trace(t, Flow("web", S3, "tcp", 443))
    assert ok.reachable and any(h.component == "vpc-endpoint" for h in ok.hops)
    denied = trace(t, Flow("web", S3, "tcp", 443, service_action="s3:GetObject",
                           service_resource="arn:aws:s3:::secret-bucket/key"))
    assert not denied.reachable
    assert trace(t, Flow("web", "sqs.us-east-1.amazonaws.com", "tcp", 443)).reachable


def test_vpn_sites_connections_and_state(imported: dict[str, Any]) -> None:
    """A customer gateway is a site: static routes (dc1) or the VGW's propagated routes (dc2,
    BGP); a tunnel UP makes the connection up, all DOWN makes it down (V150-V152)."""
    assert [(s["name"], s["cidrs"], s["customer_gateway"]) for s in imported["on_premises"]] == [
        ("dc1", ["172.16.0.0/16"], {"ip": "203.0.113.12", "bgp_asn": 65000}),
        ("dc2", ["10.99.0.0/16"], {"ip": "203.0.113.13", "bgp_asn": 65010})]
    assert imported["vpn_gateways"] == [{"name": "core-vgw", "vpc": "core"}]
    assert imported["vpn_connections"] == [
        {"name": "dc1-vpn", "site": "dc1", "vpn_gateway": "core-vgw", "routing": "static",
         "static_routes": ["172.16.0.0/16"]},
        {"name": "dc2-vpn", "site": "dc2", "vpn_gateway": "core-vgw", "routing": "bgp",
         "status": "down"}]
    t = _load(imported)
    up = trace(t, Flow("dc1-host", "web", "tcp", 443))
    assert up.reachable
    assert [h.component for h in up.hops][:3] == ["on-premises", "customer-gateway",
                                                  "vpn-connection"]
    down = trace(t, Flow("dc2-host", "web", "tcp", 22))
    assert not down.reachable and down.blockers[0].code == "VPN_CONNECTION_DOWN"


def test_network_interfaces_and_elastic_ips(imported: dict[str, Any]) -> None:
    """app's second ENI at device index 1 with its own groups, check and secondary address
    (V164, V165); web's public address is its Elastic IP (V160); each ENI's own groups decide
    (V185): 8080 is open on app's data-side ENI and not on its primary."""
    app = next(i for i in imported["vpcs"][0]["instances"] if i["name"] == "app")
    assert app["secondary_private_ips"] == ["10.40.1.11"]
    assert app["network_interfaces"] == [{
        "name": "app-data-eni", "subnet": "data-a", "device_index": 1,
        "private_ip": "10.40.2.10", "security_groups": ["app-data"],
        "source_dest_check": False, "secondary_private_ips": ["10.40.2.11"]}]
    assert imported["elastic_ips"][0] == {"name": "web-eip", "address": "198.51.100.40",
                                          "allocation_id": "eipalloc-0a1b2c3d4e5f6a7b8",
                                          "instance": "web", "vpc": "core"}
    t = _load(imported)
    web = next(i for i in t.vpc("core").instances if i.name == "web")
    assert (web.public_ip, web.elastic_ip) == ("198.51.100.40", "web-eip")
    assert trace(t, Flow("web", "10.40.2.10", "tcp", 8080)).reachable
    assert not trace(t, Flow("web", "10.40.1.10", "tcp", 8080)).reachable
    assert trace(t, Flow("web", "10.40.2.11", "tcp", 8080)).reachable


def test_cli_import_report_and_check(tmp_path: Path) -> None:
    """The real CLI: files written and accepted by ``netemu check``; what is not imported is a
    report line (an unattached ENI, a customer gateway no connection uses)."""
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "netemu", *args], cwd=ROOT,
                              capture_output=True, text=True, check=False, timeout=60)
    done = run("import", "aws", str(DATA), "-o", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    report = (tmp_path / "import-report.txt").read_text()
    assert "eni-0e6a8c2b4d1f3e5a8: skipped: not attached" in report
    assert "cgw-0c3d4e5f6a7b8c9d0: skipped: no VPN connection uses it" in report
    checked = run("check", str(tmp_path / "topology.yaml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_malformed_new_outputs_are_problems() -> None:
    """A field of the wrong JSON type is malformed input, named by file and item."""
    docs = [Document("vpn.json", None, {"VpnConnections": [
                {"VpnConnectionId": "vpn-1", "Options": "static"}]}),
            Document("pl.json", None, {"PrefixLists": [
                {"PrefixListId": "pl-1", "MaxEntries": "ten"}]})]
    problems = {(p.item, p.code) for p in import_ec2(docs).problems}
    assert problems == {("vpn-1.Options", "InvalidParameterValue"),
                        ("pl-1.MaxEntries", "InvalidParameterValue")}


def test_unevaluable_endpoint_policy_is_noted(imported: dict[str, Any]) -> None:
    """A policy with a Condition is not imported (netemu evaluates principal-free policies
    only): a note says so and the endpoint keeps the default policy."""
    docs = _docs()
    for d in docs:
        if "VpcEndpoints" in d.data:
            ep = d.data["VpcEndpoints"][0]
            ep["PolicyDocument"] = json.dumps({"Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}]})
    result = import_ec2(docs)
    assert "policy" not in result.topology["vpc_endpoints"][0]
    assert any("policy not imported" in n.message for n in result.notes)


def test_eip_on_a_secondary_address_is_noted() -> None:
    """V162: netemu associates an Elastic IP with the primary address only; one AWS holds on a
    secondary address is imported on the primary, and the report says so."""
    docs = _docs()
    for d in docs:
        if "Addresses" in d.data:
            d.data["Addresses"][0]["InstanceId"] = "i-0b3d5f7a9c1e2b4d6"  # app
            d.data["Addresses"][0]["NetworkInterfaceId"] = "eni-0a2c4e6b8d1f3a5c7"
            d.data["Addresses"][0]["PrivateIpAddress"] = "10.40.1.11"
        if "Reservations" in d.data:  # the EIP left web
            d.data["Reservations"][0]["Instances"][1].pop("PublicIpAddress")
    result = import_ec2(docs)
    assert result.topology["elastic_ips"][0]["instance"] == "app"
    assert [n.item for n in result.notes if "a secondary address" in n.message] == [
        "eipalloc-0a1b2c3d4e5f6a7b8"]
    _load(result.topology)


def test_what_netemu_lacks_is_reported_not_refused() -> None:
    """A real account has more than netemu models: an interface endpoint of another service, an
    AWS-managed list netemu has no copy of (and a rule naming it), private DNS in a VPC whose
    attributes were not saved. Each is a note, and the import still loads (V141)."""
    docs = [d for d in _docs() if "describe-vpc-attribute" not in d.source]
    for d in docs:
        if "VpcEndpoints" in d.data:
            ecs = copy.deepcopy(d.data["VpcEndpoints"][1])
            ecs.update(VpcEndpointId="vpce-0a0b0c0d0e0f01020",
                       ServiceName="com.amazonaws.us-east-1.ecs", Tags=[])
            d.data["VpcEndpoints"].append(ecs)
        if "PrefixLists" in d.data:
            d.data["PrefixLists"].append({
                "PrefixListId": "pl-0b1c2d3e4f5a6b7c8", "AddressFamily": "IPv4",
                "PrefixListName": "com.amazonaws.us-east-1.ec2-instance-connect",
                "OwnerId": "AWS", "State": "create-complete"})
        if "SecurityGroups" in d.data:
            d.data["SecurityGroups"][2]["IpPermissions"][0]["PrefixListIds"] = [
                {"PrefixListId": "pl-0b1c2d3e4f5a6b7c8"}]
    result = import_ec2(docs)
    notes = {n.item: n.message for n in result.notes}
    assert notes["vpce-0a0b0c0d0e0f01020"].startswith("skipped: interface endpoints of")
    assert "not one netemu has" in notes["pl-0b1c2d3e4f5a6b7c8"]
    assert "an AWS-managed list netemu does not have" in notes[
        "sg-0a9c8e7b6d5f4a3c2.IpPermissions[0]"]
    assert "private DNS off" in notes["vpce-0f3b5d7a9c2e4f6b8"]
    sqs = next(e for e in result.topology["vpc_endpoints"] if e["name"] == "sqs")
    assert sqs["private_dns_enabled"] is False
    _load(result.topology)


def test_a_nat_gateways_eip_comes_with_the_nat_gateway() -> None:
    """describe-addresses lists a NAT gateway's Elastic IP too: it is imported once, as the NAT
    gateway's public address, not again as an Elastic IP (V161 would refuse the address twice)."""
    docs = _docs()
    nat = {"NatGateways": [{"NatGatewayId": "nat-0a1b2c3d4e5f6a7b8",
                            "VpcId": "vpc-0a4c6e8b1d3f5a7c9",
                            "SubnetId": "subnet-0a1c3e5b7d9f2a4c6", "State": "available",
                            "ConnectivityType": "public", "NatGatewayAddresses": [{
                                "AllocationId": "eipalloc-0c3d4e5f6a7b8c9d0",
                                "NetworkInterfaceId": "eni-0f7b9d1a3c5e7f9b1",
                                "PrivateIp": "10.40.1.60", "PublicIp": "198.51.100.42",
                                "IsPrimary": True}]}]}
    docs.append(Document("describe-nat-gateways.json", "us-east-1", nat))
    for d in docs:
        if "Addresses" in d.data:
            d.data["Addresses"].append({
                "AllocationId": "eipalloc-0c3d4e5f6a7b8c9d0", "Domain": "vpc",
                "NetworkInterfaceId": "eni-0f7b9d1a3c5e7f9b1", "PrivateIpAddress": "10.40.1.60",
                "PublicIp": "198.51.100.42"})
    result = import_ec2(docs)
    assert [e["name"] for e in result.topology["elastic_ips"]] == ["web-eip", "spare-eip"]
    assert not [n for n in result.notes if n.item == "eipalloc-0c3d4e5f6a7b8c9d0"]
    nat_gw = result.topology["vpcs"][0]["nat_gateways"][0]
    assert nat_gw["public_ip"] == "198.51.100.42"
