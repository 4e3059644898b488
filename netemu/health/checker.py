"""The health checker: runs every check on its schedule and publishes immutable snapshots.

Every endpoint check is probed every ``RequestInterval x time_scale`` seconds (starts staggered
over the first interval so that many checks do not probe at once), either by tasks in this event
loop (``prober="inline"``) or by a separate worker process (``prober="process"``, what
``netemu serve`` uses, so that probing takes no CPU from the DNS loop; ``health/worker.py``).
Each result is folded through ``route53.health.observe``; a status change re-evaluates the whole
set (calculated checks follow their children, metric checks their emulated alarms). The DNS path
never waits for any of this: it reads the last ``HealthSnapshot`` handed to ``publish``, a new
immutable value each time a status changes. A probe whose result leaves the check's status as it was
costs one small table step and nothing else; ``report()`` builds a fresh snapshot with every last
observation
for ``netemu health``.

Each status change is logged once on logger ``netemu.health``:
``health-check web-primary: Healthy -> Unhealthy (HTTP 500 from 127.0.0.1:8081)``.
Disabled checks are not probed (Route 53 stops checking them; they are healthy, R81).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from netemu.health.worker import WorkerProber, schedule
from netemu.route53 import health as rules
from netemu.route53.health import CheckState, HealthSnapshot, Observation
from netemu.route53.model import HealthCheck

log = logging.getLogger("netemu.health")


class HealthChecker:
    """Owns the mutable side of health: check states, alarm states and the probe tasks.

    ``publish(snapshot)`` is called with the first snapshot on ``start`` and then whenever a
    status changes; it must only store the value (the DNS server swaps it in by assignment).
    """

    def __init__(
        self,
        checks: Iterable[HealthCheck],
        publish: Callable[[HealthSnapshot], None] = lambda s: None,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
        prober: str = "inline",
    ) -> None:
        self.checks = tuple(checks)
        self.publish = publish
        self.time_scale = time_scale
        self.clock = clock
        self.by_id = {c.id: c for c in self.checks}
        self.states: dict[str, CheckState] = {c.id: rules.new_state(c.config) for c in self.checks}
        self.alarms: dict[str, str] = {}
        for c in self.checks:
            if c.config.alarm_identifier is not None:
                self.alarms.setdefault(c.config.alarm_identifier.name, "INSUFFICIENT_DATA")
        self.snapshot: HealthSnapshot = rules.evaluate(self.checks, self.states, self.alarms,
                                                       now=self.clock())
        self.prober = prober
        self.last_failure: dict[str, Observation] = {}
        self._task: asyncio.Task[None] | None = None
        self._worker: WorkerProber | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Publish the first snapshot and start probing (inside a running event loop)."""
        self.publish(self.snapshot)
        await self._start_probing()

    async def replace_checks(self, checks: Iterable[HealthCheck]) -> None:
        """A new set of checks (the Route 53 API created, updated or deleted one): a check whose
        configuration is unchanged keeps its state; probing restarts with the new set."""
        await self.stop()
        old = self.by_id
        self.checks = tuple(checks)
        self.by_id = {c.id: c for c in self.checks}
        self.states = {c.id: self.states[c.id] if c.id in old and old[c.id].config == c.config
                       else rules.new_state(c.config) for c in self.checks}
        for c in self.checks:
            if c.config.alarm_identifier is not None:
                self.alarms.setdefault(c.config.alarm_identifier.name, "INSUFFICIENT_DATA")
        self.snapshot = rules.evaluate(self.checks, self.states, self.alarms, self.snapshot,
                                       self.clock())
        self.publish(self.snapshot)
        await self._start_probing()

    async def _start_probing(self) -> None:
        probed = [c for c in self.checks if rules.probed(c.config)]
        if not probed:
            return
        if self.prober == "process":
            self._worker = WorkerProber(probed, self.time_scale, self.record)
            await self._worker.start()
        else:
            self._task = asyncio.get_running_loop().create_task(schedule(
                [(c.id, c.config) for c in probed], self.time_scale, self.record))

    async def stop(self) -> None:
        if self._worker is not None:
            await self._worker.stop()
            self._worker = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # --- inputs ------------------------------------------------------------------------------

    def record(self, check_id: str, observation: Observation) -> None:
        """One probe result for an endpoint check."""
        check = self.by_id.get(check_id)
        if check is None:  # a result for a check removed meanwhile
            return
        if not observation.passed:
            self.last_failure[check_id] = observation
        state = rules.observe(self.states[check_id], observation, check.config)
        self.states[check_id] = state
        if rules.status(check, state) != self.snapshot.statuses.get(check_id):
            self._refresh(observation.detail)

    def set_alarm(self, name: str, state: str) -> list[str]:
        """Set an emulated CloudWatch alarm (``netemu alarm set``); returns the ids of the
        checks that watch it. Unknown names are kept, for checks loaded later."""
        if state not in rules.ALARM_STATES:
            raise ValueError(f"alarm state must be one of {', '.join(rules.ALARM_STATES)}")
        self.alarms[name] = state
        watchers = [c for c in self.checks
                    if c.config.alarm_identifier and c.config.alarm_identifier.name == name]
        now = self.clock()
        for c in watchers:
            self.states[c.id] = rules.observe_alarm(self.states[c.id], state, c.config, now)
        self._refresh(f"alarm {name} is {state}")
        return [c.id for c in watchers]

    def alarm_states(self) -> Mapping[str, str]:
        return MappingProxyType(dict(self.alarms))

    # --- output ------------------------------------------------------------------------------

    def _refresh(self, cause: str) -> None:
        before = self.snapshot
        after = rules.evaluate(self.checks, self.states, self.alarms, before, self.clock())
        self.snapshot = after
        changed = [cid for cid, ok in after.statuses.items() if before.statuses.get(cid) != ok]
        for cid in changed:
            report = after.reports[cid]
            why = report.observation or cause
            log.info("health-check %s: %s -> %s (%s)", cid,
                     rules.status_word(not after.statuses[cid]),
                     rules.status_word(after.statuses[cid]), why)
        if changed:
            self.publish(after)

    def report(self) -> HealthSnapshot:
        """A fresh snapshot with every check's last observation (for ``netemu health``)."""
        return rules.evaluate(self.checks, self.states, self.alarms, self.snapshot, self.clock())
