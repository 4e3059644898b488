"""Compiled rule tables, cached under stable names (pure).

Evaluators compile a route table's routes or a NACL's rules once into integer form and reuse
it for every packet. The cache is keyed by the table's stable identity (kind, VPC name, table
name, direction), never by ``id()``: a topology rebuilt with the same tables (a reload, a change
batch) reuses the compiled form, and a table whose content changed under the same name is
compiled again (the cached value is only used for an equal table).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar, cast

S = TypeVar("S", bound=Hashable)
T = TypeVar("T")

_CACHE: dict[tuple[str, ...], tuple[object, object]] = {}
_LIMIT = 1 << 16


def compiled(key: tuple[str, ...], source: S, build: Callable[[S], T]) -> T:
    """``build(source)``, computed once per ``key`` and ``source`` content."""
    hit = _CACHE.get(key)
    if hit is not None and (hit[0] is source or hit[0] == source):
        if hit[0] is not source:
            _CACHE[key] = (source, hit[1])  # the next lookup with this object is an identity hit
        return cast(T, hit[1])  # stored by this function for this key
    if len(_CACHE) >= _LIMIT:
        _CACHE.clear()
    value = build(source)
    _CACHE[key] = (source, value)
    return value
