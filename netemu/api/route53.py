"""The Route 53 REST API (2013-04-01) over an ``Account``: request XML in, response XML out,
errors in AWS's ``ErrorResponse`` shape with the HTTP status and code botocore maps to the same
exception classes as against AWS (``client.exceptions.InvalidChangeBatch``...).

Every rule is the pure core's (``route53.changes``, the loader's readers); this module only
translates. Paths are matched by ``ROUTES`` (method, regular expression, handler name).
"""

from __future__ import annotations

import ipaddress
import logging
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from netemu.api import dnssec as dnssec_api
from netemu.api import traffic, xml
from netemu.api.account import Account, ChangeInfo
from netemu.api.auth import Verifier
from netemu.api.http import MAX_BODY
from netemu.api.store import STORE_FAILURES, StoreMoved
from netemu.route53 import changes, engine, load, names, shapes
from netemu.route53.answer import Question
from netemu.route53.changes import ChangeRejected
from netemu.route53.client import ClientContext
from netemu.route53.model import HostedZone, VpcAssociation

log = logging.getLogger("netemu.api")

PREFIX = "/2013-04-01"
DEFAULT_MAX_ITEMS = 100
MAX_RRSET_ITEMS = 300      # R97
COMMIT_TRIES = 5           # a request checked again after another server's commit
STATUS = {  # HTTP status of each error code (botocore's model; anything else is 400)
    "NoSuchHostedZone": 404, "NoSuchChange": 404, "NoSuchHealthCheck": 404,
    "NoSuchCidrCollectionException": 404, "NoSuchCidrLocationException": 404,
    "VPCAssociationNotFound": 404, "NoSuchGeoLocation": 404,
    "HostedZoneAlreadyExists": 409, "HealthCheckAlreadyExists": 409,
    "HealthCheckVersionMismatch": 409, "CidrCollectionVersionMismatchException": 409,
    "SignatureDoesNotMatch": 403, "InvalidClientTokenId": 403, "IncompleteSignature": 403,
    "NotImplemented": 501, "RequestEntityTooLarge": 413, "InternalFailure": 500,
    "ServiceUnavailable": 503, **traffic.STATUS,
    "NoSuchKeySigningKey": 404, "KeySigningKeyAlreadyExists": 409,
}
Handler = Callable[["Route53Api", web.Request, dict[str, str]], Awaitable[web.Response]]


class ApiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def error_response(code: str, message: str) -> web.Response:
    body = xml.render("ErrorResponse", {
        "Error": {"Type": "Receiver" if STATUS.get(code, 400) >= 500 else "Sender",
                  "Code": code, "Message": message},
        "RequestId": str(uuid.uuid4())})
    return web.Response(status=STATUS.get(code, 400), body=body, content_type="text/xml")


def ok(root: str, content: dict[str, Any], status: int = 200,
       headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(status=status, body=xml.render(root, content),
                            content_type="text/xml", headers=headers)
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


def _bool(text: Any) -> bool:
    return str(text).strip().lower() == "true"


def _max_items(query: Any, default: int = DEFAULT_MAX_ITEMS, cap: int | None = None) -> int:
    raw = query.get("maxitems")
    if raw is None:
        return default
    if not str(raw).isdigit() or int(raw) < 1:
        raise ApiError("InvalidInput", f"Invalid value for MaxItems: {raw}")
    return min(int(raw), cap) if cap else int(raw)


# --- shapes of responses -----------------------------------------------------------------------


def change_info(info: ChangeInfo, status: str = "PENDING") -> dict[str, Any]:
    out: dict[str, Any] = {"Id": f"/change/{info.id}", "Status": status,
                           "SubmittedAt": iso(info.submitted_at)}
    if info.comment:
        out["Comment"] = info.comment
    return out


def zone_shape(zone: HostedZone) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if zone.comment is not None:
        config["Comment"] = zone.comment
    config["PrivateZone"] = zone.private
    return {"Id": f"/hostedzone/{zone.id}", "Name": zone.name,
            "CallerReference": zone.caller_reference or f"file:{zone.source}",
            "Config": config, "ResourceRecordSetCount": len(zone.record_sets)}


def delegation(zone: HostedZone) -> dict[str, Any] | None:
    if zone.private:
        return None
    ns = next((r for r in zone.record_sets if r.name == zone.name and r.type == "NS"), None)
    return {"NameServers": [v.rstrip(".") for v in ns.values] if ns else []}


def _vpc(raw: Any) -> VpcAssociation:
    if not isinstance(raw, dict) or not raw.get("VPCId"):
        raise ApiError("InvalidVPCId", "The VPC ID is missing or invalid")
    return VpcAssociation(str(raw.get("VPCRegion") or "us-east-1"), str(raw["VPCId"]))


# --- the handlers ------------------------------------------------------------------------------


class Route53Api(dnssec_api.DnssecHandlers, traffic.TrafficApi):
    """Route 53 paths over ``account`` (DNSSEC's from ``api.dnssec``, Traffic Flow's from
    ``api.traffic``); ``verifier`` checks SigV4 when credentials are given."""

    def __init__(self, account: Account, verifier: Verifier | None = None,
                 serving: Callable[[], Any] | None = None) -> None:
        self.account = account
        self.verifier = verifier
        self.serving = serving    # the DNS server's current snapshot, for TestDNSAnswer

    async def handle(self, request: web.Request) -> web.Response | None:
        path = request.path
        if not path.startswith(PREFIX + "/"):
            return None
        for method, pattern, name in ROUTES:
            if method != request.method:
                continue
            match = pattern.fullmatch(path[len(PREFIX):])
            if match is None:
                continue
            try:
                if self.verifier is not None:
                    body = await request.read()
                    problem = self.verifier.check(request.method, request.path_qs,
                                                  dict(request.headers), body)
                    if problem is not None:
                        return error_response(*problem)
                return await self._run(name, request, match.groupdict())
            except ApiError as exc:
                return error_response(exc.code, exc.message)
            except ChangeRejected as exc:
                messages = exc.messages
                if exc.code == "InvalidChangeBatch":
                    message = "[" + ", ".join(messages) + "]"
                else:
                    message = "; ".join(messages)
                return error_response(exc.code, message)
            except (xml.BadXml, ValueError) as exc:
                return error_response("InvalidInput", str(exc))
            except web.HTTPRequestEntityTooLarge:
                return error_response("RequestEntityTooLarge",
                                      f"The request body is over {MAX_BODY} bytes")
            except ConnectionResetError:    # the client went away (or was closed: too slow)
                log.info("%s %s: the connection was closed before the request was read",
                         request.method, path)
                return web.Response(status=400)
            except STORE_FAILURES as exc:   # nothing was committed, nothing is acknowledged
                log.error("%s %s: the state store failed: %s", request.method, path, exc)
                return error_response("ServiceUnavailable",
                                      "The request has failed due to a temporary failure of "
                                      f"the server: the state store failed ({exc})")
            except Exception:  # a bug: logged with its traceback, answered without it
                log.exception("%s %s failed", request.method, path)
                return error_response("InternalFailure",
                                      "The request processing has failed because of an "
                                      "unknown error, exception or failure.")
        return error_response("InvalidAction" if path.count("/") > 1 else "NotImplemented",
                              f"netemu does not implement {request.method} {path}")

    async def _run(self, name: str, request: web.Request, params: dict[str, str],
                   ) -> web.Response:
        """One request; when another server sharing the store committed between this server's
        catch-up and its commit (nothing was written), the request is checked again from the
        start against the state it caught up to, a few times, then PriorRequestNotComplete."""
        for _ in range(COMMIT_TRIES):
            try:
                response: web.Response = await getattr(self, name)(request, params)
                return response
            except StoreMoved as exc:
                log.info("%s %s: %s; checking the request again", request.method, request.path,
                         exc)
        raise ApiError("PriorRequestNotComplete",
                       "The request was not processed because other servers sharing the state "
                       f"committed changes meanwhile {COMMIT_TRIES} times; send it again")

    async def _body(self, request: web.Request, root: str) -> dict[str, Any]:
        tag, content = xml.parse(await request.read())
        if tag != root:
            raise ApiError("InvalidInput", f"Expected a {root} document, got {tag}")
        return content

    # hosted zones ------------------------------------------------------------------------------

    async def create_hosted_zone(self, request: web.Request, _: dict[str, str]) -> web.Response:
        body = await self._body(request, "CreateHostedZoneRequest")
        if not body.get("Name") or not body.get("CallerReference"):
            raise ApiError("InvalidInput", "Name and CallerReference are required")
        config = body.get("HostedZoneConfig") or {}
        private = _bool(config.get("PrivateZone", "false")) or "VPC" in body
        vpcs = [_vpc(body["VPC"])] if "VPC" in body else []
        if private and not vpcs:
            raise ApiError("InvalidInput", "When you're creating a private hosted zone (when "
                                           "you specify true for PrivateZone), you must also "
                                           "specify values for VPCId and VPCRegion.")
        zone, info = await self.account.create_zone(
            str(body["Name"]), str(body["CallerReference"]), private, vpcs,
            config.get("Comment") or None)
        content: dict[str, Any] = {"HostedZone": zone_shape(zone),
                                   "ChangeInfo": change_info(info)}
        if zone.private:
            content["VPC"] = {"VPCRegion": vpcs[0].vpc_region, "VPCId": vpcs[0].vpc_id}
        else:
            content["DelegationSet"] = delegation(zone)
        location = f"{request.scheme}://{request.host}{PREFIX}/hostedzone/{zone.id}"
        return ok("CreateHostedZoneResponse", content, 201, {"Location": location})

    async def get_hosted_zone(self, request: web.Request, p: dict[str, str]) -> web.Response:
        zone = self.account.zone(p["id"])
        content: dict[str, Any] = {"HostedZone": zone_shape(zone)}
        if zone.private:
            content["VPCs"] = shapes.vpcs(zone)
        else:
            content["DelegationSet"] = delegation(zone)
        return ok("GetHostedZoneResponse", content)

    def _sorted_zones(self) -> list[HostedZone]:
        return sorted(self.account.zoneset.zones, key=lambda z: (changes.name_key(z.name), z.id))

    async def list_hosted_zones(self, request: web.Request, _: dict[str, str]) -> web.Response:
        q = request.query
        limit = _max_items(q)
        zones = sorted(self.account.zoneset.zones, key=lambda z: z.id)
        marker = q.get("marker")
        if marker:
            zones = [z for z in zones if z.id >= marker]
        page, rest = zones[:limit], zones[limit:]
        content: dict[str, Any] = {"HostedZones": [zone_shape(z) for z in page]}
        if marker:
            content["Marker"] = marker
        content["IsTruncated"] = bool(rest)
        if rest:
            content["NextMarker"] = rest[0].id
        content["MaxItems"] = limit
        return ok("ListHostedZonesResponse", content)

    async def list_hosted_zones_by_name(self, request: web.Request,
                                        _: dict[str, str]) -> web.Response:
        q = request.query
        limit = _max_items(q)
        zones = self._sorted_zones()
        dns_name, zone_id = q.get("dnsname"), q.get("hostedzoneid")
        if zone_id and not dns_name:
            raise ApiError("InvalidInput", "HostedZoneId requires DNSName")
        if dns_name:
            start = (changes.name_key(dns_name), zone_id or "")
            zones = [z for z in zones if (changes.name_key(z.name), z.id) >= start]
        page, rest = zones[:limit], zones[limit:]
        content: dict[str, Any] = {"HostedZones": [zone_shape(z) for z in page]}
        if dns_name:
            content["DNSName"] = dns_name
        if zone_id:
            content["HostedZoneId"] = zone_id
        content["IsTruncated"] = bool(rest)
        if rest:
            content["NextDNSName"] = rest[0].name
            content["NextHostedZoneId"] = rest[0].id
        content["MaxItems"] = limit
        return ok("ListHostedZonesByNameResponse", content)

    async def list_hosted_zones_by_vpc(self, request: web.Request,
                                       _: dict[str, str]) -> web.Response:
        q = request.query
        vpc_id, region = q.get("vpcid"), q.get("vpcregion")
        if not vpc_id or not region:
            raise ApiError("InvalidInput", "VPCId and VPCRegion are required")
        found = [z for z in self._sorted_zones()
                 if any(v.vpc_id == vpc_id and v.vpc_region == region for v in z.vpcs)]
        summaries = [{"HostedZoneId": z.id, "Name": z.name,
                      "Owner": {"OwningAccount": "000000000000"}} for z in found]
        return ok("ListHostedZonesByVPCResponse", {"HostedZoneSummaries": summaries,
                                                   "MaxItems": _max_items(q)})

    async def get_hosted_zone_count(self, request: web.Request,
                                    _: dict[str, str]) -> web.Response:
        return ok("GetHostedZoneCountResponse",
                  {"HostedZoneCount": len(self.account.zoneset.zones)})

    async def delete_hosted_zone(self, request: web.Request, p: dict[str, str]) -> web.Response:
        info = await self.account.delete_zone(p["id"])
        return ok("DeleteHostedZoneResponse", {"ChangeInfo": change_info(info)})

    async def update_hosted_zone_comment(self, request: web.Request,
                                         p: dict[str, str]) -> web.Response:
        body = await self._body(request, "UpdateHostedZoneCommentRequest")
        comment = body.get("Comment") or None
        zone, _ = await self.account.update_zone(
            p["id"], lambda zs, zid: changes.set_comment(zs, zid, comment))
        return ok("UpdateHostedZoneCommentResponse", {"HostedZone": zone_shape(zone)})

    async def associate_vpc(self, request: web.Request, p: dict[str, str]) -> web.Response:
        body = await self._body(request, "AssociateVPCWithHostedZoneRequest")
        vpc = _vpc(body.get("VPC"))
        _, info = await self.account.update_zone(
            p["id"], lambda zs, zid: changes.associate_vpc(zs, zid, vpc))
        return ok("AssociateVPCWithHostedZoneResponse", {"ChangeInfo": change_info(info)})

    async def disassociate_vpc(self, request: web.Request, p: dict[str, str]) -> web.Response:
        body = await self._body(request, "DisassociateVPCFromHostedZoneRequest")
        vpc = _vpc(body.get("VPC"))
        _, info = await self.account.update_zone(
            p["id"], lambda zs, zid: changes.disassociate_vpc(zs, zid, vpc))
        return ok("DisassociateVPCFromHostedZoneResponse", {"ChangeInfo": change_info(info)})

    # record sets -------------------------------------------------------------------------------

    async def change_rrsets(self, request: web.Request, p: dict[str, str]) -> web.Response:
        body = await self._body(request, "ChangeResourceRecordSetsRequest")
        batch = body.get("ChangeBatch")
        if not isinstance(batch, dict) or not isinstance(batch.get("Changes"), list):
            raise ApiError("InvalidInput", "ChangeBatch.Changes is required")
        info = await self.account.change_records(p["id"], batch["Changes"],
                                                 batch.get("Comment") or None)
        return ok("ChangeResourceRecordSetsResponse", {"ChangeInfo": change_info(info)})

    async def list_rrsets(self, request: web.Request, p: dict[str, str]) -> web.Response:
        q = request.query
        zone = self.account.zone(p["id"])
        limit = _max_items(q, MAX_RRSET_ITEMS, MAX_RRSET_ITEMS)
        name, rtype, ident = q.get("name"), q.get("type"), q.get("identifier")
        if rtype and not name:  # R97
            raise ApiError("InvalidInput", "The input is not valid: You must specify a "
                                           "StartRecordName when you specify StartRecordType")
        if ident and not rtype:
            raise ApiError("InvalidInput", "The input is not valid: You must specify a "
                                           "StartRecordType when you specify "
                                           "StartRecordIdentifier")
        records = sorted(zone.record_sets, key=changes.sort_key)
        if name:
            try:
                start = (changes.name_key(name), (rtype or "").upper(), ident or "")
            except ValueError as exc:
                raise ApiError("InvalidInput", f"Invalid StartRecordName: {exc}") from None
            records = [r for r in records if changes.sort_key(r) >= start]
        page, rest = records[:limit], records[limit:]
        content: dict[str, Any] = {
            "ResourceRecordSets": [self._rrset_shape(r, zone) for r in page],
            "IsTruncated": bool(rest)}
        if rest:
            content["NextRecordName"] = rest[0].name
            content["NextRecordType"] = rest[0].type
            if rest[0].set_identifier is not None:
                content["NextRecordIdentifier"] = rest[0].set_identifier
        content["MaxItems"] = limit
        return ok("ListResourceRecordSetsResponse", content)

    def _rrset_shape(self, rec: Any, zone: HostedZone) -> dict[str, Any]:
        out = shapes.record_set_for_zone(rec, zone)
        owner = self.account.traffic.owner(zone.id, rec)
        if owner is not None:   # R121: the records a traffic policy instance created
            out["TrafficPolicyInstanceId"] = owner
        return out

    async def get_change(self, request: web.Request, p: dict[str, str]) -> web.Response:
        info, status = self.account.change_status(p["id"])
        return ok("GetChangeResponse", {"ChangeInfo": change_info(info, status)})

    # tags --------------------------------------------------------------------------------------

    def _tag_resource(self, rtype: str, rid: str) -> str:
        if rtype == "hostedzone":
            self.account.zone(rid)
        elif rtype == "healthcheck":
            if not any(h.id == rid for h in self.account.zoneset.health_checks):
                raise ApiError("NoSuchHealthCheck", f"No health check exists with the "
                                                    f"specified ID {rid}")
        else:
            raise ApiError("InvalidInput", f"Unknown ResourceType {rtype}")
        return f"{rtype}/{rid}"

    async def change_tags(self, request: web.Request, p: dict[str, str]) -> web.Response:
        resource = self._tag_resource(p["type"], p["rid"])
        body = await self._body(request, "ChangeTagsForResourceRequest")
        add = {str(t.get("Key")): str(t.get("Value") or "")
               for t in body.get("AddTags") or [] if isinstance(t, dict)}
        remove = [str(k) for k in body.get("RemoveTagKeys") or []]
        await self.account.set_tags(resource, add, remove)
        return ok("ChangeTagsForResourceResponse", {})

    async def list_tags(self, request: web.Request, p: dict[str, str]) -> web.Response:
        resource = self._tag_resource(p["type"], p["rid"])
        tags = self.account.tags.get(resource, {})
        return ok("ListTagsForResourceResponse", {"ResourceTagSet": {
            "ResourceType": p["type"], "ResourceId": p["rid"],
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}})


    # health checks -----------------------------------------------------------------------------

    def _check_shape(self, check_id: str) -> dict[str, Any]:
        check = changes.find_health_check(self.account.zoneset, check_id)
        out: dict[str, Any] = {"Id": check.id,
                               "CallerReference": check.caller_reference or "file",
                               "HealthCheckConfig": shapes.health_check_config(check.config),
                               "HealthCheckVersion": self.account.check_versions.get(check.id, 1)}
        return out

    async def create_health_check(self, request: web.Request, _: dict[str, str]) -> web.Response:
        body = await self._body(request, "CreateHealthCheckRequest")
        if not body.get("CallerReference") or not isinstance(body.get("HealthCheckConfig"), dict):
            raise ApiError("InvalidInput", "CallerReference and HealthCheckConfig are required")
        check = await self.account.create_health_check(str(body["CallerReference"]),
                                                       body["HealthCheckConfig"])
        location = f"{request.scheme}://{request.host}{PREFIX}/healthcheck/{check.id}"
        return ok("CreateHealthCheckResponse", {"HealthCheck": self._check_shape(check.id)},
                  201, {"Location": location})

    async def get_health_check(self, request: web.Request, p: dict[str, str]) -> web.Response:
        return ok("GetHealthCheckResponse", {"HealthCheck": self._check_shape(p["hc"])})

    async def list_health_checks(self, request: web.Request, _: dict[str, str]) -> web.Response:
        q = request.query
        limit = _max_items(q)
        checks = sorted(h.id for h in self.account.zoneset.health_checks)
        marker = q.get("marker")
        if marker:
            checks = [c for c in checks if c >= marker]
        page, rest = checks[:limit], checks[limit:]
        content: dict[str, Any] = {"HealthChecks": [self._check_shape(c) for c in page],
                                   "Marker": marker or "", "IsTruncated": bool(rest)}
        if rest:
            content["NextMarker"] = rest[0]
        content["MaxItems"] = limit
        return ok("ListHealthChecksResponse", content)

    async def get_health_check_count(self, request: web.Request,
                                     _: dict[str, str]) -> web.Response:
        return ok("GetHealthCheckCountResponse",
                  {"HealthCheckCount": len(self.account.zoneset.health_checks)})

    async def update_health_check(self, request: web.Request, p: dict[str, str]) -> web.Response:
        body = await self._body(request, "UpdateHealthCheckRequest")
        check = await self.account.update_health_check(p["hc"], body)
        return ok("UpdateHealthCheckResponse", {"HealthCheck": self._check_shape(check.id)})

    async def delete_health_check(self, request: web.Request, p: dict[str, str]) -> web.Response:
        await self.account.delete_health_check(p["hc"])
        return ok("DeleteHealthCheckResponse", {})

    def _observations(self, check_id: str, failures: bool) -> list[dict[str, Any]]:
        """One observation per checker region (R87), from the checker's real probes: netemu runs
        one probe per interval and reports it as every region's observation."""
        check = changes.find_health_check(self.account.zoneset, check_id)
        if check.config.type == "CALCULATED":
            raise ApiError("InvalidInput", "GetHealthCheckStatus and "
                                           "GetHealthCheckLastFailureReason are not available "
                                           "for calculated health checks")
        checker = self.account.health
        if checker is None:
            return []
        state = checker.states.get(check_id)
        seen = checker.last_failure.get(check_id) if failures else (
            state.last if state is not None else None)
        if state is None or seen is None:
            return []
        # R183: each Region's own last observation when its checker made one
        by_region = {} if failures else dict(state.seen)
        out = []
        for c in state.checkers:
            o = by_region.get(c.region, seen)
            word = "Success" if o.passed else "Failure"
            out.append({"Region": c.region, "IPAddress": "127.0.0.1",
                        "StatusReport": {"Status": f"{word}: {o.detail}",
                                         "CheckedTime": iso(o.at)}})
        return out

    async def get_health_check_status(self, request: web.Request,
                                      p: dict[str, str]) -> web.Response:
        return ok("GetHealthCheckStatusResponse",
                  {"HealthCheckObservations": self._observations(p["hc"], failures=False)})

    async def get_health_check_last_failure_reason(self, request: web.Request,
                                                   p: dict[str, str]) -> web.Response:
        return ok("GetHealthCheckLastFailureReasonResponse",
                  {"HealthCheckObservations": self._observations(p["hc"], failures=True)})


    # CIDR collections --------------------------------------------------------------------------

    def _collection(self, cid: str) -> dict[str, Any]:
        cc = changes.find_cidr_collection(self.account.zoneset, cid)
        meta = self.account.cidr_meta.get(cid, {"Version": 1})
        return {"Arn": f"arn:aws:route53:::cidrcollection/{cc.id}", "Id": cc.id, "Name": cc.name,
                "Version": meta["Version"]}

    async def create_cidr_collection(self, request: web.Request,
                                     _: dict[str, str]) -> web.Response:
        body = await self._body(request, "CreateCidrCollectionRequest")
        if not body.get("Name") or not body.get("CallerReference"):
            raise ApiError("InvalidInput", "Name and CallerReference are required")
        cid = await self.account.create_cidr_collection(str(body["Name"]),
                                                        str(body["CallerReference"]))
        location = f"{request.scheme}://{request.host}{PREFIX}/cidrcollection/{cid}"
        return ok("CreateCidrCollectionResponse", {"Collection": self._collection(cid)}, 201,
                  {"Location": location})

    async def change_cidr_collection(self, request: web.Request,
                                     p: dict[str, str]) -> web.Response:
        body = await self._body(request, "ChangeCidrCollectionRequest")
        raw = body.get("Changes")
        if not isinstance(raw, list) or not raw:
            raise ApiError("InvalidInput", "Changes is required")
        info = await self.account.change_cidr_collection(p["cc"], raw,
                                                         body.get("CollectionVersion"))
        return ok("ChangeCidrCollectionResponse", {"Id": info.id})

    async def list_cidr_collections(self, request: web.Request,
                                    _: dict[str, str]) -> web.Response:
        found = sorted(self.account.zoneset.cidr_collections, key=lambda c: c.name)
        return ok("ListCidrCollectionsResponse",
                  {"CidrCollections": [self._collection(c.id) for c in found]})

    async def list_cidr_locations(self, request: web.Request, p: dict[str, str]) -> web.Response:
        cc = changes.find_cidr_collection(self.account.zoneset, p["cc"])
        return ok("ListCidrLocationsResponse",
                  {"CidrLocations": [{"LocationName": loc.name} for loc in cc.locations]})

    async def list_cidr_blocks(self, request: web.Request, p: dict[str, str]) -> web.Response:
        cc = changes.find_cidr_collection(self.account.zoneset, p["cc"])
        want = request.query.get("location")
        if want and not any(loc.name == want for loc in cc.locations):
            raise ApiError("NoSuchCidrLocationException",
                           f"The CIDR collection location {want} doesn't exist.")
        blocks = [{"CidrBlock": b, "LocationName": loc.name} for loc in cc.locations
                  if not want or loc.name == want for b in loc.cidrs]
        return ok("ListCidrBlocksResponse", {"CidrBlocks": blocks})

    async def delete_cidr_collection(self, request: web.Request,
                                     p: dict[str, str]) -> web.Response:
        await self.account.delete_cidr_collection(p["cc"])
        return ok("DeleteCidrCollectionResponse", {})

    # limits ------------------------------------------------------------------------------------

    async def get_hosted_zone_limit(self, request: web.Request,
                                    p: dict[str, str]) -> web.Response:
        zone = self.account.zone(p["id"])
        if p["type"] == "MAX_RRSETS_BY_ZONE":
            value, count = load.MAX_RECORD_SETS, len(zone.record_sets)
        elif p["type"] == "MAX_VPCS_ASSOCIATED_BY_ZONE":
            if not zone.private:
                raise ApiError("HostedZoneNotPrivate", "The specified hosted zone is a public "
                                                       "hosted zone, not a private hosted zone.")
            value, count = changes.MAX_VPCS_PER_ZONE, len(zone.vpcs)
        else:
            raise ApiError("InvalidInput", f"Unknown hosted zone limit type {p['type']}")
        return ok("GetHostedZoneLimitResponse",
                  {"Limit": {"Type": p["type"], "Value": value}, "Count": count})

    async def get_account_limit(self, request: web.Request, p: dict[str, str]) -> web.Response:
        zs = self.account.zoneset
        limits = {"MAX_HOSTED_ZONES_BY_OWNER": (changes.MAX_ZONES, len(zs.zones)),
                  "MAX_HEALTH_CHECKS_BY_OWNER": (changes.MAX_HEALTH_CHECKS,
                                                 len(zs.health_checks)),
                  "MAX_REUSABLE_DELEGATION_SETS_BY_OWNER": (100, 0),
                  "MAX_TRAFFIC_POLICIES_BY_OWNER": (traffic.MAX_POLICIES,
                                                    len(self.account.traffic.policies)),
                  "MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER": (traffic.MAX_INSTANCES,
                                                            len(self.account.traffic.instances))}
        if p["type"] not in limits:
            raise ApiError("InvalidInput", f"Unknown account limit type {p['type']}")
        value, count = limits[p["type"]]
        return ok("GetAccountLimitResponse",
                  {"Limit": {"Type": p["type"], "Value": value}, "Count": count})

    # TestDNSAnswer -----------------------------------------------------------------------------

    async def test_dns_answer(self, request: web.Request, _: dict[str, str]) -> web.Response:
        """R98: what the DNS server would answer, from the same engine and snapshot; ResolverIP
        is the client address, EDNS0ClientSubnetIP/Mask the client subnet (default /24, /64)."""
        q = request.query
        zone = self.account.zone(q.get("hostedzoneid", ""))
        if zone.private:
            raise ApiError("InvalidInput", "TestDNSAnswer supports public hosted zones only")
        name, rtype = q.get("recordname"), (q.get("recordtype") or "").upper()
        if not name or not rtype:
            raise ApiError("InvalidInput", "RecordName and RecordType are required")
        resolver = q.get("resolverip") or "8.8.8.8"     # a resolver in us-east-1 (R98)
        subnet = None
        if q.get("edns0clientsubnetip"):
            ip = ipaddress.ip_address(q["edns0clientsubnetip"])
            mask = int(q.get("edns0clientsubnetmask") or (24 if ip.version == 4 else 64))
            net = ipaddress.ip_network(f"{ip}/{mask}", strict=False)
            subnet = (str(net.network_address), mask)
        serving = self.serving() if self.serving is not None else None
        if serving is None:
            raise ApiError("InvalidInput", "TestDNSAnswer needs the DNS server")
        try:
            labels = names.parse(name)
        except names.BadName as exc:
            raise ApiError("InvalidInput", f"Invalid RecordName: {exc}") from None
        client = ClientContext(resolver, subnet, None, serving.locator)
        answer = engine.answer(Question(labels, rtype), client, serving.zones, serving.health,
                               random.Random())
        data: list[str] = []
        for ref in answer.answer:
            values = ref.record.values
            order = ref.order if ref.order is not None else range(len(values))
            data.extend(values[i] for i in order)
        ns = next((r for r in zone.record_sets if r.name == zone.name and r.type == "NS"), None)
        return ok("TestDNSAnswerResponse", {
            "Nameserver": (ns.values[0].rstrip(".") if ns and ns.values else "ns.netemu"),
            "RecordName": names.to_text(labels), "RecordType": rtype, "RecordData": data,
            "ResponseCode": answer.rcode.name, "Protocol": "UDP"})


def _r(method: str, pattern: str, name: str) -> tuple[str, re.Pattern[str], str]:
    return method, re.compile(pattern), name


ZID = r"(?:/hostedzone/)?(?P<id>[^/]+)"
ROUTES = [
    _r("POST", r"/hostedzone", "create_hosted_zone"),
    _r("GET", r"/hostedzone", "list_hosted_zones"),
    _r("GET", r"/hostedzonesbyname", "list_hosted_zones_by_name"),
    _r("GET", r"/hostedzonesbyvpc", "list_hosted_zones_by_vpc"),
    _r("GET", r"/hostedzonecount", "get_hosted_zone_count"),
    _r("GET", r"/hostedzone/(?P<id>[^/]+)", "get_hosted_zone"),
    _r("DELETE", r"/hostedzone/(?P<id>[^/]+)", "delete_hosted_zone"),
    _r("POST", r"/hostedzone/(?P<id>[^/]+)", "update_hosted_zone_comment"),
    _r("POST", r"/hostedzone/(?P<id>[^/]+)/rrset/?", "change_rrsets"),
    _r("GET", r"/hostedzone/(?P<id>[^/]+)/rrset/?", "list_rrsets"),
    _r("POST", r"/hostedzone/(?P<id>[^/]+)/associatevpc", "associate_vpc"),
    _r("POST", r"/hostedzone/(?P<id>[^/]+)/disassociatevpc", "disassociate_vpc"),
    _r("GET", r"/change/(?P<id>[^/]+)", "get_change"),
    _r("POST", r"/tags/(?P<type>[^/]+)/(?P<rid>[^/]+)", "change_tags"),
    _r("GET", r"/tags/(?P<type>[^/]+)/(?P<rid>[^/]+)", "list_tags"),
    _r("POST", r"/healthcheck", "create_health_check"),
    _r("GET", r"/healthcheck", "list_health_checks"),
    _r("GET", r"/healthcheckcount", "get_health_check_count"),
    _r("GET", r"/healthcheck/(?P<hc>[^/]+)", "get_health_check"),
    _r("POST", r"/healthcheck/(?P<hc>[^/]+)", "update_health_check"),
    _r("DELETE", r"/healthcheck/(?P<hc>[^/]+)", "delete_health_check"),
    _r("GET", r"/healthcheck/(?P<hc>[^/]+)/status", "get_health_check_status"),
    _r("GET", r"/healthcheck/(?P<hc>[^/]+)/lastfailurereason",
       "get_health_check_last_failure_reason"),
    _r("POST", r"/cidrcollection", "create_cidr_collection"),
    _r("GET", r"/cidrcollection", "list_cidr_collections"),
    _r("POST", r"/cidrcollection/(?P<cc>[^/]+)", "change_cidr_collection"),
    _r("GET", r"/cidrcollection/(?P<cc>[^/]+)", "list_cidr_locations"),
    _r("DELETE", r"/cidrcollection/(?P<cc>[^/]+)", "delete_cidr_collection"),
    _r("GET", r"/cidrcollection/(?P<cc>[^/]+)/cidrblocks", "list_cidr_blocks"),
    _r("GET", r"/hostedzonelimit/(?P<id>[^/]+)/(?P<type>[^/]+)", "get_hosted_zone_limit"),
    _r("GET", r"/accountlimit/(?P<type>[^/]+)", "get_account_limit"),
    _r("GET", r"/testdnsanswer", "test_dns_answer"),
    *(_r(*route) for route in traffic.ROUTES),
]
ROUTES += [_r(*route) for route in dnssec_api.ROUTES]   # DNSSEC signing (api/dnssec.py)

__all__ = ["ROUTES", "Route53Api", "error_response"]
