//! Sweep files: a base scenario, fixed overrides, axes of values and seeds, expanded into a
//! list of runs with stable ids.
//!
//! ```ron
//! Sweep(
//!     scenario: "../dumbbell.ron",            // relative to the sweep file
//!     set: {"duration": "20s"},               // fixed overrides, applied in key order
//!     axes: [
//!         Axis(name: "cc", path: "flows[*].transport.cc", values: [Reno, Cubic]),
//!         Axis(name: "delay", path: "links.bottleneck.delay", values: ["5ms", "20ms"]),
//!     ],
//!     zip: [],                                // groups of axes that vary together
//!     seeds: Count(5),                        // seeds 1..=5, or List([1, 5, 9])
//!     plots: false,                           // draw each run's plots
//!     output: "results/dumbbell-cc",          // default for `--out`
//! )
//! ```
//!
//! The base scenario is parsed with its typed schema and serialized to a generic tree, in
//! which serde keeps every enum tag; each value is read from RON into the same shape
//! (`batch::fragment`), patched in at its path (`batch::path`) and the tree is
//! deserialized back into a typed `Scenario`. So any field the schema has, now or later, can
//! be swept without code here knowing it. Every axis value is type-checked alone against
//! the base before anything runs; whether a combination makes a valid scenario is each
//! run's own business (a failed run is recorded, the others go on).
//!
//! Runs are ordered as a cross product, the first axis (or zip group) outermost and the seed
//! innermost. A run's id is `name=label,...,seed=N` from its values' text, so it stays the
//! same on any machine and in any version of the sweep that keeps those values; a label
//! with characters unsafe in a file name (or longer than 40) is cleaned and suffixed with
//! `~` and 8 hex digits of the FNV-1a hash of its exact text.

use super::error::BatchError;
use super::fragment;
use super::path::{self, Concrete};
use crate::load::ron_options;
use crate::schema::Scenario;
use ron::value::RawValue;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A sweep file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Sweep")]
pub struct SweepFile {
    /// The base scenario, relative to the sweep file.
    pub scenario: String,
    /// Fixed overrides: path → RON value, applied in key order before the axes.
    #[serde(default)]
    pub set: BTreeMap<String, Box<RawValue>>,
    /// The axes.
    #[serde(default)]
    pub axes: Vec<AxisSpec>,
    /// Groups of axis names whose values vary together (zip) instead of crossing.
    #[serde(default)]
    pub zip: Vec<Vec<String>>,
    /// Seeds of each parameter combination (default: the base scenario's seed).
    #[serde(default)]
    pub seeds: Option<Seeds>,
    /// Draw each run's plots (sets the scenarios' `output.plots`; default false).
    #[serde(default)]
    pub plots: bool,
    /// Default results directory for `mpsim batch` without `--out`.
    #[serde(default)]
    pub output: Option<String>,
}

/// One axis as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename = "Axis")]
pub struct AxisSpec {
    /// Dotted path of the field it sets, e.g. `links.bottleneck.delay`.
    pub path: String,
    /// The values: a list, in RON as a scenario would write them, or a series
    /// `Range(from, to, step)` / `Geom(from, to, factor)` (`batch::series`).
    pub values: Box<RawValue>,
    /// Column and id name (default: the path's last field name).
    #[serde(default)]
    pub name: Option<String>,
    /// A label per value, for run ids, tables and legends (default: the values' text).
    #[serde(default)]
    pub labels: Option<Vec<String>>,
}

/// Which seeds each parameter combination runs with.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum Seeds {
    /// Seeds 1 to N.
    Count(u64),
    /// These seeds.
    List(Vec<u64>),
}

/// An expanded axis.
#[derive(Clone, Debug)]
pub struct Axis {
    /// Name (a column of `summary.csv` and a part of run ids).
    pub name: String,
    /// The path as written.
    pub path: String,
    /// Each value's text: a string's contents, other values' RON text.
    pub values: Vec<String>,
    /// Each value's label: as given by the sweep, else its text.
    pub labels: Vec<String>,
    /// Whether the sweep gave the labels.
    labelled: bool,
    /// The nodes the path names in the base scenario.
    targets: Vec<Concrete>,
    /// Per value, per target: the value to patch in.
    parsed: Vec<Vec<Value>>,
}

/// One run of the expanded sweep.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// Position in the expansion (the order of `summary.csv`).
    pub index: usize,
    /// Stable id, also the name of its results directory.
    pub id: String,
    /// Index of the chosen value per axis.
    pub choice: Vec<usize>,
    /// Master seed.
    pub seed: u64,
}

/// A loaded and expanded sweep.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The sweep file.
    pub file: PathBuf,
    /// The base scenario file (resolved).
    pub base_file: PathBuf,
    /// The base scenario as the sweep file names it.
    pub base_written: String,
    /// Axes in file order.
    pub axes: Vec<Axis>,
    /// Runs in expansion order.
    pub runs: Vec<RunSpec>,
    /// Default results directory.
    pub output: Option<String>,
    /// SHA-256 of the base scenario file as read (hex).
    pub base_sha256: String,
    /// SHA-256 of the sweep file as read (hex), when it was read from a file.
    pub sweep_sha256: Option<String>,
    base: Value,
}

/// What `batch.json` records of a sweep: enough for `merge` and `report`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BatchMeta {
    /// The base scenario as the sweep file names it.
    pub scenario: String,
    /// Axes: name, path and value labels.
    pub axes: Vec<AxisMeta>,
    /// Runs in expansion order.
    pub runs: Vec<RunMeta>,
}

/// An axis in `batch.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AxisMeta {
    /// Name.
    pub name: String,
    /// Path as written.
    pub path: String,
    /// The values' text: a string's contents, other values' RON text.
    pub values: Vec<String>,
    /// The values' labels when the sweep gives them (else the values' text is the label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
}

impl AxisMeta {
    /// The values' labels: what run ids, the runs' `values` and legends name them by.
    pub fn labels(&self) -> &[String] {
        self.labels.as_deref().unwrap_or(&self.values)
    }

    /// The axis's columns in the batch tables.
    pub fn columns(&self) -> super::columns::AxisColumns {
        super::columns::AxisColumns::new(&self.name, &self.values, self.labels())
    }
}

/// A run in `batch.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunMeta {
    /// Run id.
    pub id: String,
    /// Per axis, the label of the run's value.
    pub values: Vec<String>,
    /// Master seed.
    pub seed: u64,
}

/// Most runs one sweep may expand to.
const MAX_RUNS: usize = 1_000_000;
/// Column names an axis may not take (the tables' own key columns).
const RESERVED: [&str; 7] = ["run", "id", "seed", "status", "error", "flow", "subflow"];

fn err(file: &Path, field: impl Into<String>, msg: impl Into<String>) -> BatchError {
    BatchError::Sweep {
        file: file.to_path_buf(),
        field: field.into(),
        msg: msg.into(),
    }
}

impl Sweep {
    /// Reads, checks and expands the sweep at `file`.
    pub fn load(file: &Path) -> Result<Sweep, BatchError> {
        let text = crate::load::read_text(file)?;
        let spec: SweepFile = ron_options()
            .from_str(&text)
            .map_err(|e| BatchError::Syntax {
                file: file.to_path_buf(),
                line: e.span.start.line,
                col: e.span.start.col,
                msg: e.code.to_string(),
            })?;
        let mut sweep = Sweep::from_spec(file, spec)?;
        sweep.sweep_sha256 = Some(crate::manifest::sha256_hex(text.as_bytes()));
        Ok(sweep)
    }

    /// Expands an already parsed sweep read from `file`.
    pub fn from_spec(file: &Path, spec: SweepFile) -> Result<Sweep, BatchError> {
        let dir = file.parent().unwrap_or(Path::new("."));
        let base_file = dir.join(&spec.scenario);
        let base_text = crate::load::read_text(&base_file)?;
        let mut sc = crate::load::parse_str(&base_file, &base_text)?;
        if sc.name.is_none() {
            sc.name = base_file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
        }
        sc.output.plots = spec.plots;
        let mut base =
            serde_json::to_value(&sc).map_err(|e| err(file, "scenario", e.to_string()))?;
        for (p, raw) in &spec.set {
            let field = format!("set[{p:?}]");
            let targets = path::resolve(&base, p).map_err(|m| err(file, &field, m))?;
            let text = raw.get_ron().trim();
            let vals = parse_for(&base, &targets, text)
                .map_err(|m| err(file, &field, format!("value `{text}`: {m}")))?;
            patch(&mut base, &targets, &vals);
        }
        let seeds = match &spec.seeds {
            None => vec![sc.seed],
            Some(Seeds::Count(0)) => return Err(err(file, "seeds", "Count must be at least 1")),
            Some(Seeds::Count(n)) => (1..=*n).collect(),
            Some(Seeds::List(v)) => v.clone(),
        };
        let mut seen = BTreeSet::new();
        if let Some(d) = seeds.iter().find(|s| !seen.insert(**s)) {
            return Err(err(file, "seeds", format!("seed {d} is listed twice")));
        }
        if seeds.is_empty() {
            return Err(err(file, "seeds", "the list is empty"));
        }
        let axes = spec
            .axes
            .iter()
            .enumerate()
            .map(|(i, a)| {
                // An axis zipped with others may repeat a value: its runs differ by the
                // partner axes' values (run ids, which must be unique, name them all).
                let zipped = a
                    .name
                    .as_ref()
                    .is_some_and(|n| spec.zip.iter().any(|g| g.len() > 1 && g.contains(n)));
                expand_axis(file, &base, i, a, zipped)
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_axes(file, &axes)?;
        let dims = dimensions(file, &axes, &spec.zip)?;
        let runs = cross(file, &axes, &dims, &seeds)?;
        Ok(Sweep {
            file: file.to_path_buf(),
            base_file,
            base_written: spec.scenario,
            axes,
            runs,
            output: spec.output,
            base_sha256: crate::manifest::sha256_hex(base_text.as_bytes()),
            sweep_sha256: None,
            base,
        })
    }

    /// The scenario run `run` runs: the base with its axis values and seed patched in.
    pub fn scenario(&self, run: &RunSpec) -> Result<Scenario, String> {
        let mut tree = self.base.clone();
        for (axis, &k) in self.axes.iter().zip(&run.choice) {
            patch(&mut tree, &axis.targets, &axis.parsed[k]);
        }
        tree["seed"] = Value::from(run.seed);
        serde_json::from_value(tree).map_err(|e| e.to_string())
    }

    /// The seeds of the runs, in order of first use.
    pub fn seeds(&self) -> Vec<u64> {
        let mut seen = BTreeSet::new();
        (self.runs.iter())
            .filter(|r| seen.insert(r.seed))
            .map(|r| r.seed)
            .collect()
    }

    /// The batch directory's `manifest.json` (see [`crate::manifest`]).
    pub fn manifest(&self) -> crate::manifest::Manifest {
        crate::manifest::Manifest {
            sweep_sha256: self.sweep_sha256.clone(),
            seeds: Some(self.seeds()),
            ..crate::manifest::Manifest::new("batch", &[])
        }
        .with_scenario_sha256(self.base_sha256.clone())
    }

    /// What `batch.json` records.
    pub fn meta(&self) -> BatchMeta {
        BatchMeta {
            scenario: self.base_written.clone(),
            axes: self
                .axes
                .iter()
                .map(|a| AxisMeta {
                    name: a.name.clone(),
                    path: a.path.clone(),
                    values: a.values.clone(),
                    labels: a.labelled.then(|| a.labels.clone()),
                })
                .collect(),
            runs: self
                .runs
                .iter()
                .map(|r| RunMeta {
                    id: r.id.clone(),
                    values: self
                        .axes
                        .iter()
                        .zip(&r.choice)
                        .map(|(a, &k)| a.labels[k].clone())
                        .collect(),
                    seed: r.seed,
                })
                .collect(),
        }
    }
}

/// True when `text` is a sweep file (its value is `Sweep(..)`), not a scenario: what comes
/// first after whitespace, comments and `#![..]` attributes is the name `Sweep`.
pub fn is_sweep_text(text: &str) -> bool {
    let mut rest = text.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, after)| after);
        } else if let Some(r) = rest.strip_prefix("#!") {
            rest = r.split_once(']').map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    rest.strip_prefix("Sweep")
        .is_some_and(|r| !r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

/// Parses `text` once per target, each guided by the base's node there, and checks that
/// the base with it patched in is a scenario. Where the base holds `None`, `Name(..)` is
/// tried as an enum variant first and then as a struct.
pub(super) fn parse_for(
    base: &Value,
    targets: &[Concrete],
    text: &str,
) -> Result<Vec<Value>, String> {
    let attempt = |read: fn(&str, Option<&Value>) -> Result<Value, String>| {
        let vals = targets
            .iter()
            .map(|t| read(text, path::get(base, t)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tree = base.clone();
        patch(&mut tree, targets, &vals);
        check(&tree).map(|()| vals)
    };
    attempt(fragment::parse).or_else(|first| {
        let unguided = targets
            .iter()
            .any(|t| path::get(base, t).is_none_or(Value::is_null));
        if unguided {
            attempt(fragment::parse_struct).map_err(|_| first)
        } else {
            Err(first)
        }
    })
}

pub(super) fn patch(tree: &mut Value, targets: &[Concrete], vals: &[Value]) {
    for (t, v) in targets.iter().zip(vals) {
        if let Some(slot) = path::get_mut(tree, t) {
            *slot = v.clone();
        }
    }
}

/// Deserializes `tree` as a scenario, for its error message.
fn check(tree: &Value) -> Result<(), String> {
    serde_json::from_value::<Scenario>(tree.clone())
        .map(drop)
        .map_err(|e| e.to_string())
}

fn expand_axis(
    file: &Path,
    base: &Value,
    i: usize,
    a: &AxisSpec,
    zipped: bool,
) -> Result<Axis, BatchError> {
    let name = a
        .name
        .clone()
        .or_else(|| path::last_field(&a.path))
        .unwrap_or_else(|| format!("axis{i}"));
    let field = format!("axes[{i}] (`{name}`)");
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok || RESERVED.contains(&name.as_str()) {
        return Err(err(
            file,
            &field,
            "names use letters, digits, `_` and `-`, and may not be run, id, seed, status, error, \
             flow or subflow",
        ));
    }
    let texts = value_texts(&a.values).map_err(|m| err(file, &field, m))?;
    if texts.is_empty() {
        return Err(err(file, &field, "no values"));
    }
    let targets = path::resolve(base, &a.path).map_err(|m| err(file, &field, m))?;
    if targets.iter().any(|t| t.to_string() == "seed") {
        return Err(err(
            file,
            &field,
            "the seed is swept with `seeds`, not an axis",
        ));
    }
    let mut parsed = Vec::new();
    let mut values: Vec<String> = Vec::new();
    for text in &texts {
        let vals = parse_for(base, &targets, text)
            .map_err(|m| err(file, &field, format!("value `{text}`: {m}")))?;
        let value = match fragment::parse(text, None) {
            Ok(Value::String(s)) => s,
            _ => text.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        if !zipped && values.contains(&value) {
            return Err(err(file, &field, format!("value `{text}` is listed twice")));
        }
        values.push(value);
        parsed.push(vals);
    }
    let labels = match &a.labels {
        None => values.clone(),
        Some(l) => {
            check_labels(l, &values, zipped).map_err(|m| err(file, &field, m))?;
            l.clone()
        }
    };
    Ok(Axis {
        name,
        path: a.path.clone(),
        values,
        labels,
        labelled: a.labels.is_some(),
        targets,
        parsed,
    })
}

/// The RON text of each value of an axis: the list's elements, or a series' values.
fn value_texts(raw: &RawValue) -> Result<Vec<String>, String> {
    let text = raw.get_ron().trim();
    if text.starts_with('[') {
        let list: Vec<Box<RawValue>> = ron_options()
            .from_str(text)
            .map_err(|e| format!("values: {}", e.code))?;
        return Ok(list.iter().map(|v| v.get_ron().trim().to_owned()).collect());
    }
    let series = fragment::parse(text, None).map_err(|m| format!("values: {m}"))?;
    super::series::expand(&series)?.ok_or_else(|| {
        format!("values: `{text}` is neither a list [..] nor Range(from, to, step) or Geom(from, to, factor)")
    })
}

/// A label per value, none empty, each naming one value; distinct unless the axis is zipped
/// (where a value may repeat).
fn check_labels(labels: &[String], values: &[String], zipped: bool) -> Result<(), String> {
    if labels.len() != values.len() {
        return Err(format!(
            "{} labels for {} values",
            labels.len(),
            values.len()
        ));
    }
    for (i, l) in labels.iter().enumerate() {
        if l.trim().is_empty() {
            return Err(format!("label {i} is empty"));
        }
        if let Some(j) = labels[..i].iter().position(|m| m == l) {
            if !zipped || values[j] != values[i] {
                return Err(format!("label `{l}` names two values"));
            }
        }
    }
    Ok(())
}

/// Axis names are unique, no two axes set the same field, and their table columns
/// ([`super::columns`]) are distinct and not the tables' own.
fn check_axes(file: &Path, axes: &[Axis]) -> Result<(), BatchError> {
    let mut taken: Vec<String> = RESERVED.iter().map(|s| (*s).to_owned()).collect();
    for (i, a) in axes.iter().enumerate() {
        let columns = super::columns::AxisColumns::new(&a.name, &a.values, &a.labels);
        for c in columns.names() {
            if taken.contains(&c) {
                return Err(err(
                    file,
                    format!("axes[{i}] (`{}`)", a.name),
                    format!("its column `{c}` is taken (by the tables or another axis); rename the axis"),
                ));
            }
            taken.push(c);
        }
        for b in &axes[..i] {
            if a.name == b.name {
                return Err(err(
                    file,
                    format!("axes[{i}] (`{}`)", a.name),
                    "another axis has this name; give one a `name:`",
                ));
            }
            if let Some(t) = a.targets.iter().find(|t| b.targets.contains(t)) {
                return Err(err(
                    file,
                    format!("axes[{i}] (`{}`)", a.name),
                    format!("axis `{}` also sets `{t}`", b.name),
                ));
            }
        }
    }
    Ok(())
}

/// Groups axes into dimensions of the cross product: a zip group or a single axis each,
/// in order of their first axis.
fn dimensions(
    file: &Path,
    axes: &[Axis],
    zip: &[Vec<String>],
) -> Result<Vec<Vec<usize>>, BatchError> {
    let mut group_of = vec![None; axes.len()];
    for (g, names) in zip.iter().enumerate() {
        let field = format!("zip[{g}]");
        if names.is_empty() {
            return Err(err(file, &field, "an empty group"));
        }
        for n in names {
            let i = axes
                .iter()
                .position(|a| &a.name == n)
                .ok_or_else(|| err(file, &field, format!("no axis is named `{n}`")))?;
            if group_of[i].replace(g).is_some() {
                return Err(err(file, &field, format!("axis `{n}` is zipped twice")));
            }
            let first = &axes[group_of.iter().position(|x| *x == Some(g)).unwrap_or(i)];
            if axes[i].labels.len() != first.labels.len() {
                return Err(err(
                    file,
                    &field,
                    format!(
                        "zipped axes need as many values each: `{}` has {}, `{n}` has {}",
                        first.name,
                        first.labels.len(),
                        axes[i].labels.len()
                    ),
                ));
            }
        }
    }
    let mut dims: Vec<Vec<usize>> = Vec::new();
    let mut done = vec![false; axes.len()];
    for i in 0..axes.len() {
        if done[i] {
            continue;
        }
        let dim: Vec<usize> = match group_of[i] {
            Some(g) => (0..axes.len())
                .filter(|&j| group_of[j] == Some(g))
                .collect(),
            None => vec![i],
        };
        for &j in &dim {
            done[j] = true;
        }
        dims.push(dim);
    }
    Ok(dims)
}

/// The runs: the cross product of the dimensions (first outermost), then the seeds.
fn cross(
    file: &Path,
    axes: &[Axis],
    dims: &[Vec<usize>],
    seeds: &[u64],
) -> Result<Vec<RunSpec>, BatchError> {
    let sizes: Vec<usize> = dims.iter().map(|d| axes[d[0]].labels.len()).collect();
    let total = sizes
        .iter()
        .try_fold(seeds.len(), |acc, &n| acc.checked_mul(n))
        .filter(|&n| n <= MAX_RUNS)
        .ok_or_else(|| err(file, "axes", format!("more than {MAX_RUNS} runs")))?;
    let mut runs = Vec::with_capacity(total);
    let mut ids = BTreeSet::new();
    let mut counter = vec![0usize; dims.len()];
    loop {
        let mut choice = vec![0; axes.len()];
        for (d, &k) in dims.iter().zip(&counter) {
            for &a in d {
                choice[a] = k;
            }
        }
        for &seed in seeds {
            let mut parts: Vec<String> = axes
                .iter()
                .zip(&choice)
                .map(|(a, &k)| format!("{}={}", a.name, slug(&a.labels[k])))
                .collect();
            parts.push(format!("seed={seed}"));
            let id = parts.join(",");
            if !ids.insert(id.clone()) {
                return Err(err(
                    file,
                    "axes",
                    format!("two runs would have the id `{id}`"),
                ));
            }
            runs.push(RunSpec {
                index: runs.len(),
                id,
                choice: choice.clone(),
                seed,
            });
        }
        // Advance the odometer, last dimension fastest.
        let mut d = dims.len();
        loop {
            if d == 0 {
                return Ok(runs);
            }
            d -= 1;
            counter[d] += 1;
            if counter[d] < sizes[d] {
                break;
            }
            counter[d] = 0;
        }
    }
}

/// A label as it appears in a run id (see the module doc).
pub fn slug(label: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-');
    if !label.is_empty() && label.len() <= 40 && label.chars().all(safe) && !label.starts_with('.')
    {
        return label.to_owned();
    }
    let mut s = String::new();
    for c in label.chars() {
        if safe(c) {
            s.push(c);
        } else if !s.ends_with('_') {
            s.push('_');
        }
        if s.len() >= 32 {
            break;
        }
    }
    let s = s.trim_start_matches('.').trim_end_matches('_');
    format!("{s}~{:08x}", fnv1a(label.as_bytes()) as u32)
}

/// FNV-1a, 64 bits: a fixed, documented hash so ids never change with a library version.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_are_told_from_scenarios() {
        assert!(is_sweep_text(
            "// a sweep\n/* x */ #![enable(implicit_some)]\nSweep(scenario: \"a\")"
        ));
        assert!(!is_sweep_text("Scenario(duration: \"1s\")"));
        assert!(!is_sweep_text("(duration: \"1s\")"));
        assert!(!is_sweep_text("Sweeping()"));
    }

    #[test]
    fn slugs_keep_safe_labels_and_hash_the_rest() {
        assert_eq!(slug("20ms"), "20ms");
        assert_eq!(slug("Reno"), "Reno");
        let s = slug("Tcp(cc: Reno)");
        assert!(s.starts_with("Tcp_cc_Reno~") && s.len() == 12 + 8, "{s}");
        assert_ne!(slug("a b"), slug("a,b"));
        assert_eq!(slug("a b"), slug("a b"));
    }
}
