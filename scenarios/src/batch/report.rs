//! `mpsim report`: aggregates a batch's `summary.csv` over seeds and draws it.
//!
//! For each group (the values of the `--group` axes; default every axis but x) and each x
//! value, the successful runs' y values give n, the mean, the standard deviation and a 95%
//! confidence interval of the mean (Student t with n−1 degrees of freedom). Axes that are
//! neither x nor group are pooled with the seeds. y is a run-level column of `summary.csv`
//! (one value per run) or a flow's (after the `flow` column: one value per run and flow);
//! `--flow` picks a flow, and without it a batch with several flows gets a group per flow.
//! A numeric axis (quantities in a base unit, see [`super::columns`]) makes a numeric x: a
//! line per group with its interval band; otherwise a grouped bar chart with whiskers. The
//! table is written as `DIR/report/<y>-vs-<x>.csv` beside the figures.

use super::columns::{AxisColumns, Quantity};
use super::error::{input_err, out_err, BatchError};
use super::table::{csv_field, parse_csv, read_meta, write_atomic};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What to plot.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    /// The x axis (default: the first axis).
    pub x: Option<String>,
    /// The metric column (default: `goodput_bps_total`).
    pub y: Option<String>,
    /// Axes whose values make the lines or bar sets (default: all but x).
    pub group: Option<Vec<String>>,
    /// Only this flow's rows (for a flow's metric).
    pub flow: Option<String>,
    /// Figure formats, size and look.
    pub figures: plots::PlotOptions,
}

/// One cell of the aggregate table.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Number of values.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (NaN for n = 1).
    pub sd: f64,
    /// Half width of the 95% confidence interval (NaN for n = 1).
    pub half: f64,
}

/// Two-sided 95% quantiles of Student's t, `t_{0.975, df}` for df = 1..=30.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// `t_{0.975, df}`; between table rows the smaller df's (wider, conservative) value.
pub fn t975(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[df - 1],
        31..=39 => 2.042,
        40..=59 => 2.021,
        60..=119 => 2.000,
        120..=999 => 1.980,
        _ => 1.960,
    }
}

/// Mean, standard deviation and 95% interval half width of `xs`.
pub fn aggregate(xs: &[f64]) -> Cell {
    let n = xs.len();
    let mean = xs.iter().sum::<f64>() / n as f64;
    let sd = if n > 1 {
        (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        f64::NAN
    };
    Cell {
        n,
        mean,
        sd,
        half: t975(n.saturating_sub(1)) * sd / (n as f64).sqrt(),
    }
}

/// How an x quantity is plotted: scale from the base unit and the unit's name.
fn plot_unit(q: Quantity) -> (f64, &'static str) {
    match q {
        Quantity::Rate => (1e-6, "Mbit/s"),
        q => (1.0, q.unit()),
    }
}

/// A RON value label without a `Some(..)` around it, for legends.
fn unwrap_some(v: &str) -> &str {
    v.strip_prefix("Some(")
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(v)
}

/// The columns of `summary.csv` a report reads.
struct Selection {
    /// The x axis's text column and numeric column with its kind.
    x: (usize, Option<(usize, Quantity)>),
    y: usize,
    status: usize,
    run: usize,
    /// Group columns and their names in legends.
    groups: Vec<(usize, String)>,
    /// `flow` column, and whether y is a flow's metric.
    flow: Option<usize>,
    per_flow: bool,
}

/// Aggregates and draws; returns the files written. Every group keeps its palette slot (its
/// order of first appearance in the batch) in every report of the batch with the same
/// `--group`.
pub fn report(dir: &Path, opts: &ReportOptions) -> Result<Vec<PathBuf>, BatchError> {
    let meta = read_meta(dir)?;
    let csv_path = dir.join("summary.csv");
    let text = std::fs::read_to_string(&csv_path).map_err(|source| BatchError::Read {
        file: csv_path.clone(),
        source,
    })?;
    let rows = parse_csv(&text);
    let header = rows
        .first()
        .ok_or_else(|| input_err(&csv_path, "empty file"))?;
    let (sel, x, y, group) = select(dir, &csv_path, header, &meta, opts)?;
    let rows = pick_rows(&rows[1..], &sel, opts.flow.as_deref(), &csv_path)?;
    let mut groups = sel.groups.clone();
    if sel.per_flow && opts.flow.is_none() {
        if let Some(fc) = sel.flow {
            let mut names: Vec<&str> = rows.iter().map(|r| r[fc].as_str()).collect();
            names.sort_unstable();
            names.dedup();
            if names.len() > 1 {
                groups.push((fc, "flow".to_owned()));
            }
        }
    }
    let table = Table::collect(&rows, &sel, &groups);
    let mut group_names: Vec<String> = group.clone();
    if groups.len() > sel.groups.len() {
        group_names.push("flow".to_owned());
    }
    let stem_name: String = format!("{y}-vs-{x}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let out = dir.join("report");
    std::fs::create_dir_all(&out).map_err(|e| out_err(&out, e))?;
    let stem = out.join(&stem_name);
    let csv = out.join(format!("{stem_name}.csv"));
    write_atomic(&csv, table.csv(&x, &group_names).as_bytes())?;
    let mut files = vec![csv];
    files.extend(
        table
            .draw(&stem, &x, &y, &opts.figures)
            .map_err(|e| out_err(&stem, e))?,
    );
    Ok(files)
}

/// Resolves x, y and the groups to columns of `header`.
fn select(
    dir: &Path,
    csv_path: &Path,
    header: &[String],
    meta: &super::sweep::BatchMeta,
    opts: &ReportOptions,
) -> Result<(Selection, String, String, Vec<String>), BatchError> {
    let axes: Vec<AxisColumns> = meta.axes.iter().map(|a| a.columns()).collect();
    let names: Vec<&str> = axes.iter().map(|a| a.axis.as_str()).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let missing = |c: &str| input_err(csv_path, format!("no `{c}` column"));
    let x = opts
        .x
        .clone()
        .or_else(|| names.first().map(|s| s.to_string()))
        .ok_or_else(|| input_err(dir, "the sweep has no axes; nothing to plot against"))?;
    let xa = axes.iter().find(|a| a.axis == x).ok_or_else(|| {
        input_err(
            dir,
            format!("--x `{x}` is not an axis (axes: {})", names.join(", ")),
        )
    })?;
    let xc = col(xa.text_column()).ok_or_else(|| missing(xa.text_column()))?;
    let xnum = match xa.quantity {
        Some(q) => Some((col(&xa.value).ok_or_else(|| missing(&xa.value))?, q)),
        None => None,
    };
    let y = opts.y.clone().unwrap_or_else(|| "goodput_bps_total".into());
    let metrics_from = col("error").map_or(header.len(), |c| c + 1);
    let flow = col("flow");
    let yc = col(&y)
        .filter(|&c| c >= metrics_from && Some(c) != flow)
        .ok_or_else(|| {
            let shown: Vec<&str> = header[metrics_from..]
                .iter()
                .take(40)
                .map(String::as_str)
                .collect();
            input_err(
                csv_path,
                format!(
                    "--y `{y}` is not a metric column (some: {})",
                    shown.join(", ")
                ),
            )
        })?;
    let group: Vec<String> = match &opts.group {
        Some(g) => g.clone(),
        None => names
            .iter()
            .filter(|a| **a != x)
            .map(|s| s.to_string())
            .collect(),
    };
    let mut groups = Vec::new();
    for g in &group {
        let c = axes
            .iter()
            .find(|a| a.axis == *g && a.axis != x)
            .and_then(|a| col(a.text_column()))
            .ok_or_else(|| {
                input_err(
                    dir,
                    format!(
                        "--group `{g}` is not an axis other than x (axes: {})",
                        names.join(", ")
                    ),
                )
            })?;
        groups.push((c, g.clone()));
    }
    let sel = Selection {
        x: (xc, xnum),
        y: yc,
        status: col("status").ok_or_else(|| missing("status"))?,
        run: col("run").ok_or_else(|| missing("run"))?,
        groups,
        flow,
        per_flow: flow.is_some_and(|f| yc > f),
    };
    Ok((sel, x, y, group))
}

/// The rows a report aggregates: one per run for a run-level y, one per run and flow (or
/// per run, of `flow`) for a flow's.
fn pick_rows(
    rows: &[Vec<String>],
    sel: &Selection,
    flow: Option<&str>,
    csv_path: &Path,
) -> Result<Vec<Vec<String>>, BatchError> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let pad = |r: &Vec<String>| {
        let mut r = r.clone();
        r.resize(width, String::new());
        r
    };
    if let Some(name) = flow {
        let fc = sel
            .flow
            .ok_or_else(|| input_err(csv_path, "no `flow` column"))?;
        let picked: Vec<Vec<String>> = rows
            .iter()
            .filter(|r| r.get(fc).map(String::as_str) == Some(name))
            .map(pad)
            .collect();
        if picked.is_empty() {
            return Err(input_err(
                csv_path,
                format!("--flow `{name}`: no run has a flow of that name"),
            ));
        }
        return Ok(picked);
    }
    if sel.per_flow {
        return Ok(rows.iter().map(pad).collect());
    }
    // A run-level metric repeats on every flow's row: one per run.
    let mut last: Option<&str> = None;
    let mut out = Vec::new();
    for r in rows {
        let run = r.get(sel.run).map(String::as_str);
        if run != last {
            out.push(pad(r));
            last = run;
        }
    }
    Ok(out)
}

/// y values by group and x, in order of first appearance.
struct Table {
    /// The group axes' names.
    names: Vec<String>,
    groups: Vec<Vec<String>>,
    /// x values' text, and their numbers (base unit) for a numeric axis.
    xs: Vec<String>,
    x_values: Vec<f64>,
    /// Scale from the base unit and unit name, for a numeric x.
    x_unit: Option<(f64, &'static str)>,
    /// `(group, x) -> values`.
    values: Vec<Vec<Vec<f64>>>,
}

impl Table {
    fn collect(rows: &[Vec<String>], sel: &Selection, groups: &[(usize, String)]) -> Table {
        let mut t = Table {
            names: groups.iter().map(|(_, n)| n.clone()).collect(),
            groups: Vec::new(),
            xs: Vec::new(),
            x_values: Vec::new(),
            x_unit: sel.x.1.map(|(_, q)| plot_unit(q)),
            values: Vec::new(),
        };
        let (xc, xnum) = sel.x;
        for r in rows {
            let cell = |c: usize| r.get(c).cloned().unwrap_or_default();
            let g: Vec<String> = groups.iter().map(|&(c, _)| cell(c)).collect();
            let xv = cell(xc);
            let gi = t.groups.iter().position(|x| *x == g).unwrap_or_else(|| {
                t.groups.push(g);
                t.values.push(vec![Vec::new(); t.xs.len()]);
                t.groups.len() - 1
            });
            let xi = t.xs.iter().position(|x| *x == xv).unwrap_or_else(|| {
                t.xs.push(xv);
                let num = xnum.and_then(|(c, _)| cell(c).parse::<f64>().ok());
                t.x_values.push(num.unwrap_or(f64::NAN));
                t.values.iter_mut().for_each(|v| v.push(Vec::new()));
                t.xs.len() - 1
            });
            let y = cell(sel.y).parse::<f64>().ok().filter(|y| y.is_finite());
            if let (true, Some(y)) = (cell(sel.status) == "ok", y) {
                t.values[gi][xi].push(y);
            }
        }
        // Numeric x in increasing order.
        if t.x_unit.is_some() {
            let mut order: Vec<usize> = (0..t.xs.len()).collect();
            order.sort_by(|&a, &b| t.x_values[a].total_cmp(&t.x_values[b]));
            t.xs = order.iter().map(|&i| t.xs[i].clone()).collect();
            t.x_values = order.iter().map(|&i| t.x_values[i]).collect();
            for v in &mut t.values {
                *v = order.iter().map(|&i| std::mem::take(&mut v[i])).collect();
            }
        }
        t
    }

    /// The x values as plotted and their unit, when x is numeric.
    fn numeric_x(&self) -> Option<(Vec<f64>, &'static str)> {
        let (scale, unit) = self.x_unit?;
        Some((self.x_values.iter().map(|x| x * scale).collect(), unit))
    }

    fn label(&self, g: usize) -> String {
        if self.names.is_empty() {
            return "all runs".into();
        }
        self.names
            .iter()
            .zip(&self.groups[g])
            .map(|(a, v)| format!("{a}={}", unwrap_some(v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn csv(&self, x: &str, group: &[String]) -> String {
        let mut s = String::new();
        for g in group {
            let _ = write!(s, "{},", csv_field(g));
        }
        let _ = writeln!(s, "{},n,mean,sd,ci95_low,ci95_high", csv_field(x));
        let f = |v: f64| {
            if v.is_finite() {
                format!("{v}")
            } else {
                String::new()
            }
        };
        for (gi, g) in self.groups.iter().enumerate() {
            for (xi, xv) in self.xs.iter().enumerate() {
                let vals = &self.values[gi][xi];
                if vals.is_empty() {
                    continue;
                }
                let c = aggregate(vals);
                for v in g {
                    let _ = write!(s, "{},", csv_field(v));
                }
                let _ = writeln!(
                    s,
                    "{},{},{},{},{},{}",
                    csv_field(xv),
                    c.n,
                    f(c.mean),
                    f(c.sd),
                    f(c.mean - c.half),
                    f(c.mean + c.half)
                );
            }
        }
        s
    }

    fn draw(
        &self,
        stem: &Path,
        x: &str,
        y: &str,
        opts: &plots::PlotOptions,
    ) -> Result<Vec<PathBuf>, plots::PlotError> {
        let (scale, y_label) = if y.contains("_bps") {
            (1e-6, format!("{y} (Mbit/s)"))
        } else {
            (1.0, y.to_owned())
        };
        let cell = |gi: usize, xi: usize| {
            let v = &self.values[gi][xi];
            if v.is_empty() {
                return (f64::NAN, f64::NAN, f64::NAN);
            }
            let c = aggregate(v);
            let h = if c.half.is_finite() { c.half } else { 0.0 };
            (c.mean * scale, (c.mean - h) * scale, (c.mean + h) * scale)
        };
        let title = format!("{y} by {x}, mean and 95% CI over seeds");
        let labels: Vec<String> = (0..self.groups.len()).map(|g| self.label(g)).collect();
        match self.numeric_x() {
            Some((nums, unit)) => {
                let bands: Vec<plots::Band> = labels
                    .iter()
                    .enumerate()
                    .map(|(gi, label)| plots::Band {
                        label: label.clone(),
                        slot: Some(gi),
                        points: nums
                            .iter()
                            .enumerate()
                            .map(|(xi, &xv)| {
                                let (m, lo, hi) = cell(gi, xi);
                                (xv, m, lo, hi)
                            })
                            .collect(),
                    })
                    .collect();
                let x_label = if unit.is_empty() {
                    x.to_owned()
                } else {
                    format!("{x} ({unit})")
                };
                plots::band_chart(stem, &title, &x_label, &y_label, &bands, opts)
            }
            None => {
                let bars: Vec<plots::BarSet> = labels
                    .iter()
                    .enumerate()
                    .map(|(gi, label)| plots::BarSet {
                        label: label.clone(),
                        slot: Some(gi),
                        values: (0..self.xs.len()).map(|xi| cell(gi, xi)).collect(),
                    })
                    .collect();
                plots::grouped_bars(stem, &title, &y_label, &self.xs, &bars, opts)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_use_student_t() {
        let c = aggregate(&[1.0, 2.0, 3.0]);
        assert_eq!((c.n, c.mean, c.sd), (3, 2.0, 1.0));
        assert!((c.half - 4.303 / 3f64.sqrt()).abs() < 1e-12);
        assert!(aggregate(&[5.0]).half.is_nan());
        assert_eq!(t975(35), 2.042);
        assert_eq!(t975(10_000), 1.960);
    }

    #[test]
    fn legend_labels_drop_some() {
        assert_eq!(
            unwrap_some("Some(Handover(degraded_rtt: \"150ms\"))"),
            "Handover(degraded_rtt: \"150ms\")"
        );
        assert_eq!(unwrap_some("None"), "None");
    }

    #[test]
    fn rates_plot_in_mbit_per_second() {
        assert_eq!(plot_unit(Quantity::Rate), (1e-6, "Mbit/s"));
        assert_eq!(plot_unit(Quantity::Time), (1.0, "ms"));
    }
}
