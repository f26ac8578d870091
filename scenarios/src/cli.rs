//! The `mpsim` subcommands, callable from the binary and from tests.

use crate::error::ScenarioError;
use crate::output::Staging;
use crate::run::run;
use crate::schema::FormatName;
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
/// results directory. `plots` overrides the scenario's choice when given.
pub fn run_to_dir(
    plan: &Plan,
    out: &Path,
    plots: Option<bool>,
    progress: bool,
) -> Result<PathBuf, ScenarioError> {
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
    let stage = Staging::new(out)?;
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
    let ron = crate::load::to_ron(&plan.scenario).map_err(|e| ScenarioError::Output {
        path: out.join("scenario.ron"),
        msg: e.to_string(),
    })?;
    stage.write("scenario.ron", ron.as_bytes())?;
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
