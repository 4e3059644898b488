"""``apply(topology)``: discover -> diff -> execute -> record. An empty plan does nothing;
``dry_run`` returns the plan without touching the kernel.

Crash safety: before any step runs, every namespace and link the plan will create is written to
the state file as ``planned``; ``destroy`` therefore finds everything a killed apply may have
made (plus, by prefix and ownership marker, anything the state file lost).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from netemu.dataplane import diff, kernel, names, plan
from netemu.dataplane.state import State, state_dir
from netemu.vpc.model import Topology

WORKERS = 8

Progress = Callable[[int, int, diff.Step], None]


class ApplyError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class ApplyResult:
    steps: tuple[diff.Step, ...]
    notes: tuple[str, ...]
    seconds: float
    dry_run: bool


def discover(prefix: str, state: State) -> tuple[set[str], set[str]]:
    """(ours, foreign): namespaces under ``prefix`` that carry our marker or are recorded as ours,
    and those that carry the prefix but belong to someone else (never touched)."""
    dep = names.deployment_id(prefix)
    ours, foreign = set(), set()
    for ns in kernel.list_namespaces(prefix):
        if ns in state.namespaces or kernel.marker_of(ns, prefix) == names.marker(dep, ns):
            ours.add(ns)
        else:
            foreign.add(ns)
    return ours, foreign


def open_state(prefix: str, directory: str | Path | None) -> State:
    state = State.load(state_dir(str(directory) if directory else None))
    if state.prefix and state.prefix != prefix:
        raise ApplyError(
            f"{state.path}: holds a deployment with prefix {state.prefix!r}, "
            f"not {prefix!r}; run `netemu destroy` with that state first or use another --state"
        )
    return state


def apply(
    topology: Topology,
    prefix: str = names.PREFIX,
    directory: str | Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ApplyResult:
    started = time.monotonic()
    names.check_prefix(prefix)
    desired = plan.build(topology, prefix)
    state = open_state(prefix, directory)
    present, foreign = discover(prefix, state)
    clash = sorted(foreign & {n.name for n in desired.namespaces})
    if clash:
        raise ApplyError(f"namespaces {', '.join(clash)} exist but are not netemu's (no marker): "
                         "remove them or use another --prefix")
    steps = diff.plan(desired, state.namespaces, state.links, present)
    if dry_run or not steps:
        return ApplyResult(tuple(steps), desired.notes, time.monotonic() - started, dry_run)
    with kernel.session():
        _execute(desired, steps, state, prefix, progress)
    return ApplyResult(tuple(steps), desired.notes, time.monotonic() - started, False)


def _execute(desired: plan.Desired, steps: list[diff.Step], state: State, prefix: str,
             progress: Progress | None) -> None:
    state.prefix, state.topology = prefix, desired.topology
    # Record everything about to be created, before creating anything.
    spaces = {n.name: n for n in desired.namespaces}
    for s in steps:
        if s.action == "create_ns":
            n = spaces[s.target]
            state.namespaces[n.name] = {"status": "planned", "role": n.role, "node": n.node}
    state.save()
    run = _Run(desired, state, prefix, len(steps), progress,
               fresh={s.target for s in steps if s.action == "create_ns"})
    for action in diff.ORDER:
        phase = [s for s in steps if s.action == action]
        if phase:
            PHASES[action](run, phase)
            state.save()


class _Run:
    """One execution of a plan: a method per kind of step, found through ``STEPS``/``PHASES``
    (a table, not a chain of conditions)."""

    def __init__(self, desired: plan.Desired, state: State, prefix: str, total: int,
                 progress: Progress | None, fresh: set[str]) -> None:
        self.state, self.prefix, self.total, self.progress = state, prefix, total, progress
        self.dep = names.deployment_id(prefix)
        self.spaces = {n.name: n for n in desired.namespaces}
        self.links = {link.id: link for link in desired.links}
        self.fresh = fresh
        self.done = 0
        self.lock = threading.Lock()

    def tick(self, s: diff.Step) -> None:
        with self.lock:
            self.done += 1
            if self.progress:
                self.progress(self.done, self.total, s)

    def step(self, s: diff.Step) -> None:
        STEPS[s.action](self, s)
        self.tick(s)

    # --- one step ------------------------------------------------------------------------

    def delete_link(self, s: diff.Step) -> None:
        rec = self.state.links.pop(s.target, {})
        # Deleting either end deletes the pair, synchronously.
        alive = set(kernel.list_namespaces(self.prefix))
        for ns_key, if_key in (("a_ns", "a_if"), ("b_ns", "b_if")):
            if rec.get(ns_key) in alive:
                kernel.delete_link_end(rec[ns_key], self.prefix, rec[if_key])
                break

    def delete_ns(self, s: diff.Step) -> None:
        kernel.delete_namespace(s.target, self.prefix)
        if s.target not in self.spaces:
            self.state.namespaces.pop(s.target, None)
        links = self.state.links
        for lid in [lid for lid, r in links.items() if s.target in (r.get("a_ns"), r.get("b_ns"))]:
            links.pop(lid)

    def create_ns(self, s: diff.Step) -> None:
        n = self.spaces[s.target]
        bridges = {br.ifname: names.marker(self.dep, f"bridge:{br.subnet}") for br in n.bridges}
        kernel.mark_namespace(n.name, self.prefix, names.marker(self.dep, n.name), bridges,
                              n.sysctls, {br.ifname: br.mtu for br in n.bridges})
        self.state.namespaces[n.name] = {"status": "created", "role": n.role, "node": n.node,
                                         "structure": n.structure()}

    def configure_ns(self, s: diff.Step) -> None:
        n = self.spaces[s.target]
        if s.target in self.fresh:
            kernel.configure_new(n, self.prefix)
        else:
            kernel.configure(n, self.prefix)
        self.state.namespaces[n.name].update(status="configured", config=n.config(),
                                             structure=n.structure())

    # --- one phase -----------------------------------------------------------------------

    def one_by_one(self, phase: list[diff.Step]) -> None:
        for s in phase:
            self.step(s)

    def in_parallel(self, phase: list[diff.Step]) -> None:
        """One namespace per step in these phases: steps are independent."""
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for _ in pool.map(self.step, phase):
                pass

    def create_namespaces(self, phase: list[diff.Step]) -> None:
        kernel.create_namespaces([s.target for s in phase], self.prefix)
        self.in_parallel(phase)

    def create_links(self, phase: list[diff.Step]) -> None:
        """Recorded as planned first; then one ``ip -batch`` per namespace holding the a ends."""
        for s in phase:
            link = self.links[s.target]
            self.state.links[link.id] = {"status": "planned", "a_ns": link.a_ns,
                                         "a_if": link.a_if, "b_ns": link.b_ns, "b_if": link.b_if}
        self.state.save()
        by_ns: dict[str, list[plan.Link]] = {}
        for s in phase:
            by_ns.setdefault(self.links[s.target].a_ns, []).append(self.links[s.target])
        for a_ns, group in sorted(by_ns.items()):
            markers = {lk.id: names.marker(self.dep, lk.id) for lk in group}
            kernel.create_links_batch(a_ns, group, self.prefix, markers)
            for lk in group:
                self.state.links[lk.id].update(status="created", fingerprint=lk.fingerprint())
                self.tick(diff.Step("create_link", lk.id, ""))


STEPS: dict[str, Callable[[_Run, diff.Step], None]] = {
    "delete_link": _Run.delete_link,
    "delete_ns": _Run.delete_ns,
    "create_ns": _Run.create_ns,
    "configure_ns": _Run.configure_ns,
}
PHASES: dict[str, Callable[[_Run, list[diff.Step]], None]] = {
    "delete_link": _Run.one_by_one,
    "delete_ns": _Run.one_by_one,
    "create_ns": _Run.create_namespaces,
    "create_link": _Run.create_links,
    "configure_ns": _Run.in_parallel,
}
