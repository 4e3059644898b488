"""Invalid zone files, one per Route 53 rule (docs/behaviour.md R14-R40): shared by the pure loader
tests and the ``netemu check`` tests. Each case: (id, zone file text, item named, code, words of
the message)."""

from __future__ import annotations

HEAD = "HostedZone: {Name: example.com.}\nResourceRecordSets:\n"
PRIVATE_HEAD = ("HostedZone: {Name: example.com., Config: {PrivateZone: true}}\n"
                "VPCs: [{VPCRegion: us-east-1, VPCId: app}]\nResourceRecordSets:\n")
OK = "  - {Name: ok.example.com., Type: A, TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]}\n"


def zone(*records: str, head: str = HEAD) -> str:
    return head + OK + "".join(f"  - {r}\n" for r in records)


A1 = "TTL: 60, ResourceRecords: [{Value: 192.0.2.1}]"
MANY = ", ".join(f"{{Value: 10.0.{i // 250}.{i % 250}}}" for i in range(401))

INVALID = [
    ("R2 label longer than 63", zone(f"{{Name: {'a' * 64}.example.com., Type: A, {A1}}}"),
     f"{'a' * 64}.example.com. A", "InvalidInput", "longer than 63"),
    ("R14 zone for a TLD", "HostedZone: {Name: com.}\n", "HostedZone", "InvalidDomainName",
     "reserved"),
    ("R14 wildcard zone name", "HostedZone: {Name: '*.example.com.'}\n", "HostedZone",
     "InvalidDomainName", "wildcard"),
    ("R21 wildcard NS", zone("{Name: '*.example.com.', Type: NS, TTL: 60, "
                             "ResourceRecords: [{Value: ns.example.org.}]}"),
     "\\052.example.com. NS", "InvalidChangeBatch", "wildcard NS"),
    ("R22 CNAME at apex", zone("{Name: example.com., Type: CNAME, TTL: 60, "
                               "ResourceRecords: [{Value: www.example.org.}]}"),
     "example.com. CNAME", "InvalidChangeBatch",
     "RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone "
     "example.com."),
    ("R23 A after CNAME", zone("{Name: x.example.com., Type: CNAME, TTL: 60, "
                               "ResourceRecords: [{Value: www.example.org.}]}",
                               f"{{Name: x.example.com., Type: A, {A1}}}"),
     "x.example.com. A", "InvalidChangeBatch",
     "RRSet of type A with DNS name x.example.com. is not permitted because a conflicting RRSet "
     "of type CNAME with the same DNS name already exists in zone example.com."),
    ("R23 CNAME after A", zone(f"{{Name: y.example.com., Type: A, {A1}}}",
                               "{Name: y.example.com., Type: CNAME, TTL: 60, "
                               "ResourceRecords: [{Value: www.example.org.}]}"),
     "y.example.com. CNAME", "InvalidChangeBatch",
     "RRSet of type CNAME with DNS name y.example.com. is not permitted as it conflicts with "
     "other records with the same DNS name in zone example.com."),
    ("R24 duplicate record set", zone("{Name: d.example.com., Type: TXT, TTL: 60, "
                                      "ResourceRecords: [{Value: '\"a\"'}]}",
                                      "{Name: d.example.com., Type: TXT, TTL: 60, "
                                      "ResourceRecords: [{Value: '\"b\"'}]}"),
     "d.example.com. TXT", "InvalidChangeBatch",
     "Tried to create resource record set [name='d.example.com.', type='TXT'] but it already "
     "exists"),
    ("R26 name outside the zone", zone(f"{{Name: foo., Type: A, {A1}}}"), "foo. A",
     "InvalidChangeBatch", "RRSet with DNS name foo. is not permitted in zone example.com."),
    ("R27 bad IPv4", zone("{Name: b.example.com., Type: A, TTL: 60, "
                          "ResourceRecords: [{Value: 192.0.2.300}]}"),
     "b.example.com. A", "InvalidChangeBatch",
     "Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address"),
    ("R27 unquoted TXT", zone("{Name: t.example.com., Type: TXT, TTL: 60, "
                              "ResourceRecords: [{Value: hello}]}"),
     "t.example.com. TXT", "InvalidChangeBatch",
     "InvalidCharacterString (Value should be enclosed in quotation marks)"),
    ("R27 bad IPv6", zone("{Name: b.example.com., Type: AAAA, TTL: 60, "
                          "ResourceRecords: [{Value: '2001:db8::g'}]}"),
     "b.example.com. AAAA", "InvalidChangeBatch", "AAAARRDATAIllegalIPv6Address"),
    ("R27 MX without preference", zone("{Name: example.com., Type: MX, TTL: 60, "
                                       "ResourceRecords: [{Value: mail.example.com.}]}"),
     "example.com. MX", "InvalidChangeBatch", "FATAL problem: MXRRDATA"),
    ("R28 weighted without SetIdentifier", zone(f"{{Name: w.example.com., Type: A, Weight: 10, "
                                                f"{A1}}}"),
     "w.example.com. A", "InvalidInput",
     "Invalid request: Missing field 'SetIdentifier' in Change with [Action=CREATE, "
     "Name=w.example.com., Type=A, SetIdentifier=null]"),
    ("R28 SetIdentifier only with a routing policy",
     zone(f"{{Name: si.example.com., Type: A, SetIdentifier: a, {A1}}}"),
     "si.example.com. A [a]", "InvalidInput",
     "SetIdentifier is allowed only with a routing policy"),
    ("one routing field per record",
     zone(f"{{Name: two.example.com., Type: A, SetIdentifier: a, Weight: 1, "
          f"Region: us-east-1, {A1}}}"),
     "two.example.com. A [a]", "InvalidInput",
     "a record set can use one routing policy, it has Weight and Region in Change with"),
    ("R31 more than 400 values", zone("{Name: m.example.com., Type: A, TTL: 60, "
                                      f"ResourceRecords: [{MANY}]}}"),
     "m.example.com. A", "InvalidChangeBatch", "limit is 400 values"),
    ("R31 more than 100 weighted records",
     zone(*[f"{{Name: w.example.com., Type: A, SetIdentifier: s{i}, Weight: 1, {A1}}}"
            for i in range(101)]),
     "w.example.com. A [s100]", "InvalidChangeBatch", "more than 100 weighted records"),
    ("R32 weighted mixed with simple", zone(f"{{Name: p.example.com., Type: A, {A1}}}",
                                            "{Name: p.example.com., Type: A, SetIdentifier: "
                                            f"blue, Weight: 1, {A1}}}"),
     "p.example.com. A [blue]", "InvalidChangeBatch", "cannot be created as a non-weighted set"),
    ("R34 unknown type", zone(f"{{Name: u.example.com., Type: WKS, {A1}}}"),
     "u.example.com. WKS", "InvalidInput", "Member must satisfy enum value set"),
    ("R34 weighted NS", zone("{Name: n.example.com., Type: NS, SetIdentifier: a, Weight: 1, "
                             "TTL: 60, ResourceRecords: [{Value: ns.example.org.}]}"),
     "n.example.com. NS [a]", "InvalidChangeBatch", "can't use weighted routing"),
    ("R34 multivalue CNAME", zone("{Name: c.example.com., Type: CNAME, SetIdentifier: a, "
                                  "MultiValueAnswer: true, TTL: 60, "
                                  "ResourceRecords: [{Value: x.example.org.}]}"),
     "c.example.com. CNAME [a]", "InvalidChangeBatch", "can't use multivalue routing"),
    ("R34 alias of type NS", zone("{Name: n.example.com., Type: NS, "
                                  "AliasTarget: {DNSName: ok.example.com.}}"),
     "n.example.com. NS", "InvalidChangeBatch", "Alias RRSet of type NS"),
    ("R35 alias target missing", zone("{Name: example.com., Type: A, "
                                      "AliasTarget: {DNSName: nothere.example.com.}}"),
     "example.com. A", "InvalidChangeBatch",
     "Tried to create an alias that targets nothere.example.com., type A in zone"),
    ("R36 alias target of another type", zone("{Name: al.example.com., Type: AAAA, "
                                              "AliasTarget: {DNSName: ok.example.com.}}"),
     "al.example.com. AAAA", "InvalidChangeBatch", "but that target was not found"),
    ("R37 alias with a TTL", zone("{Name: al.example.com., Type: A, TTL: 60, "
                                  "AliasTarget: {DNSName: ok.example.com.}}"),
     "al.example.com. A", "InvalidInput",
     "Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or "
     "TrafficPolicyInstanceId], but found more than one"),
    ("R39 failover alias without EvaluateTargetHealth",
     zone("{Name: f.example.com., Type: A, SetIdentifier: p, Failover: PRIMARY, "
          "AliasTarget: {DNSName: ok.example.com., EvaluateTargetHealth: false}}"),
     "f.example.com. A [p]", "InvalidChangeBatch", "EvaluateTargetHealth"),
    ("R40 multivalue alias", zone("{Name: v.example.com., Type: A, SetIdentifier: p, "
                                  "MultiValueAnswer: true, "
                                  "AliasTarget: {DNSName: ok.example.com.}}"),
     "v.example.com. A [p]", "InvalidInput", "MultiValueAnswer is not allowed for an alias"),
    ("HealthCheckId must exist", zone(f"{{Name: h.example.com., Type: A, HealthCheckId: nope, "
                                      f"{A1}}}"),
     "h.example.com. A", "NoSuchHealthCheck", "No health check exists with the specified ID nope"),
    ("TTL and ResourceRecords required", zone("{Name: e.example.com., Type: A}"),
     "e.example.com. A", "InvalidInput", "but found none in Change with"),
    ("R91 private zone delegates a subdomain",
     zone("{Name: sub.example.com., Type: NS, TTL: 60,"
          " ResourceRecords: [{Value: ns.example.org.}]}",
          head=PRIVATE_HEAD),
     "sub.example.com. NS", "InvalidChangeBatch", "private hosted zones can't delegate subdomains"),
]
