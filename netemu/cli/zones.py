"""``netemu zones export ZONE-ID|NAME [--format route53-json|bind] [--api ADDR] [-o FILE]`` and
``netemu zones import FILE ... [--api ADDR]``: keep what was built through the Route 53 API as a
zone file, and load zone files into a running server through the same API (so every rule and
the store apply exactly as for boto3).

Export writes the zone file format ``netemu serve --zones`` reads (route53-json, with the health
checks its records use) or a BIND master file (simple records only). Import validates the files
with the zone loader first, then creates each zone (CallerReference ``import:NAME:...``), its
health checks, and its record sets in change batches of at most 1,000 records (R30).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from netemu.health import DEFAULT_API

if TYPE_CHECKING:   # the command line imports the model only when a command needs it
    from netemu.route53.model import HealthCheck, HostedZone

PREFIX = "/2013-04-01"
BATCH_RECORDS = 1000   # R30


class ApiFailure(Exception):
    pass


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("zones", help="export or import hosted zones of a running server "
                                     "(Route 53 API on --api)")
    zsub = p.add_subparsers(dest="zones_command", metavar="ACTION")
    zsub.required = True
    e = zsub.add_parser("export", help="write a hosted zone as a zone file")
    e.add_argument("zone", metavar="ZONE-ID|NAME")
    e.add_argument("--format", choices=("route53-json", "bind"), default="route53-json")
    e.add_argument("--api", default=DEFAULT_API, metavar="ADDR",
                   help=f"the server's --api address (default {DEFAULT_API})")
    e.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    e.set_defaults(func=_export)
    i = zsub.add_parser("import", help="create hosted zones from zone files through the API")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--api", default=DEFAULT_API, metavar="ADDR")
    i.set_defaults(func=_import)


def _call(api: str, method: str, path: str, root: str | None = None,
          body: dict[str, Any] | None = None) -> dict[str, Any]:
    from netemu.api import xml

    data = xml.render(root, body or {}) if root else None
    req = urllib.request.Request(f"http://{api}{PREFIX}{path}", data=data, method=method,
                                 headers={"Content-Type": "text/xml"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return xml.parse(resp.read())[1]
    except urllib.error.HTTPError as e:
        error = xml.parse(e.read())[1].get("Error", {})
        raise ApiFailure(f"{error.get('Code', e.code)}: {error.get('Message', e.reason)}") \
            from None
    except (urllib.error.URLError, OSError) as e:
        raise SystemExit(f"netemu: no netemu server answers at {api} ({getattr(e, 'reason', e)});"
                         " start one with `netemu serve` or pass --api") from None


def _find_zone(api: str, wanted: str) -> dict[str, Any]:
    wanted_id = wanted.removeprefix("/hostedzone/")
    try:
        return _call(api, "GET", f"/hostedzone/{urllib.parse.quote(wanted_id)}")
    except ApiFailure:
        pass
    name = wanted if wanted.endswith(".") else wanted + "."
    found = _call(api, "GET", "/hostedzonesbyname?" + urllib.parse.urlencode(
        {"dnsname": name, "maxitems": "100"})).get("HostedZones") or []
    matches = [z for z in found if z.get("Name", "").lower() == name.lower()]
    if len(matches) != 1:
        raise ApiFailure(f"NoSuchHostedZone: {'no' if not matches else 'more than one'} hosted "
                         f"zone named {name}" + ("; give its id" if matches else ""))
    return _call(api, "GET", "/hostedzone/" + matches[0]["Id"].split("/")[-1])


def _records(api: str, zone_id: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    query: dict[str, str] = {}
    while True:
        page = _call(api, "GET", f"/hostedzone/{zone_id}/rrset?" + urllib.parse.urlencode(query))
        out.extend(page.get("ResourceRecordSets") or [])
        if page.get("IsTruncated") != "true":
            return out
        query = {"name": page["NextRecordName"], "type": page["NextRecordType"]}
        if page.get("NextRecordIdentifier"):
            query["identifier"] = page["NextRecordIdentifier"]


def _export(args: argparse.Namespace) -> int:
    from netemu.route53 import load, shapes
    from netemu.route53.model import ZoneSet

    try:
        got = _find_zone(args.api, args.zone)
        hz = got["HostedZone"]
        zone_id = hz["Id"].removeprefix("/hostedzone/")
        records = _records(args.api, zone_id)
        check_ids = sorted({r["HealthCheckId"] for r in records if r.get("HealthCheckId")})
        checks = [_call(args.api, "GET", f"/healthcheck/{c}")["HealthCheck"] for c in check_ids]
    except ApiFailure as exc:
        print(f"netemu: {args.api}: {args.zone}: {exc}", file=sys.stderr)
        return 1
    vpcs = got.get("VPCs") or None
    doc: dict[str, Any] = {"HostedZone": {
        "Id": zone_id, "Name": hz["Name"], "CallerReference": hz.get("CallerReference"),
        "Config": hz.get("Config") or {}}}
    if vpcs:
        doc["VPCs"] = vpcs
    doc["ResourceRecordSets"] = records
    if checks:
        doc["HealthChecks"] = [{"Id": c["Id"], "CallerReference": c.get("CallerReference"),
                                "HealthCheckConfig": c["HealthCheckConfig"]} for c in checks]
    # read back through the zone loader: the file is checked, and typed (numbers, booleans)
    try:
        zoneset: ZoneSet = load.load_zone_text(json.dumps(doc), source=args.zone)
    except Exception as exc:
        print(f"netemu: {args.zone}: the exported zone does not load back: {exc}",
              file=sys.stderr)
        return 1
    zone = zoneset.zones[0]
    if args.format == "bind":
        try:
            text = shapes.bind_text(zone)
        except ValueError as exc:
            print(f"netemu: {exc}", file=sys.stderr)
            return 1
    else:
        out = shapes.zone_document(zone)
        if zoneset.health_checks:
            out["HealthChecks"] = [shapes.health_check(c) for c in zoneset.health_checks]
        text = json.dumps(out, indent=2) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _import(args: argparse.Namespace) -> int:
    from netemu.errors import LoadError
    from netemu.route53 import load

    try:
        zoneset = load.load_zone_files(args.files)
    except LoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    stamp = f"{time.time():.3f}"
    check_ids: dict[str, str] = {}
    for hc in zoneset.health_checks:
        try:
            check_ids[hc.id] = _create_check(args.api, hc)
        except ApiFailure as exc:
            print(f"netemu: health check {hc.id}: {exc}", file=sys.stderr)
            return 1
    for zone in zoneset.zones:
        where = zone.source or zone.name
        try:
            zone_id = _create_zone(args.api, zone, stamp)
            _send_records(args.api, zone, zone_id, check_ids)
        except ApiFailure as exc:
            print(f"netemu: {where}: {exc}", file=sys.stderr)
            return 1
        print(f"{zone.name} {zone_id} ({len(zone.record_sets)} record sets) from {where}")
    return 0


def _create_check(api: str, hc: HealthCheck) -> str:
    """CreateHealthCheck for one check of the files; the id the API gave it."""
    from netemu.route53 import shapes

    check_body = {"CallerReference": f"import:{hc.id}",
                  "HealthCheckConfig": shapes.health_check_config(hc.config)}
    made = _call(api, "POST", "/healthcheck", "CreateHealthCheckRequest", check_body)
    return str(made["HealthCheck"]["Id"])


def _create_zone(api: str, zone: HostedZone, stamp: str) -> str:
    """CreateHostedZone (and AssociateVPCWithHostedZone for each further VPC); the new id."""
    from netemu.route53 import shapes

    body: dict[str, Any] = {"Name": zone.name,
                            "CallerReference": f"import:{zone.name}:{stamp}"}
    config: dict[str, Any] = {"PrivateZone": zone.private}
    if zone.comment:
        config["Comment"] = zone.comment
    body["HostedZoneConfig"] = config
    if zone.vpcs:
        body["VPC"] = shapes.vpcs(zone)[0]
    made = _call(api, "POST", "/hostedzone", "CreateHostedZoneRequest", body)
    zone_id = str(made["HostedZone"]["Id"]).removeprefix("/hostedzone/")
    for vpc in shapes.vpcs(zone)[1:]:
        _call(api, "POST", f"/hostedzone/{zone_id}/associatevpc",
              "AssociateVPCWithHostedZoneRequest", {"VPC": vpc})
    return zone_id


def _send_records(api: str, zone: HostedZone, zone_id: str, check_ids: dict[str, str]) -> None:
    """The zone's record sets in change batches of at most BATCH_RECORDS records (the apex SOA
    and NS, which the new zone already has, as UPSERTs counted twice, as AWS counts them)."""
    from netemu.route53 import shapes

    changes: list[dict[str, Any]] = []
    count = 0
    for rec in zone.record_sets:
        raw = shapes.record_set(rec)
        if raw.get("HealthCheckId"):
            raw["HealthCheckId"] = check_ids.get(raw["HealthCheckId"], raw["HealthCheckId"])
        alias = raw.get("AliasTarget")
        if alias is not None and alias["HostedZoneId"] in ("", zone.id):
            alias["HostedZoneId"] = zone_id   # the zone itself, under its new id
        apex_default = rec.name == zone.name and rec.type in ("SOA", "NS")
        weight = max(len(rec.values), 1) * (2 if apex_default else 1)
        if count + weight > BATCH_RECORDS and changes:
            _send(api, zone_id, changes)
            changes, count = [], 0
        changes.append({"Action": "UPSERT" if apex_default else "CREATE",
                        "ResourceRecordSet": raw})
        count += weight
    if changes:
        _send(api, zone_id, changes)


def _send(api: str, zone_id: str, changes: list[dict[str, Any]]) -> None:
    _call(api, "POST", f"/hostedzone/{zone_id}/rrset/", "ChangeResourceRecordSetsRequest",
          {"ChangeBatch": {"Changes": changes}})
