#!/usr/bin/env python3
"""Load an mpsim batch directory with pandas and redraw `mpsim report`'s figure with matplotlib.

    python3 examples/analysis.py results/handover-recovery \
        --x lte_delay --y events.0.stall_s --group scheduler,mode

writes `analysis/<y>-vs-<x>.png` and `.csv` in the batch directory: per group and x value the
successful runs' n, mean, standard deviation and 95 % confidence interval of the mean
(Student t, n - 1 degrees of freedom), the numbers `mpsim report` computes. When the batch has
MPTCP flows, `analysis/hol-cdf.png` draws the head-of-line delay CDF per group from the
long-form `hol_histogram.csv` (every run's histogram, merged).

The batch files are read with plain `pandas.read_csv`, no options: numeric axes are numbers in
their base unit (`lte_delay_ms`), their text is in `<axis>_label`, RON's `None` is the word
`none` (so `groupby` keeps those runs), one row of `summary.csv` per run and flow.

Requirements: examples/requirements.txt (pip install -r examples/requirements.txt).
"""

import argparse
import json
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

# Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom (as mpsim report).
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(df):
    """t_{0.975, df}; between table rows the smaller df's (wider) value, as mpsim report."""
    if df <= 0:
        return math.nan
    if df <= 30:
        return T975[df - 1]
    for limit, t in ((39, 2.042), (59, 2.021), (119, 2.000), (999, 1.980)):
        if df <= limit:
            return t
    return 1.960


# Numeric axis columns: suffix, unit shown, scale from the base unit.
UNITS = [("_ms", "ms", 1.0), ("_bps", "Mbit/s", 1e-6), ("_bytes", "bytes", 1.0),
         ("_pct", "%", 1.0), ("", "", 1.0)]


def axis_columns(df, axis):
    """(numeric column or None, text column, unit, scale) of a sweep axis."""
    if f"{axis}_label" in df.columns:
        for suffix, unit, scale in UNITS:
            if axis + suffix in df.columns:
                return axis + suffix, f"{axis}_label", unit, scale
    return None, axis, "", 1.0


def load(batch):
    """The batch's axes (from batch.json) and summary.csv."""
    meta = json.loads((batch / "batch.json").read_text())
    axes = [a["name"] for a in meta["axes"]]
    summary = pd.read_csv(batch / "summary.csv")
    return axes, summary


def rows_for(summary, y, flow):
    """Successful rows: one per run for a run-level y, one per run and flow for a flow's."""
    ok = summary[summary["status"] == "ok"]
    per_flow = list(summary.columns).index(y) > list(summary.columns).index("flow")
    if flow is not None:
        return ok[ok["flow"] == flow], False
    if not per_flow:
        return ok.drop_duplicates("run"), False
    return ok, ok["flow"].nunique() > 1


def aggregate(rows, keys, y):
    """n, mean, sd and the 95 % interval of y per key, in order of first appearance."""
    grouped = rows.groupby(keys, sort=False, dropna=False)[y]
    table = grouped.agg(n="count", mean="mean", sd="std").reset_index()
    half = [t975(n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
            for n, sd in zip(table["n"], table["sd"])]
    table["ci95_low"] = table["mean"] - pd.Series(half)
    table["ci95_high"] = table["mean"] + pd.Series(half)
    return table


def draw(table, group_cols, x_num, x_text, unit, scale, x, y, path):
    """Lines with 95 % whiskers per group (numeric x) or grouped bars (text x)."""
    fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    groups = list(table.groupby(group_cols, sort=False)) if group_cols else [((), table)]
    y_scale = 1e-6 if "_bps" in y else 1.0
    for i, (key, g) in enumerate(groups):
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c}={v}" for c, v in zip(group_cols, key)) or "all runs"
        mean = g["mean"] * y_scale
        err = (g["ci95_high"] - g["mean"]).fillna(0) * y_scale
        if x_num is not None:
            g = g.sort_values(x_num)
            mean = g["mean"] * y_scale
            err = (g["ci95_high"] - g["mean"]).fillna(0) * y_scale
            ax.errorbar(g[x_num] * scale, mean, yerr=err, marker="os^vDx+"[i % 7],
                        capsize=3, label=label)
        else:
            width = 0.8 / len(groups)
            pos = [j + (i - (len(groups) - 1) / 2) * width for j in range(len(g))]
            ax.bar(pos, mean, width, yerr=err, capsize=3, label=label)
            ax.set_xticks(range(len(g)), g[x_text])
    ax.set_xlabel(f"{x} ({unit})" if unit else x)
    ax.set_ylabel(f"{y} (Mbit/s)" if y_scale != 1.0 else y)
    ax.set_title(f"{y} by {x}, mean and 95% CI over seeds")
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=2, fontsize="small")
    fig.savefig(path, dpi=150)
    plt.close(fig)


def hol_cdf(batch, group_cols, path):
    """HoL delay CDF per group from hol_histogram.csv (bins merged over runs); False if none."""
    hol = pd.read_csv(batch / "hol_histogram.csv")
    if hol.empty:
        return False
    fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    groups = list(hol.groupby(group_cols, sort=False)) if group_cols else [((), hol)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c}={v}" for c, v in zip(group_cols, key)) or "all runs"
        bins = g.groupby("bin_hi_ms")["count"].sum().sort_index()
        cdf = bins.cumsum() / bins.sum()
        # Delays below 1 us (in order) drawn at 1 us on the log axis.
        ax.step([max(b, 1e-3) for b in bins.index], cdf, where="post", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("head-of-line delay (ms)")
    ax.set_ylabel("fraction of segments")
    ax.set_title("HoL delay CDF, all runs of each group")
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=2, fontsize="small")
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("batch", type=Path, help="a batch directory written by mpsim batch")
    p.add_argument("--x", help="the axis on the x axis (default: the first)")
    p.add_argument("--y", default="goodput_bps_total", help="a summary.csv column")
    p.add_argument("--group", help="comma-separated axes (default: all but x)")
    p.add_argument("--flow", help="for a flow's metric: only this flow")
    args = p.parse_args()

    axes, summary = load(args.batch)
    x = args.x or axes[0]
    group = args.group.split(",") if args.group else [a for a in axes if a != x]
    x_num, x_text, unit, scale = axis_columns(summary, x)
    group_cols = [axis_columns(summary, g)[1] for g in group]
    rows, by_flow = rows_for(summary, args.y, args.flow)
    if by_flow:
        group_cols.append("flow")
    # The point of the layout: no group key is missing, so no run is dropped.
    missing = rows[group_cols + [x_text]].isna().any(axis=1).sum()
    if missing:
        sys.exit(f"{missing} rows have an empty group or x value")
    keys = group_cols + [x_text] + ([x_num] if x_num else [])
    table = aggregate(rows, keys, args.y)

    out = args.batch / "analysis"
    out.mkdir(exist_ok=True)
    stem = "".join(c if c.isalnum() or c in "._-" else "_" for c in f"{args.y}-vs-{x}")
    table_out = table.drop(columns=[x_num]) if x_num else table
    table_out.rename(columns={x_text: x}).to_csv(out / f"{stem}.csv", index=False)
    draw(table, group_cols, x_num, x_text, unit, scale, x, args.y, out / f"{stem}.png")
    print(out / f"{stem}.csv")
    print(out / f"{stem}.png")
    hol_groups = [axis_columns(summary, g)[1] for g in group]
    if hol_cdf(args.batch, hol_groups, out / "hol-cdf.png"):
        print(out / "hol-cdf.png")
    runs = summary["run"].nunique()
    used = rows["run"].nunique()
    print(f"{used} of {runs} runs aggregated ({runs - used} failed or missing)", file=sys.stderr)


if __name__ == "__main__":
    main()
