"""PNG plots for the report, from the suites' results JSON (matplotlib, Agg: no display).

``results/latency_vs_size.png``: search p50 / p95 against store size, log-log, memory-core
and Mem0, one panel per query mode; memory-core's large point from the scale suite, Mem0's
beyond its measured sizes drawn as an extrapolation (hollow marker, dotted line).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: files only, no display

import matplotlib.pyplot as plt

from benchmarks.common import RESULTS_DIR

MODES = (("precomputed", "query vector given"), ("embedded", "query embedded"))
COLORS = {"memory-core": "tab:blue", "mem0": "tab:orange"}
Series = dict[str, list[tuple[int, float]]]


def _read(name: str) -> dict[str, Any] | None:
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def latency_points(
    latency: dict[str, Any] | None, scale: dict[str, Any] | None
) -> dict[str, dict[str, Series]]:
    """{system: {mode_quantile: [(size, ms)]}}, measured points only, sorted by size."""
    out: dict[str, dict[str, Series]] = {}
    for system, data in (latency or {}).get("systems", {}).items():
        for size, r in data.get("search", {}).items():
            for mode, _ in MODES:
                for q in ("p50_ms", "p95_ms"):
                    series = out.setdefault(system, {}).setdefault(mode, {})
                    series.setdefault(q, []).append((int(size), r["search"][mode][q]))
    big = (scale or {}).get("memory-core", {}).get("search")
    if big:
        size = scale["plan"]["size"]  # type: ignore[index]
        for mode, _ in MODES:
            for q in ("p50_ms", "p95_ms"):
                series = out.setdefault("memory-core", {}).setdefault(mode, {})
                series.setdefault(q, []).append((size, big[mode][q]))
    for system in out.values():
        for mode in system.values():
            for q in mode:
                mode[q].sort()
    return out


def latency_vs_size(path: Path | None = None) -> Path | None:
    """Draw ``latency_vs_size.png``; None when there are no latency results."""
    latency, scale = _read("issue2_latency"), _read("issue6_scale")
    points = latency_points(latency, scale)
    if not points:
        return None
    from benchmarks.scale import mem0_extrapolation

    extra = mem0_extrapolation(scale["plan"]["size"]) if scale else None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for ax, (mode, title) in zip(axes, MODES, strict=True):
        for system, modes in points.items():
            for q, style in (("p50_ms", "-"), ("p95_ms", "--")):
                xs, ys = zip(*modes[mode][q], strict=True)
                ax.plot(
                    xs, ys, style, marker="o", color=COLORS.get(system), label=f"{system} {q[:3]}"
                )
                if system == "mem0" and extra:
                    size = scale["plan"]["size"]  # type: ignore[index]
                    ax.plot([xs[-1], size], [ys[-1], extra[f"{mode}_{q}"]], ":",
                            marker="o", markerfacecolor="none", color=COLORS["mem0"])  # fmt: skip
        if scale:
            ax.axhline(scale["target_p95_ms"], color="grey", linewidth=0.8)
            ax.annotate(f"p95 target at 1M: {scale['target_p95_ms']:g} ms",
                        (0.02, scale["target_p95_ms"] * 1.1), xycoords=("axes fraction", "data"),
                        fontsize=8, color="grey")  # fmt: skip
        ax.set(xscale="log", yscale="log", title=f"search, {title}", xlabel="memories")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ms per search (filtered by user, limit 10)")
    axes[0].legend(fontsize=8)
    if extra:
        fig.text(0.5, 0.005, "hollow markers, dotted: Mem0 extrapolated linearly (not run)",
                 ha="center", fontsize=8)  # fmt: skip
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path = path or RESULTS_DIR / "latency_vs_size.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def make_all() -> list[Path]:
    """Every plot this module draws from the results present."""
    return [p for p in (latency_vs_size(),) if p is not None]


if __name__ == "__main__":
    print("\n".join(str(p) for p in make_all()))
