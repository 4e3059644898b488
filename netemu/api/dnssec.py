"""DNSSEC signing through the Route 53 API: CreateKeySigningKey, Activate/Deactivate/Delete
KeySigningKey, Enable/DisableHostedZoneDNSSEC and GetDNSSEC (docs/dnssec.md).

- The rules are the pure core's (``route53.dnssec``); this module keeps the state, the keys and
  the signers.
- State: one store row per zone (kind ``dnssec``): the KSKs, whether the zone is signed, and
  the zone-signing key (ZSK) netemu manages for it. Committed like every change (durable before
  it is acknowledged, a ChangeInfo that becomes INSYNC once served).
- The KMS key behind a KSK's ``KeyManagementServiceArn`` stands in as a local key file:
  ``STATE/kms/KEY-ID.pem`` (PKCS#8, ECC_NIST_P256), created on first use and written durably
  before the KSK is committed; put a P-256 key there beforehand to use your own. Without
  ``--state`` the keys live in memory.
- Signers (``dns.signer.ZoneSigner``) are rebuilt after each change and every
  ``signer.REFRESH`` seconds, and handed to the DNS server with ``publish(signers)``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from netemu.api.account import Account, ChangeInfo
from netemu.api.store import Write
from netemu.dns import signer
from netemu.route53 import dnssec
from netemu.route53.changes import ChangeRejected
from netemu.route53.dnssec import Ksk, ZoneDnssec
from netemu.route53.model import HostedZone

log = logging.getLogger("netemu.api")
KIND = "dnssec"


class KmsKeys:
    """KMS key ARN -> private key: files under ``directory``, or memory when it is None."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.memory: dict[str, signer.PrivateKey] = {}

    def path(self, arn: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{dnssec.kms_key_id(arn)}.pem"

    def get(self, arn: str, create: bool = False) -> signer.PrivateKey:
        key = self.memory.get(arn)
        if key is not None:
            return key
        path = self.path(arn)
        if path is not None and path.exists():
            try:
                key = signer.key_from_pem(path.read_bytes())
            except ValueError as exc:
                raise ChangeRejected([("InvalidKMSArn",
                                       (f"The KMS key file {path} for {arn} isn't usable for "
                                       f"DNSSEC signing: {exc} (the key spec must be "
                                       "ECC_NIST_P256)"))]) from None
        elif create:
            key = signer.new_key()
            if path is not None:
                _write_durably(path, signer.key_to_pem(key))
        else:
            raise ChangeRejected([("InvalidKMSArn",
                                   (f"The KMS key {arn} has no key file"
                                   f"{f' ({path})' if path else ''}"))])
        self.memory[arn] = key
        return key


def _write_durably(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _ksk_row(ksk: Ksk) -> dict[str, Any]:
    return {"Name": ksk.name, "KmsArn": ksk.kms_arn, "Status": ksk.status,
            "CreatedDate": ksk.created, "LastModifiedDate": ksk.modified}


class DnssecService:
    """The zones' DNSSEC state and keys, and the one way to change them."""

    def __init__(self, account: Account, state_dir: str | Path | None,
                 publish: Callable[[dict[str, signer.ZoneSigner]], None],
                 clock: Callable[[], float] = time.time) -> None:
        self.account = account
        self.publish = publish
        self.clock = clock
        self.kms = KmsKeys(Path(state_dir) / "kms" if state_dir is not None else None)
        self.states: dict[str, ZoneDnssec] = {}
        self.zsks: dict[str, signer.PrivateKey] = {}
        self.stored: set[str] = set()   # zones with a row in the store
        self._pems: dict[str, str] = {}   # the stored PEM of each ZSK held
        self._read_rows(account.store.load().rows)
        account.dependents.append(self)   # DeleteHostedZone: refused, or the row goes too
        if account.follow:   # another server's DNSSEC changes: read and signed here too
            account.readers.append(self.reload)

    def _read_rows(self, rows: dict[str, dict[str, Any]]) -> None:
        """The zones' DNSSEC state as the store's rows hold it (a ZSK already held is not
        parsed again)."""
        states: dict[str, ZoneDnssec] = {}
        zsks: dict[str, signer.PrivateKey] = {}
        pems = dict(self._pems)
        for zone_id, row in rows.get(KIND, {}).items():
            states[zone_id] = ZoneDnssec(
                zone_id, row["ServeSignature"] == dnssec.SIGNING,
                tuple(Ksk(k["Name"], k["KmsArn"], k["Status"], k["CreatedDate"],
                          k["LastModifiedDate"]) for k in row["KeySigningKeys"]))
            pem = row.get("ZoneSigningKey")
            if pem:
                held = self.zsks.get(zone_id)
                zsks[zone_id] = held if held is not None and pems.get(zone_id) == pem \
                    else signer.key_from_pem(pem.encode())
                pems[zone_id] = pem
        self.states, self.zsks, self.stored = states, zsks, set(states)
        self._pems = {z: p for z, p in pems.items() if z in zsks}

    def reload(self, rows: dict[str, dict[str, Any]]) -> None:
        """Other servers' commits were taken in (``Account.catch_up``): their DNSSEC changes
        are answered (GetDNSSEC) and signed (the new signers published) by this server too."""
        before = (self.states, set(self._pems.items()))
        self._read_rows(rows)
        if (self.states, set(self._pems.items())) != before:
            self.publish(self.signers())

    def zone_delete_writes(self, zone: HostedZone) -> list[Write]:
        """R190: refused while the zone has KSKs (or is signed); else its row (the ZSK kept
        after signing was disabled) is deleted with the zone, so no row outlives it."""
        state = self.states.get(zone.id)
        if state is not None:
            dnssec.refuse_zone_delete(state)
        return [(KIND, zone.id, None)] if zone.id in self.stored else []

    def zone_deleted(self, zone_id: str) -> None:
        self.states.pop(zone_id, None)
        self.zsks.pop(zone_id, None)
        self._pems.pop(zone_id, None)
        self.stored.discard(zone_id)

    def state(self, zone_id: str) -> ZoneDnssec:
        zone = self.account.zone(zone_id)
        return self.states.get(zone.id) or ZoneDnssec(zone.id)

    def signers(self) -> dict[str, signer.ZoneSigner]:
        now = self.clock()
        out: dict[str, signer.ZoneSigner] = {}
        for zone in self.account.zoneset.zones:
            state = self.states.get(zone.id)
            keys = dnssec.signing_keys(state) if state is not None else ()
            zsk = self.zsks.get(zone.id)
            if keys and zsk is not None:
                out[zone.id] = signer.ZoneSigner(zone.name, [self.kms.get(k.kms_arn)
                                                             for k in keys], zsk, now)
        return out

    async def change(self, zone_id: str,
                     fn: Callable[[ZoneDnssec], ZoneDnssec]) -> ChangeInfo:
        """One DNSSEC change: the pure rule, the keys it needs made durable, the row committed,
        then the new signers served."""
        account = self.account
        async with account._change():
            state = self.state(zone_id)
            new = fn(state)
            for ksk in new.ksks:     # the KMS key of each KSK exists before it is committed
                await asyncio.to_thread(self.kms.get, ksk.kms_arn, True)
            zsk = self.zsks.get(new.zone_id)
            if zsk is None and new.signing:
                zsk = signer.new_key()
            pem = signer.key_to_pem(zsk).decode() if zsk else None
            row = {"ServeSignature": new.serve_signature,
                   "KeySigningKeys": [_ksk_row(k) for k in new.ksks],
                   "ZoneSigningKey": pem}
            info = await account._commit(account.zoneset, [(KIND, new.zone_id, row)])
            self.states[new.zone_id] = new
            self.stored.add(new.zone_id)
            if zsk is not None and pem is not None:
                self.zsks[new.zone_id] = zsk
                self._pems[new.zone_id] = pem
            self.publish(self.signers())
            return info

    async def refresh(self) -> None:
        """Fresh signatures every ``signer.REFRESH`` seconds, long before they expire."""
        while True:
            await asyncio.sleep(signer.REFRESH)
            if any(s.signing for s in self.states.values()):
                async with self.account.lock:
                    self.publish(self.signers())

    def refuse_if_in_parent_ds(self, state: ZoneDnssec, leaving: tuple[str, ...]) -> None:
        """R111: KeySigningKeyInParentDSRecord when a parent zone of the account holds the DS of
        a KSK that would stop signing."""
        zone = self.account.zone(state.zone_id)
        values = dnssec.parent_ds(self.account.zoneset, zone)
        if not values:
            return
        ds_of = {k.name: str(signer.ksk_description(zone.name, self.kms.get(k.kms_arn))
                             ["DSRecord"]) for k in state.ksks if k.name in leaving}
        dnssec.refuse_if_in_parent_ds(state, leaving, values, ds_of)

    def describe(self, zone_id: str) -> dict[str, Any]:
        """GetDNSSEC (R109)."""
        state = self.state(zone_id)
        zone = self.account.zone(zone_id)
        keys = []
        for ksk in state.ksks:
            item: dict[str, Any] = {"Name": ksk.name, "KmsArn": ksk.kms_arn}
            item.update(signer.ksk_description(zone.name, self.kms.get(ksk.kms_arn)))
            item.update({"Status": ksk.status, "CreatedDate": _iso(ksk.created),
                         "LastModifiedDate": _iso(ksk.modified)})
            keys.append(item)
        return {"Status": {"ServeSignature": state.serve_signature}, "KeySigningKeys": keys}


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


class DnssecHandlers:
    """The DNSSEC paths of ``Route53Api`` (a mixin: ``self.dnssec`` is the DnssecService, set by
    ``netemu serve``; ``self.account`` the Account)."""

    dnssec: DnssecService | None = None
    account: Account

    def _dnssec(self) -> DnssecService:
        if self.dnssec is None:
            raise ChangeRejected([("InvalidInput", ("DNSSEC signing is not available on this "
                                                   "server"))])
        return self.dnssec

    async def _dnssec_change(self, zone_id: str,
                             fn: Callable[[ZoneDnssec], ZoneDnssec]) -> Any:
        from netemu.api.route53 import change_info

        info = await self._dnssec().change(zone_id, fn)
        return change_info(info)

    async def create_key_signing_key(self, request: Any, _: dict[str, str]) -> Any:
        from netemu.api import xml
        from netemu.api.route53 import PREFIX, ApiError, change_info, ok

        tag, body = xml.parse(await request.read())
        if tag != "CreateKeySigningKeyRequest":
            raise ApiError("InvalidInput", f"Expected a CreateKeySigningKeyRequest document, "
                                           f"got {tag}")
        missing = [f for f in ("CallerReference", "HostedZoneId", "KeyManagementServiceArn",
                               "Name", "Status") if not body.get(f)]
        if missing:
            raise ApiError("InvalidInput", f"Missing required field(s): {', '.join(missing)}")
        service = self._dnssec()
        zone = self.account.zone(str(body["HostedZoneId"]))
        made: list[Ksk] = []

        def create(state: ZoneDnssec) -> ZoneDnssec:
            new, ksk = dnssec.create_ksk(state, zone, str(body["Name"]),
                                         str(body["KeyManagementServiceArn"]),
                                         str(body["Status"]), service.clock())
            made.append(ksk)
            return new

        info = await service.change(zone.id, create)
        ksk = made[0]
        shape = next(k for k in service.describe(zone.id)["KeySigningKeys"]
                     if k["Name"] == ksk.name)
        location = (f"{request.scheme}://{request.host}{PREFIX}/keysigningkey/{zone.id}/"
                    f"{ksk.name}")
        return ok("CreateKeySigningKeyResponse",
                  {"ChangeInfo": change_info(info), "KeySigningKey": shape,
                   "Location": location}, 201, {"Location": location})

    async def activate_key_signing_key(self, request: Any, p: dict[str, str]) -> Any:
        from netemu.api.route53 import ok

        now = self._dnssec().clock()
        info = await self._dnssec_change(p["id"], lambda s: dnssec.activate_ksk(s, p["name"],
                                                                                 now))
        return ok("ActivateKeySigningKeyResponse", {"ChangeInfo": info})

    async def deactivate_key_signing_key(self, request: Any, p: dict[str, str]) -> Any:
        from netemu.api.route53 import ok

        service = self._dnssec()
        now = service.clock()

        def deactivate(state: ZoneDnssec) -> ZoneDnssec:
            new = dnssec.deactivate_ksk(state, p["name"], now)
            if state.signing:
                service.refuse_if_in_parent_ds(state, (p["name"],))
            return new

        info = await self._dnssec_change(p["id"], deactivate)
        return ok("DeactivateKeySigningKeyResponse", {"ChangeInfo": info})

    async def delete_key_signing_key(self, request: Any, p: dict[str, str]) -> Any:
        from netemu.api.route53 import ok

        info = await self._dnssec_change(p["id"], lambda s: dnssec.delete_ksk(s, p["name"]))
        return ok("DeleteKeySigningKeyResponse", {"ChangeInfo": info})

    async def enable_hosted_zone_dnssec(self, request: Any, p: dict[str, str]) -> Any:
        from netemu.api.route53 import ok

        zone = self.account.zone(p["id"])
        info = await self._dnssec_change(zone.id, lambda s: dnssec.enable(s, zone))
        return ok("EnableHostedZoneDNSSECResponse", {"ChangeInfo": info})

    async def disable_hosted_zone_dnssec(self, request: Any, p: dict[str, str]) -> Any:
        from netemu.api.route53 import ok

        service = self._dnssec()

        def disable(state: ZoneDnssec) -> ZoneDnssec:
            new = dnssec.disable(state)
            service.refuse_if_in_parent_ds(state, tuple(k.name for k in
                                                        dnssec.signing_keys(state)))
            return new

        info = await self._dnssec_change(p["id"], disable)
        return ok("DisableHostedZoneDNSSECResponse", {"ChangeInfo": info})

    async def get_dnssec(self, request: Any, p: dict[str, str]) -> Any:
        from netemu.api.route53 import ok

        return ok("GetDNSSECResponse", self._dnssec().describe(p["id"]))


KSK_PATH = r"/keysigningkey/(?:hostedzone/)?(?P<id>[^/]+)/(?P<name>[^/]+)"
ROUTES = [
    ("POST", r"/keysigningkey", "create_key_signing_key"),
    ("POST", KSK_PATH + "/activate", "activate_key_signing_key"),
    ("POST", KSK_PATH + "/deactivate", "deactivate_key_signing_key"),
    ("DELETE", KSK_PATH, "delete_key_signing_key"),
    ("POST", r"/hostedzone/(?P<id>[^/]+)/enable-dnssec", "enable_hosted_zone_dnssec"),
    ("POST", r"/hostedzone/(?P<id>[^/]+)/disable-dnssec", "disable_hosted_zone_dnssec"),
    ("GET", r"/hostedzone/(?P<id>[^/]+)/dnssec", "get_dnssec"),
]

__all__ = ["ROUTES", "DnssecHandlers", "DnssecService", "KmsKeys"]
