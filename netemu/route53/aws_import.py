"""Import an AWS account's Route 53 (the JSON ``aws route53 list-* / get-*`` prints) -> zone
files (the plain data of netemu's zone files, which are Route 53's own shapes), pure.

Name: aws_import
Behaviour: ``import_route53(documents, vpc_names)`` takes the parsed outputs (any file names; the
  top-level key says what each is: ``HostedZones`` from list-hosted-zones, ``HostedZone`` with
  ``VPCs`` from get-hosted-zone, ``ResourceRecordSets`` from list-resource-record-sets,
  ``HealthChecks`` from list-health-checks) and returns zone documents by file name:
  - one file per hosted zone, keeping the zone ``Id``; a private zone's ``VPCs`` name the
    topology's VPCs (``vpc_names``: vpc-... -> name) where the VPC was imported;
  - a ``ResourceRecordSets`` output belongs to the zone whose id its file path contains, else
    to the zone named by its apex SOA record (the name must then be unambiguous);
  - the account's health checks in ``health-checks.yaml``, its CIDR collections (IP-based
    routing) in ``cidr-collections.yaml``: ``list-cidr-collections`` names them, and each
    ``list-cidr-blocks`` output (``CidrBlocks``, the collection id in its file path) gives a
    collection's locations;
  - every record and health check is read with the zone loader's own readers; what they refuse
    or netemu cannot serve (aliases to other zones or AWS resources, traffic-policy records) is
    a note (file, item, why), never a silent drop; malformed input is a Problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netemu.errors import Problem
from netemu.route53.readers import (
    FieldError,
    read_cidr_collection,
    read_health_check,
    read_record,
)

__all__ = ["R53_KEYS", "Route53Import", "import_route53"]

R53_KEYS = ("HostedZones", "HostedZone", "ResourceRecordSets", "HealthChecks", "CidrCollections",
            "CidrBlocks")
HEALTH_FILE = "health-checks.yaml"
CIDR_FILE = "cidr-collections.yaml"


@dataclass(frozen=True, slots=True)
class Route53Import:
    files: dict[str, dict[str, Any]]  # file name -> zone document
    notes: tuple[tuple[str, str, str], ...]  # (file, item, message)
    problems: tuple[Problem, ...]


def kind_of_document(data: Any) -> str | None:
    if isinstance(data, dict):
        for key in R53_KEYS:
            if key in data:
                return key
    return None


def _zone_id(raw: Any) -> str:
    return str(raw or "").removeprefix("/hostedzone/")


def import_route53(documents: Sequence[tuple[str, Any]],
                   vpc_names: Mapping[str, str] | None = None) -> Route53Import:
    """The zone documents of the Route 53 outputs, with notes and problems (module doc)."""
    imp = _Importer(vpc_names or {})
    for source, data in documents:
        imp.read(source, data)
    return imp.finish()


class _Importer:
    def __init__(self, vpc_names: Mapping[str, str]) -> None:
        self.vpc_names = vpc_names
        self.zones: dict[str, dict[str, Any]] = {}  # id -> HostedZone mapping
        self.zone_source: dict[str, str] = {}
        self.vpcs: dict[str, list[dict[str, Any]]] = {}
        self.records: list[tuple[str, list[Any]]] = []
        self.checks: list[tuple[str, Any]] = []
        self.collections: dict[str, dict[str, Any]] = {}  # id -> {Id, Name, Locations}
        self.blocks: list[tuple[str, list[Any]]] = []
        self.collection_source: dict[str, str] = {}
        self.notes: list[tuple[str, str, str]] = []
        self.problems: list[Problem] = []
        self.collection_ids: set[str] = set()

    def note(self, source: str, item: str, message: str) -> None:
        self.notes.append((source, item, message))

    def problem(self, source: str, item: str, code: str, message: str) -> None:
        self.problems.append(Problem(source, item, code, message))

    def read(self, source: str, data: Any) -> None:
        kind = kind_of_document(data)
        if kind is None:
            return
        if kind == "HostedZone":
            self._zone(source, "HostedZone", data["HostedZone"])
            hz_id = _zone_id(data["HostedZone"].get("Id")) if isinstance(
                data["HostedZone"], dict) else ""
            if hz_id and isinstance(data.get("VPCs"), list):
                self.vpcs[hz_id] = data["VPCs"]
            return
        items = data[kind]
        if not isinstance(items, list):  # every other output is a list under its key
            self.problem(source, kind, "InvalidInput", "expected a list")
        elif kind == "HostedZones":
            for i, hz in enumerate(items):
                self._zone(source, f"HostedZones[{i}]", hz)
        elif kind == "ResourceRecordSets":
            self.records.append((source, items))
        elif kind == "HealthChecks":
            self.checks.extend((source, c) for c in items)
        elif kind == "CidrCollections":
            self._collections(source, items)
        else:  # CidrBlocks
            self.blocks.append((source, items))

    def _collections(self, source: str, items: list[Any]) -> None:
        for i, c in enumerate(items):
            if not isinstance(c, dict) or not isinstance(c.get("Id"), str):
                self.problem(source, f"CidrCollections[{i}]", "InvalidInput", "Id is required")
            else:
                self.collections[c["Id"]] = {"Id": c["Id"], "Name": c.get("Name") or c["Id"],
                                             "Locations": []}
                self.collection_source[c["Id"]] = source

    def _zone(self, source: str, where: str, hz: Any) -> None:
        if not isinstance(hz, dict) or not hz.get("Id") or not isinstance(hz.get("Name"), str):
            self.problem(source, where, "InvalidInput", "a hosted zone needs Id and Name")
            return
        zid = _zone_id(hz["Id"])
        config: dict[str, Any] = hz["Config"] if isinstance(hz.get("Config"), dict) else {}
        out: dict[str, Any] = {"Id": zid, "Name": hz["Name"],
                               "Config": {"PrivateZone": bool(config.get("PrivateZone", False))}}
        if config.get("Comment"):
            out["Config"]["Comment"] = config["Comment"]
        if hz.get("CallerReference"):
            out["CallerReference"] = hz["CallerReference"]
        if hz.get("LinkedService"):
            self.note(source, zid, "imported, but it is managed by"
                      f" {hz['LinkedService'].get('ServicePrincipal', 'a service')}")
        self.zones[zid] = out
        self.zone_source[zid] = source

    def _zone_for(self, source: str, records: list[Any]) -> str | None:
        by_path = [z for z in self.zones if z in source]
        if len(by_path) == 1:
            return by_path[0]
        apex = [r.get("Name") for r in records if isinstance(r, dict) and r.get("Type") == "SOA"]
        named = [z for z, hz in self.zones.items() if apex and hz["Name"] == apex[0]]
        if len(named) == 1:
            return named[0]
        why = ("several zones have that name: put the zone id in the file name" if named
               else "no hosted zone in the snapshot matches: save list-hosted-zones, and put "
               "the zone id in the file name")
        self.problem(source, "ResourceRecordSets", "NoSuchHostedZone",
                     f"which hosted zone these records belong to is unknown ({why})")
        return None

    def _cidr_collections(self) -> set[str]:
        """The collections with their locations (the blocks of each ``list-cidr-blocks``
        output); the ids of those the zone loader's reader accepts."""
        for source, blocks in self.blocks:
            ids = [c for c in self.collections if c in source]
            if len(ids) != 1:
                self.problem(source, "CidrBlocks", "NoSuchCidrCollectionException",
                             "which CIDR collection these blocks belong to is unknown: save "
                             "list-cidr-collections and put the collection id in the file name")
                continue
            locations: dict[str, list[str]] = {}
            for b in blocks:
                if isinstance(b, dict) and b.get("LocationName") and b.get("CidrBlock"):
                    locations.setdefault(str(b["LocationName"]), []).append(str(b["CidrBlock"]))
                else:
                    self.problem(source, "CidrBlocks[]", "InvalidInput",
                                 "each block needs CidrBlock and LocationName")
            self.collections[ids[0]]["Locations"] += [
                {"LocationName": n, "CidrList": c} for n, c in locations.items()]
        ok = set()
        for cid, c in self.collections.items():
            try:
                read_cidr_collection(c)
            except FieldError as exc:
                self.note(self.collection_source[cid], f"CidrCollections[{cid}]",
                          f"skipped: {exc.code}: {exc.message}")
                continue
            ok.add(cid)
        return ok

    def finish(self) -> Route53Import:
        check_ids = self._health_checks()
        self.collection_ids = self._cidr_collections()
        files: dict[str, dict[str, Any]] = {}
        zone_records: dict[str, list[dict[str, Any]]] = {z: [] for z in self.zones}
        for source, records in self.records:
            zid = self._zone_for(source, records)
            if zid is not None:
                zone_records[zid].extend(self._records(source, zid, records, check_ids))
        taken: set[str] = set()
        for zid, hz in self.zones.items():
            doc: dict[str, Any] = {"HostedZone": hz}
            if hz["Config"]["PrivateZone"]:
                doc["VPCs"] = self._zone_vpcs(zid)
            doc["ResourceRecordSets"] = zone_records[zid]
            kind = "private" if doc.get("VPCs") is not None else "public"
            base = f"{hz['Name'].rstrip('.') or 'root'}.{kind}"
            name = f"{base}.yaml" if f"{base}.yaml" not in taken else f"{base}.{zid}.yaml"
            taken.add(name)
            files[name] = doc
        if self.checks:
            files[HEALTH_FILE] = {"HealthChecks": [c for _, c in self.checks
                                                   if _check_id(c) in check_ids]}
        if self.collection_ids:
            files[CIDR_FILE] = {"CidrCollections": [c for cid, c in self.collections.items()
                                                    if cid in self.collection_ids]}
        return Route53Import(files, tuple(self.notes), tuple(self.problems))

    def _zone_vpcs(self, zid: str) -> list[dict[str, str]]:
        source = self.zone_source[zid]
        raw = self.vpcs.get(zid)
        if raw is None:
            self.problem(source, zid, "InvalidInput", "a private hosted zone needs its VPCs: save"
                         " `aws route53 get-hosted-zone --id ID` for it")
            return []
        out = []
        for v in raw:
            vid = v.get("VPCId") if isinstance(v, dict) else None
            if not vid or not isinstance(vid, str):
                self.problem(source, zid, "InvalidVPCId", "VPCs[].VPCId is required")
                continue
            if vid in self.vpc_names:
                vid = self.vpc_names[vid]
            else:
                self.note(source, f"{zid}.VPCs[{vid}]", "kept by id: the VPC is not in the"
                          " snapshot, so no imported VPC sees this zone")
            out.append({"VPCRegion": str(v.get("VPCRegion") or "us-east-1"), "VPCId": vid})
        return out

    def _health_checks(self) -> set[str]:
        ids: set[str] = set()
        for source, raw in self.checks:
            ident = _check_id(raw)
            if not ident:
                self.problem(source, "HealthChecks[]", "InvalidInput", "Id is required")
                continue
            try:
                read_health_check(raw)
            except FieldError as exc:
                self.note(source, f"HealthChecks[{ident}]",
                          f"skipped: {exc.code}: {exc.message}")
                continue
            ids.add(ident)
        return ids

    def _records(self, source: str, zid: str, records: list[Any],
                 check_ids: set[str]) -> list[dict[str, Any]]:
        out = []
        for i, raw in enumerate(records):
            if not isinstance(raw, dict) or not raw.get("Name") or not raw.get("Type"):
                self.problem(source, f"ResourceRecordSets[{i}]", "InvalidInput",
                             "a record set needs Name and Type")
                continue
            label = f"{raw['Name']} {raw['Type']}" + (
                f" [{raw['SetIdentifier']}]" if raw.get("SetIdentifier") else "")
            rec = dict(raw)
            alias = rec.get("AliasTarget")
            if isinstance(alias, dict) and _zone_id(alias.get("HostedZoneId")) not in ("", zid):
                self.note(source, label, f"skipped: an alias to {alias.get('DNSName')} in"
                          f" hosted zone {alias.get('HostedZoneId')} (an AWS resource or another"
                          " zone): netemu serves aliases to records of the same zone only")
                continue
            if isinstance(alias, dict):
                rec["AliasTarget"] = dict(alias, HostedZoneId=zid)
            cidr = rec.get("CidrRoutingConfig")
            if isinstance(cidr, dict) and cidr.get("CollectionId") not in self.collection_ids:
                self.note(source, label, f"skipped: its CIDR collection {cidr.get('CollectionId')}"
                          " is not in the snapshot (save list-cidr-collections and"
                          " list-cidr-blocks)")
                continue
            hc = rec.get("HealthCheckId")
            if hc is not None and hc not in check_ids:
                self.note(source, label, f"imported without its health check {hc}: the check is"
                          " not in the snapshot (save list-health-checks); it is always healthy")
                rec.pop("HealthCheckId")
            try:
                read_record(rec)
            except FieldError as exc:
                self.note(source, label, f"skipped: {exc.code}: {exc.message}")
                continue
            out.append(rec)
        return out


def _check_id(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("Id"), str) and raw["Id"]:
        return str(raw["Id"])
    return None
