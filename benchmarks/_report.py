"""Summaries of the recorded phases: gateway / direct ratios, CPU cost, the tables."""

from __future__ import annotations

import statistics
from typing import Any

from _clients import MiB
from _harness import SMALL_WORKLOADS, KiB, Settings


# (label, workload, op, metric, comparison, threshold, informational)
TARGETS: list[tuple[str, str, str, str, str, float, bool]] = [
    ("large PUT 16 MiB, sequential", "large_seq", "put", "mib_s", "ratio>=", 0.9, False),
    ("large GET 16 MiB, sequential", "large_seq", "get", "mib_s", "ratio>=", 0.9, False),
    ("large PUT 16 MiB, concurrent", "large_conc", "put", "mib_s", "ratio>=", 0.9, False),
    ("large GET 16 MiB, concurrent", "large_conc", "get", "mib_s", "ratio>=", 0.9, False),
    ("large PUT 16 MiB, signed payload", "large_signed", "put", "mib_s", "ratio>=", 0.9, True),
    ("small PUT 4 KiB, c=16", "small", "put", "ops_s", "ratio>=", 0.8, False),
    ("small GET 4 KiB, c=16", "small", "get", "ops_s", "ratio>=", 0.8, False),
    ("gateway peak RSS, streamed PUT", "stream", "put", "peak_rss_mib", "value<", 150.0, False),
    ("gateway peak RSS, streamed GET", "stream", "get", "peak_rss_mib", "value<", 150.0, False),
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
    }
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
    """gateway / direct for each round (the sides ran back to back within a round)."""
    direct = {p["round"]: p[metric] for p in _rows(phases, workload, op, "direct")}
    return [round(p[metric] / direct[p["round"]], 3)
            for p in _rows(phases, workload, op, side) if direct.get(p["round"])]


def evaluate(phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for label, workload, op, metric, comparison, threshold, info in TARGETS:
        row: dict[str, Any] = {"label": label, "workload": workload, "op": op, "metric": metric,
                               "target": f"{comparison.replace('value', '')} {threshold:g}"
                               if comparison.startswith("value") else f">= {threshold:g} x direct",
                               "informational": info, "sides": {}}
        direct = aggregate(phases, workload, op, "direct")
        rss_metric = metric == "peak_rss_mib"
        if direct and not rss_metric:
            row["direct"] = direct[metric]
        for side in ("gw1", "gw2"):
            agg = aggregate(phases, workload, op, side)
            if agg is None or (rss_metric and "peak_rss_mib" not in agg):
                row["sides"][side] = {"verdict": "n/a"}
                continue
            value = agg[metric]
            entry: dict[str, Any] = {"value": value}
            if rss_metric:
                entry["verdict"] = "PASS" if value < threshold else "FAIL"
                entry["rss"] = agg.get("rss")
            elif direct and direct[metric]:
                ratio = value / direct[metric]
                entry["ratio"] = round(ratio, 3)
                per_round = paired_ratios(phases, workload, op, side, metric)
                entry["per_round_ratios"] = per_round
                entry["median_round_ratio"] = (round(statistics.median(per_round), 3)
                                               if per_round else None)
                entry["verdict"] = "PASS" if ratio >= threshold else "FAIL"
                entry["cpu_cost_ratio"] = cost_ratio(direct, agg, metric)
            else:
                entry["verdict"] = "n/a"
            for key in ("cpu_cores", "cpu_ms_per_op", "cpu_ms_per_mib", "cpu_pressure"):
                entry[key] = agg[key]
            row["sides"][side] = entry
        results.append(row)
    return results


def render_table(summary: list[dict[str, Any]], settings: Settings) -> str:
    header = (f"{'metric':34s} {'direct':>10s} {'gw 1-worker':>12s} {'ratio':>6s} {'':4s} "
              f"{'gw 2-worker':>12s} {'ratio':>6s} {'':4s}  {'target':26s} {'cpu-cost ratio':>14s}")
    lines = [header, "-" * len(header)]
    for row in summary:
        if row.get("direct") is None and all("value" not in e for e in row["sides"].values()):
            continue  # a workload that did not run (--only)
        unit = {"mib_s": "MiB/s", "ops_s": "ops/s", "peak_rss_mib": "MiB"}[row["metric"]]
        direct = row.get("direct")
        cells = [f"{row['label']:34s}", f"{direct:>10.1f}" if direct is not None else f"{'-':>10s}"]
        for side in ("gw1", "gw2"):
            entry = row["sides"].get(side, {})
            value = entry.get("value")
            cells.append(f"{value:>12.1f}" if value is not None else f"{'-':>12s}")
            ratio = entry.get("ratio")
            cells.append(f"{ratio:>6.2f}" if ratio is not None else f"{'':>6s}")
            verdict = entry.get("verdict", "n/a")
            cells.append(f"{verdict:4s}")
        target = row["target"] + (" (info)" if row["informational"] else "") + f" [{unit}]"
        costs = [row["sides"].get(side, {}).get("cpu_cost_ratio") for side in ("gw1", "gw2")]
        cost = " / ".join(f"{c:.2f}" if c is not None else "-" for c in costs)
        lines.append(" ".join(cells) + f"  {target:26s} {cost if any(costs) else '':>14s}")
    lines.append("ratio = gateway / direct throughput (totals over rounds); cpu-cost ratio (gw1 / gw2) = "
                 "CPU per unit of work of")
    lines.append("all our processes, direct / via gateway: the throughput ratio to expect on a "
                 "CPU-saturated machine, robust to other load")
    lines.append("")
    lines.append("per-round ratios (gateway / direct, sides back to back in each round):")
    for row in summary:
        parts = []
        for side in ("gw1", "gw2"):
            per_round = row["sides"].get(side, {}).get("per_round_ratios")
            if per_round:
                parts.append(f"{side} " + " ".join(f"{r:.2f}" for r in per_round))
        if parts:
            lines.append(f"  {row['label']:34s} " + "   ".join(parts))
    lines.append("")
    lines.append(f"large = {settings.large_size // MiB} MiB objects ({settings.large_seq} sequential, "
                 f"{settings.large_conc} at concurrency {settings.large_concurrency} per round); small = "
                 f"{settings.small_ops} x {settings.small_size // KiB} KiB at concurrency "
                 f"{settings.small_concurrency} per round (capped at {settings.small_max_seconds:g}s); "
                 f"stream = {settings.stream_size / MiB:.0f} MiB; {settings.rounds} round(s), "
                 "sides interleaved")
    lines.append(f"multipart = {settings.multipart_size // MiB} MiB in "
                 f"{settings.multipart_part // MiB} MiB parts at concurrency "
                 f"{settings.multipart_concurrency}, {settings.multipart_rounds} round(s); direct = "
                 "the same segments PUT to Swift + the SLO manifest PUT")
    return "\n".join(lines)


def render_cpu(phases: list[dict[str, Any]]) -> str:
    lines = ["CPU per unit of work (ms per MiB for large/stream, ms per op for small; totals over",
             "rounds) and cores busy; 'pressure' = share of the time some task on the machine",
             "waited for a CPU (near 1 = oversubscribed: absolute figures depressed):",
             f"  {'phase':18s} {'side':6s} {'gateway':>8s} {'swift':>7s} {'client':>7s} {'unit':>7s}"
             f"   {'cores gw/swift/client':>22s} {'pressure':>8s}"]
    seen = []
    for p in phases:
        key = (p["workload"], p["op"], p["side"])
        if key in seen or p["workload"].startswith("checksum_"):  # in the checksum table
            continue
        seen.append(key)
        agg = aggregate(phases, *key)
        assert agg is not None
        per_op = p["workload"] in SMALL_WORKLOADS
        cost = agg["cpu_ms_per_op"] if per_op else agg["cpu_ms_per_mib"]
        cores = agg["cpu_cores"]
        pressure = agg["cpu_pressure"]
        lines.append(
            f"  {p['workload'] + ' ' + p['op']:18s} {p['side']:6s} {cost['gateway']:8.2f} "
            f"{cost['swift']:7.2f} {cost['client']:7.2f} {'ms/op' if per_op else 'ms/MiB':>7s}"
            f"   {cores['gateway']:6.2f} {cores['swift']:6.2f} {cores['client']:6.2f}  "
            f"  {pressure if pressure is not None else '-':>8}")
    return "\n".join(lines)


