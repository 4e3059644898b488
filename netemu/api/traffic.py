"""Traffic Flow through the API: traffic policies (versioned documents) and policy instances
(the record sets a document implies, at a name of a hosted zone), durable in the store.

``TrafficFlow`` keeps an ``Account``'s policies and instances and changes them through the
account's one change path: the pure core validates the document (``route53.traffic``), expands
an instance into record sets, and ``route53.changes`` applies them as one change batch with every
record rule, so the instance's records are committed (as ``rrset`` rows, beside the instance's
own ``trafficpolicyinstance`` row) and served exactly like records made by a change batch.
``TrafficApi`` is the REST side (2013-04-01 paths), mixed into ``Route53Api``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web

from netemu.api.store import Write
from netemu.route53 import changes, names, shapes, traffic
from netemu.route53.changes import Change, ChangeRejected
from netemu.route53.model import RecordSet, ZoneSet

if TYPE_CHECKING:
    from netemu.api.account import Account

MAX_POLICIES = 50              # Route 53's default quota of traffic policies per account
MAX_VERSIONS = 1000            # botocore: TrafficPolicyVersion max
MAX_INSTANCES = 5              # Route 53's default quota of traffic policy instances
POLICY, INSTANCE = "trafficpolicy", "trafficpolicyinstance"
Key = tuple[str, str, str | None]


def _rejected(code: str, message: str) -> ChangeRejected:
    return ChangeRejected([(code, message)])


class TrafficFlow:
    """The account's traffic policies (``policies[id][version]``, API ``TrafficPolicy``
    shapes) and instances (``instances[id]``: the API shape and the record keys it made)."""

    def __init__(self, account: Account, rows: dict[str, dict[str, Any]]) -> None:
        self.account = account
        self.reload(rows)

    def reload(self, rows: dict[str, dict[str, Any]]) -> None:
        """Read the policies and instances from the stored rows again (in place: a request
        that holds this object sees the state another server committed)."""
        self.policies: dict[str, dict[int, dict[str, Any]]] = {}
        self.instances: dict[str, dict[str, Any]] = {}
        self.records: dict[str, list[Key]] = {}
        for value in rows.get(POLICY, {}).values():
            tp = value["TrafficPolicy"]
            self.policies.setdefault(tp["Id"], {})[int(tp["Version"])] = tp
        for key, value in rows.get(INSTANCE, {}).items():
            self.instances[key] = value["TrafficPolicyInstance"]
            self.records[key] = [(n, t, s) for n, t, s in value["Records"]]

    # --- reading -------------------------------------------------------------------------------

    def policy(self, policy_id: str, version: int | None = None) -> dict[str, Any]:
        versions = self.policies.get(policy_id)
        if not versions or (version is not None and version not in versions):
            raise _rejected("NoSuchTrafficPolicy", "No traffic policy exists with the "
                            f"specified ID {policy_id}" +
                            (f" and version {version}" if version is not None else ""))
        return versions[version if version is not None else max(versions)]

    def instance(self, instance_id: str) -> dict[str, Any]:
        found = self.instances.get(instance_id)
        if found is None:
            raise _rejected("NoSuchTrafficPolicyInstance", "No traffic policy instance exists "
                            f"with the specified ID {instance_id}")
        return found

    def owner(self, zone_id: str, rec: RecordSet) -> str | None:
        """The id of the instance that created ``rec`` (``TrafficPolicyInstanceId``)."""
        for iid, keys in self.records.items():
            if self.instances[iid]["HostedZoneId"] == zone_id and rec.key in keys:
                return iid
        return None

    # --- policies ------------------------------------------------------------------------------

    @staticmethod
    def _document(text: str) -> traffic.Document:
        try:
            return traffic.parse_document(text)
        except traffic.InvalidDocument as bad:   # R120
            raise ChangeRejected([("InvalidTrafficPolicyDocument", m)
                                  for m in bad.messages]) from None

    async def _write_policy(self, tp: dict[str, Any]) -> None:
        await self.account._commit(self.account.zoneset, [
            (POLICY, f"{tp['Id']}/{tp['Version']}", {"TrafficPolicy": tp})])
        self.policies.setdefault(tp["Id"], {})[tp["Version"]] = tp

    async def create_policy(self, name: str, text: str, comment: str | None) -> dict[str, Any]:
        async with self.account._change():
            doc = self._document(text)
            if any(v[max(v)]["Name"] == name for v in self.policies.values()):
                raise _rejected("TrafficPolicyAlreadyExists", "A traffic policy that has the "
                                f"same value for Name already exists: {name}")
            if len(self.policies) >= MAX_POLICIES:
                raise _rejected("TooManyTrafficPolicies", "Limits on the number of traffic "
                                f"policies ({MAX_POLICIES}) would be exceeded")
            tp = _policy_shape(str(uuid.uuid4()), 1, name, doc, text, comment)
            await self._write_policy(tp)
            return tp

    async def create_version(self, policy_id: str, text: str,
                             comment: str | None) -> dict[str, Any]:
        async with self.account._change():
            latest = self.policy(policy_id)
            doc = self._document(text)
            version = max(self.policies[policy_id]) + 1
            if version > MAX_VERSIONS:
                raise _rejected("TooManyTrafficPolicyVersionsForCurrentPolicy",
                                f"The traffic policy {policy_id} has {MAX_VERSIONS} versions")
            tp = _policy_shape(policy_id, version, latest["Name"], doc, text, comment)
            await self._write_policy(tp)
            return tp

    async def update_comment(self, policy_id: str, version: int,
                             comment: str) -> dict[str, Any]:
        async with self.account._change():
            tp = dict(self.policy(policy_id, version), Comment=comment)
            await self._write_policy(tp)
            return tp

    async def delete_policy(self, policy_id: str, version: int) -> None:
        async with self.account._change():
            self.policy(policy_id, version)
            users = [i["Id"] for i in self.instances.values()
                     if i["TrafficPolicyId"] == policy_id and i["TrafficPolicyVersion"] == version]
            if users:
                raise _rejected("TrafficPolicyInUse", "One or more traffic policy instances "
                                f"were created by using the specified traffic policy: "
                                f"{', '.join(users)}")
            await self.account._commit(self.account.zoneset,
                                       [(POLICY, f"{policy_id}/{version}", None)])
            del self.policies[policy_id][version]
            if not self.policies[policy_id]:
                del self.policies[policy_id]

    # --- instances -----------------------------------------------------------------------------

    def _expand(self, policy_id: str, version: int, name: str, ttl: int,
                ) -> tuple[dict[str, Any], tuple[RecordSet, ...]]:
        tp = self.policy(policy_id, version)
        return tp, traffic.expand(self._document(tp["Document"]), name, ttl)

    def _apply(self, zone_id: str, batch: Sequence[Change]) -> ZoneSet:
        """The batch through the change path; a record rule it breaks is the request's
        InvalidInput (CreateTrafficPolicyInstance has no InvalidChangeBatch)."""
        try:
            return changes.apply_change_batch(self.account.zoneset, zone_id, batch,
                                              self.account.strict_aws)
        except ChangeRejected as exc:
            raise ChangeRejected([("InvalidInput" if c == "InvalidChangeBatch" else c, m)
                                  for c, m in exc.errors]) from None

    def _current(self, zone_id: str, keys: Sequence[Key]) -> list[Change]:
        """DELETEs of the instance's records as they are now (a record changed or deleted
        by a change batch since is deleted as it is, or skipped)."""
        index = {r.key: r for r in changes.find_zone(self.account.zoneset, zone_id).record_sets}
        return [Change("DELETE", index[k]) for k in keys if k in index]

    async def _commit_instance(self, shape: dict[str, Any], batch: Sequence[Change],
                               keys: list[Key], delete: bool = False) -> None:
        account = self.account
        zone_id = shape["HostedZoneId"]
        new = self._apply(zone_id, batch) if batch else account.zoneset
        after = {r.key: r for r in changes.find_zone(new, zone_id).record_sets}
        writes: list[Write] = []
        for ch in batch:
            rec = after.get(ch.record.key)
            writes.append(("rrset", _rrset_key(zone_id, ch.record),
                           None if rec is None else {"ZoneId": zone_id,
                                                     "RecordSet": shapes.record_set(rec)}))
        writes = list({(w[0], w[1]): w for w in writes}.values())
        value = None if delete else {"TrafficPolicyInstance": shape,
                                     "Records": [list(k) for k in keys]}
        writes.append((INSTANCE, shape["Id"], value))
        await account._commit(new, writes)
        if delete:
            self.instances.pop(shape["Id"], None)
            self.records.pop(shape["Id"], None)
        else:
            self.instances[shape["Id"]] = shape
            self.records[shape["Id"]] = keys

    async def create_instance(self, zone_id: str, name: str, ttl: int, policy_id: str,
                              version: int) -> dict[str, Any]:
        async with self.account._change():
            zone = self.account._writable(zone_id)
            try:
                name = names.to_text(names.parse(name))
            except names.BadName as exc:
                raise _rejected("InvalidInput", f"Invalid Name {name}: {exc}") from None
            if len(self.instances) >= MAX_INSTANCES:
                raise _rejected("TooManyTrafficPolicyInstances", "Limits on the number of "
                                f"traffic policy instances ({MAX_INSTANCES}) would be exceeded")
            tp, records = self._expand(policy_id, version, name, ttl)
            for other in self.instances.values():
                if (other["HostedZoneId"], other["Name"], other["TrafficPolicyType"]) == \
                        (zone.id, name, tp["Type"]):
                    raise _rejected("TrafficPolicyInstanceAlreadyExists",
                                    f"There is already a traffic policy instance for {name} "
                                    f"{tp['Type']}: {other['Id']}")
            shape = _instance_shape(str(uuid.uuid4()), zone.id, name, ttl, tp)
            await self._commit_instance(shape, [Change("CREATE", r) for r in records],
                                        [r.key for r in records])
            return shape

    async def update_instance(self, instance_id: str, ttl: int, policy_id: str,
                              version: int) -> dict[str, Any]:
        async with self.account._change():
            old = self.instance(instance_id)
            self.account._writable(old["HostedZoneId"])
            tp, records = self._expand(policy_id, version, old["Name"], ttl)
            if tp["Type"] != old["TrafficPolicyType"]:
                raise _rejected("ConflictingTypes", "The traffic policy version has the DNS "
                                f"type {tp['Type']}, the instance has the type "
                                f"{old['TrafficPolicyType']}")
            batch = self._current(old["HostedZoneId"], self.records[instance_id])
            batch += [Change("CREATE", r) for r in records]
            shape = _instance_shape(instance_id, old["HostedZoneId"], old["Name"], ttl, tp)
            await self._commit_instance(shape, batch, [r.key for r in records])
            return shape

    async def delete_instance(self, instance_id: str) -> None:
        async with self.account._change():
            old = self.instance(instance_id)
            self.account._writable(old["HostedZoneId"])
            batch = self._current(old["HostedZoneId"], self.records[instance_id])
            await self._commit_instance(old, batch, [], delete=True)


def _rrset_key(zone_id: str, rec: RecordSet) -> str:
    from netemu.api.account import rrset_key
    return rrset_key(zone_id, rec)


def _policy_shape(policy_id: str, version: int, name: str, doc: traffic.Document, text: str,
                  comment: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": policy_id, "Version": version, "Name": name,
                           "Type": doc.record_type, "Document": text}
    if comment:
        out["Comment"] = comment
    return out


def _instance_shape(instance_id: str, zone_id: str, name: str, ttl: int,
                    tp: dict[str, Any]) -> dict[str, Any]:
    return {"Id": instance_id, "HostedZoneId": zone_id, "Name": name, "TTL": ttl,
            "State": "Applied", "Message": "", "TrafficPolicyId": tp["Id"],
            "TrafficPolicyVersion": tp["Version"], "TrafficPolicyType": tp["Type"]}


# --- the REST side -----------------------------------------------------------------------------


def _int(raw: Any, what: str, lo: int, hi: int) -> int:
    text = str(raw if raw is not None else "").strip()
    if not text.lstrip("-").isdigit() or not lo <= int(text) <= hi:
        raise ChangeRejected([("InvalidInput", (f"Invalid value for {what}: '{raw}' (an integer "
                               f"from {lo} to {hi})"))])
    return int(text)


def _required(body: dict[str, Any], *keys: str) -> None:
    missing = [k for k in keys if body.get(k) in (None, "")]
    if missing:
        raise ChangeRejected([("InvalidInput", f"{', '.join(missing)} is required")])


class TrafficApi:
    """The traffic policy paths; mixed into ``Route53Api`` (which gives ``account``,
    ``_body``)."""

    account: Account

    async def _body(self, request: web.Request, root: str) -> dict[str, Any]:
        raise NotImplementedError

    def _flow(self) -> TrafficFlow:
        return self.account.traffic

    def _paged(self, items: list[Any], limit: int) -> tuple[list[Any], list[Any]]:
        return items[:limit], items[limit:]

    def _location(self, request: web.Request, path: str) -> dict[str, str]:
        return {"Location": f"{request.scheme}://{request.host}/2013-04-01/{path}"}

    async def create_traffic_policy(self, request: web.Request,
                                    _: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        body = await self._body(request, "CreateTrafficPolicyRequest")
        _required(body, "Name", "Document")
        tp = await self._flow().create_policy(str(body["Name"]), str(body["Document"]),
                                              body.get("Comment") or None)
        return ok("CreateTrafficPolicyResponse", {"TrafficPolicy": tp}, 201,
                  self._location(request, f"trafficpolicy/{tp['Id']}/{tp['Version']}"))

    async def create_traffic_policy_version(self, request: web.Request,
                                            p: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        body = await self._body(request, "CreateTrafficPolicyVersionRequest")
        _required(body, "Document")
        tp = await self._flow().create_version(p["id"], str(body["Document"]),
                                               body.get("Comment") or None)
        return ok("CreateTrafficPolicyVersionResponse", {"TrafficPolicy": tp}, 201,
                  self._location(request, f"trafficpolicy/{tp['Id']}/{tp['Version']}"))

    async def get_traffic_policy(self, request: web.Request, p: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        version = _int(p["version"], "Version", 1, MAX_VERSIONS)
        return ok("GetTrafficPolicyResponse",
                  {"TrafficPolicy": self._flow().policy(p["id"], version)})

    async def update_traffic_policy_comment(self, request: web.Request,
                                            p: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        body = await self._body(request, "UpdateTrafficPolicyCommentRequest")
        version = _int(p["version"], "Version", 1, MAX_VERSIONS)
        tp = await self._flow().update_comment(p["id"], version, str(body.get("Comment") or ""))
        return ok("UpdateTrafficPolicyCommentResponse", {"TrafficPolicy": tp})

    async def delete_traffic_policy(self, request: web.Request,
                                    p: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        version = _int(p["version"], "Version", 1, MAX_VERSIONS)
        await self._flow().delete_policy(p["id"], version)
        return ok("DeleteTrafficPolicyResponse", {})

    async def list_traffic_policies(self, request: web.Request,
                                    _: dict[str, str]) -> web.Response:
        from netemu.api.route53 import _max_items, ok
        q = request.query
        limit = _max_items(q)
        flow = self._flow()
        ids = sorted(i for i in flow.policies if i >= (q.get("trafficpolicyid") or ""))
        page, rest = self._paged(ids, limit)
        summaries = []
        for pid in page:
            versions = flow.policies[pid]
            latest = versions[max(versions)]
            summaries.append({"Id": pid, "Name": latest["Name"], "Type": latest["Type"],
                              "LatestVersion": max(versions),
                              "TrafficPolicyCount": len(versions)})
        return ok("ListTrafficPoliciesResponse", {
            "TrafficPolicySummaries": summaries, "IsTruncated": bool(rest),
            "TrafficPolicyIdMarker": rest[0] if rest else (page[-1] if page else ""),
            "MaxItems": limit})

    async def list_traffic_policy_versions(self, request: web.Request,
                                           p: dict[str, str]) -> web.Response:
        from netemu.api.route53 import _max_items, ok
        q = request.query
        limit = _max_items(q)
        flow = self._flow()
        flow.policy(p["id"])
        start = _int(q.get("trafficpolicyversion") or 1, "TrafficPolicyVersionMarker", 1,
                     MAX_VERSIONS)
        versions = sorted(v for v in flow.policies[p["id"]] if v >= start)
        page, rest = self._paged(versions, limit)
        return ok("ListTrafficPolicyVersionsResponse", {
            "TrafficPolicies": [flow.policies[p["id"]][v] for v in page],
            "IsTruncated": bool(rest),
            "TrafficPolicyVersionMarker": str(rest[0] if rest else (page[-1] if page else "")),
            "MaxItems": limit})

    # instances ---------------------------------------------------------------------------------

    async def create_traffic_policy_instance(self, request: web.Request,
                                             _: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        body = await self._body(request, "CreateTrafficPolicyInstanceRequest")
        _required(body, "HostedZoneId", "Name", "TTL", "TrafficPolicyId", "TrafficPolicyVersion")
        shape = await self._flow().create_instance(
            str(body["HostedZoneId"]), str(body["Name"]),
            _int(body["TTL"], "TTL", 0, 2147483647), str(body["TrafficPolicyId"]),
            _int(body["TrafficPolicyVersion"], "TrafficPolicyVersion", 1, MAX_VERSIONS))
        return ok("CreateTrafficPolicyInstanceResponse", {"TrafficPolicyInstance": shape}, 201,
                  self._location(request, f"trafficpolicyinstance/{shape['Id']}"))

    async def get_traffic_policy_instance(self, request: web.Request,
                                          p: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        return ok("GetTrafficPolicyInstanceResponse",
                  {"TrafficPolicyInstance": self._flow().instance(p["id"])})

    async def update_traffic_policy_instance(self, request: web.Request,
                                             p: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        body = await self._body(request, "UpdateTrafficPolicyInstanceRequest")
        _required(body, "TTL", "TrafficPolicyId", "TrafficPolicyVersion")
        shape = await self._flow().update_instance(
            p["id"], _int(body["TTL"], "TTL", 0, 2147483647), str(body["TrafficPolicyId"]),
            _int(body["TrafficPolicyVersion"], "TrafficPolicyVersion", 1, MAX_VERSIONS))
        return ok("UpdateTrafficPolicyInstanceResponse", {"TrafficPolicyInstance": shape})

    async def delete_traffic_policy_instance(self, request: web.Request,
                                             p: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        await self._flow().delete_instance(p["id"])
        return ok("DeleteTrafficPolicyInstanceResponse", {})

    async def get_traffic_policy_instance_count(self, request: web.Request,
                                                _: dict[str, str]) -> web.Response:
        from netemu.api.route53 import ok
        return ok("GetTrafficPolicyInstanceCountResponse",
                  {"TrafficPolicyInstanceCount": len(self._flow().instances)})

    def _instances(self, request: web.Request, root: str, only: dict[str, Any],
                   zone_marker: bool) -> web.Response:
        from netemu.api.route53 import _max_items, ok
        q = request.query
        limit = _max_items(q)
        found = sorted((i for i in self._flow().instances.values()
                        if all(i[k] == v for k, v in only.items())),
                       key=lambda i: (i["HostedZoneId"], changes.name_key(i["Name"]),
                                      i["TrafficPolicyType"]))
        start = (q.get("hostedzoneid") or "",
                 changes.name_key(q["trafficpolicyinstancename"])
                 if q.get("trafficpolicyinstancename") else "",
                 q.get("trafficpolicyinstancetype") or "")
        if not zone_marker:
            start = (only.get("HostedZoneId", ""), *start[1:])
        found = [i for i in found if (i["HostedZoneId"], changes.name_key(i["Name"]),
                                      i["TrafficPolicyType"]) >= start]
        page, rest = self._paged(found, limit)
        content: dict[str, Any] = {"TrafficPolicyInstances": page}
        if rest:
            if zone_marker:
                content["HostedZoneIdMarker"] = rest[0]["HostedZoneId"]
            content["TrafficPolicyInstanceNameMarker"] = rest[0]["Name"]
            content["TrafficPolicyInstanceTypeMarker"] = rest[0]["TrafficPolicyType"]
        content["IsTruncated"] = bool(rest)
        content["MaxItems"] = limit
        return ok(root, content)

    async def list_traffic_policy_instances(self, request: web.Request,
                                            _: dict[str, str]) -> web.Response:
        return self._instances(request, "ListTrafficPolicyInstancesResponse", {}, True)

    async def list_traffic_policy_instances_by_hosted_zone(
            self, request: web.Request, _: dict[str, str]) -> web.Response:
        zone = self.account.zone(request.query.get("id", ""))
        return self._instances(request, "ListTrafficPolicyInstancesByHostedZoneResponse",
                               {"HostedZoneId": zone.id}, False)

    async def list_traffic_policy_instances_by_policy(
            self, request: web.Request, _: dict[str, str]) -> web.Response:
        q = request.query
        version = _int(q.get("version"), "TrafficPolicyVersion", 1, MAX_VERSIONS)
        self._flow().policy(q.get("id", ""), version)
        return self._instances(request, "ListTrafficPolicyInstancesByPolicyResponse",
                               {"TrafficPolicyId": q.get("id"),
                                "TrafficPolicyVersion": version}, True)


ROUTES = [
    ("POST", r"/trafficpolicy", "create_traffic_policy"),
    ("POST", r"/trafficpolicy/(?P<id>[^/]+)", "create_traffic_policy_version"),
    ("GET", r"/trafficpolicy/(?P<id>[^/]+)/(?P<version>[^/]+)", "get_traffic_policy"),
    ("POST", r"/trafficpolicy/(?P<id>[^/]+)/(?P<version>[^/]+)",
     "update_traffic_policy_comment"),
    ("DELETE", r"/trafficpolicy/(?P<id>[^/]+)/(?P<version>[^/]+)", "delete_traffic_policy"),
    ("GET", r"/trafficpolicies", "list_traffic_policies"),
    ("GET", r"/trafficpolicies/(?P<id>[^/]+)/versions", "list_traffic_policy_versions"),
    ("POST", r"/trafficpolicyinstance", "create_traffic_policy_instance"),
    ("GET", r"/trafficpolicyinstance/(?P<id>[^/]+)", "get_traffic_policy_instance"),
    ("POST", r"/trafficpolicyinstance/(?P<id>[^/]+)", "update_traffic_policy_instance"),
    ("DELETE", r"/trafficpolicyinstance/(?P<id>[^/]+)", "delete_traffic_policy_instance"),
    ("GET", r"/trafficpolicyinstancecount", "get_traffic_policy_instance_count"),
    ("GET", r"/trafficpolicyinstances", "list_traffic_policy_instances"),
    ("GET", r"/trafficpolicyinstances/hostedzone",
     "list_traffic_policy_instances_by_hosted_zone"),
    ("GET", r"/trafficpolicyinstances/trafficpolicy", "list_traffic_policy_instances_by_policy"),
]
STATUS = {"NoSuchTrafficPolicy": 404, "NoSuchTrafficPolicyInstance": 404,
          "TrafficPolicyAlreadyExists": 409, "TrafficPolicyInstanceAlreadyExists": 409}

__all__ = ["ROUTES", "STATUS", "TrafficApi", "TrafficFlow"]
