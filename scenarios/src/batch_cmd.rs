//! The `batch`, `merge` and `report` subcommands of the `mpsim` binary: argument handling,
//! messages and exit codes around [`scenarios::batch`].

use scenarios::batch::{self, BatchError, BatchOptions, Planned, ReportOptions, Shard, Sweep};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How many failed runs the final message names.
const NAMED: usize = 10;

/// `mpsim batch`.
pub(crate) fn batch(
    sweep_file: &Path,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    shard: Option<&str>,
    (resume, dry_run): (bool, bool),
) -> ExitCode {
    let shard = match shard.map(Shard::parse).transpose() {
        Ok(s) => s.unwrap_or(Shard::ALL),
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    if jobs == Some(0) {
        eprintln!("error: --jobs must be at least 1");
        return ExitCode::from(2);
    }
    let sweep = match Sweep::load(sweep_file) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let out = out.unwrap_or_else(|| match &sweep.output {
        Some(o) => PathBuf::from(o),
        None => Path::new("results").join(
            sweep_file
                .file_stem()
                .map_or_else(|| "batch".into(), |s| s.to_string_lossy().into_owned()),
        ),
    });
    if dry_run {
        return dry(&sweep, &out, shard, resume);
    }
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = BatchOptions {
        out,
        jobs,
        shard,
        resume,
        progress: true,
    };
    let started = std::time::Instant::now();
    let rep = match batch::run_batch(&sweep, &opts) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let scope = if shard == Shard::ALL {
        String::new()
    } else {
        format!(
            " ({} in shard {}/{})",
            rep.selected, shard.index, shard.count
        )
    };
    if rep.skipped > 0 {
        eprintln!("skipped {} complete", rep.skipped);
    }
    eprintln!(
        "batch: {} runs{scope}: {} ran, {} skipped, {} failed; {:.2} s wall on {} threads; {}",
        rep.total,
        rep.ran,
        rep.skipped,
        rep.failed.len(),
        started.elapsed().as_secs_f64(),
        jobs,
        rep.summary.display()
    );
    if rep.failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    for (id, msg) in rep.failed.iter().take(NAMED) {
        eprintln!("failed: {id}: {msg}");
    }
    if rep.failed.len() > NAMED {
        eprintln!(
            "... and {} more (see summary.csv)",
            rep.failed.len() - NAMED
        );
    }
    ExitCode::from(1)
}

/// `mpsim batch --dry-run`: lists this shard's runs (position, id, and whether each would
/// run, is complete, or has an invalid scenario) on stdout; writes nothing. Exit status 1
/// when a run's scenario is invalid, 2 when `out` may not be written.
fn dry(sweep: &Sweep, out: &Path, shard: Shard, resume: bool) -> ExitCode {
    if let Err(e) = scenarios::output::check_out(out, scenarios::output::DirKind::Batch) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let planned = batch::plan_runs(sweep, shard, resume.then_some(out));
    let mut counts = [0usize; 3];
    for (run, state) in &planned {
        let note = match state {
            Planned::Run => {
                counts[0] += 1;
                "run".to_owned()
            }
            Planned::Complete => {
                counts[1] += 1;
                "complete (skipped)".to_owned()
            }
            Planned::Invalid(msg) => {
                counts[2] += 1;
                format!("invalid: {}", msg.replace('\n', " "))
            }
        };
        println!("{}\t{}\t{note}", run.index, run.id);
    }
    let scope = if shard == Shard::ALL {
        String::new()
    } else {
        format!(
            ", {} in shard {}/{}",
            planned.len(),
            shard.index,
            shard.count
        )
    };
    eprintln!(
        "dry run: {} runs{scope}: {} to run, {} complete, {} invalid, into {}; nothing was run \
         or written",
        sweep.runs.len(),
        counts[0],
        counts[1],
        counts[2],
        out.display()
    );
    if counts[2] > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `mpsim validate` of a sweep file: loads it (every axis value type-checked) and validates
/// every run's expanded scenario. Exit status 2 naming the runs whose scenario is invalid.
pub(crate) fn validate_sweep(file: &Path) -> ExitCode {
    let sweep = match Sweep::load(file) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let planned = batch::plan_runs(&sweep, Shard::ALL, None);
    let invalid: Vec<_> = planned
        .iter()
        .filter_map(|(r, state)| match state {
            Planned::Invalid(msg) => Some((r, msg)),
            _ => None,
        })
        .collect();
    let axes: Vec<String> = sweep
        .axes
        .iter()
        .map(|a| format!("{} ({})", a.name, a.labels.len()))
        .collect();
    if invalid.is_empty() {
        println!(
            "{}: ok (sweep of {} runs: axes {}; seeds {}; every run's scenario is valid)",
            file.display(),
            sweep.runs.len(),
            if axes.is_empty() {
                "none".to_owned()
            } else {
                axes.join(", ")
            },
            sweep.seeds().len()
        );
        return ExitCode::SUCCESS;
    }
    for (r, msg) in invalid.iter().take(NAMED) {
        eprintln!("error: {}: run {}: {msg}", file.display(), r.id);
    }
    eprintln!(
        "error: {}: {} of {} runs have an invalid scenario",
        file.display(),
        invalid.len(),
        sweep.runs.len()
    );
    ExitCode::from(2)
}

/// `mpsim merge`.
pub(crate) fn merge(dirs: &[PathBuf], out: Option<&Path>) -> ExitCode {
    match batch::merge(dirs, out) {
        Ok(rep) => {
            for w in &rep.warnings {
                eprintln!("warning: {w}");
            }
            let c = rep.counts;
            eprintln!(
                "merge: {} run directories copied into {}; {} ok, {} failed, {} missing",
                rep.copied,
                rep.target.display(),
                c.ok,
                c.failed,
                c.missing
            );
            if c.failed + c.missing > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => fail(&e),
    }
}

/// `mpsim report`.
pub(crate) fn report(
    dir: &Path,
    x: Option<String>,
    y: Option<String>,
    (group, flow): (Option<Vec<String>>, Option<String>),
    figures: plots::PlotOptions,
) -> ExitCode {
    let opts = ReportOptions {
        x,
        y,
        group,
        flow,
        figures,
    };
    match batch::report(dir, &opts) {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// Reports `e` and exits with 2: bad input, or a batch directory that cannot or may not be
/// written. (Exit code 1 is kept for runs that failed inside a batch that did run.)
fn fail(e: &BatchError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}
