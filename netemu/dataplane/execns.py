"""``netemu exec NODE -- CMD`` and ``netemu capture NODE``: find a node's namespace in the state
file and run a command inside it. A node is named ``vpc/instance``, ``vpc/nat-gateway``, an
internet host's name, ``router:vpc``, ``igw:vpc``, ``tgw:name``, ``inet:router`` (the internet),
or just an instance name when it is unique."""

from __future__ import annotations

from pathlib import Path

from netemu.dataplane import kernel, names
from netemu.dataplane.state import State, state_dir


class NodeError(LookupError):
    pass


def resolve(
    node: str, prefix: str = names.PREFIX, directory: str | Path | None = None
) -> tuple[str, str]:
    """(namespace, prefix) of ``node`` in the applied deployment."""
    state = State.load(state_dir(str(directory) if directory else None))
    prefix = state.prefix or prefix
    nodes = {str(rec.get("node")): ns for ns, rec in state.namespaces.items()}
    if node in nodes:
        return nodes[node], prefix
    if node in state.namespaces:
        return node, prefix
    tail = [ns for n, ns in nodes.items() if n.split("/")[-1] == node]
    if len(tail) == 1:
        return tail[0], prefix
    if len(tail) > 1:
        raise NodeError(
            f"node {node!r} is ambiguous: "
            f"{', '.join(sorted(n for n in nodes if n.endswith('/' + node)))}"
        )
    known = ", ".join(sorted(nodes)) or "none (run `netemu apply` first)"
    raise NodeError(f"no node {node!r} in the applied topology; nodes: {known}")


def exec_node(
    node: str, argv: list[str], prefix: str = names.PREFIX, directory: str | Path | None = None
) -> None:
    ns, prefix = resolve(node, prefix, directory)
    kernel.exec_replace(ns, prefix, argv)


def capture(
    node: str, args: list[str], prefix: str = names.PREFIX, directory: str | Path | None = None
) -> None:
    """tcpdump inside the node (default: all interfaces, no name resolution)."""
    ns, prefix = resolve(node, prefix, directory)
    kernel.exec_replace(ns, prefix, ["tcpdump", "-n", "-l", *(args or ["-i", "any"])])
