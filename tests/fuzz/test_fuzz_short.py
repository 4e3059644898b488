"""The short fuzz run of the test suite (issue 14): every entry point keeps its promise
(``fuzz/targets.py``) on the kept corpus, on structure-aware queries built like real ones, and on
byte-level mutations of real inputs. Bounded: a few hundred examples per target, derandomized.
The long, coverage-guided campaign is ``fuzz/campaign.py``."""

from __future__ import annotations

import random

import dns.edns
import dns.flags
import dns.message
import dns.rdatatype
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz import targets
from fuzz.seeds import TYPES, corpus, mutate, seeds

SHORT = settings(max_examples=300, deadline=None, derandomize=True,
                 suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("target", sorted(targets.TARGETS))
def test_kept_corpus_and_seeds_keep_the_promise(target: str) -> None:
    inputs = corpus(target)
    assert len(inputs) >= len(seeds(target)) > 0
    for data in inputs:
        targets.TARGETS[target](data)


def test_real_queries_are_answered() -> None:
    """The seeds are real queries: each gets a reply (so the wire target is not vacuous)."""
    for data in seeds("wire"):
        assert targets.wire(data, tcp=False) is not None


def _names() -> list[str]:
    names = {str(r.name) for z in targets.serving().zoneset.zones for r in z.record_sets}
    return sorted(names) + ["nothere.example.com.", "x.y.wildcard.example.com."]


@st.composite
def queries(draw: st.DrawFn) -> bytes:
    """A query as a client builds it (any shipped name, type, flags, EDNS options), then
    possibly damaged by a few byte edits."""
    name = draw(st.sampled_from(_names()))
    qtype = draw(st.sampled_from([t for t in TYPES if t != "TYPE999"]))
    edns = draw(st.sampled_from([-1, 0, 1]))
    options: list[dns.edns.Option] = []
    if edns >= 0 and draw(st.booleans()):
        prefix = draw(st.integers(0, 32))
        options.append(dns.edns.ECSOption(f"{draw(st.integers(1, 223))}.0.2.0", prefix))
    q = dns.message.make_query(name, qtype, use_edns=edns if edns >= 0 else False,
                               payload=draw(st.sampled_from([0, 512, 1232, 4096, 65535])),
                               want_dnssec=draw(st.booleans()), options=options)
    q.id = draw(st.integers(0, 0xFFFF))
    q.flags |= draw(st.sampled_from([0, dns.flags.CD, dns.flags.AD, dns.flags.TC]))
    wire = q.to_wire()
    edits = draw(st.integers(0, 3))
    if edits:
        wire = mutate(wire, random.Random(draw(st.integers(0, 2 ** 32))))
    return bytes(wire)


@SHORT
@given(queries(), st.booleans())
def test_wire_structured_queries(data: bytes, tcp: bool) -> None:
    targets.wire(data, tcp=tcp)


@SHORT
@given(st.binary(max_size=600), st.booleans())
def test_wire_arbitrary_bytes(data: bytes, tcp: bool) -> None:
    targets.wire(data, tcp=tcp)


@pytest.mark.parametrize("target,count", [("wire", 3000), ("zone", 200), ("topology", 150),
                                          ("api", 300)])
def test_mutated_corpus(target: str, count: int) -> None:
    """Byte-level mutations of real inputs (seeded, so a failure reproduces)."""
    pool = corpus(target)
    rng = random.Random(14)
    func = targets.TARGETS[target]
    for _ in range(count):
        func(mutate(rng.choice(pool), rng))


def test_crash_is_detected() -> None:
    """The wire target can fail: a reply whose id differs from the query's is a crash."""
    q = dns.message.make_query("www.example.com.", "A").to_wire()
    reply = targets.wire(q, tcp=False)
    assert reply is not None and reply[:2] == q[:2]
    with pytest.raises(targets.Crash):
        targets.check_reply(q, reply[:1] + bytes([reply[1] ^ 1]) + reply[2:], tcp=False)
