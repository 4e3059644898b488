"""Instances with several network interfaces (``network_interfaces:``, V165-V167).

An instance's own keys describe its primary ENI (device index 0). Further ENIs are listed on
the instance::

    instances:
      - name: fw1
        subnet: app
        source_dest_check: false
        network_interfaces:
          - name: fw1-data        # the ENI's name: a route target {network_interface: fw1-data}
            subnet: data          # a subnet in the instance's Availability Zone (V165)
            device_index: 1       # optional: the next free index
            private_ip: 10.50.3.5 # optional, allocated like an instance's (V14)
            security_groups: [fw] # optional: the VPC's default group (V42)
            source_dest_check: false
            secondary_private_ips: [10.50.3.6]

How it works: ``read`` takes the lists out of the file and appends each ENI to its VPC's
``instances`` (so the ENI's address, groups and secondary addresses are checked and allocated
like an instance's, and trace and the data plane find it by name); ``check`` refuses what AWS
refuses (V165, V166); ``attach`` marks each such entry with the instance it is attached to and
its device index. A route ``{network_interface: NAME}`` targets the ENI (an entry of kind
``instance`` named NAME); ``{instance: NAME}`` of an instance with several ENIs is refused
(V166). Pure: plain data in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from netemu.vpc.draft import DTopology, Report
from netemu.vpc.model import Topology

FIELDS = ("name", "subnet", "device_index", "private_ip", "security_groups",
          "source_dest_check", "secondary_private_ips")


@dataclass(frozen=True, slots=True)
class Attachment:
    vpc: str
    eni: str
    instance: str
    device_index: int
    path: str


def read(data: Any, report: Report) -> tuple[Any, tuple[Attachment, ...]]:
    """The file without ``network_interfaces`` (each ENI appended to its VPC's instances) and
    the attachments. Problems of shape go to ``report``."""
    if not isinstance(data, dict) or not isinstance(data.get("vpcs"), list):
        return data, ()
    out: list[Attachment] = []
    vpcs = []
    for v in data["vpcs"]:
        if not isinstance(v, dict) or not isinstance(v.get("instances"), list) or not any(
                isinstance(i, dict) and "network_interfaces" in i for i in v["instances"]):
            vpcs.append(v)
            continue
        kept: list[Any] = []
        extra: list[Any] = []
        for i in v["instances"]:
            if not isinstance(i, dict) or "network_interfaces" not in i:
                kept.append(i)
                continue
            i = dict(i)
            enis = i.pop("network_interfaces") or []
            kept.append(i)
            path = f"vpcs[{v.get('name')}].instances[{i.get('name')}].network_interfaces"
            if not isinstance(enis, list):
                report.add(path, "ValidationError", "network_interfaces is a list")
                continue
            used = {0}
            for k, e in enumerate(enis):
                item = _one(e, f"{path}[{k}]", i, used, report)
                if item is not None:
                    extra.append(item[0])
                    out.append(Attachment(str(v.get("name")), item[0]["name"], str(i["name"]),
                                          item[1], f"{path}[{item[0]['name']}]"))
        vpcs.append(dict(v, instances=kept + extra))
        _instance_targets(v, {a.instance for a in out if a.vpc == v.get("name")}, report)
    return dict(data, vpcs=vpcs), tuple(out)


def _instance_targets(v: dict[str, Any], multi: set[str], report: Report) -> None:
    """V166: a route naming an instance with several ENIs is refused (name the ENI)."""
    tables = v.get("route_tables")
    for rt in tables if isinstance(tables, list) else []:
        routes = rt.get("routes") if isinstance(rt, dict) else None
        for k, r in enumerate(routes if isinstance(routes, list) else []):
            target = r.get("target") if isinstance(r, dict) else None
            name = target.get("instance") if isinstance(target, dict) else None
            if name in multi:
                report.add(f"vpcs[{v.get('name')}].route_tables[{rt.get('name')}].routes[{k}]"
                           ".target", "InvalidInstanceID",
                           f"There are multiple interfaces attached to instance '{name}'. Please "
                           "specify an interface ID for the operation instead (a "
                           "{network_interface: NAME} target, V166).")


def _one(e: Any, path: str, owner: dict[str, Any], used: set[int],
         report: Report) -> tuple[dict[str, Any], int] | None:
    if not isinstance(e, dict) or set(e) - set(FIELDS) or not all(
            isinstance(e.get(k), str) and e[k] for k in ("name", "subnet")):
        report.add(path, "ValidationError",
                   "a network interface is {" + ", ".join(FIELDS) + "} with name and subnet")
        return None
    index = e.get("device_index", max(used) + 1)
    if not isinstance(index, int) or isinstance(index, bool) or index < 1:
        report.add(f"{path}.device_index", "InvalidParameterValue",
                   f"device_index is a whole number from 1 (0 is the primary ENI), got {index!r}")
        return None
    if index in used:  # V165
        report.add(f"{path}.device_index", "InvalidParameterValue",
                   f"Instance '{owner.get('name')}' already has an interface attached at device "
                   f"index '{index}' (V165).")
        return None
    used.add(index)
    item = {k: e[k] for k in FIELDS if k in e and k != "device_index"}
    # AWS assigns no public IPv4 address to a secondary ENI at launch (V17 is the primary's).
    item["associate_public_ip_address"] = False
    if owner.get("state") is not None:
        item["state"] = owner["state"]
    return item, index


def check(atts: tuple[Attachment, ...], draft: DTopology, report: Report) -> None:
    """V165: an ENI is in a subnet of its instance's Availability Zone."""
    for v in draft.vpcs:
        mine = [a for a in atts if a.vpc == v.name]
        if not mine:
            continue
        az = {s.name: s.az for s in v.subnets}
        inst = {i.name: i for i in v.instances}
        for a in mine:
            owner, eni = inst.get(a.instance), inst.get(a.eni)
            if owner is None or eni is None or owner.subnet not in az or eni.subnet not in az:
                continue  # the instances' own checks report unknown subnets
            if az[owner.subnet] != az[eni.subnet]:
                report.add(f"{a.path}.subnet", "InvalidParameterValue",
                           f"network interface {a.eni} (subnet {eni.subnet}, {az[eni.subnet]})"
                           f" and instance {a.instance} ({az[owner.subnet]}) must be in the "
                           "same Availability Zone (V165)")


def attach(topo: Topology, atts: tuple[Attachment, ...]) -> Topology:
    """Each secondary ENI's entry names its instance and device index."""
    if not atts:
        return topo
    by = {(a.vpc, a.eni): a for a in atts}

    def vpc_instances(vpc: str, items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(replace(i, attached_to=by[(vpc, i.name)].instance,
                             device_index=by[(vpc, i.name)].device_index)
                     if (vpc, i.name) in by else i for i in items)

    return replace(topo, vpcs=tuple(replace(v, instances=vpc_instances(v.name, v.instances))
                                    for v in topo.vpcs))
