"""No zone file makes the loader raise anything but LoadError (check never shows a traceback)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netemu.errors import LoadError
from netemu.route53.load import load_zone_text
from netemu.route53.lookup import compile_zones

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.floats(allow_nan=False),
                    st.sampled_from(["example.com.", "www.example.com", "*.example.com", "A",
                                     "CNAME", "192.0.2.1", '"txt"', "PRIMARY", "1 . alpn=h2", "",
                                     "web", "10 mail.example.com", "us-east-1", "\\052.x"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["Name", "Type", "TTL", "ResourceRecords", "Value",
                                     "AliasTarget", "DNSName", "SetIdentifier", "Weight",
                                     "Failover", "HealthCheckId", "GeoLocation", "Config",
                                     "PrivateZone", "VPCId", "Id", "HealthCheckConfig",
                                     "Locations", "CidrList", "LocationName", "Coordinates",
                                     "CidrRoutingConfig", "MultiValueAnswer", "Region"]),
                    inner, max_size=4)), max_leaves=12)
documents = st.fixed_dictionaries({}, optional={
    "HostedZone": st.one_of(values, st.fixed_dictionaries(
        {"Name": st.one_of(st.just("example.com."), scalars)},
        optional={"Config": st.one_of(values, st.fixed_dictionaries(
            {"PrivateZone": st.booleans()})), "Id": scalars})),
    "ResourceRecordSets": st.one_of(values, st.lists(st.one_of(values, st.fixed_dictionaries(
        {"Name": st.sampled_from(["example.com", "a.example.com", "*.example.com"]),
         "Type": st.sampled_from(["A", "CNAME", "NS", "TXT", "SOA"])},
        optional={"TTL": scalars, "ResourceRecords": values, "AliasTarget": values,
                  "SetIdentifier": scalars, "Weight": scalars, "Failover": scalars,
                  "HealthCheckId": scalars, "MultiValueAnswer": scalars,
                  "GeoLocation": values, "CidrRoutingConfig": values})), max_size=4)),
    "HealthChecks": values, "CidrCollections": values, "VPCs": values,
})


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_loader_only_raises_load_error(doc) -> None:
    try:
        zoneset = load_zone_text(json.dumps(doc), "fuzz.json")
    except LoadError as exc:
        assert all(p.file == "fuzz.json" for p in exc.problems)
        assert not any(p.code == "InternalError" for p in exc.problems), exc
    else:
        compile_zones(zoneset)   # whatever loads also compiles
