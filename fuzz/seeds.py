"""Seed inputs that start from real use: queries for every name and type in the shipped zones
(plain, EDNS0, DO, client subnet, odd classes and opcodes), the shipped zone and topology files,
and the Route 53 requests boto3 sends. ``seeds(target)`` returns them; ``mutate`` is the
byte-level mutator the in-suite run and the campaign's fallback use."""

from __future__ import annotations

import random

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rdataclass

from fuzz.targets import ROOT, serving

TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "CAA", "PTR", "NAPTR", "HTTPS",
         "SVCB", "SPF", "ANY", "DS", "AXFR", "TYPE999")


def query_seeds(limit: int = 400) -> list[bytes]:
    """Real queries for the shipped zones' names: dnspython builds them as a client would."""
    names = sorted({str(rec.name) for z in serving().zoneset.zones for rec in z.record_sets})
    names += ["nothere.example.com.", "a.b.c.wild.example.com.", "."]
    out: list[bytes] = []
    rng = random.Random(14)
    for i, name in enumerate(names):
        for qtype in (TYPES[i % len(TYPES)], "A", "AAAA"):
            q = dns.message.make_query(name, qtype)
            q.id = rng.randrange(65536)
            out.append(q.to_wire())
        q = dns.message.make_query(name, "A", use_edns=0, payload=1232, want_dnssec=i % 2 == 0,
                                   options=[dns.edns.ECSOption(f"198.51.{i % 256}.0", 24)])
        out.append(q.to_wire())
    odd = dns.message.make_query("www.example.com.", "A", rdclass=dns.rdataclass.CH)
    out.append(odd.to_wire())
    notify = dns.message.make_query("example.com.", "SOA")
    notify.set_opcode(dns.opcode.NOTIFY)
    out.append(notify.to_wire())
    v1 = dns.message.make_query("www.example.com.", "A", use_edns=1)
    out.append(v1.to_wire())
    six = dns.message.make_query("www.example.com.", "A", use_edns=0,
                                 options=[dns.edns.ECSOption("2001:db8::", 56)])
    out.append(six.to_wire())
    return out[:limit]


def file_seeds(folder: str, suffixes: tuple[str, ...]) -> list[bytes]:
    return [p.read_bytes() for p in sorted((ROOT / folder).rglob("*"))
            if p.suffix in suffixes and p.is_file()]


XMLNS = 'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"'
_CREATE = (f'<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest {XMLNS}>'
           "<Name>fuzz.example.</Name><CallerReference>r1</CallerReference>"
           "<HostedZoneConfig><Comment>c</Comment></HostedZoneConfig></CreateHostedZoneRequest>")
_CHANGE = (f'<?xml version="1.0" encoding="UTF-8"?><ChangeResourceRecordSetsRequest {XMLNS}>'
           "<ChangeBatch><Changes><Change><Action>UPSERT</Action><ResourceRecordSet>"
           "<Name>www.fuzz.example.</Name><Type>A</Type><TTL>60</TTL><ResourceRecords>"
           "<ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords>"
           "</ResourceRecordSet></Change></Changes></ChangeBatch>"
           "</ChangeResourceRecordSetsRequest>")
_HC = (f'<?xml version="1.0" encoding="UTF-8"?><CreateHealthCheckRequest {XMLNS}>'
       "<CallerReference>h1</CallerReference><HealthCheckConfig><IPAddress>192.0.2.1</IPAddress>"
       "<Port>80</Port><Type>HTTP</Type><ResourcePath>/</ResourcePath></HealthCheckConfig>"
       "</CreateHealthCheckRequest>")
_BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
         '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><CreateHostedZoneRequest>&lol2;'
         "</CreateHostedZoneRequest>")


def api_seeds() -> list[bytes]:
    def req(method: str, path: str, body: str = "") -> bytes:
        return bytes([METHOD_INDEX[method]]) + path.encode() + b"\n" + body.encode()

    zone = serving().zoneset.zones[0].id
    return [
        req("POST", "/2013-04-01/hostedzone", _CREATE),
        req("GET", "/2013-04-01/hostedzone?maxitems=2&marker=Z1"),
        req("GET", "/2013-04-01/hostedzonesbyname?dnsname=example.com&maxitems=1"),
        req("GET", f"/2013-04-01/hostedzone/{zone}"),
        req("POST", f"/2013-04-01/hostedzone/{zone}/rrset", _CHANGE),
        req("GET", f"/2013-04-01/hostedzone/{zone}/rrset?name=www.example.com&type=A"),
        req("POST", "/2013-04-01/healthcheck", _HC),
        req("GET", "/2013-04-01/healthcheck?maxitems=5"),
        req("GET", f"/2013-04-01/testdnsanswer?hostedzoneid={zone}&recordname=www.example.com"
                   "&recordtype=A&edns0clientsubnetip=192.0.2.0&edns0clientsubnetmask=24"),
        req("GET", f"/2013-04-01/hostedzonelimit/{zone}/MAX_RRSETS_BY_ZONE"),
        req("GET", "/2013-04-01/accountlimit/MAX_HOSTED_ZONES_BY_OWNER"),
        req("POST", "/2013-04-01/hostedzone", _BOMB),
        req("GET", "/_netemu/health"),
        req("DELETE", f"/2013-04-01/hostedzone/{zone}"),
    ]


METHOD_INDEX = {"GET": 0, "POST": 1, "DELETE": 2, "PUT": 3}


def seeds(target: str) -> list[bytes]:
    if target == "wire":
        return query_seeds()
    if target == "zone":
        return file_seeds("zones", (".yaml", ".json"))
    if target == "topology":
        return file_seeds("topologies", (".yaml",))
    if target == "api":
        return api_seeds()
    raise ValueError(f"no target {target}")


def corpus(target: str) -> list[bytes]:
    """The kept corpus for ``target`` (fuzz/corpus/TARGET/*), then the seeds."""
    folder = ROOT / "fuzz" / "corpus" / target
    kept = [p.read_bytes() for p in sorted(folder.iterdir())] if folder.is_dir() else []
    return kept + seeds(target)


_INTERESTING = (b"\x00", b"\xff", b"\xc0", b"\xc0\x0c", b"\x00\x29", b"\x3f", b"\x80",
                b"<", b">", b"&", b"\n", b"{", b"}", b"[", b"]", b":", b"- ", b"*", b"%")


def mutate(data: bytes, rng: random.Random, max_len: int = 4096) -> bytes:
    """A few byte-level edits: flip, set to an interesting value, insert, delete, duplicate a
    slice, truncate, or splice in a dictionary token."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[pos % len(buf)] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            buf[pos % len(buf)] = rng.choice((0, 1, 0x3F, 0x40, 0x7F, 0x80, 0xC0, 0xFF))
        elif op == 2:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 3 and buf:
            del buf[pos:pos + rng.randint(1, 16)]
        elif op == 4 and buf:
            start = rng.randrange(len(buf))
            buf[pos:pos] = buf[start:start + rng.randint(1, 32)]
        elif op == 5:
            del buf[pos:]
        else:
            buf[pos:pos] = rng.choice(_INTERESTING)
    return bytes(buf[:max_len])
