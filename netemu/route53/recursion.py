"""Resolving like the Route 53 Resolver (a recursive resolver) does: CNAME chains and
delegations, pure (no sockets, no clock): the VPC resolver (``netemu.dns.resolver``) drives it.

Theory of operation (sans-I/O, as dnspython's ``_Resolution``). A ``Resolution`` is made for one
client question. ``next()`` says what to do: ``Ask`` a name, either from the start (the
resolver's own view: Resolver rules, the hosted zones the VPC sees, R88-R92; ``servers`` is
None) or from the name servers a delegation named (``servers``: their addresses); or ``Done``:
the answer. ``receive(reply)`` hands it what came back (None: nobody answered). The driver does
the I/O between the two calls.

- A CNAME chain is followed (R195): each target is asked again from the start, so it may be
  answered by another zone the VPC sees (a private zone before a public one, R89-R90), a
  forwarding rule or a delegation. The answer is the CNAME records, in chain order, then the
  final RRset, with the rcode of the last name (RFC 6604): NXDOMAIN when the target does not
  exist. TTLs stay as served. A name met twice is a loop, and more than ``MAX_LINKS`` CNAMEs
  is too long: SERVFAIL (R196). A CNAME query (or ANY) is not chased: the CNAME is its answer.
  An alias record is not a CNAME: it answers with its target's records already.
- A referral (NOERROR, no AA, no answer, NS records in AUTHORITY) is followed to the servers it
  names (R197): their glue addresses, or, for a glueless delegation, the addresses of the NS
  names, resolved by a nested ``Resolution`` from the start. Each referral must lead to a zone
  below the previous one; at most ``MAX_REFERRALS`` per name and ``MAX_QUERIES`` queries to
  servers in all (nested resolutions included); otherwise SERVFAIL.
- A forwarding rule's target is a resolver: its reply is taken as final for the names it
  covers (a referral from it is passed on as it is; its NXDOMAIN at the end of a chain is
  believed), but a CNAME it left unanswered (NOERROR) is chased from the start.
- A delegated server that refuses (REFUSED, NOTIMP, FORMERR) is lame: SERVFAIL.

``Done.chased`` is False when the first reply needed nothing more: the driver then sends that
reply as it came, so everything that needs no chasing is answered exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

MAX_LINKS = 16        # CNAMEs followed for one question (R196)
MAX_REFERRALS = 8     # delegations followed for one name (R197)
MAX_QUERIES = 24      # queries to name servers for one question, nested resolutions included
MAX_NESTING = 2       # glueless delegations inside glueless delegations

NOERROR, SERVFAIL, NXDOMAIN, REFUSED = 0, 2, 3, 5
_LAME = (1, 4, 5)     # FORMERR, NOTIMP, REFUSED from a server a delegation named


class Record(NamedTuple):
    """One resource record as served: owner (lower case, absolute), type name, TTL, RDATA
    text (for CNAME and NS: the target name, lower case, absolute) and the whole RR on the wire
    (owner uncompressed, as sent on)."""

    name: str
    type: str
    ttl: int
    data: str
    wire: bytes = b""


class Reply(NamedTuple):
    rcode: int
    aa: bool
    answer: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    additional: tuple[Record, ...] = ()


@dataclass(frozen=True, slots=True)
class Ask:
    """Ask ``name``/``qtype``: from the start (``servers`` None) or of ``servers``, the
    addresses of the name servers of ``zone`` (a delegation's)."""

    name: str
    qtype: str
    servers: tuple[str, ...] | None = None
    zone: str = ""
    first: bool = False   # the client's own question, first asked: send it as received


@dataclass(frozen=True, slots=True)
class Done:
    rcode: int
    answer: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    chased: bool = True   # False: the first reply stands as it came
    why: str = ""         # for SERVFAIL: what went wrong (for the log)


@dataclass
class _Budget:
    queries: int = 0


def absolute(name: str) -> str:
    name = name.lower()
    return name if name.endswith(".") else name + "."


def is_below(name: str, zone: str) -> bool:
    """``name`` is ``zone`` or a name under it (both absolute, lower case); "" is the top."""
    return zone in ("", ".") or name == zone or name.endswith("." + zone)


def is_referral(reply: Reply) -> bool:
    return (reply.rcode == NOERROR and not reply.aa and not reply.answer
            and any(r.type == "NS" for r in reply.authority))


@dataclass
class Resolution:
    """The resolution of one question; see the module docstring."""

    qname: str
    qtype: str
    budget: _Budget = field(default_factory=_Budget)
    nesting: int = 0
    chain: list[Record] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    current: str = ""
    servers: tuple[str, ...] | None = None
    zone: str = ""
    referrals: int = 0
    asked: int = 0            # replies received
    done: Done | None = None
    sub: Resolution | None = None
    sub_names: list[str] = field(default_factory=list)
    sub_zone: str = ""

    def __post_init__(self) -> None:
        self.qname = absolute(self.qname)
        self.current = self.qname
        self.seen.add(self.qname)

    @property
    def nested(self) -> bool:
        """A glueless delegation's name server is being resolved (not the client's names)."""
        return self.sub is not None

    # -- what to do next -------------------------------------------------------------------

    def next(self) -> Ask | Done:
        if self.done is not None:
            return self.done
        if self.sub is not None:
            step = self.sub.next()
            if isinstance(step, Ask):
                return step
            self._glueless_result(step)
            return self.next()
        if self.servers is not None and self.budget.queries >= MAX_QUERIES:
            return self._fail(f"more than {MAX_QUERIES} queries to name servers")
        return Ask(self.current, self.qtype, self.servers, self.zone,
                   first=self.asked == 0 and self.nesting == 0 and not self.chain)

    def redirect(self, cname: Record) -> None:
        """Start from ``cname`` (the query name's CNAME, e.g. a DNS Firewall OVERRIDE's): its
        target is what is asked first, and the answer begins with it."""
        target = absolute(cname.data)
        self.chain.append(cname)
        if target in self.seen:
            self._fail(f"CNAME loop: {target} again after 1 link(s)")
            return
        self.seen.add(target)
        self.current = target

    def receive(self, reply: Reply | None, *, final: bool = False) -> None:
        """What came back for the last ``Ask`` (None: no server answered). ``final``: it came
        from a resolver (a forwarding rule's target): a referral from it is not followed."""
        if self.done is not None:
            return
        if self.sub is not None:
            self.sub.receive(reply, final=final)
            return
        if self.servers is not None:
            self.budget.queries += 1
        self.asked += 1
        if reply is None:
            self._fail(f"no name server answered for {self.current}"
                       + (f" (zone {self.zone})" if self.zone else ""))
            return
        if self.servers is not None and reply.rcode in _LAME:
            self._fail(f"the name servers of {self.zone} refused {self.current} (lame)")
            return
        if not final and is_referral(reply):
            self._referral(reply)
            return
        self._answer(reply, final)

    # -- answers -----------------------------------------------------------------------------

    def _answer(self, reply: Reply, final: bool) -> None:
        name, moved = self.current, False
        chase = self.qtype not in ("CNAME", "ANY")
        for _ in range(MAX_LINKS + 1):
            if not chase or any(r.name == name and r.type == self.qtype for r in reply.answer):
                break
            cname = next((r for r in reply.answer if r.name == name and r.type == "CNAME"), None)
            if cname is None:
                break
            target = absolute(cname.data)
            self.chain.append(cname)
            if target in self.seen:
                self._fail(f"CNAME loop: {target} again after {len(self.chain)} link(s)")
                return
            if len(self.chain) > MAX_LINKS:
                self._fail(f"CNAME chain longer than {MAX_LINKS} links")
                return
            self.seen.add(target)
            name, moved = target, True
        final_set = tuple(r for r in reply.answer if r.name == name
                          and (r.type == self.qtype or self.qtype == "ANY"))
        if moved and not final_set and (not final or reply.rcode == NOERROR):
            # the target is not in this reply: ask it from the start (another zone, a rule,
            # a delegation may hold it); a resolver's NXDOMAIN for it is believed
            self.current, self.servers, self.zone, self.referrals = name, None, "", 0
            return
        rcode = reply.rcode
        if final_set:
            rcode = NOERROR
        self.done = Done(rcode, tuple(self.chain) + final_set,
                         () if final_set else reply.authority,
                         chased=self.asked > 1 or self.nesting > 0)

    # -- referrals ---------------------------------------------------------------------------

    def _referral(self, reply: Reply) -> None:
        cut = next(r.name for r in reply.authority if r.type == "NS")
        if not is_below(self.current, cut) or (self.zone and (cut == self.zone
                                                              or not is_below(cut, self.zone))):
            self._fail(f"referral for {self.current} to {cut} is not below "
                       f"{self.zone or 'the zone it came from'}")
            return
        self.referrals += 1
        if self.referrals > MAX_REFERRALS:
            self._fail(f"more than {MAX_REFERRALS} referrals for {self.current}")
            return
        names = [absolute(r.data) for r in reply.authority if r.type == "NS" and r.name == cut]
        glue = tuple(dict.fromkeys(r.data for r in reply.additional
                                   if r.type == "A" and r.name in names))
        self.zone = cut
        if glue:
            self.servers = glue
            return
        # glueless: resolve the NS names (those outside the zone: inside it they need glue)
        self.sub_names = [n for n in names if not is_below(n, cut)]
        self.sub_zone = cut
        self._next_glueless()

    def _next_glueless(self) -> None:
        if not self.sub_names:
            self._fail(f"glueless delegation of {self.sub_zone}: no address for its name "
                       "servers")
            return
        if self.nesting >= MAX_NESTING:
            self._fail(f"glueless delegation of {self.sub_zone}: NS names nested too deep")
            return
        self.sub = Resolution(self.sub_names.pop(0), "A", self.budget, self.nesting + 1)

    def _glueless_result(self, done: Done) -> None:
        assert self.sub is not None
        target = self.sub.current
        self.sub = None
        addresses = tuple(r.data for r in done.answer if r.type == "A" and r.name == target)
        if done.rcode == NOERROR and addresses:
            self.servers = addresses
            return
        self._next_glueless()

    def _fail(self, why: str) -> Done:
        self.done = Done(SERVFAIL, why=why)
        return self.done


__all__ = ["Ask", "Done", "MAX_LINKS", "MAX_QUERIES", "MAX_REFERRALS", "Record", "Reply",
           "Resolution", "absolute", "is_below", "is_referral"]
