"""Shared test fixtures and the ``netns`` marker's skip rule.

Tests marked ``@pytest.mark.netns`` need root, ``ip`` and ``nft``: they run in CI (root) and
skip with the reason elsewhere.
"""

from __future__ import annotations

import os
import random
import shutil

import pytest


def _netns_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "nft"):
        if shutil.which(tool) is None:
            return f"needs '{tool}' (run scripts/setup.sh as root)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _netns_unavailable()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "netns" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def rng() -> random.Random:
    """A seeded random source: policies take randomness as an argument."""
    return random.Random(0)
