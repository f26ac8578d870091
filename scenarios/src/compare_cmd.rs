//! The `compare` subcommand of the `mpsim` binary: arguments, progress, the results
//! directory (written under a temporary name and renamed: whole or not at all).

use scenarios::compare::{cc_variant, cross_with, mptcp_flows, run_compare, scheduler_variant};
use scenarios::output::{DirKind, Staging};
use scenarios::ScenarioError;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The controllers compared when neither `--cc` nor `--scheduler` is given.
pub(crate) const DEFAULT_CC: [&str; 4] = ["lia", "olia", "balia", "uncoupled"];

/// `mpsim compare`: `cc` and `schedulers` as given on the command line (`None`: absent).
pub(crate) fn compare(
    file: &Path,
    cc: Option<&[String]>,
    schedulers: Option<&[String]>,
    seeds: u64,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    plots: Option<&plots::PlotOptions>,
) -> ExitCode {
    if seeds == 0 || jobs == Some(0) {
        eprintln!("error: --seeds and --jobs must be at least 1");
        return ExitCode::from(2);
    }
    let plan = match scenarios::load(file, None) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let flows = mptcp_flows(&plan.scenario);
    if flows.is_empty() {
        eprintln!(
            "error: {}: no MPTCP flow to compare controllers or schedulers on",
            file.display()
        );
        return ExitCode::from(2);
    }
    let default_cc: Vec<String> = DEFAULT_CC.iter().map(|&c| c.to_owned()).collect();
    let cc = match (cc, schedulers) {
        (None, None) => Some(&default_cc[..]),
        (cc, _) => cc,
    };
    let ccs = match cc
        .unwrap_or_default()
        .iter()
        .map(|c| cc_variant(c, &flows))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: --cc: {e}");
            return ExitCode::from(2);
        }
    };
    let scheds = match schedulers
        .unwrap_or_default()
        .iter()
        .map(|c| scheduler_variant(c, &flows))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: --scheduler: {e}");
            return ExitCode::from(2);
        }
    };
    let variants = match (ccs.is_empty(), scheds.is_empty()) {
        (_, true) => ccs,
        (true, false) => scheds.clone(),
        (false, false) => cross_with(&ccs, &scheds, "/"),
    };
    if variants.is_empty() {
        eprintln!("error: nothing to compare (empty --cc / --scheduler list)");
        return ExitCode::from(2);
    }
    let seeds: Vec<u64> = (1..=seeds).collect();
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let out = out.unwrap_or_else(|| Path::new("results").join(format!("{}-compare", plan.name)));
    // Checked (and staged) before any run, so a refused --out costs nothing.
    let stage = match Staging::new(&out, DirKind::Compare, &[file]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new((variants.len() * seeds.len()) as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "compare [{bar:40}] {pos}/{len} runs ({elapsed}, eta {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        b
    });
    let started = std::time::Instant::now();
    let res = run_compare(file, &variants, &seeds, jobs, |n, _| {
        if let Some(b) = &bar {
            b.set_position(n as u64);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut cmp = match res {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    cmp.hol_metrics = !scheds.is_empty();
    let text = cmp.text();
    print!("{text}");
    let scenario = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("error: {}: cannot read: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let manifest = scenarios::manifest::Manifest {
        seeds: Some(seeds.clone()),
        ..scenarios::manifest::Manifest::new("compare", &scenario)
    };
    if let Err(e) = stage.write("manifest.json", manifest.to_json().as_bytes()) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    match write_dir(stage, &cmp, &text, plots) {
        Ok(()) => {
            eprintln!(
                "{} runs in {:.1} s wall; results in {}",
                cmp.runs.len(),
                started.elapsed().as_secs_f64(),
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes the comparison's files into `stage` and moves it into place.
fn write_dir(
    stage: Staging,
    cmp: &scenarios::compare::Comparison,
    text: &str,
    plots: Option<&plots::PlotOptions>,
) -> Result<(), ScenarioError> {
    stage.write("compare.csv", cmp.csv().as_bytes())?;
    stage.write("compare_subflows.csv", cmp.subflows_csv().as_bytes())?;
    stage.write("aggregate.csv", cmp.aggregate_csv().as_bytes())?;
    stage.write("table.txt", text.as_bytes())?;
    if let Some(opts) = plots {
        cmp.plots(stage.dir(), opts)
            .map_err(|msg| ScenarioError::Output {
                path: stage.dest().to_path_buf(),
                msg,
            })?;
    }
    stage.commit().map(drop)
}
