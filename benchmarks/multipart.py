"""Multipart uploads and streaming checksums (``run.py --only multipart,checksum``).

* ``multipart``: one object of ``multipart_size`` (1 GiB; 256 MiB with --quick)
  uploaded in ``multipart_part`` (16 MiB) parts, ``multipart_concurrency`` (4) in
  flight. Through a gateway: CreateMultipartUpload, UploadPart (UNSIGNED-PAYLOAD)
  for every part, CompleteMultipartUpload. Directly to Swift: the same bytes PUT as
  segments into a segments container, then the SLO manifest
  (``?multipart-manifest=put``). The whole sequence is timed; the gateway's RSS is
  sampled every 100 ms throughout. The object is deleted afterwards (S3
  DeleteObject; ``?multipart-manifest=delete`` on Swift) and its segments are
  checked to be gone.
* ``checksum``: PUTs through each gateway with no checksum, or an
  ``x-amz-checksum-{crc32,crc32c,crc64nvme,sha256}`` header (values computed
  before timing), each reported as a ratio to the PUT without one. Sizes: 16 MiB
  (``checksum_puts`` per variant) and streamed ``checksum_big`` PUTs. The
  variants are interleaved PUT by PUT in a rotating order, so drift in the
  machine's load spreads evenly over them.
"""

from __future__ import annotations

import base64
import hashlib
import statistics
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiohttp
from awscrt import checksums as crt

from _clients import MiB, BenchRequestError, S3Side, SwiftSide, stream_body
from _harness import BUCKET, Context, log, measure, run_ops
from _procstats import RssSampler, reset_peak_rss, status_kib
from _report import aggregate, cost_ratio

DIRECT_SEGMENTS = f"{BUCKET}-direct+segments"
GATEWAY_SEGMENTS = f"{BUCKET}+segments"  # where the gateway keeps parts (multipart_layout)
VARIANTS = ("none", "crc32", "crc32c", "crc64nvme", "sha256")
CRC_TARGET = 0.9


def _direct(ctx: Context) -> SwiftSide:
    return next(side for side in ctx.sides if isinstance(side, SwiftSide))


def _body(ctx: Context, length: int) -> Any:
    """``length`` bytes of the pre-made random buffers, never more than 16 MiB held."""
    if length == len(ctx.large_body):
        return ctx.large_body
    if length < len(ctx.large_body):
        return ctx.large_body[:length]
    return stream_body(length, ctx.chunk)


# -- multipart -----------------------------------------------------------------

async def _gateway_upload(ctx: Context, session: aiohttp.ClientSession, side: S3Side, key: str,
                          size: int, part: int, concurrency: int) -> dict[str, float]:
    nparts = -(-size // part)
    t0 = time.perf_counter()
    upload_id = await side.create_multipart(session, key)
    t1 = time.perf_counter()
    etags = [""] * nparts

    async def upload(i: int) -> int:
        length = min(part, size - i * part)
        etags[i] = await side.upload_part(session, key, upload_id, i + 1, _body(ctx, length),
                                          length)
        return length

    await run_ops(nparts, concurrency, upload, None)
    t2 = time.perf_counter()
    await side.complete_multipart(session, key, upload_id, etags)
    t3 = time.perf_counter()
    return {"create_s": t1 - t0, "parts_s": t2 - t1, "complete_s": t3 - t2}


async def _direct_upload(ctx: Context, session: aiohttp.ClientSession, side: SwiftSide,
                         key: str, size: int, part: int,
                         concurrency: int) -> dict[str, float]:
    nparts = -(-size // part)
    t1 = time.perf_counter()
    segments: list[dict[str, Any]] = [{}] * nparts

    async def upload(i: int) -> int:
        length = min(part, size - i * part)
        name = f"{key}/{i + 1:05d}"
        etag = await side.put_to(session, DIRECT_SEGMENTS, name, _body(ctx, length), length)
        segments[i] = {"path": f"/{DIRECT_SEGMENTS}/{name}", "etag": etag,
                       "size_bytes": length}
        return length

    await run_ops(nparts, concurrency, upload, None)
    t2 = time.perf_counter()
    await side.put_manifest(session, key, segments)
    t3 = time.perf_counter()
    return {"create_s": 0.0, "parts_s": t2 - t1, "complete_s": t3 - t2}


async def _remove(ctx: Context, session: aiohttp.ClientSession, side: S3Side | SwiftSide,
                  key: str) -> str | None:
    """Delete the object and its segments; a message if segments survived."""
    direct = _direct(ctx)
    try:
        if isinstance(side, S3Side):
            await side.delete(session, key)
            left = await direct.list_names(session, GATEWAY_SEGMENTS, key + "/")
        else:
            await side.delete_slo(session, key)
            left = await direct.list_names(session, DIRECT_SEGMENTS, key + "/")
    except (BenchRequestError, aiohttp.ClientError) as exc:
        return f"could not delete {key}: {exc}"
    return f"{len(left)} segment(s) of {key} left after the delete" if left else None


async def multipart_phase(ctx: Context, session: aiohttp.ClientSession) -> None:
    s = ctx.settings
    size, part, conc = s.multipart_size, s.multipart_part, s.multipart_concurrency
    log(f"multipart: {size // MiB} MiB in {part // MiB} MiB parts, {conc} in flight "
        f"({-(-size // part)} parts; direct = segments + SLO manifest), "
        f"{s.multipart_rounds} round(s), gateway RSS sampled every {s.rss_interval * 1000:.0f} ms")
    direct = _direct(ctx)
    try:  # creates the containers (the gateway's hidden ones too), warms the code paths
        await direct.put_container(session, DIRECT_SEGMENTS)
        for side in ctx.order(0, with_s3api=False):
            key = f"multipart/warm/{side.name}"
            if isinstance(side, S3Side):
                await _gateway_upload(ctx, session, side, key, MiB, MiB, 1)
            else:
                await _direct_upload(ctx, session, side, key, MiB, MiB, 1)
            await _remove(ctx, session, side, key)
    except (BenchRequestError, aiohttp.ClientError, OSError) as exc:
        log(f"ERROR multipart warm-up: {exc!r}")
        ctx.errors.append(f"multipart warm-up: {exc!r}")
        return

    for r in range(s.multipart_rounds):
        for side in ctx.order(r, with_s3api=False):
            key = f"multipart/{side.name}/r{r}"
            pids = ctx.gateway_pids(side)
            hwm_reset = reset_peak_rss(pids) if pids else False
            baseline = max((status_kib(p, "VmRSS") or 0 for p in pids), default=0) / 1024
            timings: dict[str, float] = {}

            async def op(_i: int, side: S3Side | SwiftSide = side, key: str = key,
                         timings: dict[str, float] = timings) -> int:
                if isinstance(side, S3Side):
                    timings.update(await _gateway_upload(ctx, session, side, key, size, part,
                                                         conc))
                else:
                    timings.update(await _direct_upload(ctx, session, side, key, size, part,
                                                        conc))
                return size

            with RssSampler(pids, s.rss_interval) as sampler:
                record = await measure(ctx, side, "multipart", "put", r, 1, 1, op)
            problem = await _remove(ctx, session, side, key)
            if problem:
                log("    " + problem)
                ctx.errors.append(f"multipart/{side.name} round {r}: {problem}")
            if record is None:
                continue
            record["timings"] = {k: round(v, 3) for k, v in timings.items()}
            record["parts_mib_s"] = round(size / MiB / max(timings["parts_s"], 1e-9), 2)
            detail = (f"    {side.name}: parts {timings['parts_s']:.1f}s "
                      f"({record['parts_mib_s']:.1f} MiB/s), create {timings['create_s']:.2f}s, "
                      f"complete {timings['complete_s']:.2f}s")
            if pids:
                record["rss"] = {
                    "baseline_mib": round(baseline, 1),
                    "peak_rss_mib": round(sampler.peak_mib(), 1),
                    "peak_rss_sum_mib": round(sampler.peak_sum_mib(), 1),
                    "per_pid_peak_mib": {str(p): round(k / 1024, 1)
                                         for p, k in sampler.peak_kib.items()},
                    "samples": sampler.samples,
                    "hwm_mib": (round(max((status_kib(p, "VmHWM") or 0) for p in pids) / 1024, 1)
                                if hwm_reset else None),
                }
                record["peak_rss_mib"] = record["rss"]["peak_rss_mib"]
                detail += (f"; peak RSS {sampler.peak_mib():.1f} MiB (baseline {baseline:.1f}, "
                           f"{sampler.samples} samples"
                           + (f", VmHWM {record['rss']['hwm_mib']}" if hwm_reset else "") + ")")
            log(detail)


# -- streaming checksums --------------------------------------------------------

def checksum_values(chunks: Iterable[bytes]) -> dict[str, str]:
    """The base64 header value of every algorithm over ``chunks`` concatenated."""
    crc32 = crc32c = crc64 = 0
    sha = hashlib.sha256()
    for chunk in chunks:
        crc32 = zlib.crc32(chunk, crc32)
        crc32c = crt.crc32c(chunk, crc32c)
        crc64 = crt.crc64nvme(chunk, crc64)
        sha.update(chunk)

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return {"crc32": b64(crc32.to_bytes(4, "big")), "crc32c": b64(crc32c.to_bytes(4, "big")),
            "crc64nvme": b64(crc64.to_bytes(8, "big")), "sha256": b64(sha.digest())}


def _chunks_of(ctx: Context, size: int) -> Iterable[bytes]:
    if size <= len(ctx.large_body):
        yield ctx.large_body[:size]
        return
    full, rest = divmod(size, len(ctx.chunk))
    for _ in range(full):
        yield ctx.chunk
    if rest:
        yield ctx.chunk[:rest]


async def checksum_phase(ctx: Context, session: aiohttp.ClientSession) -> None:
    s = ctx.settings
    gateways = [side for side in ctx.order(0, with_s3api=False) if isinstance(side, S3Side)]
    for size, count in ((s.large_size, s.checksum_puts), (s.checksum_big, s.checksum_big_puts)):
        workload = f"checksum_{size // MiB}m"
        values = checksum_values(_chunks_of(ctx, size))
        log(f"{workload}: {count} x {size // MiB} MiB PUT per variant ({', '.join(VARIANTS)}), "
            f"sequential, UNSIGNED-PAYLOAD, variants interleaved PUT by PUT; "
            f"{s.rounds} round(s)")
        for r in range(s.rounds):
            for side in (gateways if r % 2 == 0 else gateways[::-1]):
                prof_name = f"{workload}-{side.name}"
                prof = ctx.profiler.start(prof_name, ctx.gateway_pids(side)) if r == 0 else []
                for c in range(count):
                    shift = (c + r) % len(VARIANTS)
                    for variant in VARIANTS[shift:] + VARIANTS[:shift]:
                        key = f"{workload}/{side.name}/{variant}/{c:03d}"
                        await measure(ctx, side, workload, variant, r, 1, 1,
                                      _checksum_put(ctx, session, side, key, size, variant,
                                                    values),
                                      profile=False, verbose=False)
                ctx.profiler.stop(prof_name, prof)
                rates = [f"{v} {_round_rate(ctx.phases, workload, v, side.name, r):.1f}"
                         for v in VARIANTS]
                log(f"  {workload:14s} {side.name} r{r}: MiB/s " + ", ".join(rates))


def _checksum_put(ctx: Context, session: aiohttp.ClientSession, side: S3Side, key: str,
                  size: int, variant: str,
                  values: dict[str, str]) -> Callable[[int], Awaitable[int]]:
    header = f"x-amz-checksum-{variant}"
    extra = {header: values[variant]} if variant != "none" else None

    async def op(_i: int) -> int:
        headers = await side.put(session, key, _body(ctx, size), size, extra=extra)
        if extra and headers.get(header) != values[variant]:
            raise BenchRequestError(f"PUT {key}: {header} not returned "
                                    f"({headers.get(header)!r}): was it verified?")
        return size

    return op


def _round_rate(phases: list[dict[str, Any]], workload: str, op: str, side: str,
                round_no: int) -> float:
    rows = [p for p in phases if p["workload"] == workload and p["op"] == op
            and p["side"] == side and p["round"] == round_no]
    seconds = sum(p["seconds"] for p in rows)
    return sum(p["bytes"] for p in rows) / MiB / seconds if seconds else 0.0


def evaluate_checksums(phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each variant against the PUT without a checksum, same gateway, same rounds."""
    workloads = sorted({p["workload"] for p in phases if p["workload"].startswith("checksum_")},
                       key=lambda w: int(w.split("_")[1].rstrip("m")))
    rows: list[dict[str, Any]] = []
    for workload in workloads:
        for side in ("gw1", "gw2"):
            base = aggregate(phases, workload, "none", side)
            if base is None or not base["mib_s"]:
                continue
            rounds = sorted({p["round"] for p in phases
                             if p["workload"] == workload and p["side"] == side})
            base_rounds = {r: _round_rate(phases, workload, "none", side, r) for r in rounds}
            for variant in VARIANTS:
                agg = aggregate(phases, workload, variant, side)
                if agg is None:
                    continue
                row: dict[str, Any] = {
                    "workload": workload, "side": side, "variant": variant,
                    "mib_s": agg["mib_s"], "cpu_ms_per_mib": agg["cpu_ms_per_mib"],
                    "cpu_pressure": agg["cpu_pressure"], "puts": sum(
                        p["ops"] for p in phases if p["workload"] == workload
                        and p["op"] == variant and p["side"] == side)}
                if variant != "none":
                    ratio = agg["mib_s"] / base["mib_s"]
                    extra = agg["cpu_ms_per_mib"]["gateway"] - base["cpu_ms_per_mib"]["gateway"]
                    base_total = sum(base["cpu_ms_per_mib"].values())
                    per_round = [round(_round_rate(phases, workload, variant, side, r)
                                       / base_rounds[r], 3) for r in rounds if base_rounds[r]]
                    info = not variant.startswith("crc")
                    row.update({
                        "ratio": round(ratio, 3), "per_round_ratios": per_round,
                        "median_round_ratio": (round(statistics.median(per_round), 3)
                                               if per_round else None),
                        "cpu_cost_ratio": cost_ratio(base, agg, "mib_s"),
                        "gateway_extra_ms_per_mib": round(extra, 3),
                        # Only the gateway's extra CPU counted (Swift's per-PUT CPU is noisy):
                        # the throughput ratio to expect on a CPU-saturated machine.
                        "gateway_cost_ratio": round(base_total / (base_total + extra), 3)
                        if base_total + extra > 0 else None,
                        "target": f">= {CRC_TARGET:g} x no checksum" + (" (info)" if info else ""),
                        "informational": info,
                        "verdict": "PASS" if ratio >= CRC_TARGET else "FAIL"})
                rows.append(row)
    return rows


def render_checksums(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    lines = ["checksum PUTs through the gateway (UNSIGNED-PAYLOAD, sequential): ratio = MiB/s "
             "with the checksum / without, same gateway, same rounds",
             f"  {'size':>8s} {'side':4s} {'variant':10s} {'MiB/s':>7s} {'ratio':>6s} {'':5s} "
             f"{'per round':18s} {'cost ratio':>10s} {'gw-cost':>7s} {'gw ms/MiB':>9s} "
             f"{'+gw ms/MiB':>10s} {'all ms/MiB':>10s} {'pressure':>8s}"]
    for row in rows:
        size = row["workload"].split("_")[1].rstrip("m") + " MiB"
        cost = row["cpu_ms_per_mib"]
        ratio = f"{row['ratio']:6.2f}" if "ratio" in row else f"{'-':>6s}"
        verdict = (row["verdict"] + ("*" if row["informational"] else "")
                   if "verdict" in row else "")
        per_round = " ".join(f"{x:.2f}" for x in row.get("per_round_ratios", []))
        cr = row.get("cpu_cost_ratio")
        extra = row.get("gateway_extra_ms_per_mib")
        gcr = row.get("gateway_cost_ratio")
        lines.append(
            f"  {size:>8s} {row['side']:4s} {row['variant']:10s} {row['mib_s']:7.1f} {ratio} "
            f"{verdict:5s} {per_round:18s} {f'{cr:.2f}' if cr else '-':>10s} "
            f"{f'{gcr:.2f}' if gcr else '-':>7s} "
            f"{cost['gateway']:9.2f} {f'{extra:+.2f}' if extra is not None else '':>10s} "
            f"{sum(cost.values()):10.2f} {row['cpu_pressure'] if row['cpu_pressure'] is not None else '-':>8}")
    lines.append(f"  target: >= {CRC_TARGET:g} for the CRCs (* = sha256, informational); cost ratio ="
                 " CPU per MiB of all our processes, none / variant;")
    lines.append("  gw-cost = the same with only the gateway's extra CPU counted (robust to Swift's "
                 "noisy per-PUT CPU); +gw ms/MiB = gateway CPU per MiB the checksum adds")
    return "\n".join(lines)
