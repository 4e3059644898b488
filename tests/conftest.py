"""Shared test fixtures and the ``netns`` marker's skip rule.

Tests marked ``@pytest.mark.netns`` need root, ``ip`` and ``nft``: they run in CI (root) and
skip with the reason elsewhere; they count as ``slow`` as well.
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


@pytest.hookimpl(tryfirst=True)   # before pytest's own -m selection reads the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A netns test always runs subprocesses (ip, nft, the namespaces' servers): it is ``slow``
    # too, so ``pytest -m "not slow"`` leaves it out without every file having to say so.
    reason = _netns_unavailable()
    skip = pytest.mark.skip(reason=reason) if reason else None
    for item in items:
        if "netns" in item.keywords:
            if "slow" not in item.keywords:
                item.add_marker(pytest.mark.slow)
            if skip is not None:
                item.add_marker(skip)


@pytest.fixture
def rng() -> random.Random:
    """A seeded random source: policies take randomness as an argument."""
    return random.Random(0)
