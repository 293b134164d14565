"""Signatures checked by the credential store instead of the gateway.

When the store cannot hand out a key's secret (Keystone's service user has the
``service`` role but not ``reader``), the gateway builds the string to sign as
usual and the store checks it (Keystone's ``/v3/s3tokens``), one call per
request. The clock was checked before: s3tokens does not look at dates.
Signed aws-chunked bodies need the signing key for every chunk, which only the
secret gives, so they are refused as not implemented.
"""

from __future__ import annotations

from multidict import MultiMapping

from gateway.auth import sigv2, sigv4
from gateway.credentials.base import Credential, CredentialStore, RemoteVerifier
from gateway.errors import InvalidAccessKeyId, S3NotImplemented, SignatureDoesNotMatch

# The prefix of both signed aws-chunked markers (with and without trailer).
SIGNED_CHUNKS = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
_CHUNKS_NEED_SECRET = ("Signed aws-chunked payloads are not available with this gateway's "
                       "credential source; send UNSIGNED-PAYLOAD or a payload hash")


def _verifier(store: CredentialStore) -> RemoteVerifier:
    if not hasattr(store, "verify_signature"):
        raise TypeError(f"{type(store).__name__} raised SecretUnavailable but cannot verify")
    return store  # type: ignore[return-value]


async def _ask(store: CredentialStore, access_key: str, candidates: list[str],
               signature: str) -> Credential:
    """The credential of the first candidate that matches; S3's error otherwise."""
    verifier = _verifier(store)
    for sts in candidates:
        verdict = await verifier.verify_signature(access_key, sts, signature)
        if not verdict.known:
            raise InvalidAccessKeyId(AWSAccessKeyId=access_key)
        if verdict.credential is not None:
            return verdict.credential
    raise SignatureDoesNotMatch(AWSAccessKeyId=access_key, StringToSign=candidates[0],
                                SignatureProvided=signature,
                                StringToSignBytes=sigv4.hex_bytes(candidates[0]))


async def verify_v4(store: CredentialStore, auth: sigv4.V4Auth, method: str, raw_path: str,
                    headers: MultiMapping[str]) -> Credential:
    if auth.payload_hash.startswith(SIGNED_CHUNKS):
        raise S3NotImplemented(_CHUNKS_NEED_SECRET)
    path, raw_query = sigv4.split_raw_path(raw_path)
    cquery = sigv4.canonical_query_string(sigv4.parse_query(raw_query),
                                          exclude_signature=auth.presigned)
    chdrs = sigv4.canonical_headers(headers, auth.signed_headers)
    candidates = []
    for uri in dict.fromkeys((path, sigv4.normalised_uri(path))):
        creq = sigv4.canonical_request(method, uri, cquery, chdrs, auth.signed_headers,
                                       auth.payload_hash)
        candidates.append(sigv4.string_to_sign(auth.amz_date, auth.scope, creq))
    return await _ask(store, auth.access_key, candidates, auth.signature)


async def verify_v2(store: CredentialStore, auth: sigv2.V2Auth, method: str, raw_path: str,
                    headers: MultiMapping[str], virtual_host_bucket: str | None) -> Credential:
    candidates: list[str] = []
    for subresources in (sigv2.ALL_SUBRESOURCES, sigv2.CORE_SUBRESOURCES):
        resource = sigv2.canonical_resource(raw_path, virtual_host_bucket, subresources)
        for date_line, skip in sigv2.date_variants(auth, headers):
            sts = sigv2.string_to_sign(method, headers, date_line, resource, skip)
            if sts not in candidates:
                candidates.append(sts)
    return await _ask(store, auth.access_key, candidates, auth.signature)
