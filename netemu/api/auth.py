"""AWS Signature Version 4, checked only when ``--api-credentials FILE`` is given (like local
emulators, any credentials are accepted otherwise).

FILE is an AWS shared-credentials file (``[profile]`` sections with ``aws_access_key_id`` and
``aws_secret_access_key``) or lines ``ACCESS_KEY_ID SECRET_ACCESS_KEY``. An unknown key id is
``InvalidClientTokenId``; a signature that does not verify is ``SignatureDoesNotMatch``; a
missing or malformed ``Authorization`` header is ``IncompleteSignature`` (AWS's codes).
"""

from __future__ import annotations

import configparser
import hashlib
import hmac
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"


def read_credentials(path: str | Path) -> dict[str, str]:
    """Key id -> secret from FILE (either format); raises ValueError naming the file."""
    text = Path(path).read_text(encoding="utf-8")
    keys: dict[str, str] = {}
    if "[" in text:
        parser = configparser.ConfigParser()
        parser.read_string(text)
        for section in parser.sections():
            sec = parser[section]
            if "aws_access_key_id" in sec and "aws_secret_access_key" in sec:
                keys[sec["aws_access_key_id"].strip()] = sec["aws_secret_access_key"].strip()
    else:
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and not line.lstrip().startswith("#"):
                keys[parts[0]] = parts[1]
    if not keys:
        raise ValueError(f"{path}: no access keys found (want [profile] sections with "
                         "aws_access_key_id and aws_secret_access_key, or lines 'KEY SECRET')")
    return keys


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _canonical_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))


class Verifier:
    def __init__(self, keys: dict[str, str]) -> None:
        self.keys = keys

    def check(self, method: str, path_qs: str, headers: dict[str, str],
              body: bytes) -> tuple[str, str] | None:
        """None when the request is signed by a known key, else (code, message)."""
        lower = {k.lower(): v for k, v in headers.items()}
        auth = lower.get("authorization", "")
        if not auth.startswith(ALGORITHM + " "):
            return ("IncompleteSignature", "Authorization header requires a Credential, "
                                           "SignedHeaders and Signature (AWS4-HMAC-SHA256)")
        fields = dict(part.strip().split("=", 1) for part in auth[len(ALGORITHM) + 1:].split(",")
                      if "=" in part)
        try:
            key_id, date, region, service, _ = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            return ("IncompleteSignature", "Authorization header requires a Credential, "
                                           "SignedHeaders and Signature")
        secret = self.keys.get(key_id)
        if secret is None:
            return ("InvalidClientTokenId",
                    "The security token included in the request is invalid.")
        path, _, query = path_qs.partition("?")
        canonical_uri = quote(unquote(path), safe="/-_.~")
        canonical_headers = "".join(f"{h}:{' '.join(lower.get(h, '').split())}\n"
                                    for h in signed)
        payload = lower.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
        request = "\n".join([method, canonical_uri, _canonical_query(query), canonical_headers,
                             ";".join(signed), payload])
        amz_date = lower.get("x-amz-date", "")
        scope = f"{date}/{region}/{service}/aws4_request"
        to_sign = "\n".join([ALGORITHM, amz_date, scope,
                             hashlib.sha256(request.encode()).hexdigest()])
        k = _hmac(("AWS4" + secret).encode(), date)
        k = _hmac(_hmac(_hmac(k, region), service), "aws4_request")
        expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return ("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your AWS Secret Access Key and signing method.")
        return None


__all__ = ["Verifier", "read_credentials"]
