"""Interface endpoints' service hosts as the data plane runs them (V140): one process,
``netemu.dataplane.vpce_server``, listening on TCP 443 at every endpoint ENI's private address
inside the ENI's namespace and answering for the AWS service behind it. ``ensure`` after
``apply`` (start, or restart when what it serves changed or namespaces were recreated), ``stop``
before ``destroy``; run by ``netemu.dataplane.service`` (started and stopped by its PID).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netemu.dataplane import names
from netemu.dataplane.service import Service, fingerprinted
from netemu.dataplane.state import state_dir
from netemu.vpc.interface_endpoints import PORT
from netemu.vpc.model import Topology


class VpceError(RuntimeError):
    pass


SERVICE = Service("vpce", "netemu.dataplane.vpce_server", "interface endpoint hosts",
                  VpceError)


def config(topology: Topology, prefix: str, directory: Path) -> dict[str, Any]:
    """Per endpoint ENI: its namespace, address, and the service it answers for."""
    enis = [{"namespace": names.ns_instance(prefix, ep.vpc, n.eni), "address": n.private_ip,
             "port": PORT, "endpoint": ep.name, "id": ep.id, "service": ep.service_name,
             "az": n.az}
            for ep in topology.interface_endpoints for n in ep.enis]
    body: dict[str, Any] = {"enis": enis, "ready_file": str(directory / "vpce.ready")}
    return fingerprinted(body)


def ensure(topology: Topology, prefix: str = names.PREFIX, directory: str | Path | None = None,
           restart: bool = False) -> dict[str, Any] | None:
    """Make the running process serve ``topology``'s interface endpoints; the state record, or
    None when the topology has none."""
    where = state_dir(str(directory) if directory else None)
    body = config(topology, prefix, where) if topology.interface_endpoints else None
    return SERVICE.ensure(where, body, restart)


def stop(directory: str | Path | None = None) -> bool:
    """Stop the recorded process by its PID; True when one was running."""
    return SERVICE.stop(state_dir(str(directory) if directory else None))
