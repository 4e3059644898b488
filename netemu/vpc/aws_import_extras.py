"""``netemu import aws`` for prefix lists, VPC endpoints, Site-to-Site VPN, network interfaces
beyond the primary and Elastic IPs (issue 16), pure. Used by ``aws_import._Builder``.

Name: aws_import_extras
Behaviour: reads the outputs of ``describe-managed-prefix-lists`` (top-level ``PrefixLists``,
  kept as kind ``ManagedPrefixLists``) with each customer-managed list's
  ``get-managed-prefix-list-entries`` (``Entries``, the list id in the file path),
  ``describe-vpc-endpoints`` (``VpcEndpoints``),
  ``describe-vpn-gateways`` (``VpnGateways``), ``describe-customer-gateways``
  (``CustomerGateways``), ``describe-vpn-connections`` (``VpnConnections``),
  ``describe-network-interfaces`` (``NetworkInterfaces``) and ``describe-addresses``
  (``Addresses``), and gives the topology's ``prefix_lists``, ``vpc_endpoints``,
  ``on_premises``, ``vpn_gateways``, ``vpn_connections``, ``elastic_ips`` and each instance's
  ``network_interfaces`` and ``secondary_private_ips``:
  - an AWS-managed list (``OwnerId`` ``AWS``) is named by its ``PrefixListName``
    (``com.amazonaws.REGION.s3``): netemu has its own copy with emulated entries; a
    customer-managed one is imported with its entries;
  - a gateway endpoint's routes (a ``DestinationPrefixListId`` route to ``vpce-...``) come from
    its ``RouteTableIds``; its policy is kept when netemu can evaluate it (principal ``*``, no
    ``Condition``), else noted and left out (the default full access);
  - a customer gateway is an on-premises site: its CIDRs are its connections' static routes,
    or (BGP) the routes its VGW propagated into route tables; it has no hosts (add yours);
    a connection is ``up`` when it is ``available`` and a tunnel's ``VgwTelemetry`` says
    ``UP``;
  - an Elastic IP associated with an instance's primary address replaces its public address.
Everything else is a note, as in ``aws_import``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from netemu.vpc import interface_endpoints, prefix_lists

Items = list[tuple[str, str | None, dict[str, Any]]]

KEYS = ("ManagedPrefixLists", "PrefixLists", "VpcEndpoints", "VpnGateways", "CustomerGateways",
        "VpnConnections", "NetworkInterfaces", "Addresses")
ENTRY_KEY = "Entries"  # get-managed-prefix-list-entries: the list id in the file path

ID_KEYS = {"ManagedPrefixLists": "PrefixListId", "VpcEndpoints": "VpcEndpointId",
           "VpnGateways": "VpnGatewayId", "CustomerGateways": "CustomerGatewayId",
           "VpnConnections": "VpnConnectionId", "NetworkInterfaces": "NetworkInterfaceId",
           "Addresses": "AllocationId"}

FIELDS: dict[str, dict[str, str]] = {
    "ManagedPrefixLists": {"PrefixListName": "str", "MaxEntries": "int", "OwnerId": "str",
                           "AddressFamily": "str", "State": "str"},
    "VpcEndpoints": {"VpcEndpointType": "str", "ServiceName": "str", "State": "str",
                     "RouteTableIds": "list[str]", "SubnetIds": "list[str]",
                     "Groups": "list[dict]", "Groups[].GroupId": "str",
                     "PrivateDnsEnabled": "bool", "PolicyDocument": "str"},
    "VpnGateways": {"State": "str", "Type": "str", "VpcAttachments": "list[dict]",
                    "VpcAttachments[].VpcId": "str", "VpcAttachments[].State": "str"},
    "CustomerGateways": {"IpAddress": "str", "BgpAsn": "str", "State": "str"},
    "VpnConnections": {"CustomerGatewayId": "str", "VpnGatewayId": "str",
                       "TransitGatewayId": "str", "State": "str", "Options": "dict",
                       "Options.StaticRoutesOnly": "bool", "Routes": "list[dict]",
                       "Routes[].DestinationCidrBlock": "str", "Routes[].State": "str",
                       "VgwTelemetry": "list[dict]", "VgwTelemetry[].Status": "str"},
    "NetworkInterfaces": {"SubnetId": "str", "InterfaceType": "str", "Status": "str",
                          "TagSet": "list[dict]",
                          "PrivateIpAddress": "str", "SourceDestCheck": "bool",
                          "Attachment": "dict", "Attachment.InstanceId": "str",
                          "Attachment.DeviceIndex": "int", "Groups": "list[dict]",
                          "Groups[].GroupId": "str", "PrivateIpAddresses": "list[dict]",
                          "PrivateIpAddresses[].PrivateIpAddress": "str",
                          "PrivateIpAddresses[].Primary": "bool"},
    "Addresses": {"PublicIp": "str", "InstanceId": "str", "NetworkInterfaceId": "str",
                  "PrivateIpAddress": "str", "Domain": "str"},
}
ENTRY_FIELDS = {"Cidr": "str"}

_UP = "UP"
# AWS-managed lists netemu has a copy of (prefix_lists.managed): S3 and DynamoDB of any Region,
# CloudFront's origin-facing list, Route 53's health checkers
_KNOWN_MANAGED = re.compile(r"^com\.amazonaws\.([a-z0-9-]+\.(s3|dynamodb)|global\.cloudfront"
                            r"\.origin-facing)$")


def default_policy(doc: Any) -> bool:
    """The full-access policy AWS attaches when none is given."""
    stmts = doc.get("Statement") if isinstance(doc, dict) else None
    stmts = [stmts] if isinstance(stmts, dict) else stmts
    return (isinstance(stmts, list) and len(stmts) == 1 and isinstance(stmts[0], dict)
            and stmts[0].get("Effect") == "Allow" and stmts[0].get("Action") in ("*", ["*"])
            and stmts[0].get("Resource") in ("*", ["*"])
            and stmts[0].get("Principal", "*") in ("*", {"AWS": "*"}))


class Extras:
    """Built by ``_Builder._select`` once subnets, instances and groups are named."""

    def __init__(self, b: Any) -> None:
        self.b, self.r = b, b.r
        self.note: Callable[[str, str, str], None] = b.r.note
        self.lists: dict[str, str] = {}  # pl- id -> the name the topology uses
        self.unknown_managed: set[str] = set()  # AWS-managed lists netemu has no copy of
        self.custom: list[dict[str, Any]] = []
        self._prefix_lists()
        self.endpoints = [x for x in self.r.of("VpcEndpoints")
                          if b.in_vpc("VpcEndpoints", x[0], x[2]) and self._state_ok(x)]
        self.endpoint_names = self._names("VpcEndpointId", self.endpoints)
        self.vgws: dict[str, tuple[str, str]] = {}  # vgw id -> (name, vpc id)
        self.learned: dict[str, list[str]] = {}  # vgw id -> CIDRs it propagated
        self._vpn_gateways()
        self.enis = self._enis()
        self.eips = [x for x in self.r.of("Addresses")]
        self.eip_on_primary: set[str] = set()  # instance ids whose public address is an EIP
        for _, _, a in self.eips:
            eni = a.get("NetworkInterfaceId")
            if a.get("InstanceId") in b.names["instances"] and (
                    eni is None or eni not in self.secondary):
                self.eip_on_primary.add(a["InstanceId"])

    # -- naming
    def _names(self, key: str, items: Items) -> dict[str, str]:
        from netemu.vpc.aws_import import tags, unique_names
        return unique_names((i[key], tags(i).get("Name")) for _, _, i in items)

    def _state_ok(self, x: tuple[str, str | None, dict[str, Any]]) -> bool:
        state = str(x[2].get("State", "available")).lower()
        if state in ("available", "pending", "pendingacceptance"):
            return True
        self.note(x[0], x[2]["VpcEndpointId"], f"skipped: endpoint state {state}")
        return False

    # -- prefix lists
    def _prefix_lists(self) -> None:
        entries: dict[str, list[str]] = {}
        for source, raw in self.r.pl_entries:
            ident = next((p[p.index("pl-"):].split(".")[0].split("/")[0]
                          for p in [source] if "pl-" in p), None)
            if ident is None:
                self.r.problem(source, ENTRY_KEY, "MissingParameter", "the prefix list id"
                               " (pl-...) must be in the file name")
                continue
            entries[ident] = [e["Cidr"] for e in raw if isinstance(e, dict)
                              and isinstance(e.get("Cidr"), str)]
        mine = [x for x in self.r.of("ManagedPrefixLists")]
        names = self._names("PrefixListId", mine)
        for source, _, p in mine:
            pid = p["PrefixListId"]
            if p.get("OwnerId") == "AWS" or "Cidrs" in p:
                name = str(p.get("PrefixListName") or "")
                if _KNOWN_MANAGED.match(name) or name == prefix_lists.ROUTE53_NAME:
                    self.lists[pid] = name
                else:  # a reference to it is reported where it is used
                    self.unknown_managed.add(pid)
                    self.note(source, pid, f"skipped: the AWS-managed list {name or pid} is not"
                              " one netemu has (S3, DynamoDB, CloudFront origin-facing, Route 53"
                              " health checkers)")
                continue
            if p.get("AddressFamily", "IPv4") != "IPv4":
                self.note(source, pid, "skipped: IPv6 prefix lists are not modelled")
                continue
            if pid not in entries:
                self.note(source, pid, "skipped: its entries were not saved"
                          f" (get-managed-prefix-list-entries --prefix-list-id {pid})")
                continue
            name = names[pid]
            self.lists[pid] = name
            self.b._record("prefix_lists", pid, name)
            item: dict[str, Any] = {"name": name, "id": pid, "entries": entries[pid]}
            item["max_entries"] = p.get("MaxEntries") or max(1, len(entries[pid]))
            self.custom.append(item)

    def prefix_list(self, source: str, where: str, pid: Any) -> str | None:
        if pid in self.lists:
            return self.lists[pid]
        if pid in self.unknown_managed:
            self.note(source, where, f"skipped prefix list {pid}: an AWS-managed list netemu"
                      " does not have")
            return None
        self.note(source, where, f"skipped prefix list {pid}: it is not in the snapshot"
                  " (describe-managed-prefix-lists)")
        return None

    # -- VPN
    def _vpn_gateways(self) -> None:
        gws = self.r.of("VpnGateways")
        names = self._names("VpnGatewayId", gws)
        for source, _, g in gws:
            gid = g["VpnGatewayId"]
            atts = [a for a in g.get("VpcAttachments") or [] if a.get("State") == "attached"]
            if g.get("State", "available") != "available" or not atts:
                self.note(source, gid, "skipped: not available and attached to a VPC")
                continue
            if atts[0].get("VpcId") not in self.b.vpc_ids:
                self.note(source, gid, f"skipped: its VPC {atts[0].get('VpcId')} is not in the"
                          " snapshot")
                continue
            self.vgws[gid] = (names[gid], atts[0]["VpcId"])
            self.b._record("vpn_gateways", gid, names[gid])

    def propagated(self, vgw: str, cidr: str) -> None:
        """A route a VGW propagated (describe-route-tables): a CIDR the site behind it has."""
        self.learned.setdefault(vgw, []).append(cidr)

    def vpn(self) -> dict[str, list[dict[str, Any]]]:
        """``on_premises``, ``vpn_gateways``, ``vpn_connections`` (call after the route
        tables: BGP sites take their CIDRs from the propagated routes)."""
        cgws = {g["CustomerGatewayId"]: (s, g) for s, _, g in self.r.of("CustomerGateways")}
        cgw_names = self._names("CustomerGatewayId", self.r.of("CustomerGateways"))
        conns = self.r.of("VpnConnections")
        conn_names = self._names("VpnConnectionId", conns)
        tgw_names = self.b.names.get("transit_gateways", {})
        learned: list[str]
        sites: dict[str, dict[str, Any]] = {}
        out_conns: list[dict[str, Any]] = []
        for source, _, c in conns:
            cid = c["VpnConnectionId"]
            state = c.get("State", "available")
            if state in ("deleted", "deleting"):
                self.note(source, cid, f"skipped: connection state {state}")
                continue
            gw = c.get("CustomerGatewayId")
            if gw not in cgws:
                self.note(source, cid, f"skipped: its customer gateway {gw} is not in the"
                          " snapshot (describe-customer-gateways)")
                continue
            item: dict[str, Any] = {"name": conn_names[cid], "site": cgw_names[gw]}
            if c.get("VpnGatewayId") in self.vgws:
                item["vpn_gateway"] = self.vgws[c["VpnGatewayId"]][0]
                # BGP: what the VGW propagated, less the static routes of its other connections
                static_elsewhere = {r.get("DestinationCidrBlock") for _, _, o in conns
                                    if o is not c and o.get("VpnGatewayId") == c["VpnGatewayId"]
                                    for r in o.get("Routes") or []}
                learned = [x for x in self.learned.get(c["VpnGatewayId"], [])
                           if x not in static_elsewhere]
            elif cid in self.b.tgw_vpns:  # a TGW VPN attachment (V74, V76)
                tgw = self.b.tgw_vpns[cid]
                item.update({k: v for k, v in tgw.items() if k != "learned"})
                learned = list(tgw["learned"])
            elif c.get("TransitGatewayId") in tgw_names:
                self.note(source, cid, "skipped: its transit gateway attachment is not in the"
                          " snapshot (describe-transit-gateway-attachments, ResourceType vpn)")
                continue
            else:
                self.note(source, cid, "skipped: its gateway"
                          f" {c.get('VpnGatewayId') or c.get('TransitGatewayId')} is not imported")
                continue
            static = bool((c.get("Options") or {}).get("StaticRoutesOnly"))
            routes = [r["DestinationCidrBlock"] for r in c.get("Routes") or []
                      if r.get("DestinationCidrBlock") and r.get("State", "available")
                      == "available"]
            item["routing"] = "static" if static else "bgp"
            if static:
                item["static_routes"] = routes
            tunnels = [t.get("Status") for t in c.get("VgwTelemetry") or []]
            up = state == "available" and (not tunnels or _UP in tunnels)
            if not up:
                item["status"] = "down"
            if not isinstance(cgws[gw][1].get("IpAddress"), str):
                self.note(source, cid, f"skipped: its customer gateway {gw} has no IpAddress"
                          " (a certificate-based gateway: netemu's sites need one)")
                continue
            site = sites.setdefault(gw, {"name": cgw_names[gw], "cidrs": [],
                                         "customer_gateway": self._cgw(*cgws[gw])})
            for cidr in routes if static else learned:
                if cidr not in site["cidrs"]:
                    site["cidrs"].append(cidr)
            self.b._record("vpn_connections", cid, item["name"])
            out_conns.append(item)
        for gw, site in list(sites.items()):
            self.b._record("customer_gateways", gw, site["name"])
            if not site["cidrs"]:
                self.note(cgws[gw][0], gw, "skipped: no CIDR of this site is known (no static"
                          " route, no propagated route): its connections are skipped too")
                out_conns = [c for c in out_conns if c["site"] != site["name"]]
                del sites[gw]
            else:
                self.note(cgws[gw][0], gw, f"imported as on-premises site {site['name']} with"
                          " no hosts: add its hosts (on_premises[].hosts) to trace from them")
        for gw, (source, _g) in cgws.items():
            if gw not in sites and not any(c.get("CustomerGatewayId") == gw for _, _, c in conns):
                self.note(source, gw, "skipped: no VPN connection uses it")
        out: dict[str, list[dict[str, Any]]] = {}
        if sites:
            out["on_premises"] = list(sites.values())
        if self.vgws:
            out["vpn_gateways"] = [{"name": n, "vpc": self.b.vpc_names[v]}
                                   for n, v in self.vgws.values()]
        if out_conns:
            out["vpn_connections"] = out_conns
        return out

    def _cgw(self, source: str, g: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"ip": g.get("IpAddress")}
        asn = g.get("BgpAsn")
        if isinstance(asn, str) and asn.isdigit():
            out["bgp_asn"] = int(asn)
        return out

    # -- network interfaces
    def _enis(self) -> dict[str, dict[str, Any]]:
        """ENI id -> its description: from describe-network-interfaces, else from the
        instance's own ``NetworkInterfaces``; ``secondary`` the ids at device index > 0."""
        out: dict[str, dict[str, Any]] = {}
        for _, _, i in self.b.live_instances:
            for e in i.get("NetworkInterfaces") or []:
                if isinstance(e, dict) and e.get("NetworkInterfaceId"):
                    out[e["NetworkInterfaceId"]] = dict(e, Attachment=dict(
                        e.get("Attachment") or {}, InstanceId=i["InstanceId"]))
        self.eni_source: dict[str, str] = {}
        for source, _, e in self.r.of("NetworkInterfaces"):
            eid = e["NetworkInterfaceId"]
            owner = (e.get("Attachment") or {}).get("InstanceId")
            kind = e.get("InterfaceType", "interface")
            if kind != "interface":
                continue  # an endpoint's, NAT gateway's, load balancer's...: imported with it
            if owner is None:
                self.note(source, eid, "skipped: not attached (an ENI is modelled on its"
                          " instance)")
                continue
            if owner not in self.b.names["instances"]:
                self.note(source, eid, f"skipped: its instance {owner} is not imported")
                continue
            out[eid] = e
            self.eni_source[eid] = source
        self.secondary = {eid: e for eid, e in out.items()
                          if (e.get("Attachment") or {}).get("DeviceIndex", 0) > 0}
        # describe-network-interfaces calls the tags TagSet
        self.eni_names = self._names("NetworkInterfaceId", [
            ("", None, dict(e, Tags=e.get("Tags") or e.get("TagSet") or []))
            for e in self.secondary.values()])
        taken = set(self.b.names["instances"].values())
        for eid, name in list(self.eni_names.items()):
            if name in taken:
                self.eni_names[eid] = eid
        self.multi = {e["Attachment"]["InstanceId"] for e in self.secondary.values()}
        return out

    def primary_of(self, iid: str) -> dict[str, Any] | None:
        return next((e for e in self.enis.values() if e["Attachment"].get("InstanceId") == iid
                     and e["Attachment"].get("DeviceIndex", 0) == 0), None)

    def instance_parts(self, iid: str, out: dict[str, Any]) -> None:
        """``secondary_private_ips`` of the primary ENI and the ``network_interfaces``."""
        primary = self.primary_of(iid)
        if primary is not None:
            extra = [a["PrivateIpAddress"] for a in primary.get("PrivateIpAddresses") or []
                     if a.get("Primary") is False and a.get("PrivateIpAddress")]
            if extra:
                out["secondary_private_ips"] = extra
        if iid in self.eip_on_primary:
            out.pop("public_ip", None)  # the EIP is its public address (V160)
        enis = []
        for eid, e in sorted(self.secondary.items(),
                             key=lambda kv: kv[1]["Attachment"].get("DeviceIndex", 0)):
            if e["Attachment"].get("InstanceId") != iid:
                continue
            source = self.eni_source.get(eid, "describe-instances")
            if e.get("SubnetId") not in self.b.names["subnets"]:
                self.note(source, eid, f"skipped: its subnet {e.get('SubnetId')} is not in the"
                          " snapshot")
                continue
            name = self.eni_names[eid]
            self.b._record("network_interfaces", eid, name)
            item: dict[str, Any] = {"name": name, "subnet": self.b.names["subnets"][e["SubnetId"]],
                                    "device_index": e["Attachment"]["DeviceIndex"]}
            if e.get("PrivateIpAddress"):
                item["private_ip"] = e["PrivateIpAddress"]
            groups = [self.b.names["security_groups"][g["GroupId"]] for g in e.get("Groups") or []
                      if g.get("GroupId") in self.b.names["security_groups"]]
            if groups:
                item["security_groups"] = groups
            if e.get("SourceDestCheck") is False:
                item["source_dest_check"] = False
            extra = [a["PrivateIpAddress"] for a in e.get("PrivateIpAddresses") or []
                     if a.get("Primary") is False and a.get("PrivateIpAddress")]
            if extra:
                item["secondary_private_ips"] = extra
            enis.append(item)
        if enis:
            out["network_interfaces"] = enis

    def eni_target(self, eni: Any, instance: Any) -> dict[str, str] | None:
        """A route to an ENI (or to an instance that has several: AWS stores its ENI)."""
        if eni in self.secondary and eni in self.eni_names:
            return {"network_interface": self.eni_names[eni]}
        owner = self.enis[eni]["Attachment"].get("InstanceId") if eni in self.enis else instance
        if owner in self.multi:
            return {"network_interface": self.b.names["instances"][owner]}
        return None

    # -- endpoints
    def vpc_endpoints(self, vpcs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """``vpcs``: name -> the VPC's topology item (its DNS attributes decide private DNS)."""
        out = []
        for source, _, e in self.endpoints:
            eid = e["VpcEndpointId"]
            name = self.endpoint_names[eid]
            kind = e.get("VpcEndpointType", "Gateway")
            service = str(e.get("ServiceName", ""))
            item: dict[str, Any] = {"name": name, "vpc": self.b.vpc_names[e["VpcId"]]}
            if kind == "Gateway":
                item["service"] = service.rsplit(".", 1)[-1]
                tables = self.b.names.get("route_tables", {})
                item["route_tables"] = [tables[t] for t in e.get("RouteTableIds") or []
                                        if t in tables]
                policy = self._policy(source, eid, e.get("PolicyDocument"))
                if policy is not None:
                    item["policy"] = policy
            elif kind == "Interface":
                short = service.split(".", 3)[-1] if service.count(".") >= 3 else service
                if short not in interface_endpoints.SERVICES:
                    self.note(source, eid, f"skipped: interface endpoints of {service} are not"
                              " modelled (docs/vpc.md lists the services)")
                    continue
                item.update(type="Interface", service=service)
                subnets = self.b.names["subnets"]
                item["subnets"] = [subnets[s] for s in e.get("SubnetIds") or [] if s in subnets]
                if not item["subnets"]:
                    self.note(source, eid, "skipped: none of its subnets is in the snapshot")
                    continue
                groups = [self.b.names["security_groups"][g["GroupId"]]
                          for g in e.get("Groups") or []
                          if g.get("GroupId") in self.b.names["security_groups"]]
                if groups:
                    item["security_groups"] = groups
                dns = bool(e.get("PrivateDnsEnabled"))
                vpc = vpcs.get(item["vpc"], {})
                if dns and not (vpc.get("enable_dns_support", True)
                                and vpc.get("enable_dns_hostnames", False)):
                    self.note(source, eid, "imported with private DNS off: its VPC's DNS"
                              " attributes were not saved as both true (describe-vpc-attribute;"
                              " private DNS needs both, V141)")
                    dns = False
                item["private_dns_enabled"] = dns
                if e.get("PolicyDocument") and not default_policy(
                        _json(e.get("PolicyDocument"))):
                    self.note(source, eid, "policy not imported: interface endpoint policies"
                              " are not modelled")
            else:
                self.note(source, eid, f"skipped: {kind} endpoints are not modelled")
                continue
            self.b._record("vpc_endpoints", eid, name)
            out.append(item)
        return out

    def _policy(self, source: str, eid: str, raw: Any) -> dict[str, Any] | None:
        doc = _json(raw)
        if doc is None or default_policy(doc):
            return None
        stmts = doc.get("Statement")
        stmts = [stmts] if isinstance(stmts, dict) else stmts
        ok = isinstance(stmts, list) and all(
            isinstance(s, dict) and set(s) <= {"Sid", "Effect", "Principal", "Action", "Resource"}
            and s.get("Principal", "*") in ("*", {"AWS": "*"}) for s in stmts)
        if not ok:
            self.note(source, eid, "policy not imported (a Principal other than \"*\" or a"
                      " Condition, which netemu does not evaluate): the default full access is"
                      " used")
            return None
        return {"Statement": stmts}

    def is_endpoint_route(self, rt: dict[str, Any]) -> bool:
        gw = str(rt.get("GatewayId") or "")
        return gw.startswith("vpce-") and gw in self.endpoint_names

    # -- Elastic IPs
    def elastic_ips(self) -> list[dict[str, Any]]:
        out = []
        names = self._names("AllocationId", self.eips)
        for source, _, a in self.eips:
            aid = a["AllocationId"]
            item: dict[str, Any] = {"name": names[aid], "address": a.get("PublicIp"),
                                    "allocation_id": aid}
            iid, eni = a.get("InstanceId"), a.get("NetworkInterfaceId")
            if eni in self.secondary and eni in self.eni_names:
                item["network_interface"] = self.eni_names[eni]
            elif iid in self.b.names["instances"]:
                item["instance"] = self.b.names["instances"][iid]
                primary = self.primary_of(iid)
                if primary is not None and a.get("PrivateIpAddress") not in (
                        None, primary.get("PrivateIpAddress")):
                    self.note(source, aid, f"associated with {a['PrivateIpAddress']}, a"
                              " secondary address: imported on the primary address (netemu"
                              " associates an Elastic IP with the primary address only, V162)")
                inst_sub = self.enis.get(eni or "", {}).get("SubnetId")
                vpc = self.b.subnet_vpc.get(inst_sub or "") or self._vpc_of_instance(iid)
                if vpc is not None:
                    item["vpc"] = self.b.vpc_names[vpc]
            elif self._nat_eni(a):
                continue  # a NAT gateway's address: imported with the NAT gateway
            elif iid or eni:
                self.note(source, aid, f"imported unassociated: {iid or eni} is not imported")
            self.b._record("elastic_ips", aid, item["name"])
            out.append(item)
        return out

    def _nat_eni(self, a: dict[str, Any]) -> bool:
        return any(x.get("PublicIp") == a.get("PublicIp") for _, _, n in self.b.live_nats
                   for x in n.get("NatGatewayAddresses") or [])

    def _vpc_of_instance(self, iid: str) -> str | None:
        for _, _, i in self.b.live_instances:
            if i["InstanceId"] == iid:
                vpc = self.b.subnet_vpc.get(i["SubnetId"])
                return str(vpc) if vpc else None
        return None


def _json(raw: Any) -> Any:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return None
    return None
