"""Health as the DNS path sees it: an immutable snapshot, replaced (never mutated) by the health
checker. Route 53's threshold logic (R73-R87) also lives here, pure.

The contract with the engine: ``snapshot.is_healthy(check_id)``. A check the snapshot does not
know is healthy (a new check is healthy until enough data, R80).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from netemu.route53.model import HealthCheck


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    statuses: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))

    def is_healthy(self, check_id: str) -> bool:
        return self.statuses.get(check_id, True)


ALL_HEALTHY = HealthSnapshot()


def validate_health_check(check: HealthCheck) -> list[tuple[str, str]]:
    """Problems of one health check's configuration as ``(code, message)`` pairs, in Route 53's
    words (R73-R83). Called by the zone loader for every ``HealthChecks`` entry. The health-check
    work fills in the rules."""
    return []
