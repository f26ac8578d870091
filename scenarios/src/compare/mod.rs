//! `mpsim compare`: one scenario run under several variants with the same seeds (common
//! random numbers), in parallel and deterministically, then tabulated and plotted.
//!
//! The core is generic: a [`Variant`] is a label and a list of [`Substitution`]s, each a RON
//! value put at a field path of the scenario (the path syntax of sweep axes,
//! [`crate::batch`]). Each variant becomes a [`Sweep`] with those substitutions as fixed
//! `set` overrides and the seeds as its runs, so expansion and type checking are the batch
//! machinery's. [`cc_variant`] makes the variant "this congestion controller on every MPTCP
//! flow"; [`scheduler_variant`] sets `flows[i].transport.Mptcp.scheduler` and clears the
//! service mode (which would override it), and [`cross`] / [`cross_with`] combine two lists
//! of variants (`mpsim compare --cc .. --scheduler ..` labels them `cc/scheduler`). A
//! scheduler comparison sets [`Comparison::hol_metrics`]: the MPTCP flows' head-of-line
//! delay (p50, p99, mean) and wasted bytes join the table, and `hol-cdf` plots the delay's
//! distribution per variant from the receivers' histograms merged over seeds.
//!
//! Runs go to a pool of `jobs` threads; results are stored by run index, so the output is the
//! same for any number of threads. Records stay in memory, typed ([`MemorySink`]): only the
//! congestion windows are kept, reduced to a mean per flow and subflow and, for the first
//! seed, the window over time.

pub mod table;

use crate::batch::sweep::{RunSpec, SweepFile};
use crate::batch::Sweep;
use crate::load::ron_options;
use crate::record::memory::MemorySink;
use crate::record::sample::Metric;
use crate::run::run_into;
use crate::schema::{Scenario, SchedulerName, TransportSpec};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub use table::{Comparison, FlowResult, RunResult, SubflowResult};

/// A RON value put at a field path (e.g. `flows[0].transport.Mptcp.cc` = `Olia`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Substitution {
    /// The field path (sweep-axis syntax).
    pub path: String,
    /// The value, as RON text.
    pub value: String,
}

/// One variant of the scenario: a label and its substitutions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Label in tables and plots.
    pub label: String,
    /// The substitutions, applied in order.
    pub set: Vec<Substitution>,
}

impl Variant {
    /// A variant with no substitutions.
    pub fn new(label: impl Into<String>) -> Variant {
        Variant {
            label: label.into(),
            set: Vec::new(),
        }
    }

    /// Adds a substitution.
    pub fn with(mut self, path: impl Into<String>, value: impl Into<String>) -> Variant {
        self.set.push(Substitution {
            path: path.into(),
            value: value.into(),
        });
        self
    }
}

/// Every combination of `a` and `b` (labels joined with `+`, `a` outermost).
pub fn cross(a: &[Variant], b: &[Variant]) -> Vec<Variant> {
    cross_with(a, b, "+")
}

/// Every combination of `a` and `b`, labels joined with `sep`, `a` outermost.
pub fn cross_with(a: &[Variant], b: &[Variant], sep: &str) -> Vec<Variant> {
    a.iter()
        .flat_map(|x| {
            b.iter().map(move |y| Variant {
                label: format!("{}{sep}{}", x.label, y.label),
                set: x.set.iter().chain(&y.set).cloned().collect(),
            })
        })
        .collect()
}

/// Indices of the scenario's MPTCP flows.
pub fn mptcp_flows(sc: &Scenario) -> Vec<usize> {
    (sc.flows.iter().enumerate())
        .filter(|(_, f)| matches!(f.transport, TransportSpec::Mptcp(_)))
        .map(|(i, _)| i)
        .collect()
}

/// The controller names `--cc` accepts, with their `(cc, cc_mode)` schema values.
pub const CC_NAMES: [(&str, &str, &str); 9] = [
    ("lia", "Lia", "Paper"),
    ("lia-linux", "Lia", "Linux"),
    ("olia", "Olia", "Paper"),
    ("olia-linux", "Olia", "Linux"),
    ("balia", "Balia", "Paper"),
    ("balia-linux", "Balia", "Linux"),
    ("wvegas", "WVegas", "Linux"),
    ("uncoupled", "Uncoupled", "Paper"),
    ("uncoupled-cubic", "UncoupledCubic", "Paper"),
];

/// The variant "controller `name` on every MPTCP flow in `flows`".
pub fn cc_variant(name: &str, flows: &[usize]) -> Result<Variant, String> {
    let key = name.trim().to_ascii_lowercase();
    let Some(&(_, cc, mode)) = CC_NAMES.iter().find(|(n, _, _)| *n == key) else {
        let known: Vec<&str> = CC_NAMES.iter().map(|(n, _, _)| *n).collect();
        return Err(format!(
            "unknown controller `{name}` (known: {})",
            known.join(", ")
        ));
    };
    let mut v = Variant::new(key);
    for i in flows {
        v = v
            .with(format!("flows[{i}].transport.Mptcp.cc"), cc)
            .with(format!("flows[{i}].transport.Mptcp.cc_mode"), mode);
    }
    Ok(v)
}

/// Every scheduler name `--scheduler` accepts: those of [`SchedulerName`]'s `FromStr`, and
/// `rr` for round-robin.
pub fn parse_scheduler(name: &str) -> Result<SchedulerName, String> {
    let key = name.trim().to_ascii_lowercase();
    if key == "rr" {
        return Ok(SchedulerName::RoundRobin);
    }
    key.parse::<SchedulerName>().map_err(|_| {
        let known: Vec<&str> = SchedulerName::ALL.iter().map(|n| n.cli_name()).collect();
        format!(
            "unknown scheduler `{name}` (known: {}, rr)",
            known.join(", ")
        )
    })
}

/// The variant "scheduler `name` on every MPTCP flow in `flows`" (without a service mode,
/// which would override it). The label is the name as given (lower-cased).
pub fn scheduler_variant(name: &str, flows: &[usize]) -> Result<Variant, String> {
    let sched = parse_scheduler(name)?;
    let mut v = Variant::new(name.trim().to_ascii_lowercase());
    // `()` is `Option::None` whatever the field holds: a sweep value `None` would be read
    // as a unit variant called `None` where the base scenario has a mode
    // (`batch::fragment`).
    for i in flows {
        v = v
            .with(
                format!("flows[{i}].transport.Mptcp.scheduler"),
                format!("{sched:?}"),
            )
            .with(format!("flows[{i}].transport.Mptcp.mode"), "()");
    }
    Ok(v)
}

/// The sweep that runs `variant` of the scenario at `file` under `seeds`, with time series
/// recorded in memory and no per-run plots.
pub fn variant_sweep(file: &Path, variant: &Variant, seeds: &[u64]) -> Result<Sweep, String> {
    let name = file
        .file_name()
        .ok_or_else(|| format!("{}: not a file", file.display()))?
        .to_string_lossy();
    let mut set = BTreeMap::new();
    for s in &variant.set {
        set.insert(s.path.clone(), s.value.clone());
    }
    set.insert("output.timeseries".into(), "true".into());
    let mut text = format!("Sweep(scenario: {name:?}, set: {{");
    for (p, v) in &set {
        let _ = write!(text, "{p:?}: {v}, ");
    }
    let seeds: Vec<String> = seeds.iter().map(u64::to_string).collect();
    let _ = write!(text, "}}, seeds: List([{}]))", seeds.join(", "));
    let spec: SweepFile = ron_options()
        .from_str(&text)
        .map_err(|e| format!("variant {}: {e}", variant.label))?;
    let sweep_file = file.with_file_name(format!(".{name}.compare"));
    Sweep::from_spec(&sweep_file, spec).map_err(|e| format!("variant {}: {e}", variant.label))
}

/// Runs every variant under every seed on `jobs` threads (deterministic order).
pub fn run_compare(
    file: &Path,
    variants: &[Variant],
    seeds: &[u64],
    jobs: usize,
    mut progress: impl FnMut(usize, usize) + Send,
) -> Result<Comparison, String> {
    let sweeps = variants
        .iter()
        .map(|v| variant_sweep(file, v, seeds))
        .collect::<Result<Vec<_>, _>>()?;
    let todo: Vec<(usize, &RunSpec)> = (sweeps.iter().enumerate())
        .flat_map(|(vi, s)| s.runs.iter().map(move |r| (vi, r)))
        .collect();
    let results: Mutex<Vec<Option<Result<RunResult, String>>>> =
        Mutex::new(todo.iter().map(|_| None).collect());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let progress = Mutex::new(&mut progress);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(todo.len()) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(vi, run)) = todo.get(k) else { break };
                let keep_series = run.index == 0;
                let res = run_one(&sweeps[vi], run, keep_series).map(|mut r| {
                    r.variant = vi;
                    r
                });
                results.lock().expect("no panics")[k] = Some(res);
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                (progress.lock().expect("no panics"))(n, todo.len());
            });
        }
    });
    let mut runs = Vec::with_capacity(todo.len());
    for (k, r) in results
        .into_inner()
        .expect("no panics")
        .into_iter()
        .enumerate()
    {
        let (vi, spec) = todo[k];
        match r {
            Some(Ok(r)) => runs.push(r),
            Some(Err(e)) => return Err(format!("{} seed {}: {e}", variants[vi].label, spec.seed)),
            None => return Err("a run did not finish".into()),
        }
    }
    let scenario = sweeps
        .first()
        .and_then(|s| s.runs.first().map(|r| (s, r)))
        .and_then(|(s, r)| s.scenario(r).ok())
        .and_then(|sc| sc.name)
        .unwrap_or_default();
    Ok(Comparison {
        scenario,
        variants: variants.iter().map(|v| v.label.clone()).collect(),
        seeds: seeds.to_vec(),
        runs,
        hol_metrics: false,
    })
}

/// Runs one seed of one variant in memory.
fn run_one(sweep: &Sweep, run: &RunSpec, keep_series: bool) -> Result<RunResult, String> {
    let sc = sweep.scenario(run)?;
    let plan = crate::validate::validate(&sweep.base_file, "", sc).map_err(|e| e.to_string())?;
    let sink = MemorySink::only(&[Metric::CwndBytes, Metric::TcpState]);
    let record = run_into(&plan, sink, |_| {})
        .map_err(|e| e.to_string())?
        .into_record();
    Ok(RunResult::from_record(
        run.seed,
        &plan,
        &record,
        keep_series,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_substitute_at_field_paths() {
        let v = cc_variant("OLIA-linux", &[0, 2]).unwrap();
        assert_eq!(v.label, "olia-linux");
        let set: Vec<(&str, &str)> = v
            .set
            .iter()
            .map(|s| (s.path.as_str(), s.value.as_str()))
            .collect();
        assert_eq!(
            set,
            [
                ("flows[0].transport.Mptcp.cc", "Olia"),
                ("flows[0].transport.Mptcp.cc_mode", "Linux"),
                ("flows[2].transport.Mptcp.cc", "Olia"),
                ("flows[2].transport.Mptcp.cc_mode", "Linux"),
            ]
        );
        let sched = [
            Variant::new("minrtt").with("flows[0].transport.Mptcp.scheduler", "MinRtt"),
            Variant::new("x").with("duration", "\"1s\""),
        ];
        let both = cross(&[v], &sched);
        assert_eq!(both.len(), 2);
        assert_eq!(both[1].label, "olia-linux+x");
        assert_eq!(both[1].set.len(), 5);
        assert!(cc_variant("reno", &[0]).is_err());
    }

    #[test]
    fn scheduler_variants_clear_the_mode() {
        let v = scheduler_variant("RR", &[1]).unwrap();
        assert_eq!(v.label, "rr");
        assert_eq!(
            v.set,
            [
                Substitution {
                    path: "flows[1].transport.Mptcp.scheduler".into(),
                    value: "RoundRobin".into()
                },
                Substitution {
                    path: "flows[1].transport.Mptcp.mode".into(),
                    value: "()".into()
                },
            ]
        );
        for n in [
            "minrtt",
            "roundrobin",
            "redundant",
            "blest",
            "ecf",
            "upstream",
        ] {
            assert!(scheduler_variant(n, &[0]).is_ok(), "{n}");
        }
        let e = scheduler_variant("fastest", &[0]).unwrap_err();
        assert!(e.contains("`fastest`"), "{e}");
        let both = cross_with(&[cc_variant("lia", &[0]).unwrap()], &[v], "/");
        assert_eq!(both[0].label, "lia/rr");
    }
}
