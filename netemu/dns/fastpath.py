"""The DNS fast path: replies prepared once per snapshot, served by patching the query ID.

``handler.handle`` (the full path) stays the reference; this module never decides an answer. It
remembers what the full path replied and serves those bytes again, for exactly the queries that
would get the same bytes:

- The key is the query as received minus its ID (``wire[2:]``): question name (case kept, as it
  is echoed), type, class, the flags the reply copies (RD, CD, opcode) and the whole EDNS shape
  (UDP size, DO bit, client subnet option). UDP and TCP keep separate tables (size limits).
- An answer that depends on chance or on the client is a small decision tree, learnt from the
  full path itself: while the full path runs, the random generator it is handed records each call
  (``randrange``, ``shuffle``, ``sample``: what was asked and what came out) and the client
  context records whether the source address was read (the EDNS client subnet is already in the
  key). A later query walks the tree: it makes the same call on the server's generator (one
  ``randrange`` for a weighted set: the cumulative weights live in the policy, the draw is the
  same draw) and follows the outcome, or follows its source address; a leaf is the reply. So the
  per-query work of a hit is a dict lookup, the draws the full path would make, and one
  concatenation, and the generator advances exactly as on the full path: with one seeded
  generator both paths give the same bytes, query after query (tests/dns/test_fastpath_equiv.py).
- A branch not seen yet runs the full path with the outcomes already drawn on the way replayed
  to it (then the live generator), and adds its reply to the tree.
- Rare queries go to the full path and are not remembered: malformed, responses, other opcodes,
  other classes, ANY/AXFR/IXFR, EDNS versions above 0, replies other than NOERROR, NXDOMAIN and
  REFUSED, truncated replies (TC), and anything while the query log is on (``netemu serve``
  logs each query unless ``--no-query-log``: the log line needs the engine's explanation).

Snapshots: the tables belong to one ``Serving`` object. A new snapshot (zone change, health
change) is a new object: the first query that sees it starts empty tables, so nothing prepared
for the old one is served for the new one, and nothing blocks (tables fill as queries come).
Tables are bounded: ``MAX_KEYS`` keys per snapshot (then they start over), ``MAX_OUTCOMES``
branches per chance node (beyond: the full path, replayed), ``MAX_CLIENTS`` source addresses per
client node (then that node starts over).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from typing import Any, cast

from netemu.dns import codec
from netemu.dns.handler import QUERY_LOG, Serving, handle
from netemu.route53.client import ClientContext

log = logging.getLogger(__name__)

MAX_KEYS = 50_000
MAX_OUTCOMES = 4096
MAX_CLIENTS = 1024
MAX_QUERY = 512
_NOT_CACHED_TYPES = frozenset({codec.TYPE_CODES["ANY"], codec.TYPE_CODES["AXFR"],
                               codec.TYPE_CODES["IXFR"], codec.OPT})

# ("randrange"|"shuffle"|"sample", args, outcome) | ("source", None, ip)
Event = tuple[str, Any, Any]


class _Draw:
    """A call on the random generator; its outcome picks the child."""

    __slots__ = ("arg", "below", "children", "kind")

    def __init__(self, kind: str, arg: Any) -> None:
        self.kind, self.arg = kind, arg
        self.children: dict[Any, Any] = {}
        # randrange(n), n > 0, is random.Random._randbelow(n) (Lib/random.py): the same draw,
        # without randrange's argument checks, for a plain random.Random
        one = kind == "randrange" and len(arg) == 1 and isinstance(arg[0], int) and arg[0] > 0
        self.below: int = arg[0] if one else 0

    def draw(self, rng: random.Random) -> Any:
        kind = self.kind
        if kind == "randrange":
            return rng.randrange(*self.arg)
        if kind == "shuffle":
            perm = list(range(self.arg))
            rng.shuffle(perm)
            return tuple(perm)
        n, k = self.arg
        return tuple(rng.sample(range(n), k))


class _Source:
    """The client's source address picks the child."""

    __slots__ = ("children",)

    def __init__(self) -> None:
        self.children: dict[Any, Any] = {}


class _Diverged(BaseException):
    """A replayed run asked the generator something else than the tree says (a BaseException so
    that the full path's own ``except Exception`` does not turn it into SERVFAIL)."""


class _Recorder:
    """Stands in for ``random.Random`` during a full-path run: each call is made on the real
    generator (or, for the first ``len(script)`` calls, answered from ``script``) and noted."""

    def __init__(self, rng: random.Random, script: Sequence[Event], events: list[Event]) -> None:
        self._rng = rng
        self._script = script
        self._pos = 0
        self.events = events
        self.unsupported = False

    def _next(self, kind: str, arg: Any, live: Callable[[], Any]) -> Any:
        if self._pos < len(self._script):
            want_kind, want_arg, outcome = self._script[self._pos]
            self._pos += 1
            if want_kind != kind or want_arg != arg:
                raise _Diverged(f"{kind}{arg} where the tree has {want_kind}{want_arg}")
        else:
            outcome = live()
        self.events.append((kind, arg, outcome))
        return outcome

    def randrange(self, *args: int) -> int:
        return int(self._next("randrange", args, lambda: self._rng.randrange(*args)))

    def shuffle(self, x: list[Any]) -> None:
        n = len(x)

        def live() -> tuple[int, ...]:
            perm = list(range(n))
            self._rng.shuffle(perm)   # the same swaps as on x: they depend on len(x) only
            return tuple(perm)

        perm = self._next("shuffle", n, live)
        x[:] = [x[i] for i in perm]

    def sample(self, population: Sequence[Any], k: int) -> list[Any]:
        n = len(population)
        chosen = self._next("sample", (n, k), lambda: tuple(self._rng.sample(range(n), k)))
        return [population[i] for i in chosen]

    def __getattr__(self, name: str) -> Any:   # any other method: used live, not remembered
        self.unsupported = True
        return getattr(self._rng, name)


class _TracedClient(ClientContext):
    """A ClientContext that notes, in the run's event list, the first read of ``source_ip``."""

    __slots__ = ("_events", "_seen")

    def __getattribute__(self, name: str) -> Any:
        if name == "source_ip" and not object.__getattribute__(self, "_seen"):
            object.__setattr__(self, "_seen", True)
            value = object.__getattribute__(self, name)
            object.__getattribute__(self, "_events").append(("source", None, value))
            return value
        return object.__getattribute__(self, name)


def _client_factory(events: list[Event]) -> Callable[..., ClientContext]:
    def make(*args: Any) -> ClientContext:
        client = _TracedClient(*args)
        object.__setattr__(client, "_events", events)
        object.__setattr__(client, "_seen", False)
        return client
    return make


class FastPath:
    """Prepared replies for the current snapshot; ``answer`` is a drop-in for ``handle``."""

    def __init__(self) -> None:
        self._serving: Serving | None = None
        self._udp: dict[bytes, Any] = {}
        self._tcp: dict[bytes, Any] = {}
        self.hits = self.misses = 0

    def tables(self, serving: Serving) -> tuple[dict[bytes, Any], dict[bytes, Any]]:
        """The (UDP, TCP) tables of ``serving``: new empty ones when the snapshot changed."""
        if serving is not self._serving:
            self._serving, self._udp, self._tcp = serving, {}, {}
        return self._udp, self._tcp

    def answer(self, wire: bytes, peer: tuple[Any, ...], serving: Serving,
               rng: random.Random, tcp: bool = False) -> bytes | None:
        if QUERY_LOG.isEnabledFor(logging.INFO):
            return handle(wire, peer, serving, rng, tcp)
        if serving is not self._serving:
            self.tables(serving)
        table = self._tcp if tcp else self._udp
        key = wire[2:]
        node = table.get(key)
        if node.__class__ is bytes:
            return wire[:2] + node   # type: ignore[no-any-return]
        return self.walk(node, wire, key, peer, serving, rng, tcp, table)

    def walk(self, node: Any, wire: bytes, key: bytes, peer: tuple[Any, ...], serving: Serving,
             rng: random.Random, tcp: bool, table: dict[bytes, Any]) -> bytes | None:
        """From ``node`` (``table[key]``, not a leaf; None: a miss) down to a leaf, making the
        draws on ``rng``; a missing branch is filled from the full path. The server's drain loop
        calls this directly for a key it found in ``table``."""
        drawn: list[Any] = []
        plain = rng.__class__ is random.Random
        while node is not None:
            if node.__class__ is _Draw:
                below = node.below
                outcome = (rng._randbelow(below)  # type: ignore[attr-defined]
                           if below and plain else node.draw(rng))
                drawn.append(outcome)
            else:
                outcome = peer[0]
            child = node.children.get(outcome)
            if child.__class__ is bytes:
                return wire[:2] + child   # type: ignore[no-any-return]
            node = child
        return self._miss(wire, key, peer, serving, rng, tcp, table, _path(table, key, drawn,
                                                                           peer[0]))

    def _miss(self, wire: bytes, key: bytes, peer: tuple[Any, ...], serving: Serving,
              rng: random.Random, tcp: bool, table: dict[bytes, Any],
              path: list[Event]) -> bytes | None:
        """The full path, with the draws already made on the way replayed; its reply is added
        to the table when the query is an ordinary one."""
        self.misses += 1
        if not path and not _cacheable_query(wire):
            return handle(wire, peer, serving, rng, tcp)
        events: list[Event] = []
        recorder = _Recorder(rng, path, events)
        try:
            reply = handle(wire, peer, serving, cast(random.Random, recorder), tcp,
                           client_type=_client_factory(events))
        except _Diverged as exc:   # never expected: the full path is deterministic
            log.warning("fast path: replay diverged (%s); answering on the full path", exc)
            table.pop(key, None)
            return handle(wire, peer, serving, rng, tcp)
        if reply is not None and not recorder.unsupported and _cacheable_reply(reply):
            if len(table) >= MAX_KEYS and key not in table:
                table.clear()
            _insert(table, key, events, reply[2:])
        return reply


_END = object()


def _path(table: dict[bytes, Any], key: bytes, drawn: list[Any], source: Any) -> list[Event]:
    """The draws made on the way down the tree of ``key`` (outcomes ``drawn``, source address
    ``source``), as events (kind, args, outcome): the script a replayed full path follows."""
    path: list[Event] = []
    outcomes = iter(drawn)
    node = table.get(key)
    while node is not None and node.__class__ is not bytes:
        if node.__class__ is _Source:
            node = node.children.get(source)
            continue
        outcome = next(outcomes, _END)
        if outcome is _END:
            break
        path.append((node.kind, node.arg, outcome))
        node = node.children.get(outcome)
    return path


def _cacheable_query(wire: bytes) -> bool:
    if len(wire) > MAX_QUERY:
        return False
    try:
        query = codec.decode(wire)
    except (codec.FormErr, codec.NotAQuery):
        return False
    return (query.opcode == codec.QUERY and query.qclass == codec.CLASS_IN
            and query.qtype not in _NOT_CACHED_TYPES and query.edns_version == 0)


def _cacheable_reply(reply: bytes) -> bool:
    return len(reply) >= 12 and reply[2] & 0x02 == 0 and reply[3] & 0x0F in (0, 3, 5)


def _new_node(event: Event) -> _Draw | _Source:
    return _Source() if event[0] == "source" else _Draw(event[0], event[1])


def _matches(node: Any, event: Event) -> bool:
    if event[0] == "source":
        return node.__class__ is _Source
    return node.__class__ is _Draw and node.kind == event[0] and node.arg == event[1]


def _insert(table: dict[bytes, Any], key: bytes, events: list[Event], leaf: bytes) -> None:
    """Add ``leaf`` at the end of the path ``events`` describes, creating nodes on the way; a
    path that contradicts the tree, or a full chance node, is not stored."""
    if not events:
        table[key] = leaf
        return
    node = table.get(key)
    if node is None or node.__class__ is bytes:
        node = table[key] = _new_node(events[0])
    elif not _matches(node, events[0]):
        return
    last = len(events) - 1
    for i, (kind, _arg, outcome) in enumerate(events):
        children = node.children
        if outcome not in children and len(children) >= (
                MAX_CLIENTS if kind == "source" else MAX_OUTCOMES):
            if kind != "source":
                return
            children.clear()
        if i == last:
            children[outcome] = leaf
            return
        child = children.get(outcome)
        if child is None or child.__class__ is bytes:
            child = children[outcome] = _new_node(events[i + 1])
        elif not _matches(child, events[i + 1]):
            return
        node = child
