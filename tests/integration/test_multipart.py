"""Multipart uploads on Swift SLO, through boto3, aws-cli and raw requests, checked in Swift."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from tests.integration import rawhttp
from tests.integration.s3_support import error_of, eventually, markers, mp_etag, segments, split

MIB = 1024 * 1024
PART = 5 * MIB
# Generated once: three full parts and a small last one.
DATA = os.urandom(3 * PART + 123_457)
BIG = os.urandom(24 * MIB)  # three 8 MiB parts: the CLI's and the transfer manager's size
AWS = str(Path(sys.executable).with_name("aws"))


def upload(s3: Any, bucket: str, key: str, chunks: list[bytes], complete: bool = True,
           **create: Any) -> tuple[str, list[dict]]:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    parts = []
    for number, chunk in enumerate(chunks, 1):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                              Body=chunk)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    if complete:
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                     MultipartUpload={"Parts": parts})
    return upload_id, parts


def test_lifecycle(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    s3 = s3_client
    chunks = split(DATA, PART)
    created = s3.create_multipart_upload(Bucket=bucket, Key="dir/big.bin",
                                         ContentType="text/plain", Metadata={"color": "blue"},
                                         ContentDisposition="attachment")
    upload_id = created["UploadId"]
    parts = []
    for number, chunk in enumerate(chunks, 1):
        etag = s3.upload_part(Bucket=bucket, Key="dir/big.bin", UploadId=upload_id,
                              PartNumber=number, Body=chunk)["ETag"]
        assert etag == f'"{hashlib.md5(chunk).hexdigest()}"'
        parts.append({"PartNumber": number, "ETag": etag})

    first = s3.list_parts(Bucket=bucket, Key="dir/big.bin", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in first["Parts"]] == [1, 2]
    assert first["IsTruncated"] and first["NextPartNumberMarker"] == 2
    assert first["Parts"][0]["Size"] == PART and first["Parts"][0]["ETag"] == parts[0]["ETag"]
    assert first["Initiator"]["ID"] and first["Owner"]["ID"] and first["StorageClass"]
    rest = s3.list_parts(Bucket=bucket, Key="dir/big.bin", UploadId=upload_id,
                         PartNumberMarker=2)
    assert [p["PartNumber"] for p in rest["Parts"]] == [3, 4] and not rest["IsTruncated"]
    assert rest["Parts"][1]["Size"] == len(chunks[-1])

    done = s3.complete_multipart_upload(Bucket=bucket, Key="dir/big.bin", UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})
    expected = mp_etag(chunks)
    assert done["ETag"] == expected and done["Key"] == "dir/big.bin"
    got = s3.get_object(Bucket=bucket, Key="dir/big.bin")
    assert got["Body"].read() == DATA
    assert got["ETag"] == expected and got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"color": "blue"} and got["ContentDisposition"] == "attachment"
    head = s3.head_object(Bucket=bucket, Key="dir/big.bin")
    assert head["ETag"] == expected and head["ContentLength"] == len(DATA)
    assert head["ContentType"] == "text/plain"
    v1 = s3.list_objects(Bucket=bucket)["Contents"]
    v2 = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["ETag"], o["Size"]) for o in v1] == [
        ("dir/big.bin", expected, len(DATA))]
    assert [(o["Key"], o["ETag"], o["Size"]) for o in v2] == [
        ("dir/big.bin", expected, len(DATA))]
    # The marker is gone, the parts are the SLO's segments.
    assert markers(swift_conn, bucket) == []
    assert len(segments(swift_conn, bucket, f"dir/big.bin/{upload_id}/")) == 4
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert bucket + "+segments" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    part2 = s3.get_object(Bucket=bucket, Key="dir/big.bin", PartNumber=2)
    assert part2["Body"].read() == chunks[1]
    assert part2["PartsCount"] == 4 and part2["ContentLength"] == PART
    assert part2["ContentRange"] == f"bytes {PART}-{2 * PART - 1}/{len(DATA)}"
    assert part2["ETag"] == expected
    head4 = s3.head_object(Bucket=bucket, Key="dir/big.bin", PartNumber=4)
    assert head4["ContentLength"] == len(chunks[-1]) and head4["PartsCount"] == 4
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="dir/big.bin", PartNumber=5)
    assert error_of(exc) == ("InvalidPartNumber", 416)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="dir/big.bin", PartNumber=1, Range="bytes=0-1")
    assert error_of(exc) == ("InvalidRequest", 400)

    # Conditions compare the S3 ETag, not the SLO's.
    assert s3.get_object(Bucket=bucket, Key="dir/big.bin", IfMatch=expected,
                         Range="bytes=0-9")["Body"].read() == DATA[:10]
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="dir/big.bin", IfNoneMatch=expected)
    assert error_of(exc)[1] == 304
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="dir/big.bin", IfMatch='"0123"')
    assert error_of(exc) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="dir/big.bin",
                      IfModifiedSince=head["LastModified"] + datetime.timedelta(days=1))
    assert error_of(exc)[1] == 304
    assert exc.value.response["ResponseMetadata"]["HTTPHeaders"]["etag"] == expected


def test_part_number_on_plain_object(s3_client: Any, bucket: str) -> None:
    s3_client.put_object(Bucket=bucket, Key="plain", Body=b"plain body")
    got = s3_client.get_object(Bucket=bucket, Key="plain", PartNumber=1)
    assert got["Body"].read() == b"plain body"
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == "bytes 0-9/10"
    with pytest.raises(ClientError) as exc:
        s3_client.head_object(Bucket=bucket, Key="plain", PartNumber=2)
    assert error_of(exc)[1] == 416
    with pytest.raises(ClientError) as exc:
        s3_client.get_object(Bucket=bucket, Key="plain", PartNumber=0)
    assert error_of(exc) == ("InvalidArgument", 400)


def test_upload_errors(s3_client: Any, bucket: str, gateway_env: Any) -> None:
    s3 = s3_client
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    for number in ("0", "10001", "x"):
        resp = rawhttp.send(gateway_env, "PUT",
                            f"/{bucket}/k?partNumber={number}&uploadId={upload_id}",
                            body=b"data")
        assert resp.status_code == 400 and b"<Code>InvalidArgument</Code>" in resp.content
        assert (b"Part number must be an integer between 1 and 10000, inclusive"
                in resp.content)
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"abc",
                       ContentMD5="1B2M2Y8AsgTpgAmY7PhCfg==")
    assert error_of(exc) == ("BadDigest", 400)
    for call in (
        lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId="nope", PartNumber=1,
                               Body=b"x"),
        lambda: s3.upload_part(Bucket=bucket, Key="other", UploadId=upload_id, PartNumber=1,
                               Body=b"x"),
        lambda: s3.list_parts(Bucket=bucket, Key="k", UploadId="nope"),
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId="nope"),
        lambda: s3.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId="nope",
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]}),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == ("NoSuchUpload", 404)
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(Bucket=bucket + "-missing", Key="k")
    assert error_of(exc) == ("NoSuchBucket", 404)
    # Re-uploading a part replaces it.
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"one")
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1,
                          Body=b"two")["ETag"]
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [(1, etag, 3)]


def test_complete_errors(s3_client: Any, bucket: str, gateway_env: Any) -> None:
    s3 = s3_client
    upload_id, parts = upload(s3, bucket, "k", [b"a" * 100, b"b" * 100], complete=False)
    path = f"/{bucket}/k?uploadId={upload_id}"
    for body in (b"not xml", b"<CompleteMultipartUpload/>",
                 b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
                 b"</CompleteMultipartUpload>"):
        resp = rawhttp.send(gateway_env, "POST", path, body=body)
        assert resp.status_code == 400 and b"<Code>MalformedXML</Code>" in resp.content

    def complete(parts: list[dict]) -> tuple[str, int]:
        with pytest.raises(ClientError) as exc:
            s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                         MultipartUpload={"Parts": parts})
        return error_of(exc)

    assert complete([parts[1], parts[0]]) == ("InvalidPartOrder", 400)
    assert complete([parts[0], parts[0]]) == ("InvalidPartOrder", 400)
    assert complete([{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]) == ("InvalidPart", 400)
    assert complete([parts[0], {"PartNumber": 3, "ETag": parts[1]["ETag"]}]) == (
        "InvalidPart", 400)
    assert complete(parts) == ("EntityTooSmall", 400)
    # ETags compare without their quotes; a single small part is a valid upload.
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": parts[1]["ETag"].strip('"')}]})
    assert done["ETag"] == mp_etag([b"b" * 100])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"b" * 100


def test_retry_complete_and_unused_parts(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    s3 = s3_client
    chunks = split(DATA[:PART + 10], PART)
    upload_id, parts = upload(s3, bucket, "r", chunks + [b"unused"], complete=False)
    first = s3.complete_multipart_upload(Bucket=bucket, Key="r", UploadId=upload_id,
                                         MultipartUpload={"Parts": parts[:2]})
    again = s3.complete_multipart_upload(Bucket=bucket, Key="r", UploadId=upload_id,
                                         MultipartUpload={"Parts": parts[:2]})
    assert first["ETag"] == again["ETag"] == mp_etag(chunks)
    # The part left out of the manifest was removed.
    assert segments(swift_conn, bucket, f"r/{upload_id}/") == [
        f"r/{upload_id}/00001", f"r/{upload_id}/00002"]
    assert s3.get_object(Bucket=bucket, Key="r")["Body"].read() == DATA[:PART + 10]
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="r", UploadId=upload_id, PartNumber=9, Body=b"late")
    assert error_of(exc) == ("NoSuchUpload", 404)


def test_abort_removes_everything(s3_client: Any, bucket: str, swift_conn: Any) -> None:
    s3 = s3_client
    upload_id, _ = upload(s3, bucket, "a b/c", [b"1" * 10, b"2" * 10, b"3" * 10],
                          complete=False)
    assert len(segments(swift_conn, bucket)) == 3 and len(markers(swift_conn, bucket)) == 1
    s3.abort_multipart_upload(Bucket=bucket, Key="a b/c", UploadId=upload_id)
    assert segments(swift_conn, bucket) == [] and markers(swift_conn, bucket) == []
    with pytest.raises(ClientError) as exc:
        s3.abort_multipart_upload(Bucket=bucket, Key="a b/c", UploadId=upload_id)
    assert error_of(exc) == ("NoSuchUpload", 404)
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="a b/c", UploadId=upload_id, PartNumber=1, Body=b"x")
    assert error_of(exc) == ("NoSuchUpload", 404)


def test_overwrite_and_delete_remove_segments(s3_client: Any, bucket: str,
                                              swift_conn: Any) -> None:
    s3 = s3_client
    chunks = split(DATA[:PART + 1], PART)
    first, _ = upload(s3, bucket, "o", chunks)
    assert len(segments(swift_conn, bucket)) == 2
    second, _ = upload(s3, bucket, "o", split(DATA[PART:2 * PART + 1], PART))  # Complete over one
    mine = [f"o/{second}/00001", f"o/{second}/00002"]
    assert eventually(lambda: segments(swift_conn, bucket), mine.__eq__) == mine
    s3.put_object(Bucket=bucket, Key="o", Body=b"small")  # PutObject over one
    assert eventually(lambda: segments(swift_conn, bucket), [].__eq__) == []
    assert s3.get_object(Bucket=bucket, Key="o")["Body"].read() == b"small"
    third, _ = upload(s3, bucket, "o", chunks)
    s3.delete_object(Bucket=bucket, Key="o")
    assert eventually(lambda: segments(swift_conn, bucket), [].__eq__) == []
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="o")
    assert error_of(exc)[1] == 404
    assert first != second != third


def test_conditional_complete(s3_client: Any, bucket: str) -> None:
    s3 = s3_client
    s3.put_object(Bucket=bucket, Key="c", Body=b"existing")
    upload_id, parts = upload(s3, bucket, "c", [b"new"], complete=False)
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=bucket, Key="c", UploadId=upload_id,
                                     MultipartUpload={"Parts": parts}, IfNoneMatch="*")
    assert error_of(exc) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=bucket, Key="c", UploadId=upload_id,
                                     MultipartUpload={"Parts": parts}, IfMatch='"abc"')
    assert error_of(exc) == ("PreconditionFailed", 412)
    current = s3.head_object(Bucket=bucket, Key="c")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="c", UploadId=upload_id,
                                 MultipartUpload={"Parts": parts}, IfMatch=current)
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"new"
    other, parts = upload(s3, bucket, "fresh", [b"x"], complete=False)
    s3.complete_multipart_upload(Bucket=bucket, Key="fresh", UploadId=other,
                                 MultipartUpload={"Parts": parts}, IfNoneMatch="*")


def test_list_uploads(s3_client: Any, bucket: str) -> None:
    s3 = s3_client
    ids = {}
    for key in ("a/1", "a/2", "b", "b", "c.txt", "c"):
        ids.setdefault(key, []).append(
            s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"])
    everything = s3.list_multipart_uploads(Bucket=bucket)
    listed = [(u["Key"], u["UploadId"]) for u in everything["Uploads"]]
    assert listed == [("a/1", ids["a/1"][0]), ("a/2", ids["a/2"][0]), ("b", ids["b"][0]),
                      ("b", ids["b"][1]), ("c", ids["c"][0]), ("c.txt", ids["c.txt"][0])]
    assert everything["Uploads"][0]["Initiated"] and not everything["IsTruncated"]

    pages = list(s3.get_paginator("list_multipart_uploads").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    assert [(u["Key"], u["UploadId"]) for p in pages for u in p["Uploads"]] == listed
    page = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=3)
    assert page["IsTruncated"] and page["NextKeyMarker"] == "b"
    assert page["NextUploadIdMarker"] == ids["b"][0]
    after_b = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="b")
    assert [u["Key"] for u in after_b["Uploads"]] == ["c", "c.txt"]

    grouped = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["a/"]
    assert [u["Key"] for u in grouped["Uploads"]] == ["b", "b", "c", "c.txt"]
    first = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/", MaxUploads=1)
    assert first["IsTruncated"] and first["NextKeyMarker"] == "a/"
    following = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/", KeyMarker="a/")
    assert [u["Key"] for u in following["Uploads"]] == ["b", "b", "c", "c.txt"]
    prefixed = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")
    assert [u["Key"] for u in prefixed["Uploads"]] == ["a/1", "a/2"]
    encoded = s3.list_multipart_uploads(Bucket=bucket, Prefix="c", EncodingType="url")
    assert [u["Key"] for u in encoded["Uploads"]] == ["c", "c.txt"]


def test_transfer_manager_round_trip(s3_client: Any, bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(BIG)
    config = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB)
    s3_client.upload_file(str(source), bucket, "big.bin", Config=config)
    head = s3_client.head_object(Bucket=bucket, Key="big.bin")
    assert head["ETag"] == mp_etag(split(BIG, 8 * MIB)) and head["ContentLength"] == len(BIG)
    target = tmp_path / "down.bin"
    s3_client.download_file(bucket, "big.bin", str(target), Config=config)
    assert target.read_bytes() == BIG


@pytest.fixture
def aws(aws_cli: Any) -> Any:
    """aws-cli's standard output; the command must succeed."""
    return lambda *args: aws_cli(*args).stdout


def test_awscli(aws: Any, s3_client: Any, bucket: str, tmp_path: Path) -> None:
    source = tmp_path / "up.bin"
    source.write_bytes(BIG)
    aws("s3", "cp", str(source), f"s3://{bucket}/cli/big.bin")
    assert s3_client.head_object(Bucket=bucket, Key="cli/big.bin")["ETag"].endswith('-3"')
    target = tmp_path / "down.bin"
    aws("s3", "cp", f"s3://{bucket}/cli/big.bin", str(target))
    assert target.read_bytes() == BIG

    tree = tmp_path / "tree"
    for name in ("a.txt", "sub/b.txt", "sub/deeper/c.txt"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(name.encode() * 100)
    aws("s3", "sync", str(tree), f"s3://{bucket}/tree")
    keys = {o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket, Prefix="tree/")["Contents"]}
    assert keys == {"tree/a.txt", "tree/sub/b.txt", "tree/sub/deeper/c.txt"}
    assert aws("s3", "sync", str(tree), f"s3://{bucket}/tree").strip() == ""  # nothing to do

    upload_id = json.loads(aws("s3api", "create-multipart-upload", "--bucket", bucket,
                               "--key", "cli/mp"))["UploadId"]
    part = tmp_path / "part"
    part.write_bytes(b"part one")
    aws("s3api", "upload-part", "--bucket", bucket, "--key", "cli/mp", "--upload-id",
        upload_id, "--part-number", "1", "--body", str(part))
    parts = json.loads(aws("s3api", "list-parts", "--bucket", bucket, "--key", "cli/mp",
                           "--upload-id", upload_id))["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 8)]
    aws("s3api", "abort-multipart-upload", "--bucket", bucket, "--key", "cli/mp",
        "--upload-id", upload_id)
    listed = json.loads(aws("s3api", "list-multipart-uploads", "--bucket", bucket) or "{}")
    assert listed.get("Uploads", []) == []


def test_longest_key(s3_client: Any, bucket: str) -> None:
    key = "k/" + "x" * 1022  # 1024 bytes: its parts' names are longer still
    upload(s3_client, bucket, key, [b"long key body"])
    assert s3_client.get_object(Bucket=bucket, Key=key)["Body"].read() == b"long key body"
    s3_client.delete_object(Bucket=bucket, Key=key)


def test_delete_bucket_drops_uploads_in_progress(s3_client: Any, swift_conn: Any) -> None:
    name = f"it-mp-{os.urandom(6).hex()}"
    s3_client.create_bucket(Bucket=name)
    upload(s3_client, name, "pending", [b"data"], complete=False)
    s3_client.delete_bucket(Bucket=name)
    containers = [c["name"] for c in swift_conn.get_account(full_listing=True)[1]]
    assert not [c for c in containers if c.startswith(name)]
    s3_client.create_bucket(Bucket=name)
    assert s3_client.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    s3_client.delete_bucket(Bucket=name)
