//! The `mpsim` subcommands, callable from the binary and from tests.

use crate::error::ScenarioError;
use crate::output::{DirKind, Staging};
use crate::plan::Plan;
use crate::record::files::FileSink;
use crate::run::{run_into, RunError};
use crate::schema::{AppSpec, FormatName, OutputSpec, PresetName, Scenario};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Converts schema format names into the plots crate's.
pub fn formats(names: &[FormatName]) -> Vec<plots::Format> {
    names
        .iter()
        .map(|f| match f {
            FormatName::Png => plots::Format::Png,
            FormatName::Svg => plots::Format::Svg,
            FormatName::Pdf => plots::Format::Pdf,
        })
        .collect()
}

/// The figure options a scenario's `output:` asks for: its preset, size, font scale and
/// formats.
pub fn plot_options(output: &OutputSpec) -> plots::PlotOptions {
    let fig = &output.figure;
    let mut o = match fig.preset {
        PresetName::Screen => plots::PlotOptions::default(),
        PresetName::Paper => plots::PlotOptions::paper(),
    };
    if let Some(size) = fig.size {
        (o.width, o.height) = (size.0, size.1);
    }
    if let Some(scale) = fig.font_scale {
        o.font_scale = scale.0;
    }
    o.with_formats(&formats(&output.formats))
}

/// Windows the run's plots average rates over: when a periodic application (frames of a
/// constant-bit-rate stream, responses of a request/response app) does not divide the sample
/// interval evenly, per-sample rates alternate (25 frames/s sampled every 100 ms hold 2 or 3
/// frames) and draw as solid bands. The window is the least common multiple of the sample
/// interval and every period, at most 10 samples; `None` when samples already hold whole
/// periods.
pub fn plot_run_options(scenario: &Scenario) -> plots::RunOptions {
    let step = scenario.output.sample_interval.0.as_nanos();
    let mut window = step;
    for f in &scenario.flows {
        let period = match &f.app {
            AppSpec::ConstantBitRate { frame, .. } => frame.0.as_nanos(),
            AppSpec::RequestResponse { every, .. } => every.0.as_nanos(),
            AppSpec::Bulk { .. } => continue,
        };
        if period > 0 && step > 0 {
            window = lcm(window, period).min(10 * step);
        }
    }
    plots::RunOptions {
        average_over: (window > step).then(|| window as f64 / 1e9),
    }
}

fn lcm(a: u64, b: u64) -> u64 {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    a / x * b
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
    run_to_dir_with(plan, out, plots, None, progress)
}

/// As [`run_to_dir`], drawing the figures with `figures` instead of the scenario's
/// `output:` options when given.
pub fn run_to_dir_with(
    plan: &Plan,
    out: &Path,
    plots: Option<bool>,
    figures: Option<&plots::PlotOptions>,
    progress: bool,
) -> Result<PathBuf, ScenarioError> {
    let base = plan.file.parent().unwrap_or(Path::new("."));
    let (written, traces) = portable_scenario(&plan.scenario, base);
    let inputs: Vec<&Path> = std::iter::once(plan.file.as_path())
        .chain(traces.iter().map(|(src, _)| src.as_path()))
        .collect();
    let stage = Staging::new(out, DirKind::Run, &inputs)?;
    let write_err = |e: std::io::Error| ScenarioError::Output {
        path: out.to_path_buf(),
        msg: e.to_string(),
    };
    let sink = FileSink::create(stage.dir(), plan).map_err(write_err)?;
    let bar = progress_bar(plan, progress);
    run_into(plan, sink, |t| {
        if let Some(b) = &bar {
            b.set_position(t.as_nanos() / 1_000_000);
        }
    })
    .map_err(|e| match e {
        RunError::Build(msg) => ScenarioError::Invalid {
            file: plan.file.clone(),
            pos: None,
            field: "network".into(),
            msg,
        },
        RunError::Write(e) => write_err(e),
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let ron = crate::load::to_ron(&written).map_err(|e| ScenarioError::Output {
        path: out.join("scenario.ron"),
        msg: e.to_string(),
    })?;
    stage.write("scenario.ron", ron.as_bytes())?;
    let manifest = crate::manifest::Manifest::run(ron.as_bytes(), plan.scenario.seed);
    stage.write("manifest.json", manifest.to_json().as_bytes())?;
    for (src, name) in &traces {
        let bytes = std::fs::read(src).map_err(|e| ScenarioError::Output {
            path: out.join(name),
            msg: format!("cannot copy {}: {e}", src.display()),
        })?;
        stage.write(name, &bytes)?;
    }
    if plots.unwrap_or(plan.scenario.output.plots) && plan.scenario.output.timeseries {
        let own = plot_options(&plan.scenario.output);
        let opts = figures.unwrap_or(&own);
        plots::draw_run(stage.dir(), opts, &plot_run_options(&plan.scenario)).map_err(|e| {
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
