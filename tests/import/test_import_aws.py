"""``netemu import aws`` (issue 20): a hand-written snapshot of an account, in the AWS CLI's output
shapes (tests/import/data/account: in us-east-1, VPC ``shop`` (public and app tiers, IGW, NAT
gateway, a custom NACL) peered with ``billing`` (a database; groups reference each other across
the peering) and joined to ``ops`` by a transit gateway; in eu-west-1, ``dr`` over a cross-Region
peering; Route 53: a public zone with weighted, failover, IP-based and alias records and a
health check, a private zone, a CIDR collection), imported by the real CLI, checked, traced and
served to real ``dig``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from netemu.route53.aws_import import import_route53
from netemu.vpc.aws_import import Document, import_ec2
from tests.helpers import ROOT, free_port
from tests.live import serve_process

DATA = Path(__file__).resolve().parent / "data" / "account"
needs_dig = pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig (dnsutils)")


def netemu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netemu", *args], cwd=ROOT, capture_output=True,
                          check=False, text=True, timeout=60)


def documents(root: Path = DATA) -> list[Document]:
    return [Document(str(p), "us-east-1" if "us-east-1" in p.parts else None,
                     json.loads(p.read_text())) for p in sorted(root.rglob("*.json"))]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("imported")
    done = netemu("import", "aws", str(DATA), "-o", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return out


# --- the CLI: import, check, report ------------------------------------------------------------


@pytest.mark.slow
def test_import_writes_files_that_check_accepts(imported: Path) -> None:
    names = sorted(p.name for p in (imported / "zones").iterdir())
    assert names == ["billing.internal.private.yaml", "cidr-collections.yaml",
                     "example.com.public.yaml", "health-checks.yaml"]
    done = netemu("check", str(imported / "topology.yaml"), str(imported / "zones"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok") == 5


@pytest.mark.slow   # uses the module's `netemu import` run
def test_report_names_every_resource_not_imported(imported: Path) -> None:
    """Nothing is dropped silently: each skipped item is a line naming file, item and why."""
    lines = (imported / "import-report.txt").read_text().splitlines()
    expected = [
        # issue 16: the S3 gateway endpoint (and its prefix-list route) and the second ENI of
        # i-0f8b2d4a6c1e3f5b7 are imported (tests/import/test_import_aws_hybrid.py)
        ("network-firewall-list.json", "Firewalls[billing-egress]", "Network Firewall"),
        ("describe-instances.json", "i-09b1d3f5a7c2e4b6d", "terminated"),
        ("describe-security-groups.json", "sg-0b5d7f9a1c3e2b4d6.IpPermissions[0]",
         "pl-0a1b2c3d4e5f60718: it is not in the snapshot"),
        ("list-resource-record-sets-Z04812683SHOPPUB1X2Y.json", "shop.example.com. A",
         "Z35SXDOTRQ7X7K"),
        ("describe-transit-gateway-attachments.json", "tgw-attach-0f2b4d6a8c1e3f5b9",
         "its VPN connection vpn-0a1c3e5b7d9f2a4c6 is not in the snapshot"),
        ("search-transit-gateway-routes-tgw-rtb-0b6d8f2a4c1e3b5d7.json",
         "tgw-rtb-0b6d8f2a4c1e3b5d7.Routes[3][192.168.0.0/16]", "tgw-attach-0f2b4d6a8c1e3f5b9"),
        # V81, R88: attributes describe-vpcs does not give, not saved for two VPCs
        ("describe-vpcs.json", "vpc-0f3a91c2d4e5b6a71", "enableDnsSupport not saved"),
        ("describe-vpcs.json", "vpc-0c7e1a3b5d9f2c4e8",
         "enableDnsSupport and enableDnsHostnames not saved"),
    ]
    assert len(lines) == len(expected), lines
    for file, item, why in expected:
        assert [ln for ln in lines if ln.split(": ", 1)[0].endswith("/" + file)
                and ln.split(": ", 2)[1] == item and why in ln], (file, item)


@pytest.mark.slow   # uses the module's `netemu import` run
def test_imported_names_and_ids(imported: Path) -> None:
    """Name tags (GroupName for groups) where unique, else ids; ``aws_ids`` maps them back."""
    topo = yaml.safe_load((imported / "topology.yaml").read_text())
    ids = topo["aws_ids"]
    assert ids["vpcs"] == {"shop": "vpc-0f3a91c2d4e5b6a71", "billing": "vpc-06b8e2d4c1a3f5e79",
                           "ops": "vpc-0c7e1a3b5d9f2c4e8", "dr": "vpc-0d5f7b9a1c3e2d4f6"}
    # the cross-Region peering is listed by both Regions' outputs: imported once
    assert sorted(p["name"] for p in topo["peerings"]) == ["shop-to-billing", "shop-to-dr"]
    assert {v["name"]: v["region"] for v in topo["vpcs"]}["dr"] == "eu-west-1"
    assert topo["region"] == "us-east-1"
    assert ids["transit_gateways"] == {"core-tgw": "tgw-0e3a5c7b9d2f4a6c8"}
    assert ids["instances"]["db-1"] == "i-0f8b2d4a6c1e3f5b7"
    assert ids["internet_gateways"] == {"shop": "igw-05d7f9b1c3e2a4d68"}
    # the untagged main route table and default NACL keep their ids
    assert ids["route_tables"]["rtb-0b2d4f6a8c1e3b5d7"] == "rtb-0b2d4f6a8c1e3b5d7"
    assert topo["account_id"] == "210987654321"


# --- trace between imported instances ------------------------------------------------------------


def trace(imported: Path, src: str, dst: str, port: int) -> tuple[int, dict[str, Any]]:
    done = netemu("trace", str(imported / "topology.yaml"), "--from", src, "--to", dst,
                  "--port", str(port), "--json")
    assert done.returncode in (0, 2), done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.mark.slow
def test_trace_web_to_app_names_the_imported_ids(imported: Path) -> None:
    """V44: app-sg admits 8080 from members of web-sg; V46: the reply is tracked."""
    rc, t = trace(imported, "web-1", "app-1", 8080)
    assert rc == 0 and t["reachable"]
    hops = [(h["component"], h["name"], h["aws_id"]) for h in t["hops"]]
    assert hops == [
        ("security-group", "web-sg", "sg-0e7a9c1d3b5f2e4a8"),
        ("network-acl", "acl-0e4a6c8b2d1f3e5a7", "acl-0e4a6c8b2d1f3e5a7"),
        ("route-table", "shop-public", "rtb-09e1c3a5d7b2f4e6a"),
        ("network-acl", "shop-app-nacl", "acl-03b5d7f9a1c2e4b6d"),
        ("security-group", "app-sg", "sg-05c7e9a1b3d2f4c6e"),
        ("instance", "app-1", "i-0d4f6b8a1c3e5d7f9"),
    ]
    assert t["return_path"][-1]["aws_id"] == "i-0a2c4e6b8d1f3a5c7"


@pytest.mark.slow
@pytest.mark.parametrize(("src", "dst", "port", "component", "aws_id", "rule"), [
    # V31, V33: the custom NACL's rule 90 denies SSH before anything allows it
    ("web-1", "app-1", 22, "network-acl", "acl-03b5d7f9a1c2e4b6d", "90"),
    # V44: db-sg admits 5432 only from app-sg (across the peering), not from web-sg
    ("web-1", "db-1", 5432, "security-group", "sg-0b5d7f9a1c3e2b4d6", None),
    # V77: the TGW route table's static blackhole keeps ops away from billing
    ("monitor-1", "db-1", 5432, "transit-gateway-route-table", "tgw-rtb-0b6d8f2a4c1e3b5d7",
     "10.30.0.0/16 -> blackhole (static)"),
])
def test_trace_blocked_flows_name_the_blocking_aws_id(imported: Path, src: str, dst: str,
                                                      port: int, component: str, aws_id: str,
                                                      rule: str | None) -> None:
    rc, t = trace(imported, src, dst, port)
    assert rc == 2 and not t["reachable"]
    last = t["hops"][-1]
    assert (last["decision"], last["component"], last["aws_id"]) == ("deny", component, aws_id)
    assert last["rule"] == rule
    assert [(b["component"], b["aws_id"]) for b in t["blockers"]] == [(component, aws_id)]


@pytest.mark.slow
def test_trace_across_the_imported_peering_v44(imported: Path) -> None:
    """V44: a group of the peered VPC (same Region, active peering) is a valid source."""
    rc, t = trace(imported, "app-1", "db-1", 5432)
    assert rc == 0
    names = {(h["component"], h["aws_id"]) for h in t["hops"] + t["return_path"]}
    assert ("peering-connection", "pcx-0c2e4a6d8b1f3e5a9") in names
    assert ("route-table", "rtb-0a6c8e2b4d1f3a5c9") in names  # billing's route back


@pytest.mark.slow
def test_trace_private_tier_out_through_the_nat_gateway_v68(imported: Path) -> None:
    rc, t = trace(imported, "app-1", "203.0.113.50", 443)
    assert rc == 0
    gateways = [h["aws_id"] for h in t["hops"] if h["component"].endswith("gateway")]
    assert gateways == ["nat-0d1f3b5a7c9e2d4f6", "igw-05d7f9b1c3e2a4d68"]


@pytest.mark.slow
def test_trace_through_the_imported_transit_gateway_v76(imported: Path) -> None:
    """V76: routes propagated by the attachments (imported as propagations) carry the flow both
    ways; the attachments enter and leave through the subnets AWS lists (V75)."""
    rc, t = trace(imported, "app-1", "monitor-1", 443)
    assert rc == 0
    tgw = [(h["component"], h["aws_id"]) for h in t["hops"] if "transit" in h["component"]]
    assert tgw == [("transit-gateway-attachment", "tgw-attach-0a4c6e8b2d1f3a5c7"),
                   ("transit-gateway-route-table", "tgw-rtb-0b6d8f2a4c1e3b5d7"),
                   ("transit-gateway-attachment", "tgw-attach-07b9d1f3a5c2e4b6d")]


@pytest.mark.slow
def test_trace_across_regions_by_cidr_v44(imported: Path) -> None:
    """The eu-west-1 VPC (its Region from the snapshot's folder) is reached over a cross-Region
    peering; its group names the peer by CIDR, as a cross-Region reference must (V44)."""
    rc, t = trace(imported, "app-1", "dr-1", 443)
    assert rc == 0
    assert [h["aws_id"] for h in t["hops"] if h["component"] == "peering-connection"] == [
        "pcx-0b8d2f4a6c1e3b5d9"]


@pytest.mark.slow
def test_trace_human_output_shows_ids_beside_names(imported: Path) -> None:
    done = netemu("trace", str(imported / "topology.yaml"), "--from", "web-1", "--to", "db-1",
                  "--port", "5432", "--no-color")
    assert done.returncode == 2
    assert "db-sg (sg-0b5d7f9a1c3e2b4d6)" in done.stdout
    assert "shop-to-billing (pcx-0c2e4a6d8b1f3e5a9)" in done.stdout


# --- the pure importers ------------------------------------------------------------------------


def test_groups_rules_and_tables_keep_aws_semantics() -> None:
    """V41: empty egress stays "no egress" (explicit list); V42/V43: every VPC's ``default``
    group gets a unique name that does not start with sg-; V44: a reference to a group of the
    peered VPC names that VPC; V31: the ``*`` rule 32767 is the evaluator's, not a rule; V18:
    the Main association makes the main route table; the instance keeps its device-0 ENI."""
    result = import_ec2(documents())
    assert result.problems == ()
    vpcs = {v["name"]: v for v in result.topology["vpcs"]}
    groups = {g["name"]: g for g in vpcs["billing"]["security_groups"]}
    assert set(groups) == {"billing-default", "db-sg"}
    assert groups["billing-default"]["ingress"] == [
        {"protocol": "all", "source_group": "billing-default"}]
    assert groups["db-sg"]["ingress"] == [
        {"protocol": "tcp", "ports": 5432, "source_group": {"vpc": "shop", "name": "app-sg"},
         "description": "storefront app tier over the peering"}]
    nacl = next(a for a in vpcs["shop"]["network_acls"] if a["name"] == "shop-app-nacl")
    assert [r["rule"] for r in nacl["inbound"]] == [90, 100, 110, 120]
    assert nacl["inbound"][3]["icmp"] == {"type": 8, "code": -1}
    tables = {t["name"]: t for t in vpcs["shop"]["route_tables"]}
    assert tables["rtb-0b2d4f6a8c1e3b5d7"] == {"name": "rtb-0b2d4f6a8c1e3b5d7", "main": True,
                                               "routes": []}
    db = vpcs["billing"]["instances"][0]
    assert (db["private_ip"], db["security_groups"]) == ("10.30.1.10", ["db-sg"])


def test_empty_egress_is_kept_as_no_egress_v41() -> None:
    docs = [Document("v.json", None, {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}),
            Document("g.json", None, {"SecurityGroups": [
                {"GroupId": "sg-1", "GroupName": "closed", "VpcId": "vpc-1",
                 "IpPermissions": [], "IpPermissionsEgress": []}]})]
    group = import_ec2(docs).topology["vpcs"][0]["security_groups"][0]
    assert group == {"name": "closed", "ingress": [], "egress": []}


def test_resources_outside_the_snapshot_are_noted_not_dropped() -> None:
    docs = [Document("v.json", None, {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}),
            Document("p.json", None, {"VpcPeeringConnections": [
                {"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
                 "RequesterVpcInfo": {"VpcId": "vpc-1"},
                 "AccepterVpcInfo": {"VpcId": "vpc-other", "OwnerId": "999988887777"}}]}),
            Document("r.json", None, {"RouteTables": [
                {"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [],
                 "Routes": [{"DestinationCidrBlock": "10.9.0.0/16",
                             "VpcPeeringConnectionId": "pcx-1", "State": "active"},
                            {"DestinationCidrBlock": "10.8.0.0/16",
                             "TransitGatewayId": "tgw-1", "State": "active"}]}]})]
    result = import_ec2(docs)
    assert [str(n) for n in result.notes if n.file != "v.json"] == [
        ("p.json: pcx-1: skipped: peer VPC vpc-other is not in the snapshot (another account or"
        " Region: add its describe-* output)"),
        ("r.json: rtb-1.Routes[0][10.9.0.0/16]: skipped route to pcx-1: its target is not in the"
        " snapshot or not modelled; the model routes 10.9.0.0/16 by the next less specific route"
        " instead"),
        ("r.json: rtb-1.Routes[1][10.8.0.0/16]: skipped route to tgw-1: its target is not in the"
        " snapshot or not modelled; the model routes 10.8.0.0/16 by the next less specific route"
        " instead"),
    ]


def test_region_comes_from_the_folder_then_the_zones(tmp_path: Path) -> None:
    """Batfish's layout: DIR/REGION/*.json; without a Region folder, the subnets' AZ."""
    from netemu.cli.importer import read_documents

    (tmp_path / "eu-west-1").mkdir()
    (tmp_path / "eu-west-1" / "vpcs.json").write_text(json.dumps(
        {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.1.0.0/16"}]}))
    (tmp_path / "vpcs.json").write_text(json.dumps(
        {"Vpcs": [{"VpcId": "vpc-2", "CidrBlock": "10.2.0.0/16"}]}))
    (tmp_path / "subnets.json").write_text(json.dumps({"Subnets": [
        {"SubnetId": "subnet-2", "VpcId": "vpc-2", "CidrBlock": "10.2.1.0/24",
         "AvailabilityZone": "ap-south-1b"}]}))
    docs, problems = read_documents(tmp_path)
    assert problems == []
    result = import_ec2([Document(*d) for d in docs], "us-west-2")
    assert {v["name"]: v["region"] for v in result.topology["vpcs"]} == {
        "vpc-1": "eu-west-1", "vpc-2": "ap-south-1"}


def test_resolver_rules_and_endpoints_r92_r94() -> None:
    """A FORWARD rule keeps its targets, its outbound endpoint (by name) and its associated
    VPCs; the built-in RECURSIVE rule and a rule associated with no imported VPC are noted;
    endpoint addresses are matched to their endpoint by the id in the file name."""
    vpc = {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "DhcpOptionsId": "default"}
    subnets = [{"SubnetId": f"subnet-{n}", "VpcId": "vpc-1", "CidrBlock": f"10.0.{n}.0/24",
                "AvailabilityZone": f"us-east-1{z}"} for n, z in ((1, "a"), (2, "b"))]
    docs = [Document("v.json", None, {"Vpcs": [vpc]}),
            Document("s.json", None, {"Subnets": subnets}),
            Document("e.json", None, {"ResolverEndpoints": [
                {"Id": "rslvr-out-1", "Name": "out", "Direction": "OUTBOUND",
                 "HostVPCId": "vpc-1", "SecurityGroupIds": []}]}),
            Document("ips-rslvr-out-1.json", None, {"IpAddresses": [
                {"SubnetId": "subnet-1", "Ip": "10.0.1.100"},
                {"SubnetId": "subnet-2", "Ip": "10.0.2.100"}]}),
            Document("r.json", None, {"ResolverRules": [
                {"Id": "rslvr-rr-1", "Name": "corp", "DomainName": "corp.example.",
                 "RuleType": "FORWARD", "TargetIps": [{"Ip": "192.0.2.53", "Port": 53}],
                 "ResolverEndpointId": "rslvr-out-1"},
                {"Id": "rslvr-rr-2", "Name": "lonely", "DomainName": "x.example.",
                 "RuleType": "SYSTEM"},
                {"Id": "rslvr-autodefined-rr-internet-resolver", "DomainName": ".",
                 "RuleType": "RECURSIVE"}]}),
            Document("a.json", None, {"ResolverRuleAssociations": [
                {"Id": "rslvr-rrassoc-1", "ResolverRuleId": "rslvr-rr-1", "VPCId": "vpc-1",
                 "Status": "COMPLETE"}]})]
    result = import_ec2(docs)
    assert result.problems == ()
    topo = result.topology
    assert topo["resolver_endpoints"] == [
        {"name": "out", "vpc": "vpc-1", "direction": "OUTBOUND", "security_groups": [],
         "ip_addresses": [{"subnet": "subnet-1", "ip": "10.0.1.100"},
                          {"subnet": "subnet-2", "ip": "10.0.2.100"}]}]
    assert topo["resolver_rules"] == [
        {"name": "corp", "domain_name": "corp.example", "rule_type": "FORWARD",
         "target_ips": [{"ip": "192.0.2.53", "port": 53}], "resolver_endpoint": "out",
         "vpcs": ["vpc-1"]}]
    assert {n.item for n in result.notes} >= {"rslvr-rr-2",
                                              "rslvr-autodefined-rr-internet-resolver"}
    loose = import_ec2([*docs[:3], Document("ips.json", None, docs[3].data)])
    assert [(p.file, p.code) for p in loose.problems] == [
        ("ips.json", "ResourceNotFoundException")]


@pytest.mark.slow
def test_malformed_input_fails_with_file_item_code_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "in" / "eu-west-1"
    src.mkdir(parents=True)
    (src / "subnets.json").write_text(json.dumps({"Subnets": [{"CidrBlock": "10.0.1.0/24"}]}))
    (src / "broken.json").write_text('{"Vpcs": [')
    out = tmp_path / "out"
    done = netemu("import", "aws", str(tmp_path / "in"), "-o", str(out))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert f"{src / 'broken.json'}: SyntaxError: " in lines[0]
    assert lines[1] == f"{src / 'subnets.json'}: Subnets[0]: MissingParameter: SubnetId is required"
    assert not out.exists()


def test_route53_records_find_their_zone_and_checks_they_lack() -> None:
    """Records go to the zone named by the id in their file name, else by their SOA's name; a
    HealthCheckId the snapshot lacks is dropped with a note (the record is then always
    healthy, R52's "secondary without a health check")."""
    zones = {"HostedZones": [{"Id": "/hostedzone/ZAAA", "Name": "a.example.",
                              "Config": {"PrivateZone": False}}]}
    records = {"ResourceRecordSets": [
        {"Name": "a.example.", "Type": "SOA", "TTL": 900, "ResourceRecords": [
            {"Value": "ns-1.awsdns-01.org. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}
        ]},
        {"Name": "x.a.example.", "Type": "A", "TTL": 60, "SetIdentifier": "one", "Weight": 1,
         "HealthCheckId": "gone", "ResourceRecords": [{"Value": "192.0.2.1"}]}]}
    result = import_route53([("zones.json", zones), ("records.json", records)])
    assert result.problems == ()
    doc = result.files["a.example.public.yaml"]
    assert doc["HostedZone"]["Id"] == "ZAAA"
    assert "HealthCheckId" not in doc["ResourceRecordSets"][1]
    assert result.notes == (("records.json", "x.a.example. A [one]",
                             ("imported without its health check gone: the check is not in the "
                             "snapshot (save list-health-checks); it is always healthy")),)
    orphan = import_route53([("r.json", {"ResourceRecordSets": [
        {"Name": "b.example.", "Type": "SOA", "TTL": 900,
         "ResourceRecords": [{"Value": "x. y. 1 2 3 4 5"}]}]})])
    assert [(p.file, p.item, p.code) for p in orphan.problems] == [
        ("r.json", "ResourceRecordSets", "NoSuchHostedZone")]


def test_cidr_collections_gather_their_blocks_by_location() -> None:
    """list-cidr-collections names a collection; list-cidr-blocks (its id in the file name)
    gives the blocks, grouped here by location as the zone file's CidrCollections shape."""
    cid = "0aaa1111-2222-4333-8444-555566667777"
    result = import_route53([
        ("c.json", {"CidrCollections": [{"Id": cid, "Name": "nets", "Version": 1}]}),
        (f"blocks-{cid}.json", {"CidrBlocks": [
            {"CidrBlock": "10.1.0.0/16", "LocationName": "a"},
            {"CidrBlock": "10.2.0.0/16", "LocationName": "b"},
            {"CidrBlock": "10.3.0.0/16", "LocationName": "a"}]}),
        ("orphan.json", {"CidrBlocks": [{"CidrBlock": "10.9.0.0/16", "LocationName": "x"}]})])
    assert result.files["cidr-collections.yaml"] == {"CidrCollections": [
        {"Id": cid, "Name": "nets", "Locations": [
            {"LocationName": "a", "CidrList": ["10.1.0.0/16", "10.3.0.0/16"]},
            {"LocationName": "b", "CidrList": ["10.2.0.0/16"]}]}]}
    assert [(p.file, p.code) for p in result.problems] == [
        ("orphan.json", "NoSuchCidrCollectionException")]


def test_ip_based_records_wait_for_cidr_collections() -> None:
    zones = {"HostedZones": [{"Id": "ZC", "Name": "c.example.", "Config": {}}]}
    records = {"ResourceRecordSets": [
        {"Name": "x.c.example.", "Type": "A", "TTL": 60, "SetIdentifier": "office",
         "CidrRoutingConfig": {"CollectionId": "0b1c2d3e-aaaa-bbbb-cccc-1234567890ab",
                               "LocationName": "office"},
         "ResourceRecords": [{"Value": "192.0.2.7"}]}]}
    result = import_route53([("z.json", zones), ("ZC-records.json", records)])
    assert result.files["c.example.public.yaml"]["ResourceRecordSets"] == []
    assert [n[1] for n in result.notes] == ["x.c.example. A [office]"]


@pytest.mark.slow
def test_reimport_replaces_its_own_zone_files_only(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "zones").mkdir(parents=True)
    stale = out / "zones" / "gone.example.public.yaml"
    stale.write_text("# imported by `netemu import aws` from old\nHostedZone: {Name: gone.}\n")
    mine = out / "zones" / "mine.yaml"
    mine.write_text("HostedZone: {Name: mine.example.}\n")
    done = netemu("import", "aws", str(DATA), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert not stale.exists() and mine.exists()


@pytest.mark.slow   # uses the module's `netemu import` run
def test_private_zone_names_the_imported_vpcs(imported: Path) -> None:
    doc = yaml.safe_load((imported / "zones" / "billing.internal.private.yaml").read_text())
    assert doc["VPCs"] == [{"VPCRegion": "us-east-1", "VPCId": "shop"},
                           {"VPCRegion": "us-east-1", "VPCId": "billing"}]


@pytest.mark.slow
def test_aws_ids_must_name_items_of_the_topology(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("vpcs: [{name: a, cidr_blocks: [10.0.0.0/16]}]\n"
                   "aws_ids: {vpcs: {a: vpc-1, b: vpc-2}, gateways: {a: igw-1}}\n")
    done = netemu("check", str(bad))
    assert done.returncode == 1
    assert f"{bad}: aws_ids.vpcs.b: InvalidParameterValue: no vpc is named 'b'" in done.stderr
    assert f"{bad}: aws_ids.gateways: UnknownParameter: " in done.stderr


# --- serve the imported zones to real dig ------------------------------------------------------


@pytest.mark.slow
@needs_dig
def test_serve_imported_zones_answers_as_the_records_say(imported: Path, tmp_path: Path) -> None:
    """R47: weight 0 (green) is never returned while blue is healthy; R35/R36: the apex alias
    answers with www's address as an A record; IP-based routing with the imported CIDR
    collection: the office's client subnet (EDNS0 client subnet) gets its record, others the
    ``*`` location's; R52: the PRIMARY's health check (HTTP to 127.0.0.1:9, where nothing
    listens) fails, so the SECONDARY answers; the ELB alias the import skipped is not there
    (NXDOMAIN)."""
    zones = sorted((imported / "zones").iterdir())
    with serve_process(zones, tmp_path, "--api", f"127.0.0.1:{free_port()}",
                       "--time-scale", "0.1") as srv:
        for _ in range(8):
            assert srv.dig("www.example.com", "A")[2] == ["www.example.com. 60 IN A 198.51.100.10"]
        status, _, answer, _, _ = srv.dig("example.com", "A")
        assert status == "NOERROR" and answer == ["example.com. 60 IN A 198.51.100.10"]
        assert srv.dig("shop.example.com", "A")[0] == "NXDOMAIN"
        assert srv.dig("app.example.com", "A", "+subnet=203.0.113.7/32")[2] == [
            "app.example.com. 60 IN A 198.51.100.30"]
        assert srv.dig("app.example.com", "A", "+subnet=198.51.100.0/24")[2] == [
            "app.example.com. 60 IN A 198.51.100.31"]
        deadline = time.monotonic() + 15
        answer = []
        while time.monotonic() < deadline:
            answer = srv.dig("api.example.com", "A")[2]
            if answer == ["api.example.com. 60 IN A 198.51.100.21"]:
                break
            time.sleep(0.2)
        assert answer == ["api.example.com. 60 IN A 198.51.100.21"], srv.log.read_text()
