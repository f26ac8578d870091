//! The `mpsim` subcommands, callable from the binary and from tests.

use crate::error::ScenarioError;
use crate::output::{DirKind, Staging};
use crate::run::run;
use crate::schema::{FormatName, Scenario};
use crate::validate::Plan;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Converts schema format names into the plots crate's.
pub fn formats(names: &[FormatName]) -> Vec<plots::Format> {
    names
        .iter()
        .map(|f| match f {
            FormatName::Png => plots::Format::Png,
            FormatName::Svg => plots::Format::Svg,
        })
        .collect()
}

/// Where `mpsim run` writes when no `--out` is given: `results/<scenario name>`.
pub fn default_out(plan: &Plan) -> PathBuf {
    Path::new("results").join(&plan.name)
}

/// Runs `plan` and writes its results directory at `out` (whole or not at all). Returns the
/// results directory. `plots` overrides the scenario's choice when given. `out` is checked
/// (and the staging directory made) before the simulation starts, so a refused `--out` costs
/// nothing.
pub fn run_to_dir(
    plan: &Plan,
    out: &Path,
    plots: Option<bool>,
    progress: bool,
) -> Result<PathBuf, ScenarioError> {
    let base = plan.file.parent().unwrap_or(Path::new("."));
    let (written, traces) = portable_scenario(&plan.scenario, base);
    let inputs: Vec<&Path> = std::iter::once(plan.file.as_path())
        .chain(traces.iter().map(|(src, _)| src.as_path()))
        .collect();
    let stage = Staging::new(out, DirKind::Run, &inputs)?;
    let bar = progress_bar(plan, progress);
    let output = run(plan, |t| {
        if let Some(b) = &bar {
            b.set_position(t.as_nanos() / 1_000_000);
        }
    })
    .map_err(|msg| ScenarioError::Invalid {
        file: plan.file.clone(),
        pos: None,
        field: "network".into(),
        msg,
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let json =
        serde_json::to_string_pretty(&output.summary).map_err(|e| ScenarioError::Output {
            path: out.join("summary.json"),
            msg: e.to_string(),
        })?;
    stage.write("summary.json", format!("{json}\n").as_bytes())?;
    if plan.scenario.output.timeseries {
        stage.write("timeseries.csv", output.timeseries.as_bytes())?;
    }
    stage.write("events.csv", output.events.as_bytes())?;
    let ron = crate::load::to_ron(&written).map_err(|e| ScenarioError::Output {
        path: out.join("scenario.ron"),
        msg: e.to_string(),
    })?;
    stage.write("scenario.ron", ron.as_bytes())?;
    for (src, name) in &traces {
        let bytes = std::fs::read(src).map_err(|e| ScenarioError::Output {
            path: out.join(name),
            msg: format!("cannot copy {}: {e}", src.display()),
        })?;
        stage.write(name, &bytes)?;
    }
    if plots.unwrap_or(plan.scenario.output.plots) && plan.scenario.output.timeseries {
        plots::draw_run(stage.dir(), &formats(&plan.scenario.output.formats)).map_err(|e| {
            ScenarioError::Output {
                path: out.to_path_buf(),
                msg: e.to_string(),
            }
        })?;
    }
    stage.commit()
}

/// The scenario as a results directory holds it: every trace file is copied into the
/// directory's `traces/` folder and named there (`traces/<file name>`; a second file of the
/// same name from elsewhere becomes `traces/2-<file name>`), so the `scenario.ron` beside the
/// results reruns from the results directory alone. Returns the rewritten scenario and the
/// copies to make: (source path, path in the results directory), each source once.
pub fn portable_scenario(sc: &Scenario, base: &Path) -> (Scenario, Vec<(PathBuf, String)>) {
    let mut out = sc.clone();
    let mut copies: Vec<(PathBuf, String)> = Vec::new();
    let mut place = |t: &mut String| {
        let src = base.join(&*t);
        let name = match copies.iter().find(|(s, _)| *s == src) {
            Some((_, n)) => n.clone(),
            None => {
                let file = src
                    .file_name()
                    .map_or_else(|| "trace".into(), |f| f.to_string_lossy().into_owned());
                let mut name = format!("traces/{file}");
                let mut k = 1;
                while copies.iter().any(|(_, n)| *n == name) {
                    k += 1;
                    name = format!("traces/{k}-{file}");
                }
                copies.push((src, name.clone()));
                name
            }
        };
        *t = name;
    };
    for l in &mut out.links {
        if let Some(t) = &mut l.trace {
            place(t);
        }
        if let Some(t) = l.reverse.as_mut().and_then(|r| r.trace.as_mut()) {
            place(t);
        }
    }
    (out, copies)
}

fn progress_bar(plan: &Plan, wanted: bool) -> Option<indicatif::ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(plan.duration.as_nanos() / 1_000_000);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:40}] {pos}/{len} simulated ms ({elapsed}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_prefix(plan.name.clone());
    Some(bar)
}
