"""AWS VPC networking, pure: topology model, validation with AWS's error codes, and the path
explainer ``trace``. No sockets, no subprocess, no clock or global randomness.

The public API (``__all__``): load a topology file into the frozen model, trace a flow through
it (``trace.trace(topology, Flow(...))``; ``trace`` stays the module, so that
``from netemu.vpc import trace`` means one thing), and the facts the data plane shares with
``trace`` (the MTU of a hop, the quotas). Modules
such as ``addressing``, ``routing``, ``nacls`` and ``security_groups`` are importable for their
single rules, but the names below are the supported surface.
"""

from netemu.vpc import trace  # the module: trace.trace(topology, flow) -> Trace
from netemu.vpc.load import load_topology, load_topology_file
from netemu.vpc.model import (
    Instance,
    InternetHost,
    NatGateway,
    Peering,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    Subnet,
    Topology,
    TransitGateway,
    Vpc,
)
from netemu.vpc.mtu import hop_mtu, path_mtu, target_mtu
from netemu.vpc.quotas import QUOTAS
from netemu.vpc.trace import Blocker, Flow, Hop, Trace, TraceError

__all__ = [
    "QUOTAS",
    "Blocker",
    "Flow",
    "Hop",
    "Instance",
    "InternetHost",
    "NatGateway",
    "Peering",
    "RouteTable",
    "RouteTarget",
    "SecurityGroup",
    "Subnet",
    "Topology",
    "Trace",
    "TraceError",
    "TransitGateway",
    "Vpc",
    "hop_mtu",
    "load_topology",
    "load_topology_file",
    "path_mtu",
    "target_mtu",
    "trace",
]
