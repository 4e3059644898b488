"""The VPC quotas AWS enforces when a resource is created, and which of them can be raised.

Name: quotas
Behaviour (VPC-UG amazon-vpc-limits.html; docs/behaviour.md V4, V29, V38, V51, V62): each quota has
  AWS's default, the maximum a quota increase can reach (None: adjustable, no documented maximum;
  equal to the default: not adjustable), the error code of the creation call that exceeds it and
  the catalogue item. A topology file may raise an adjustable quota with a top-level
  ``quotas: {NAME: VALUE}`` mapping, as a Service Quotas increase would; a value below the
  default (Service Quotas takes no decrease requests), above the maximum, or for a quota that
  can't be adjusted is refused with ``InvalidParameterValue``. V51: the quota of security groups
  per network interface multiplied by the quota of rules per security group can't exceed 1,000.
Examples:
  effective({}) ["rules_per_network_acl"] == 20
  effective({"rules_per_network_acl": 40})["rules_per_network_acl"] == 40
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Quota:
    default: int
    maximum: int | None  # None: adjustable without a documented maximum
    code: str  # the error code of the creation call that goes past it
    item: str  # the catalogue item
    what: str  # AWS's name of the quota

    @property
    def adjustable(self) -> bool:
        return self.maximum is None or self.maximum > self.default


QUOTAS: dict[str, Quota] = {
    "ipv4_cidr_blocks_per_vpc": Quota(5, 50, "CidrLimitExceeded", "V4",
                                      "IPv4 CIDR blocks per VPC"),
    "ipv6_cidr_blocks_per_vpc": Quota(5, 50, "CidrLimitExceeded", "V4",
                                      "IPv6 CIDR blocks per VPC"),
    "route_tables_per_vpc": Quota(200, None, "RouteTableLimitExceeded", "V29",
                                  "Route tables per VPC"),
    "routes_per_route_table": Quota(50, 1000, "RouteLimitExceeded", "V29",
                                    "Routes per route table (non-propagated, per IP family)"),
    "network_acls_per_vpc": Quota(200, None, "NetworkAclLimitExceeded", "V38",
                                  "Network ACLs per VPC"),
    "rules_per_network_acl": Quota(20, 40, "NetworkAclEntryLimitExceeded", "V38",
                                   "Rules per network ACL (per direction and IP family, the "
                                   "final * rule included)"),
    "security_groups_per_region": Quota(2500, None, "SecurityGroupLimitExceeded", "V51",
                                        "VPC security groups per Region"),
    "rules_per_security_group": Quota(60, None, "RulesPerSecurityGroupLimitExceeded", "V51",
                                      "Inbound or outbound rules per security group (per IP "
                                      "family)"),
    "security_groups_per_network_interface": Quota(
        5, 16, "SecurityGroupsPerInterfaceLimitExceeded", "V51",
        "Security groups per network interface"),
    "active_vpc_peering_connections_per_vpc": Quota(
        50, 125, "ActiveVpcPeeringConnectionPerVpcLimitExceeded", "V62",
        "Active VPC peering connections per VPC"),
}
MAX_SG_RULES_TIMES_GROUPS = 1000  # V51


def effective(raised: Mapping[str, int]) -> dict[str, int]:
    """Every quota's value: AWS's default unless the file raised it."""
    return {name: raised.get(name, q.default) for name, q in QUOTAS.items()}


def check(raised: Mapping[str, int]) -> list[tuple[str, str, str]]:
    """The problems of a ``quotas:`` mapping as (key, code, message); [] when it is fine.
    Unknown names and non-integer values are the reader's business (shape)."""
    out: list[tuple[str, str, str]] = []
    for name, value in raised.items():
        q = QUOTAS[name]
        if not q.adjustable and value != q.default:
            out.append((name, "InvalidParameterValue",
                        f"the quota '{q.what}' ({q.default}) is not adjustable ({q.item})"))
        elif value < q.default:
            out.append((name, "InvalidParameterValue",
                        f"the quota '{q.what}' can only be raised: {value} is below AWS's "
                        f"default {q.default} ({q.item})"))
        elif q.maximum is not None and value > q.maximum:
            out.append((name, "InvalidParameterValue",
                        f"the quota '{q.what}' can be raised to at most {q.maximum}, not {value}"
                        f" ({q.item})"))
    values = effective(raised)
    product = values["security_groups_per_network_interface"] * values["rules_per_security_group"]
    if product > MAX_SG_RULES_TIMES_GROUPS:
        key = ("security_groups_per_network_interface"
               if "security_groups_per_network_interface" in raised else "rules_per_security_group")
        out.append((key, "InvalidParameterValue",
                    "the quota for security groups per network interface multiplied by the "
                    f"quota for rules per security group can't exceed {MAX_SG_RULES_TIMES_GROUPS}"
                    f" ({values['security_groups_per_network_interface']} x "
                    f"{values['rules_per_security_group']} = {product}, V51)"))
    return out
