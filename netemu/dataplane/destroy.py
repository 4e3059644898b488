"""``destroy``: remove every namespace this deployment owns — those in the state file (including
``planned`` ones a killed apply may have half-made) and those found by prefix *and* ownership
marker — with their /etc/netns directories, then wait until the kernel no longer lists them.

A namespace that carries the prefix but neither our marker nor a state record belongs to another
deployment (another prefix's tests, another user): it is reported, never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from netemu.dataplane import kernel, names
from netemu.dataplane.state import State, state_dir


@dataclass(frozen=True, slots=True)
class DestroyResult:
    removed: tuple[str, ...]
    left: tuple[str, ...]
    foreign: tuple[str, ...]


def destroy(prefix: str = names.PREFIX, directory: str | Path | None = None) -> DestroyResult:
    from netemu.dataplane import aws_services, elb, imds, resolver, vpce

    resolver.stop(directory)  # the VPC resolver process, by its recorded PID
    imds.stop(directory)  # the instance metadata service (V37), likewise
    elb.stop(directory)  # the load balancer nodes' process
    vpce.stop(directory)  # the interface endpoints' hosts (V140)
    aws_services.stop(directory)  # the S3/DynamoDB hosts behind gateway endpoints (V170)
    state = State.load(state_dir(str(directory) if directory else None))
    prefix = names.check_prefix(state.prefix or prefix)
    dep = names.deployment_id(prefix)
    targets = set(state.namespaces)
    foreign = set()
    for ns in kernel.list_namespaces(prefix):
        if ns in targets:
            continue
        if kernel.marker_of(ns, prefix) == names.marker(dep, ns):
            targets.add(ns)
        else:
            foreign.add(ns)
    existing = set(kernel.list_namespaces(prefix))
    for ns in sorted(targets):
        kernel.delete_namespace(ns, prefix)
    left = kernel.wait_gone(sorted(targets & existing), prefix)
    for d in kernel.netns_etc_dirs(prefix):
        if d in targets:
            kernel.remove_netns_etc(d, prefix)
    if not left:
        state.remove()
    return DestroyResult(tuple(sorted(targets & existing)), tuple(left), tuple(sorted(foreign)))
