"""Each input the fuzzer (``fuzz/campaign.py``) found that broke a promise, with its fix checked
on the wire path. The same inputs are kept in ``fuzz/corpus/`` so every later run replays them."""

from __future__ import annotations

import base64

import dns.message
import dns.rcode

from fuzz import targets


def test_ecs_address_bits_beyond_source_prefix_is_formerr() -> None:
    """A client subnet of 2001:db8:63:6f::/52 whose address has bits set past the 52nd was echoed
    in the reply, which clients then refuse to read; RFC 7871 section 6 says FORMERR."""
    query = base64.b64decode("BtcBAAABAAAAAAABAAABAAEAACkE0AAAAAAADwAIAAsAAjQAIAENuABjbw==")
    for tcp in (False, True):
        reply = targets.wire(query, tcp=tcp)
        assert reply is not None
        assert dns.message.from_wire(reply).rcode() == dns.rcode.FORMERR


def test_ecs_with_clean_padding_is_still_answered() -> None:
    """The fix refuses only dirty padding: /52 with zero bits after the prefix is answered."""
    query = base64.b64decode("BtcBAAABAAAAAAABAAABAAEAACkE0AAAAAAADwAIAAsAAjQAIAENuABjbw==")
    clean = query[:-1] + bytes([query[-1] & 0xF0])
    reply = targets.wire(clean, tcp=False)
    assert reply is not None
    assert dns.message.from_wire(reply).rcode() != dns.rcode.FORMERR
