"""The instance metadata service process as the data plane runs it (V37): ``ensure`` after
``apply`` (start, or restart when what it serves changed or namespaces were recreated), ``stop``
before ``destroy``. Like the VPC resolver (``netemu.dataplane.resolver``): its configuration is
``STATE/imds.json`` and the process is run by ``netemu.dataplane.service`` (recorded in the state
file as ``services.imds``, stopped by that PID only while it still runs
``netemu.dataplane.imds_server`` with this configuration).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netemu.dataplane import kernel, names
from netemu.dataplane.plan import wiring
from netemu.dataplane.service import Service, fingerprinted
from netemu.dataplane.state import State, state_dir
from netemu.vpc import imds
from netemu.vpc.model import Topology


class ImdsError(RuntimeError):
    pass


SERVICE = Service("imds", "netemu.dataplane.imds_server", "instance metadata service", ImdsError)


def config(topology: Topology, prefix: str, directory: Path) -> dict[str, Any]:
    """What the process serves: per instance its namespace, addresses and metadata."""
    instances = []
    for vpc in topology.vpcs:
        for inst in (i for i in vpc.instances if i.attached_to is None):  # no ENI's own ns
            mac = kernel.bridge_mac(wiring.eni_link(vpc.name, f"i:{inst.name}") + "/b")
            instances.append({"namespace": names.ns_instance(prefix, vpc.name, inst.name),
                              "node": f"{vpc.name}/{inst.name}",
                              "addresses": list(imds.addresses_of(inst)),
                              "data": imds.metadata(vpc, inst, mac)})
    body: dict[str, Any] = {"instances": instances,
                            "ready_file": str(directory / "imds.ready")}
    return fingerprinted(body)


def ensure(topology: Topology, prefix: str = names.PREFIX, directory: str | Path | None = None,
           restart: bool = False) -> dict[str, Any] | None:
    """Make the running service answer ``topology``'s instances; returns the state record, or
    None when the topology has no instance."""
    where = state_dir(str(directory) if directory else None)
    body = config(topology, prefix, where) if any(v.instances for v in topology.vpcs) else None
    return SERVICE.ensure(where, body, restart)


def stop(directory: str | Path | None = None) -> bool:
    """Stop the recorded service by its PID; True when one was running."""
    return SERVICE.stop(state_dir(str(directory) if directory else None))


def info(state: State) -> dict[str, Any] | None:
    """What ``status`` shows: the process, whether it runs, how many instances it answers."""
    record = state.services.get(SERVICE.name)
    if not record:
        return None
    out = dict(record, running=SERVICE.record_alive(record))
    try:
        out["instances"] = len(json.loads(Path(record["config"]).read_text())["instances"])
    except (OSError, ValueError, KeyError):
        out["instances"] = 0
    return out
