"""Summaries of the recorded phases: gateway / direct ratios, CPU cost, the tables."""

from __future__ import annotations

import statistics
from typing import Any

from _clients import MiB
from _harness import PER_OP_WORKLOADS, KiB, Settings


SIDES = ("gw1", "gw2", "s3api")  # compared with "direct"; s3api = Swift's own middleware

# (label, workload, op, metric, comparison, threshold, informational)
# "ratio>=": side / direct throughput; "latency<=": side / direct p50 latency;
# "value<": an absolute figure (MiB of RSS); "gwcpu<=": gateway CPU ms per MiB.
TARGETS: list[tuple[str, str, str, str, str, float, bool]] = [
    ("large PUT 16 MiB, sequential", "large_seq", "put", "mib_s", "ratio>=", 0.95, False),
    ("large GET 16 MiB, sequential", "large_seq", "get", "mib_s", "ratio>=", 0.95, False),
    ("large PUT 16 MiB, concurrency 4", "large_conc", "put", "mib_s", "ratio>=", 0.95, False),
    ("large GET 16 MiB, concurrency 4", "large_conc", "get", "mib_s", "ratio>=", 0.95, False),
    ("large PUT 16 MiB, signed payload", "large_signed", "put", "mib_s", "ratio>=", 0.9, True),
    ("small PUT 4 KiB, c=16", "small", "put", "ops_s", "ratio>=", 0.9, False),
    ("small GET 4 KiB, c=16", "small", "get", "ops_s", "ratio>=", 0.9, False),
    ("small HEAD 4 KiB, c=16", "small", "head", "ops_s", "ratio>=", 0.9, False),
    ("small DELETE 4 KiB, c=16", "small", "delete", "ops_s", "ratio>=", 0.9, False),
    ("LIST 1,000 keys, p50 latency", "list", "list", "p50_ms", "latency<=", 1.1, False),
    ("gateway CPU per MiB, PUT 16 MiB c=4", "large_conc", "put", "gw_ms_per_mib", "gwcpu<=",
     0.5, False),
    ("gateway CPU per MiB, GET 16 MiB c=4", "large_conc", "get", "gw_ms_per_mib", "gwcpu<=",
     0.5, False),
    ("gateway peak RSS, streamed PUT", "stream", "put", "peak_rss_mib", "value<", 150.0, False),
    ("gateway peak RSS, streamed GET", "stream", "get", "peak_rss_mib", "value<", 150.0, False),
    ("gateway peak RSS, 64 uploads at once", "stream64", "put", "peak_rss_mib", "value<",
     150.0, False),
    ("multipart upload, 16 MiB parts, c=4", "multipart", "put", "mib_s", "ratio>=", 0.9, False),
    ("gateway peak RSS, multipart upload", "multipart", "put", "peak_rss_mib", "value<", 150.0,
     False),
]


# -- summary ----------------------------------------------------------------

def _rows(phases: list[dict[str, Any]], workload: str, op: str, side: str) -> list[dict[str, Any]]:
    return [p for p in phases if p["workload"] == workload and p["op"] == op and p["side"] == side]


def aggregate(phases: list[dict[str, Any]], workload: str, op: str, side: str) -> dict[str, Any] | None:
    """Totals over the rounds: throughput = all bytes (ops) / all seconds."""
    rows = _rows(phases, workload, op, side)
    if not rows:
        return None
    seconds = sum(p["seconds"] for p in rows)
    nbytes = sum(p["bytes"] for p in rows)
    ops = sum(p["ops"] for p in rows)
    cpu = {k: sum(p["cpu_seconds"][k] for p in rows) for k in rows[0]["cpu_seconds"]}
    pressures = [p["cpu_pressure"] for p in rows if p.get("cpu_pressure") is not None]
    p50s = [p["latency_ms"]["p50"] for p in rows if p["latency_ms"]["p50"] is not None]
    out: dict[str, Any] = {
        "rounds": len(rows),
        "mib_s": round(nbytes / MiB / seconds, 2) if seconds else None,
        "ops_s": round(ops / seconds, 1) if seconds else None,
        "per_round_mib_s": [p["mib_s"] for p in rows],
        "per_round_ops_s": [p["ops_s"] for p in rows],
        "cpu_cores": {k: round(v / seconds, 3) for k, v in cpu.items()},
        # CPU cost per unit of work: far less sensitive to a busy machine than speed.
        "cpu_ms_per_op": {k: round(1000 * v / max(ops, 1), 3) for k, v in cpu.items()},
        "cpu_ms_per_mib": {k: round(1000 * v / max(nbytes / MiB, 1e-9), 3)
                           for k, v in cpu.items()},
        "cpu_pressure": round(statistics.mean(pressures), 3) if pressures else None,
        # the median of the rounds' median latencies (each round's list is not kept)
        "p50_ms": statistics.median(p50s) if p50s else None,
    }
    out["gw_ms_per_mib"] = out["cpu_ms_per_mib"].get("gateway") if nbytes else None
    if "peak_rss_mib" in rows[0]:
        out["peak_rss_mib"] = max(p["peak_rss_mib"] for p in rows)
        out["rss"] = rows[0]["rss"]
    return out


def cost_ratio(direct: dict[str, Any], gateway: dict[str, Any], metric: str) -> float | None:
    """CPU per unit of work, direct over gateway, all our processes counted.

    On a CPU-saturated machine throughput is inversely proportional to the CPU
    spent per unit of work, so this estimates the throughput ratio the sides would
    show there; it barely moves when other work competes for the CPUs, unlike
    the measured ratio.
    """
    per = "cpu_ms_per_op" if metric == "ops_s" else "cpu_ms_per_mib"
    d, g = sum(direct[per].values()), sum(gateway[per].values())
    return round(d / g, 3) if g else None


def paired_ratios(phases: list[dict[str, Any]], workload: str, op: str, side: str,
                  metric: str) -> list[float]:
    """side / direct for each round (the sides ran back to back within a round)."""
    def value(p: dict[str, Any]) -> float | None:
        return p["latency_ms"]["p50"] if metric == "p50_ms" else p.get(metric)

    direct = {p["round"]: value(p) for p in _rows(phases, workload, op, "direct")}
    return [round(value(p) / direct[p["round"]], 3)  # type: ignore[operator]
            for p in _rows(phases, workload, op, side)
            if direct.get(p["round"]) and value(p) is not None]


def _target_text(comparison: str, threshold: float) -> str:
    return {"ratio>=": f">= {threshold:g} x direct", "latency<=": f"<= {threshold:g} x direct",
            "value<": f"< {threshold:g}", "gwcpu<=": f"<= {threshold:g}"}[comparison]


def _verdict(comparison: str, value: float, threshold: float) -> str:
    ok = {"ratio>=": value >= threshold, "latency<=": value <= threshold,
          "value<": value < threshold, "gwcpu<=": value <= threshold}[comparison]
    return "PASS" if ok else "FAIL"


def evaluate(phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per target: each side's value, its ratio to direct Swift, a verdict.

    The verdict is the gateway's (gw1, gw2); s3api's figures are for comparison,
    and small-object rows also say whether each gateway is ahead of s3api.
    """
    results = []
    for label, workload, op, metric, comparison, threshold, info in TARGETS:
        row: dict[str, Any] = {"label": label, "workload": workload, "op": op, "metric": metric,
                               "comparison": comparison, "target": _target_text(comparison,
                                                                               threshold),
                               "informational": info, "sides": {}}
        direct = aggregate(phases, workload, op, "direct")
        relative = comparison in ("ratio>=", "latency<=")
        if direct and relative:
            row["direct"] = direct[metric]
        for side in SIDES:
            if side == "s3api" and not relative:
                continue  # no gateway process of its own: no gateway CPU or RSS
            agg = aggregate(phases, workload, op, side)
            if agg is None or agg.get(metric) is None:
                continue
            value = agg[metric]
            entry: dict[str, Any] = {"value": value}
            if relative and direct and direct[metric]:
                entry["ratio"] = round(value / direct[metric], 3)
                entry["per_round_ratios"] = paired_ratios(phases, workload, op, side, metric)
                entry["verdict"] = _verdict(comparison, entry["ratio"], threshold)
                entry["cpu_cost_ratio"] = cost_ratio(direct, agg, metric)
            elif not relative:
                entry["verdict"] = _verdict(comparison, value, threshold)
                if "rss" in agg:
                    entry["rss"] = agg["rss"]
            for key in ("cpu_cores", "cpu_ms_per_op", "cpu_ms_per_mib", "cpu_pressure"):
                entry[key] = agg[key]
            row["sides"][side] = entry
        s3api_ratio = row["sides"].get("s3api", {}).get("ratio")
        if s3api_ratio is not None and workload == "small":
            for side in ("gw1", "gw2"):
                if "ratio" in row["sides"].get(side, {}):
                    row["sides"][side]["ahead_of_s3api"] = row["sides"][side]["ratio"] > s3api_ratio
        results.append(row)
    return results


def _cell(entry: dict[str, Any], key: str, fmt: str) -> str:
    value = entry.get(key)
    return format(value, fmt) if value is not None else "-"


def render_table(summary: list[dict[str, Any]], settings: Settings) -> str:
    """The targets: each gateway side's ratio (or value) and verdict, s3api's ratio beside."""
    header = (f"{'metric':38s} {'direct':>9s} {'gw1':>7s} {'':7s} {'gw2':>7s} {'':7s} "
              f"{'s3api':>7s}  {'target':22s} {'cpu-cost gw1/gw2/s3api':>22s}")
    lines = [header, "-" * len(header)]
    for row in summary:
        sides = row["sides"]
        if not sides:
            continue  # a workload that did not run (--only)
        key = "ratio" if row["comparison"] in ("ratio>=", "latency<=") else "value"
        cells = [f"{row['label']:38s}", f"{_cell(row, 'direct', '.1f'):>9s}"]
        for side in SIDES:
            entry = sides.get(side, {})
            cells.append(f"{_cell(entry, key, '.2f'):>7s}")
            if side != "s3api":
                ahead = {True: "", False: "<s3", None: ""}[entry.get("ahead_of_s3api")]
                cells.append(f"{entry.get('verdict', 'n/a') + ahead:7s}")
        costs = " / ".join(_cell(sides.get(side, {}), "cpu_cost_ratio", ".2f") for side in SIDES)
        target = row["target"] + (" (info)" if row["informational"] else "")
        lines.append(" ".join(cells) + f"  {target:22s} {costs:>22s}")
    lines += [
        "ratio = side / direct Swift (throughput: totals over rounds; LIST: p50 latency, lower is",
        "better); gw1 = 1-worker gateway, gw2 = 2 workers, s3api = Swift's s3api middleware in the",
        "same proxy; '<s3' = behind s3api. cpu-cost ratio = CPU per unit of work of all our",
        "processes, direct / via the side: the throughput ratio to expect on a CPU-saturated",
        "machine, robust to other load.", "",
        "per-round ratios (side / direct, sides back to back in each round):"]
    for row in summary:
        parts = [f"{side} " + " ".join(f"{r:.2f}" for r in row["sides"][side]["per_round_ratios"])
                 for side in SIDES if row["sides"].get(side, {}).get("per_round_ratios")]
        if parts:
            lines.append(f"  {row['label']:38s} " + "   ".join(parts))
    lines += ["", (f"large = {settings.large_size // MiB} MiB objects ({settings.large_seq} "
                   f"sequential, {settings.large_conc} at concurrency "
                   f"{settings.large_concurrency} per round); small = {settings.small_ops} x "
                   f"{settings.small_size // KiB} KiB at concurrency "
                   f"{settings.small_concurrency} per round (capped at "
                   f"{settings.small_max_seconds:g}s); LIST = {settings.list_ops} listings of "
                   f"{settings.list_keys} keys; stream = {settings.stream_size / MiB:.0f} MiB; "
                   f"{settings.rounds} round(s), sides interleaved"),
              (f"multipart = {settings.multipart_size // MiB} MiB in "
               f"{settings.multipart_part // MiB} MiB parts at concurrency "
               f"{settings.multipart_concurrency}, {settings.multipart_rounds} round(s); direct = "
               "the same segments PUT to Swift + the SLO manifest PUT")]
    return "\n".join(lines)


THREE_SIDED_ROWS = [  # (README label, workload, op, metric)
    ("GET 16 MiB, concurrency 4", "large_conc", "get", "mib_s"),
    ("PUT 16 MiB, concurrency 4", "large_conc", "put", "mib_s"),
    ("PUT 4 KiB, concurrency 16", "small", "put", "ops_s"),
    ("GET 4 KiB", "small", "get", "ops_s"),
    ("HEAD 4 KiB", "small", "head", "ops_s"),
    ("DELETE 4 KiB", "small", "delete", "ops_s"),
    ("LIST 1,000 keys, p50 latency", "list", "list", "p50_ms"),
]


def render_three_sided(phases: list[dict[str, Any]]) -> str:
    """The README table: each side / direct Swift, and server CPU (gateway + Swift)
    per operation or per MiB of each side, with the gateway's share."""
    lines = [("| workload | gateway (1 worker) | gateway (2 workers) | Swift s3api | "
              "server CPU direct / gw1 / s3api | gateway CPU gw1 |"),
             "|---|---|---|---|---|---|"]
    for label, workload, op, metric in THREE_SIDED_ROWS:
        direct = aggregate(phases, workload, op, "direct")
        if direct is None or not direct.get(metric):
            continue
        cells, cpu = [], []
        for side in SIDES:
            agg = aggregate(phases, workload, op, side)
            ratio = agg[metric] / direct[metric] if agg and agg.get(metric) else None
            suffix = "x" if metric == "p50_ms" else ""
            cells.append(f"{ratio:.2f}{suffix}" if ratio is not None else "-")
        per = "cpu_ms_per_op" if metric != "mib_s" else "cpu_ms_per_mib"
        unit = "ms/op" if metric != "mib_s" else "ms/MiB"
        for side in ("direct", "gw1", "s3api"):
            agg = aggregate(phases, workload, op, side)
            cpu.append(f"{agg[per]['gateway'] + agg[per]['swift']:.2f}" if agg else "-")
        gw1 = aggregate(phases, workload, op, "gw1")
        gw_cpu = f"{gw1[per]['gateway']:.2f} {unit}" if gw1 else "-"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {' / '.join(cpu)} {unit} | "
                     f"{gw_cpu} |")
    return "\n".join(lines) if len(lines) > 2 else ""  # "": none of its workloads ran


def render_cpu(phases: list[dict[str, Any]]) -> str:
    lines = ["CPU per unit of work (ms per MiB for large/stream, ms per op for small and LIST;",
             "totals over rounds; server = gateway + Swift; s3api's runs inside Swift's proxy)",
             "and cores busy; 'pressure' = share of the time some task on the machine",
             "waited for a CPU (near 1 = oversubscribed: absolute figures depressed):",
             (f"  {'phase':18s} {'side':6s} {'gateway':>8s} {'swift':>7s} {'server':>7s} "
              f"{'client':>7s} {'unit':>7s}"
              f"   {'cores gw/swift/client':>22s} {'pressure':>8s}")]
    seen = []
    for p in phases:
        key = (p["workload"], p["op"], p["side"])
        if key in seen or p["workload"].startswith("checksum_"):  # in the checksum table
            continue
        seen.append(key)
        agg = aggregate(phases, *key)
        assert agg is not None
        per_op = p["workload"] in PER_OP_WORKLOADS
        cost = agg["cpu_ms_per_op"] if per_op else agg["cpu_ms_per_mib"]
        cores = agg["cpu_cores"]
        pressure = agg["cpu_pressure"]
        lines.append(
            f"  {p['workload'] + ' ' + p['op']:18s} {p['side']:6s} {cost['gateway']:8.2f} "
            f"{cost['swift']:7.2f} {cost['gateway'] + cost['swift']:7.2f} {cost['client']:7.2f} "
            f"{'ms/op' if per_op else 'ms/MiB':>7s}"
            f"   {cores['gateway']:6.2f} {cores['swift']:6.2f} {cores['client']:6.2f}  "
            f"  {pressure if pressure is not None else '-':>8}")
    return "\n".join(lines)


