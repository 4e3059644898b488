"""Health as the DNS path sees it: an immutable snapshot, replaced (never mutated) by the health
checker. Route 53's threshold logic (R73-R87) also lives here, pure.

The contract with the engine: ``snapshot.is_healthy(check_id)``. A check the snapshot does not
know is healthy (a new check is healthy until enough data, R80).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    statuses: Mapping[str, bool] = field(default_factory=lambda: MappingProxyType({}))

    def is_healthy(self, check_id: str) -> bool:
        return self.statuses.get(check_id, True)


ALL_HEALTHY = HealthSnapshot()
