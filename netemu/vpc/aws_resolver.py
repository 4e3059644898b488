"""Import a VPC's DNS settings from an AWS account's saved outputs -> topology keys, pure.

Name: aws_resolver
Behaviour: ``dns_parts(items, endpoint_ips, names, note, problem)`` turns
  - ``describe-dhcp-options`` (``DhcpOptions``) and each VPC's ``DhcpOptionsId`` into the VPC's
    ``dhcp_options`` (``default``: AWS's default set, nothing to write);
  - ``route53resolver list-resolver-endpoints`` (``ResolverEndpoints``) and, per endpoint (its
    id in the file path), ``list-resolver-endpoint-ip-addresses`` (``IpAddresses``) into
    ``resolver_endpoints`` (R94);
  - ``list-resolver-rules`` (``ResolverRules``) and ``list-resolver-rule-associations``
    (``ResolverRuleAssociations``) into ``resolver_rules`` with their VPCs (R92, R93);
  and notes what it leaves out (the built-in RECURSIVE rule, endpoints or rules of VPCs not in
  the snapshot, rules not associated with any imported VPC). ``vpc.aws_import`` calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["DNS_KEYS", "ENDPOINT_KEYS", "dns_parts", "unique"]

DNS_KEYS = ("DhcpOptions", "ResolverEndpoints", "ResolverRules", "ResolverRuleAssociations")
ENDPOINT_KEYS = ("IpAddresses",)  # per resolver endpoint: its id in the file path
_DHCP = {"domain-name": "domain_name", "domain-name-servers": "domain_name_servers",
         "ntp-servers": "ntp_servers", "netbios-name-servers": "netbios_name_servers",
         "netbios-node-type": "netbios_node_type"}

Items = Mapping[str, list[tuple[str, dict[str, Any]]]]  # kind -> (file, item)
Say = Callable[[str, str, str], None]


def unique(pairs: list[tuple[str, str | None]]) -> dict[str, str]:
    """id -> its Name when unique among the pairs, else the id."""
    counts: dict[str, int] = {}
    for _, name in pairs:
        if name:
            counts[name] = counts.get(name, 0) + 1
    return {i: n if n and counts[n] == 1 else i for i, n in pairs}


def dns_parts(items: Items, endpoint_ips: list[tuple[str, list[Any]]],
              names: Mapping[str, Mapping[str, str]], vpc_dhcp: Mapping[str, tuple[str, str]],
              note: Say, problem: Callable[[str, str, str, str], None]) -> dict[str, Any]:
    """Top-level topology keys (``resolver_endpoints``, ``resolver_rules``) and
    ``dhcp_options`` by VPC name. ``names``: aws_ids kind -> id -> topology name (vpcs,
    subnets, security_groups); ``vpc_dhcp``: vpc id -> (file, DhcpOptionsId)."""
    out: dict[str, Any] = {"dhcp_options": _dhcp(items, names["vpcs"], vpc_dhcp, note)}
    endpoints = _endpoints(items, endpoint_ips, names, note, problem)
    if endpoints[0]:
        out["resolver_endpoints"] = endpoints[0]
    rules = _rules(items, names["vpcs"], endpoints[1], note)
    if rules:
        out["resolver_rules"] = rules
    return out


def _dhcp(items: Items, vpcs: Mapping[str, str], vpc_dhcp: Mapping[str, tuple[str, str]],
          note: Say) -> dict[str, dict[str, Any]]:
    sets: dict[str, dict[str, Any]] = {}
    for _, item in items.get("DhcpOptions", []):
        opts: dict[str, Any] = {}
        for conf in item.get("DhcpConfigurations") or []:
            key = _DHCP.get(str(conf.get("Key")))
            values = [str(v.get("Value")) for v in conf.get("Values") or []
                      if isinstance(v, dict)]
            if key == "netbios_node_type" and values:
                opts[key] = int(values[0])
            elif key == "domain_name" and values:
                opts[key] = values[0]
            elif key is not None:
                opts[key] = values
        sets[str(item.get("DhcpOptionsId"))] = opts
    out: dict[str, dict[str, Any]] = {}
    for vid, (source, dopt) in vpc_dhcp.items():
        if dopt == "default" or vid not in vpcs:
            continue
        if dopt in sets:
            out[vpcs[vid]] = sets[dopt]
        else:
            note(source, vid, f"DHCP options {dopt} not saved (describe-dhcp-options): AWS's"
                 " default set is assumed (domain name by Region, AmazonProvidedDNS)")
    return out


def _endpoints(items: Items, endpoint_ips: list[tuple[str, list[Any]]],
               names: Mapping[str, Mapping[str, str]], note: Say,
               problem: Callable[[str, str, str, str], None]
               ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    live = []
    for source, e in items.get("ResolverEndpoints", []):
        if e.get("HostVPCId") not in names["vpcs"]:
            note(source, str(e.get("Id")), f"skipped: its VPC {e.get('HostVPCId')} is not in"
                 " the snapshot")
        else:
            live.append((source, e))
    endpoint_names = unique([(str(e["Id"]), e.get("Name")) for _, e in live])
    addresses: dict[str, list[dict[str, str]]] = {}
    for source, ips in endpoint_ips:
        ids = [i for i in endpoint_names if i in source]
        if len(ids) != 1:
            problem(source, "IpAddresses", "ResourceNotFoundException", "which resolver endpoint"
                    " these addresses belong to is unknown: put the endpoint id in the file name")
            continue
        for ip in ips:
            subnet = names["subnets"].get(str(ip.get("SubnetId")))
            if subnet is None:
                note(source, f"{ids[0]}.IpAddresses[{ip.get('Ip')}]", "skipped: its subnet is"
                     " not in the snapshot")
            else:
                addresses.setdefault(ids[0], []).append({"subnet": subnet, "ip": str(ip["Ip"])})
    out = []
    for source, e in live:
        eid = str(e["Id"])
        if eid not in addresses:
            note(source, eid, "skipped: its addresses were not saved"
                 " (list-resolver-endpoint-ip-addresses, the endpoint id in the file name)")
            continue
        groups = [names["security_groups"][g] for g in e.get("SecurityGroupIds") or []
                  if g in names["security_groups"]]
        out.append({"name": endpoint_names[eid], "vpc": names["vpcs"][e["HostVPCId"]],
                    "direction": e.get("Direction"), "security_groups": groups,
                    "ip_addresses": addresses[eid]})
    return out, {i: n for i, n in endpoint_names.items() if i in addresses}


def _rules(items: Items, vpcs: Mapping[str, str], endpoints: Mapping[str, str],
           note: Say) -> list[dict[str, Any]]:
    vpcs_of: dict[str, list[str]] = {}
    for _, a in items.get("ResolverRuleAssociations", []):
        if a.get("VPCId") in vpcs and a.get("Status", "COMPLETE") == "COMPLETE":
            vpcs_of.setdefault(str(a.get("ResolverRuleId")), []).append(vpcs[a["VPCId"]])
    live = []
    for source, r in items.get("ResolverRules", []):
        rid = str(r["Id"])
        if r.get("RuleType") == "RECURSIVE":
            note(source, rid, "skipped: the Resolver's own recursive rule is built in")
        elif r.get("RuleType") == "FORWARD" and r.get("ResolverEndpointId") not in endpoints:
            note(source, rid, f"skipped: its outbound endpoint {r.get('ResolverEndpointId')} is"
                 " not imported")
        elif rid not in vpcs_of:
            note(source, rid, "skipped: associated with no imported VPC"
                 " (list-resolver-rule-associations)")
        else:
            live.append(r)
    rule_names = unique([(str(r["Id"]), r.get("Name")) for r in live])
    out = []
    for r in live:
        rule: dict[str, Any] = {"name": rule_names[str(r["Id"])],
                                "domain_name": str(r.get("DomainName", "")).rstrip(".") or ".",
                                "rule_type": r.get("RuleType")}
        if r.get("RuleType") == "FORWARD":
            rule["target_ips"] = [{"ip": t.get("Ip"), "port": int(t.get("Port", 53))}
                                  for t in r.get("TargetIps") or []]
            rule["resolver_endpoint"] = endpoints[r["ResolverEndpointId"]]
        rule["vpcs"] = vpcs_of[str(r["Id"])]
        out.append(rule)
    return out
