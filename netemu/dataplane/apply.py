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

PARALLEL = ("create_ns", "configure_ns")
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
        raise ApplyError(f"{state.path}: holds a deployment with prefix {state.prefix!r}, not {prefix!r}; "
                         "run `netemu destroy` with that state first or use another --state")
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
    dep = names.deployment_id(prefix)
    spaces = {n.name: n for n in desired.namespaces}
    links = {link.id: link for link in desired.links}
    state.prefix, state.topology = prefix, desired.topology
    # Record everything about to be created, before creating anything.
    for s in steps:
        if s.action == "create_ns":
            n = spaces[s.target]
            state.namespaces[n.name] = {"status": "planned", "role": n.role, "node": n.node}
    state.save()
    fresh = {s.target for s in steps if s.action == "create_ns"}
    done = 0
    lock = threading.Lock()

    def tick(s: diff.Step) -> None:
        nonlocal done
        with lock:
            done += 1
            if progress:
                progress(done, len(steps), s)

    def run(s: diff.Step) -> None:
        if s.action == "delete_link":
            rec = state.links.pop(s.target, {})
            # Deleting either end deletes the pair, synchronously.
            alive = set(kernel.list_namespaces(prefix))
            for ns_key, if_key in (("a_ns", "a_if"), ("b_ns", "b_if")):
                if rec.get(ns_key) in alive:
                    kernel.delete_link_end(rec[ns_key], prefix, rec[if_key])
                    break
        elif s.action == "delete_ns":
            kernel.delete_namespace(s.target, prefix)
            if s.target not in spaces:
                state.namespaces.pop(s.target, None)
            for lid in [lid for lid, r in state.links.items() if s.target in (r.get("a_ns"), r.get("b_ns"))]:
                state.links.pop(lid)
        elif s.action == "create_ns":
            n = spaces[s.target]
            kernel.mark_namespace(n.name, prefix, names.marker(dep, n.name),
                                  {br.ifname: names.marker(dep, f"bridge:{br.subnet}") for br in n.bridges},
                                  n.sysctls)
            state.namespaces[n.name] = {"status": "created", "role": n.role, "node": n.node,
                                        "structure": n.structure()}
        elif s.action == "configure_ns":
            n = spaces[s.target]
            if s.target in fresh:
                kernel.configure_new(n, prefix)
            else:
                kernel.configure(n, prefix)
            state.namespaces[n.name].update(status="configured", config=n.config(), structure=n.structure())
        tick(s)

    for action in diff.ORDER:
        phase = [s for s in steps if s.action == action]
        if not phase:
            continue
        if action == "create_ns":
            kernel.create_namespaces([s.target for s in phase], prefix)
        if action == "create_link":
            for s in phase:
                link = links[s.target]
                state.links[link.id] = {"status": "planned", "a_ns": link.a_ns, "a_if": link.a_if,
                                        "b_ns": link.b_ns, "b_if": link.b_if}
            state.save()
        if action == "create_link":
            by_ns: dict[str, list[plan.Link]] = {}
            for s in phase:
                by_ns.setdefault(links[s.target].a_ns, []).append(links[s.target])
            for a_ns, group in sorted(by_ns.items()):
                kernel.create_links_batch(a_ns, group, prefix, {lk.id: names.marker(dep, lk.id) for lk in group})
                for lk in group:
                    state.links[lk.id].update(status="created", fingerprint=lk.fingerprint())
                    tick(diff.Step("create_link", lk.id, ""))
        elif action in PARALLEL:
            # One namespace per step in these phases: steps are independent.
            with ThreadPoolExecutor(max_workers=WORKERS) as pool:
                for _ in pool.map(run, phase):
                    pass
        else:
            for s in phase:
                run(s)
        state.save()
