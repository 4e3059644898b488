"""The state file: what ``apply`` created, written *before* each creation step (``planned``)
and again after it (``created``/``configured``), so that a crash half-way leaves a record that
``destroy`` can follow. One JSON file, replaced atomically (write + rename).

Default location ``/run/netemu/state.json`` (tmpfs: gone at reboot, like the namespaces);
``--state DIR`` or ``NETEMU_STATE_DIR`` override it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DIR = "/run/netemu"


def state_dir(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("NETEMU_STATE_DIR") or DEFAULT_DIR)


@dataclass
class State:
    """Mutable record owned by one apply/destroy run (the only mutable value in the data plane).
    ``namespaces[name]`` = {status, role, node, structure, config}; ``links[id]`` = {status,
    fingerprint, a_ns, a_if, b_ns, b_if}."""

    path: Path
    prefix: str = ""
    topology: str = ""
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    # processes apply started (``resolver``: pid, config, fingerprint, log), stopped by PID
    services: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> State:
        path = directory / "state.json"
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            return cls(path)
        except json.JSONDecodeError:
            # A torn write cannot happen (rename is atomic); an edited file can: keep nothing,
            # destroy still finds namespaces by prefix and marker.
            return cls(path)
        return cls(path, raw.get("prefix", ""), raw.get("topology", ""),
                   raw.get("namespaces", {}), raw.get("links", {}), raw.get("services", {}))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"prefix": self.prefix, "topology": self.topology,
                                   "namespaces": self.namespaces, "links": self.links,
                                   "services": self.services},
                                  indent=1, sort_keys=True))
        os.replace(tmp, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def empty(self) -> bool:
        return not self.namespaces and not self.links and not self.services
