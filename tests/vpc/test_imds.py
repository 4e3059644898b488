"""The instance metadata service's answers and IMDSv2 token rules (V37), pure."""

from __future__ import annotations

import pytest

from netemu.vpc import imds
from netemu.vpc.load import load_topology


def _vpc():  # type: ignore[no-untyped-def]
    t = load_topology({"region": "us-east-1", "vpcs": [{
        "name": "v", "cidr_blocks": ["10.9.0.0/16"],
        "subnets": [{"name": "s", "cidr": "10.9.1.0/24", "az": "us-east-1d"}],
        "instances": [{"name": "a", "subnet": "s", "private_ip": "10.9.1.10"},
                      {"name": "b", "subnet": "s", "private_ip": "10.9.1.11",
                       "public_ip": "198.51.100.9"}]}]}, "t")
    return t.vpcs[0]


def test_metadata_of_an_instance_V37() -> None:
    vpc = _vpc()
    a = imds.metadata(vpc, vpc.instances[0], "02:00:00:00:00:01")
    assert a["local-ipv4"] == "10.9.1.10" and a["placement/availability-zone"] == "us-east-1d"
    assert a["local-hostname"] == "ip-10-9-1-10.ec2.internal"
    assert "public-ipv4" not in a  # no public address, no category (404)
    b = imds.metadata(vpc, vpc.instances[1], "02:00:00:00:00:02")
    assert b["public-ipv4"] == "198.51.100.9"
    assert a["instance-id"] != b["instance-id"] and a["instance-id"].startswith("i-")
    assert len(a["instance-id"]) == 19


def test_lookup_leaves_and_listings_V37() -> None:
    data = {"instance-id": "i-1", "placement/availability-zone": "x", "placement/region": "r"}
    assert imds.lookup(data, "/latest/meta-data/instance-id") == "i-1"
    assert imds.lookup(data, "/latest/meta-data/") == "instance-id\nplacement/"
    assert imds.lookup(data, "/latest/meta-data/placement/") == "availability-zone\nregion"
    assert imds.lookup(data, "/latest/meta-data/placement") == "availability-zone\nregion"
    assert imds.lookup(data, "/latest/meta-data/nothing") is None
    assert imds.lookup(data, "/latest/user-data") is None
    assert imds.lookup(data, "/latest/") == "meta-data/"


@pytest.mark.parametrize("value,ttl", [("21600", 21600), ("1", 1), (" 60 ", 60), (None, None),
                                       ("0", None), ("21601", None), ("-5", None), ("ten", None)])
def test_token_ttl_1_to_21600_seconds_V37(value: str | None, ttl: int | None) -> None:
    assert imds.token_ttl(value) == ttl
