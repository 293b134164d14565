"""aws-chunked uploads (signed, unsigned-trailer, signed-trailer), checksums in
headers and trailers, and bodies without a Content-Length, against the real
Swift: every failing check must leave nothing stored there."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import zlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.integration import rawhttp
from tests.integration.s3_support import wait_for_swift_request
from tests.integration.test_integrity import assert_not_in_swift

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
CHUNKS = [b"a" * 65536, b"b" * 65536, b"c" * 1000]
PAYLOAD = b"".join(CHUNKS)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def checksum(algorithm: str, data: bytes) -> str:
    """Computed here with botocore's own checksum classes (awscrt for the CRCs)."""
    from botocore.httpchecksum import _CHECKSUM_CLS
    return _CHECKSUM_CLS[algorithm.lower()]().handle(data)


class ChunkedSigner:
    """Chunk and trailer signatures chained from a botocore-signed request's seed."""

    def __init__(self, env: Any, headers: dict[str, str]) -> None:
        self.previous = re.search(r"Signature=([0-9a-f]{64})", headers["Authorization"]).group(1)
        self.amz_date = headers["X-Amz-Date"]
        date = self.amz_date[:8]
        self.scope = f"{date}/{env.region}/s3/aws4_request"
        key = _hmac(("AWS4" + env.secret_key).encode(), date)
        for part in (env.region, "s3", "aws4_request"):
            key = _hmac(key, part)
        self.key = key

    def sign(self, kind: str, last_hash: str) -> str:
        parts = [kind, self.amz_date, self.scope, self.previous]
        if kind == "AWS4-HMAC-SHA256-PAYLOAD":
            parts.append(EMPTY_SHA256)
        self.previous = hmac.new(self.key, "\n".join(parts + [last_hash]).encode(),
                                 hashlib.sha256).hexdigest()
        return self.previous


def framed(chunks: list[bytes], signer: ChunkedSigner | None = None,
           trailer: tuple[str, str] | None = None, tamper: int | None = None,
           trailer_signature: str | None = None) -> bytes:
    """The aws-chunked body; ``tamper`` flips a byte of that chunk after signing it."""
    out = bytearray()
    for index, chunk in enumerate([*chunks, b""]):
        size = b"%x" % len(chunk)
        if signer is not None:
            sig = signer.sign("AWS4-HMAC-SHA256-PAYLOAD", hashlib.sha256(chunk).hexdigest())
            size += b";chunk-signature=" + sig.encode()
        if index == tamper:
            chunk = b"X" + chunk[1:]
        out += size + b"\r\n" + (chunk + b"\r\n" if chunk else b"")
    if trailer is not None:
        canonical = f"{trailer[0]}:{trailer[1]}\n"
        out += canonical.replace("\n", "\r\n").encode()
        if signer is not None:
            sig = trailer_signature or signer.sign(
                "AWS4-HMAC-SHA256-TRAILER", hashlib.sha256(canonical.encode()).hexdigest())
            out += f"x-amz-trailer-signature:{sig}\r\n".encode()
    return bytes(out + b"\r\n")


def streaming_put(env: Any, bucket: str, key: str, marker: str, chunks: list[bytes], *,
                  trailer: tuple[str, str] | None = None, tamper: int | None = None,
                  decoded_length: int | None = None, encoding: str = "aws-chunked",
                  trailer_signature: str | None = None,
                  extra: dict[str, str] | None = None) -> requests.Response:
    path = f"/{bucket}/{key}"
    headers = {"Content-Encoding": encoding,
               "x-amz-decoded-content-length": str(
                   sum(map(len, chunks)) if decoded_length is None else decoded_length)}
    if trailer is not None:
        headers["x-amz-trailer"] = trailer[0]
    headers.update(extra or {})
    signed = rawhttp.sign_v4("PUT", env.endpoint + path, env.access_key, env.secret_key,
                             env.region, headers=headers, payload_hash=marker)
    signer = ChunkedSigner(env, signed) if marker != UNSIGNED_TRAILER else None
    body = framed(chunks, signer, trailer, tamper, trailer_signature)
    return requests.put(env.endpoint + path, data=body, headers=signed, timeout=30)


def code_of(resp: requests.Response) -> str:
    match = re.search(r"<Code>([^<]*)</Code>", resp.text)
    return match.group(1) if match else ""


def stored_checksum(s3_client: Any, bucket: str, key: str, algorithm: str) -> str | None:
    head = s3_client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    return head.get(f"Checksum{algorithm}")


# --- STREAMING-AWS4-HMAC-SHA256-PAYLOAD ---------------------------------------------

def test_signed_chunks_store_the_decoded_payload(gateway_env: Any, bucket: str,
                                                 swift_conn: Any, s3_client: Any) -> None:
    resp = streaming_put(gateway_env, bucket, "signed", SIGNED, CHUNKS)
    assert resp.status_code == 200, resp.text
    headers, body = swift_conn.get_object(bucket, "signed")
    assert body == PAYLOAD
    assert "content-encoding" not in headers  # "aws-chunked" alone leaves no coding
    assert int(headers["content-length"]) == len(PAYLOAD)
    assert s3_client.get_object(Bucket=bucket, Key="signed")["Body"].read() == PAYLOAD


def test_tampered_chunk_is_refused_and_nothing_stored(gateway_env: Any, bucket: str,
                                                      swift_conn: Any) -> None:
    resp = streaming_put(gateway_env, bucket, "tampered", SIGNED, CHUNKS * 4, tamper=5)
    assert resp.status_code == 403, resp.text
    assert code_of(resp) == "SignatureDoesNotMatch"
    assert_not_in_swift(swift_conn, bucket, "tampered")


def test_other_codings_are_kept(gateway_env: Any, bucket: str, swift_conn: Any) -> None:
    resp = streaming_put(gateway_env, bucket, "gz", SIGNED, [b"not really gzip"],
                         encoding="aws-chunked,gzip")
    assert resp.status_code == 200, resp.text
    headers, body = swift_conn.get_object(bucket, "gz")
    assert (headers["content-encoding"], body) == ("gzip", b"not really gzip")


@pytest.mark.parametrize("declared", [len(PAYLOAD) + 1, len(PAYLOAD) - 1])
def test_decoded_length_mismatch_stores_nothing(gateway_env: Any, bucket: str,
                                                swift_conn: Any, declared: int) -> None:
    resp = streaming_put(gateway_env, bucket, "short", SIGNED, CHUNKS, decoded_length=declared)
    assert resp.status_code == 400, resp.text
    assert code_of(resp) == "IncompleteBody"
    assert_not_in_swift(swift_conn, bucket, "short")


def test_missing_decoded_length(gateway_env: Any, bucket: str) -> None:
    path = f"/{bucket}/nolength"
    signed = rawhttp.sign_v4("PUT", gateway_env.endpoint + path, gateway_env.access_key,
                             gateway_env.secret_key, gateway_env.region,
                             headers={"Content-Encoding": "aws-chunked"},
                             payload_hash=UNSIGNED_TRAILER)
    resp = requests.put(gateway_env.endpoint + path, data=framed([b"abc"]), headers=signed,
                        timeout=30)
    assert (resp.status_code, code_of(resp)) == (411, "MissingContentLength")


# --- trailers -------------------------------------------------------------------------

ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_unsigned_trailer_checksum(gateway_env: Any, bucket: str, swift_conn: Any,
                                   s3_client: Any, algorithm: str) -> None:
    name = f"x-amz-checksum-{algorithm.lower()}"
    value = checksum(algorithm, PAYLOAD)
    resp = streaming_put(gateway_env, bucket, "good", UNSIGNED_TRAILER, CHUNKS,
                         trailer=(name, value),
                         extra={"x-amz-sdk-checksum-algorithm": algorithm})
    assert resp.status_code == 200, resp.text
    assert resp.headers[name] == value
    assert swift_conn.get_object(bucket, "good")[1] == PAYLOAD
    assert stored_checksum(s3_client, bucket, "good", algorithm) == value

    wrong = checksum(algorithm, b"something else")
    resp = streaming_put(gateway_env, bucket, "bad", UNSIGNED_TRAILER, CHUNKS,
                         trailer=(name, wrong))
    assert resp.status_code == 400, resp.text
    assert code_of(resp) == "BadDigest"
    assert (f"The {algorithm} you specified did not match the calculated checksum."
            in resp.text)
    assert_not_in_swift(swift_conn, bucket, "bad")


def test_declared_trailer_missing_stores_nothing(gateway_env: Any, bucket: str,
                                                 swift_conn: Any) -> None:
    resp = streaming_put(gateway_env, bucket, "missing", UNSIGNED_TRAILER, CHUNKS,
                         extra={"x-amz-trailer": "x-amz-checksum-crc32"})
    assert (resp.status_code, code_of(resp)) == (400, "MalformedTrailerError")
    assert_not_in_swift(swift_conn, bucket, "missing")


def test_signed_trailer(gateway_env: Any, bucket: str, swift_conn: Any,
                        s3_client: Any) -> None:
    trailer = ("x-amz-checksum-crc32c", checksum("CRC32C", PAYLOAD))
    resp = streaming_put(gateway_env, bucket, "st", SIGNED_TRAILER, CHUNKS, trailer=trailer)
    assert resp.status_code == 200, resp.text
    assert swift_conn.get_object(bucket, "st")[1] == PAYLOAD
    assert stored_checksum(s3_client, bucket, "st", "CRC32C") == trailer[1]

    resp = streaming_put(gateway_env, bucket, "st-bad", SIGNED_TRAILER, CHUNKS,
                         trailer=trailer, trailer_signature="0" * 64)
    assert (resp.status_code, code_of(resp)) == (403, "SignatureDoesNotMatch")
    assert_not_in_swift(swift_conn, bucket, "st-bad")


# --- boto3's own aws-chunked path ---------------------------------------------------------

@pytest.fixture
def trailer_client(gateway_env: Any) -> Iterator[tuple[Any, list[dict[str, str]]]]:
    """boto3 sending its checksum in an aws-chunked trailer over http.

    botocore only picks the trailer over https (httpchecksum.py); a before-call
    handler moves the checksum it resolved into the trailer, after which
    botocore itself frames the body (AwsChunkedWrapper) and signs it as
    STREAMING-UNSIGNED-PAYLOAD-TRAILER.
    """
    client = boto3.client("s3", endpoint_url=gateway_env.endpoint,
                          aws_access_key_id=gateway_env.access_key,
                          aws_secret_access_key=gateway_env.secret_key,
                          region_name=gateway_env.region,
                          config=Config(request_checksum_calculation="when_supported"))
    sent: list[dict[str, str]] = []

    def to_trailer(params: dict[str, Any], **_: Any) -> None:
        algorithm = params["context"].get("checksum", {}).get("request_algorithm")
        if isinstance(algorithm, dict):
            algorithm["in"] = "trailer"

    def record(request: Any, **_: Any) -> None:
        sent.append({k: v.decode() if isinstance(v, bytes) else v
                     for k, v in request.headers.items()})

    client.meta.events.register("before-call.s3.PutObject", to_trailer)
    client.meta.events.register("before-send.s3.PutObject", record)
    yield client, sent


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC64NVME", "SHA256"])
def test_boto3_trailer_checksum(trailer_client: tuple[Any, list[dict[str, str]]],
                                bucket: str, swift_conn: Any, algorithm: str) -> None:
    client, sent = trailer_client
    body = b"boto3 chunked " * 100_000
    put = client.put_object(Bucket=bucket, Key="boto", Body=body, ChecksumAlgorithm=algorithm)
    headers = {k.lower(): v for k, v in sent[-1].items()}
    assert headers["x-amz-content-sha256"] == UNSIGNED_TRAILER
    assert headers["content-encoding"] == "aws-chunked"
    assert headers["transfer-encoding"] == "chunked" and "content-length" not in headers
    assert put[f"Checksum{algorithm}"] == checksum(algorithm, body)
    assert swift_conn.get_object(bucket, "boto")[1] == body
    got = client.get_object(Bucket=bucket, Key="boto", ChecksumMode="ENABLED")
    assert got["Body"].read() == body  # botocore validates the returned checksum too
    assert got[f"Checksum{algorithm}"] == checksum(algorithm, body)


# --- checksums in headers ---------------------------------------------------------------

def test_default_boto3_checksum_header(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    body = b"default checksum " * 1000
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    put = s3_client.put_object(Bucket=bucket, Key="crc", Body=body)
    assert put["ChecksumCRC32"] == crc
    got = s3_client.get_object(Bucket=bucket, Key="crc", ChecksumMode="ENABLED")
    assert got["Body"].read() == body
    assert got["ChecksumCRC32"] == crc and got["ChecksumType"] == "FULL_OBJECT"
    plain = s3_client.head_object(Bucket=bucket, Key="crc")
    assert "ChecksumCRC32" not in plain  # only with x-amz-checksum-mode: ENABLED
    assert plain["Metadata"] == {}  # the reserved metadata is not user metadata
    ranged = s3_client.get_object(Bucket=bucket, Key="crc", Range="bytes=0-9",
                                  ChecksumMode="ENABLED")
    assert ranged["Body"].read() == body[:10] and "ChecksumCRC32" not in ranged
    headers = swift_conn.head_object(bucket, "crc")
    assert headers["x-object-meta-s3gw-checksum-crc32"] == crc


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_wrong_header_checksum_stores_nothing(s3_client: Any, bucket: str, swift_conn: Any,
                                              algorithm: str) -> None:
    wrong = checksum(algorithm, b"other bytes")
    with pytest.raises(ClientError) as exc:
        s3_client.put_object(Bucket=bucket, Key="wrong", Body=b"q" * 1_000_000,
                             **{f"Checksum{algorithm}": wrong})
    assert exc.value.response["Error"]["Code"] == "BadDigest"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert_not_in_swift(swift_conn, bucket, "wrong")


def test_invalid_and_multiple_checksum_headers(gateway_env: Any, bucket: str) -> None:
    body = b"abc"
    for extra, message in [
        ({"x-amz-checksum-crc32": "bad"}, "Value for x-amz-checksum-crc32 header is invalid."),
        ({"x-amz-checksum-crc32": checksum("CRC32", body),
          "x-amz-checksum-sha1": checksum("SHA1", body)},
         "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."),
    ]:
        resp = rawhttp.send(gateway_env, "PUT", f"/{bucket}/k", body=body, headers=extra)
        assert (resp.status_code, code_of(resp)) == (400, "InvalidRequest")
        assert message in resp.text


# --- Transfer-Encoding: chunked, no Content-Length ----------------------------------------

def _unsigned_headers(env: Any, path: str) -> dict[str, str]:
    return rawhttp.sign_v4("PUT", env.endpoint + path, env.access_key, env.secret_key,
                           env.region, payload_hash=rawhttp.UNSIGNED)


def test_chunked_transfer_without_length(gateway_env: Any, bucket: str,
                                         swift_conn: Any) -> None:
    path = f"/{bucket}/te"
    pieces = [b"x" * 100_000, b"y" * 7, b"z" * 300_000]

    def generate() -> Iterator[bytes]:
        yield from pieces

    resp = requests.put(gateway_env.endpoint + path, data=generate(),
                        headers=_unsigned_headers(gateway_env, path), timeout=30)
    assert resp.status_code == 200, resp.text
    headers, body = swift_conn.get_object(bucket, "te")
    assert body == b"".join(pieces) and int(headers["content-length"]) == len(body)


def test_disconnect_mid_chunked_body_stores_nothing(gateway_env: Any, bucket: str,
                                                    swift_conn: Any) -> None:
    path = f"/{bucket}/te-dropped"
    headers = _unsigned_headers(gateway_env, path)
    headers.update({"Transfer-Encoding": "chunked", "Host": f"127.0.0.1:{gateway_env.port}"})
    with rawhttp.open_socket(gateway_env) as sock:
        sock.sendall(rawhttp.raw_head("PUT", path, headers))
        for _ in range(16):
            sock.sendall(b"20000\r\n" + b"d" * 0x20000 + b"\r\n")
        time.sleep(0.5)  # the gateway is streaming to Swift by now
    # Swift ends the aborted upload (499) without committing it.
    assert " 201 " not in wait_for_swift_request(gateway_env, "PUT", bucket, "te-dropped")
    assert_not_in_swift(swift_conn, bucket, "te-dropped")
