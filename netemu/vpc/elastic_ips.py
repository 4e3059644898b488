"""Elastic IP addresses (``elastic_ips:``, V160-V163) and the public IPv4 rules around them.

An Elastic IP is a public IPv4 address the account keeps until it releases it. The file lists
them at the top level::

    elastic_ips:
      - name: web-eip
        address: 203.0.113.10          # optional: else one from Amazon's pool (deterministic)
        allocation_id: eipalloc-0a1b2c3d  # optional: else derived from the name
        vpc: prod                       # the association (optional: an unassociated EIP)
        instance: web1                  # or network_interface: ENI (a secondary ENI's name)
        private_ip: 10.0.1.10           # optional: the instance's primary address by default

Re-association is editing the file (another ``instance:``) and applying again: the IGW's 1:1
NAT (V65) then maps the address to the new instance.

How it works: ``read`` takes the list out of the file; ``rewrite`` writes each associated
address as the instance's ``public_ip`` before the shape reader runs, so an EIP replaces the
address assigned at launch (V160) and everything downstream (the uniqueness of public
addresses, trace's IGW, the data plane's 1:1 NAT) sees one public address per instance;
``check`` refuses what AWS refuses (V161, V162) on the built topology; ``attach`` names the EIP
on its instance and drops the public address a stopped instance has lost (V163).
Pure: plain data in, plain data out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Any

from netemu.vpc import addressing
from netemu.vpc.draft import Report
from netemu.vpc.model import Instance, Topology

KEY = "elastic_ips"
TOP_KEYS = (KEY,)
FIELDS = ("name", "address", "allocation_id", "vpc", "instance", "private_ip", "network_interface")
ALLOCATION_ID = re.compile(r"eipalloc-[0-9a-f]{8}([0-9a-f]{9})?")


@dataclass(frozen=True, slots=True)
class ElasticIp:
    name: str
    path: str
    address: str
    allocation_id: str
    vpc: str | None = None
    instance: str | None = None
    private_ip: str | None = None

    @property
    def associated(self) -> bool:
        return self.instance is not None


def allocation_id_of(name: str) -> str:
    """A deterministic ``eipalloc-`` id (17 hex digits) for an EIP the file names only."""
    return "eipalloc-" + hashlib.sha256(f"eip/{name}".encode()).hexdigest()[:17]


def read(data: Any, report: Report) -> tuple[ElasticIp, ...]:
    """The ``elastic_ips`` list (empty when the file has none); problems go to ``report``."""
    if not isinstance(data, dict) or data.get(KEY) is None:
        return ()
    raw = data[KEY]
    if not isinstance(raw, list):
        report.add(KEY, "ValidationError", "elastic_ips is a list of {name, address?, "
                   "allocation_id?, vpc?, instance?, private_ip?}")
        return ()
    given = {str(m.get("address")) for m in raw if isinstance(m, dict) and m.get("address")}
    out: list[ElasticIp] = []
    names: set[str] = set()
    for i, m in enumerate(raw):
        eip = _one(m, f"{KEY}[{i}]", given, report)
        if eip is None:
            continue
        if eip.name in names:
            report.add(eip.path, "ValidationError", f"a second elastic IP named {eip.name}")
            continue
        names.add(eip.name)
        given.add(eip.address)
        out.append(eip)
    _distinct(out, report)
    return tuple(out)


def _one(m: Any, path: str, taken: set[str], report: Report) -> ElasticIp | None:
    if not isinstance(m, dict) or not isinstance(m.get("name"), str) or not m["name"] \
            or set(m) - set(FIELDS):
        report.add(path, "ValidationError", "an elastic IP is {" + ", ".join(FIELDS) + "}"
                   " with a name")
        return None
    name = m["name"]
    path = f"{KEY}[{name}]"
    text = {k: m[k] for k in FIELDS[1:] if m.get(k) is not None}
    if not all(isinstance(v, str) and v for v in text.values()):
        report.add(path, "ValidationError", "address, allocation_id, vpc, instance and "
                   "private_ip are strings")
        return None
    if "network_interface" in text:  # an association to an ENI (vpc/enis.py) by its name
        text.setdefault("instance", text.pop("network_interface"))
    address = text.get("address")
    if address is None:
        address = addressing.auto_public_ipv4("eip", name, taken)
    elif not _is_ipv4(address) or not addressing.is_public_ipv4(address):  # V161
        report.add(f"{path}.address", "InvalidAddress.Malformed",
                   f"Invalid address: {address} is not a public IPv4 address (an Elastic IP "
                   "is public, V161)")
        return None
    alloc = text.get("allocation_id", allocation_id_of(name))
    if not ALLOCATION_ID.fullmatch(alloc):
        report.add(f"{path}.allocation_id", "InvalidAllocationID.Malformed",
                   f"Invalid id: \"{alloc}\" (expecting \"eipalloc-...\")")
        return None
    if ("instance" in text) != ("vpc" in text) or ("private_ip" in text and "instance" not in text):
        report.add(path, "MissingParameter", "an association names both vpc and instance "
                   "(private_ip only with them)")
        return None
    return ElasticIp(name, path, addressing.canonical_address(address),
                     alloc, text.get("vpc"), text.get("instance"), text.get("private_ip"))


def _is_ipv4(text: str) -> bool:
    try:
        return addressing.address(text).version == 4
    except ValueError:
        return False


def _distinct(eips: list[ElasticIp], report: Report) -> None:
    """V161: one address and one allocation id per EIP; V162: one EIP per private address."""
    seen: dict[str, str] = {}
    ids: dict[str, str] = {}
    for e in eips:
        if e.address in seen:
            report.add(f"{e.path}.address", "InvalidAddress.InUse",
                       f"Address {e.address} is already allocated as {seen[e.address]} (V161)")
        seen.setdefault(e.address, e.name)
        if e.allocation_id in ids:
            report.add(f"{e.path}.allocation_id", "InvalidParameterValue",
                       f"allocation id {e.allocation_id} is already {ids[e.allocation_id]}'s")
        ids.setdefault(e.allocation_id, e.name)


def rewrite(data: Any, eips: tuple[ElasticIp, ...]) -> Any:
    """Each associated EIP as its instance's ``public_ip`` (V160: it replaces the address
    assigned at launch). Only associations to the primary private address are written here;
    the others (a secondary address) are ``check``-ed and ``attach``-ed after the build."""
    wanted = {(e.vpc, e.instance): e.address for e in eips if e.associated}
    if not wanted or not isinstance(data, dict) or not isinstance(data.get("vpcs"), list):
        return data
    vpcs = []
    for v in data["vpcs"]:
        if isinstance(v, dict) and isinstance(v.get("instances"), list):
            items = []
            for i in v["instances"]:
                key = (v.get("name"), i.get("name") if isinstance(i, dict) else None)
                if key in wanted and isinstance(i, dict):
                    i = dict(i, public_ip=wanted[key])
                items.append(i)
            v = dict(v, instances=items)
        vpcs.append(v)
    return dict(data, vpcs=vpcs)


def check(eips: tuple[ElasticIp, ...], topo: Topology, report: Report) -> None:
    """What AssociateAddress refuses (V162): an unknown instance, a VPC with no internet
    gateway, a private address the instance does not hold, two EIPs on one private address."""
    on: dict[tuple[str, str, str], str] = {}
    for e in eips:
        if e.vpc is None or e.instance is None:
            continue
        vpc = next((v for v in topo.vpcs if v.name == e.vpc), None)
        inst = next((i for i in vpc.instances if i.name == e.instance), None) if vpc else None
        if vpc is None or inst is None:
            report.add(f"{e.path}.instance", "InvalidInstanceID.NotFound",
                       f"The instance ID '{e.instance}' does not exist (in VPC {e.vpc})",
                       ref=e.instance)
            continue
        if not vpc.internet_gateway:
            report.add(f"{e.path}.vpc", "Gateway.NotAttached",
                       f"Network {vpc.name} is not attached to any internet gateway (V162)")
        private = e.private_ip or inst.private_ip
        if private not in (inst.private_ip, *inst.secondary_private_ips):
            report.add(f"{e.path}.private_ip", "InvalidParameterValue",
                       f"{private} is not a private IPv4 address of instance {inst.name} "
                       "(its primary or a secondary address, V162)")
            continue
        if private != inst.private_ip:
            report.add(f"{e.path}.private_ip", "InvalidParameterValue",
                       "netemu associates an Elastic IP with the primary private address only")
            continue
        key = (vpc.name, inst.name, private)
        if key in on:
            report.add(e.path, "Resource.AlreadyAssociated",
                       f"{private} of {inst.name} is already associated with Elastic IP "
                       f"{on[key]} (V162)")
        on.setdefault(key, e.name)


def attach(topo: Topology, eips: tuple[ElasticIp, ...]) -> Topology:
    """Name each associated EIP on its instance; a stopped instance keeps its EIP and loses
    the public address it was assigned at launch or given as ``public_ip`` (V163)."""
    by = {(e.vpc, e.instance): e for e in eips if e.associated}
    if not by and all(i.state != "stopped" for v in topo.vpcs for i in v.instances):
        return topo

    def one(vpc: str, i: Instance) -> Instance:
        e = by.get((vpc, i.name))
        if e is not None:
            return replace(i, public_ip=e.address, auto_public_ip=False, elastic_ip=e.name)
        if i.state == "stopped":
            return replace(i, public_ip=None, auto_public_ip=False)
        return i

    return replace(topo, vpcs=tuple(
        replace(v, instances=tuple(one(v.name, i) for i in v.instances)) for v in topo.vpcs))
