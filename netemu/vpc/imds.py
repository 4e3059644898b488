"""The instance metadata service (V37), PURE: what it answers an instance, and the IMDSv2 token
rules. The data plane serves it over HTTP on 169.254.169.254 (and fd00:ec2::254 for an instance
with an IPv6 address) inside each instance's namespace; ``trace`` says it answers locally
whatever routes, network ACLs and security groups say.

A minimal service: the categories below under ``/latest/meta-data/``, the token ``PUT
/latest/api/token`` with ``X-aws-ec2-metadata-token-ttl-seconds`` (1-21600), and GETs with or
without ``X-aws-ec2-metadata-token`` (a given token must be valid: IMDSv1 stays allowed, as
AWS's ``HttpTokens: optional``). The answers follow EC2-UG instancedata-data-retrieval.html and
configuring-instance-metadata-service.html.
"""

from __future__ import annotations

import hashlib

from netemu.vpc import addressing, dns
from netemu.vpc.model import Instance, Vpc

ADDRESSES = addressing.IMDS_ADDRESSES
PORT = 80
TOKEN_PATH = "/latest/api/token"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
TTL_MIN, TTL_MAX = 1, 21600
META = "/latest/meta-data/"


def addresses_of(inst: Instance) -> tuple[str, ...]:
    """Where an instance reaches its metadata service: 169.254.169.254, and fd00:ec2::254 when
    it has an IPv6 address."""
    return ADDRESSES if inst.ipv6_address else ADDRESSES[:1]


def instance_id(vpc: str, name: str) -> str:
    """A deterministic instance id (``i-`` + 17 hex digits)."""
    return "i-" + hashlib.sha256(f"instance/{vpc}/{name}".encode()).hexdigest()[:17]


def metadata(vpc: Vpc, inst: Instance, mac: str) -> dict[str, str]:
    """The leaf categories under ``/latest/meta-data/`` (path relative to it -> value)."""
    az = next(s.az for s in vpc.subnets if s.name == inst.subnet)
    host = dns.private_hostname(inst.private_ip, vpc.region).rstrip(".")  # no final dot here
    out = {
        "instance-id": instance_id(vpc.name, inst.name),
        "local-ipv4": inst.private_ip,
        "local-hostname": host,
        "hostname": host,
        "mac": mac,
        "placement/availability-zone": az,
        "placement/region": vpc.region,
        "security-groups": "\n".join(inst.security_groups),
    }
    if inst.public_ip:
        out["public-ipv4"] = inst.public_ip
        out["public-hostname"] = dns.public_hostname(inst.public_ip, vpc.region).rstrip(".")
    if inst.ipv6_address:
        out["ipv6"] = inst.ipv6_address
    return out


def lookup(data: dict[str, str], path: str) -> str | None:
    """The answer to ``GET path``: a leaf's value, or a listing of a category (children one a
    line, sub-categories with a trailing ``/``); None: 404."""
    if path in ("/latest", "/latest/"):
        return "meta-data/"
    if not path.startswith(META.rstrip("/")):
        return None
    rel = path[len(META):] if path.startswith(META) else ""
    if rel in data:
        return data[rel]
    prefix = rel.rstrip("/") + "/" if rel.strip("/") else ""
    children = sorted({k[len(prefix):].split("/")[0] + ("/" if "/" in k[len(prefix):] else "")
                       for k in data if k.startswith(prefix)})
    return "\n".join(children) if children else None


def token_ttl(value: str | None) -> int | None:
    """The TTL a token ``PUT`` asks for, or None when AWS answers 400 Bad Request (missing, not
    a number, or outside 1-21600 seconds)."""
    if value is None or not value.strip().isdigit():
        return None
    ttl = int(value.strip())
    return ttl if TTL_MIN <= ttl <= TTL_MAX else None
