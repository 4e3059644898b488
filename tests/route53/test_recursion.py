"""The resolution a recursive resolver makes of one question (``route53.recursion``), driven by
hand: each ``Ask`` is answered with the reply a zone or a name server would give."""

from __future__ import annotations

from netemu.route53.recursion import (
    MAX_LINKS,
    MAX_REFERRALS,
    Ask,
    Done,
    Record,
    Reply,
    Resolution,
)

NOERROR, SERVFAIL, NXDOMAIN, REFUSED = 0, 2, 3, 5


def cname(name: str, target: str, ttl: int = 60) -> Record:
    return Record(name, "CNAME", ttl, target)


def a(name: str, ip: str, ttl: int = 60) -> Record:
    return Record(name, "A", ttl, ip)


def ns(zone: str, server: str) -> Record:
    return Record(zone, "NS", 300, server)


SOA = Record("example.net.", "SOA", 900, "ns. admin. 1 2 3 4 900")


def step(res: Resolution) -> Ask:
    got = res.next()
    assert isinstance(got, Ask), got
    return got


def done(res: Resolution) -> Done:
    got = res.next()
    assert isinstance(got, Done), got
    return got


def test_an_answer_that_needs_nothing_more_stands_as_it_came_R195() -> None:
    res = Resolution("WWW.example.com", "A")
    first = step(res)
    assert (first.name, first.servers, first.first) == ("www.example.com.", None, True)
    res.receive(Reply(NOERROR, True, (a("www.example.com.", "192.0.2.1"),)))
    got = done(res)
    assert got.rcode == NOERROR and not got.chased
    assert got.answer == (a("www.example.com.", "192.0.2.1"),)


def test_a_cname_target_is_asked_from_the_start_and_the_chain_assembled_R195() -> None:
    """In-zone (the zone answers the CNAME alone, R13) then cross-zone: each target is asked
    again from the start; the chain then the final RRset, TTLs as served."""
    res = Resolution("a.example.com.", "A")
    step(res)
    res.receive(Reply(NOERROR, True, (cname("a.example.com.", "b.example.com.", 30),),
                      additional=(a("b.example.com.", "192.0.2.9"),)))   # ADDITIONAL: not used
    second = step(res)
    assert (second.name, second.servers, second.first) == ("b.example.com.", None, False)
    res.receive(Reply(NOERROR, True, (cname("b.example.com.", "c.example.org.", 20),)))
    assert step(res).name == "c.example.org."
    res.receive(Reply(NOERROR, True, (a("c.example.org.", "198.51.100.1", 10),)))
    got = done(res)
    assert got.chased and got.rcode == NOERROR
    assert [(r.name, r.type, r.ttl) for r in got.answer] == [
        ("a.example.com.", "CNAME", 30), ("b.example.com.", "CNAME", 20),
        ("c.example.org.", "A", 10)]


def test_a_chain_the_server_already_followed_is_taken_whole_R195() -> None:
    res = Resolution("a.example.com.", "A")
    step(res)
    res.receive(Reply(NOERROR, False, (cname("a.example.com.", "b.example.com."),
                                       a("b.example.com.", "192.0.2.2"))))
    got = done(res)
    assert not got.chased and len(got.answer) == 2


def test_a_chain_to_a_missing_name_has_the_last_names_rcode_R195() -> None:
    res = Resolution("a.example.com.", "A")
    step(res)
    res.receive(Reply(NOERROR, True, (cname("a.example.com.", "gone.example.net."),)))
    step(res)
    res.receive(Reply(NXDOMAIN, True, authority=(SOA,)))
    got = done(res)
    assert got.rcode == NXDOMAIN and got.chased
    assert [r.type for r in got.answer] == ["CNAME"] and got.authority == (SOA,)


def test_cname_and_any_queries_are_not_chased_R195() -> None:
    for qtype in ("CNAME", "ANY"):
        res = Resolution("a.example.com.", qtype)
        step(res)
        res.receive(Reply(NOERROR, True, (cname("a.example.com.", "b.example.com."),)))
        got = done(res)
        assert not got.chased and [r.type for r in got.answer] == ["CNAME"]


def test_a_forwarders_reply_is_final_even_when_its_chain_stops_short_R195() -> None:
    res = Resolution("a.corp.example.", "A")
    step(res)
    res.receive(Reply(NXDOMAIN, False, (cname("a.corp.example.", "b.corp.example."),)),
                final=True)
    got = done(res)
    assert got.rcode == NXDOMAIN and not got.chased


def test_a_cname_a_forwarder_left_unanswered_is_chased_R195() -> None:
    """A forwarding rule's target answered the CNAME alone (an authoritative server, not a
    resolver): the target is asked from the start."""
    res = Resolution("back.onprem.example.", "A")
    step(res)
    res.receive(Reply(NOERROR, True, (cname("back.onprem.example.", "host.corp.internal."),)),
                final=True)
    assert step(res).name == "host.corp.internal."
    res.receive(Reply(NOERROR, True, (a("host.corp.internal.", "10.0.1.10"),)))
    got = done(res)
    assert got.chased and [r.type for r in got.answer] == ["CNAME", "A"]


def test_a_redirect_starts_the_chain_with_its_cname_R195() -> None:
    """A DNS Firewall OVERRIDE: the query name's CNAME is given; its target is asked first."""
    res = Resolution("evil.example.com.", "A")
    res.redirect(cname("evil.example.com.", "walled.example.com.", 5))
    ask = step(res)
    assert (ask.name, ask.first) == ("walled.example.com.", False)
    res.receive(Reply(NOERROR, True, (a("walled.example.com.", "192.0.2.99"),)))
    got = done(res)
    assert [(r.name, r.ttl) for r in got.answer] == [("evil.example.com.", 5),
                                                     ("walled.example.com.", 60)]
    res = Resolution("evil.example.com.", "A")
    res.redirect(cname("evil.example.com.", "EVIL.example.com.", 5))
    assert done(res).rcode == SERVFAIL


def test_a_cname_loop_is_servfail_R196() -> None:
    res = Resolution("a.example.com.", "A")
    step(res)
    res.receive(Reply(NOERROR, True, (cname("a.example.com.", "b.example.com."),)))
    step(res)
    res.receive(Reply(NOERROR, True, (cname("b.example.com.", "A.example.com."),)))
    got = done(res)
    assert got.rcode == SERVFAIL and "loop" in got.why
    # a loop inside one reply too
    res = Resolution("x.example.com.", "A")
    step(res)
    res.receive(Reply(NOERROR, False, (cname("x.example.com.", "y.example.com."),
                                       cname("y.example.com.", "x.example.com."))))
    assert done(res).rcode == SERVFAIL


def test_a_chain_longer_than_the_bound_is_servfail_R196() -> None:
    res = Resolution("n0.example.com.", "A")
    for i in range(MAX_LINKS + 1):
        assert step(res).name == f"n{i}.example.com."
        res.receive(Reply(NOERROR, True, (cname(f"n{i}.example.com.", f"n{i + 1}.example.com."),)))
    got = done(res)
    assert got.rcode == SERVFAIL and "longer" in got.why


def test_referrals_are_followed_level_by_level_to_the_answer_R197() -> None:
    res = Resolution("www.deep.sub.example.net.", "A")
    step(res)
    res.receive(Reply(NOERROR, False, authority=(ns("sub.example.net.", "ns1.sub.example.net."),),
                      additional=(a("ns1.sub.example.net.", "203.0.113.10"),)))
    second = step(res)
    assert second.servers == ("203.0.113.10",) and second.zone == "sub.example.net."
    res.receive(Reply(NOERROR, False,
                      authority=(ns("deep.sub.example.net.", "ns.deep.sub.example.net."),),
                      additional=(a("ns.deep.sub.example.net.", "203.0.113.20"),)))
    third = step(res)
    assert third.servers == ("203.0.113.20",) and third.zone == "deep.sub.example.net."
    res.receive(Reply(NOERROR, True, (a("www.deep.sub.example.net.", "198.51.100.5"),)))
    got = done(res)
    assert got.rcode == NOERROR and got.chased
    assert got.answer == (a("www.deep.sub.example.net.", "198.51.100.5"),)


def test_a_referral_sideways_or_up_is_servfail_R197() -> None:
    res = Resolution("www.sub.example.net.", "A")
    step(res)
    res.receive(Reply(NOERROR, False, authority=(ns("sub.example.net.", "ns1.x.test."),),
                      additional=(a("ns1.x.test.", "203.0.113.10"),)))
    step(res)
    res.receive(Reply(NOERROR, False, authority=(ns("example.net.", "ns1.x.test."),),
                      additional=(a("ns1.x.test.", "203.0.113.10"),)))
    got = done(res)
    assert got.rcode == SERVFAIL and "not below" in got.why


def test_a_lame_server_or_silence_is_servfail_R197() -> None:
    for reply in (Reply(REFUSED, False), None):
        res = Resolution("www.sub.example.net.", "A")
        step(res)
        res.receive(Reply(NOERROR, False, authority=(ns("sub.example.net.", "ns1.x.test."),),
                          additional=(a("ns1.x.test.", "203.0.113.10"),)))
        step(res)
        res.receive(reply)
        assert done(res).rcode == SERVFAIL


def test_a_glueless_delegation_resolves_its_name_server_first_R197() -> None:
    res = Resolution("www.sub.example.net.", "A")
    step(res)
    res.receive(Reply(NOERROR, False, authority=(ns("sub.example.net.", "ns.hosting.test."),
                                                 ns("sub.example.net.", "ns2.hosting.test."))))
    ns_ask = step(res)
    assert (ns_ask.name, ns_ask.qtype, ns_ask.servers) == ("ns.hosting.test.", "A", None)
    assert res.nested
    res.receive(Reply(NXDOMAIN, True))        # the first NS name does not exist
    ns_ask = step(res)
    assert ns_ask.name == "ns2.hosting.test."
    res.receive(Reply(NOERROR, True, (a("ns2.hosting.test.", "203.0.113.30"),)))
    back = step(res)
    assert (back.name, back.servers) == ("www.sub.example.net.", ("203.0.113.30",))
    res.receive(Reply(NOERROR, True, (a("www.sub.example.net.", "198.51.100.6"),)))
    assert done(res).answer == (a("www.sub.example.net.", "198.51.100.6"),)


def test_a_glueless_delegation_nobody_can_resolve_is_servfail_R197() -> None:
    res = Resolution("x.lame.example.org.", "A")
    step(res)
    res.receive(Reply(NOERROR, False, authority=(ns("lame.example.org.", "ns.elsewhere.test."),)))
    step(res)
    res.receive(Reply(NXDOMAIN, True))
    got = done(res)
    assert got.rcode == SERVFAIL and "glueless" in got.why
    # an NS name inside the zone it serves, without glue, cannot be resolved at all
    res = Resolution("x.in.example.org.", "A")
    step(res)
    res.receive(Reply(NOERROR, False, authority=(ns("in.example.org.", "ns.in.example.org."),)))
    assert done(res).rcode == SERVFAIL


def test_referrals_are_bounded_R197() -> None:
    """Server A refers to server B for a deeper zone, and so on: never more than
    MAX_REFERRALS referrals for a name, whatever the servers say."""
    res = Resolution("a." * 40 + "example.net.", "A")
    step(res)
    asked = 0
    zone = "example.net."
    for _ in range(100):
        got = res.next()
        if isinstance(got, Done):
            break
        zone = "a." + zone
        res.receive(Reply(NOERROR, False, authority=(ns(zone, "ns." + zone),),
                          additional=(a("ns." + zone, "203.0.113.1"),)))
        asked += 1
    got = done(res)
    assert got.rcode == SERVFAIL and "referrals" in got.why
    assert asked == MAX_REFERRALS + 1
