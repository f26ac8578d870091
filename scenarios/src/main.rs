//! `mpsim`: run, validate and plot Multipath TCP simulation scenarios.

use clap::{Parser, Subcommand};
use scenarios::cli::{default_out, run_to_dir};
use scenarios::ScenarioError;
use std::path::PathBuf;
use std::process::ExitCode;

/// mpsim — a deterministic discrete-event simulator of Multipath TCP.
#[derive(Parser)]
#[command(name = "mpsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario and write its results directory (summary, time series, plots).
    Run {
        /// The scenario file (RON).
        file: PathBuf,
        /// Results directory (default: results/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed, overriding the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Skip drawing plots.
        #[arg(long)]
        no_plots: bool,
    },
    /// Check a scenario file without running it.
    Validate {
        /// The scenario file (RON).
        file: PathBuf,
    },
    /// Redraw the plots of a results directory from its files.
    Plot {
        /// A results directory written by `mpsim run`.
        dir: PathBuf,
        /// Formats to draw.
        #[arg(long, value_delimiter = ',', default_value = "png,svg")]
        formats: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Run {
            file,
            out,
            seed,
            no_plots,
        } => {
            let plan = match scenarios::load(&file, seed) {
                Ok(p) => p,
                Err(e) => return fail(&e),
            };
            let out = out.unwrap_or_else(|| default_out(&plan));
            let started = std::time::Instant::now();
            match run_to_dir(&plan, &out, no_plots.then_some(false), true) {
                Ok(dir) => {
                    eprintln!(
                        "{}: {} simulated in {:.2} s wall; results in {}",
                        plan.name,
                        plan.duration,
                        started.elapsed().as_secs_f64(),
                        dir.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Cmd::Validate { file } => match scenarios::load(&file, None) {
            Ok(plan) => {
                println!(
                    "{}: ok ({} hosts, {} routers, {} links, {} flows, {} events)",
                    file.display(),
                    plan.hosts.len(),
                    plan.routers.len(),
                    plan.links.len(),
                    plan.flows.len(),
                    plan.events.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Cmd::Plot { dir, formats } => {
            let mut fs = Vec::new();
            for f in &formats {
                match f.to_ascii_lowercase().as_str() {
                    "png" => fs.push(plots::Format::Png),
                    "svg" => fs.push(plots::Format::Svg),
                    other => {
                        eprintln!("error: --formats: unknown format `{other}` (png, svg)");
                        return ExitCode::from(2);
                    }
                }
            }
            match plots::draw_run(&dir, &fs) {
                Ok(paths) => {
                    for p in paths {
                        println!("{}", p.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Reports `e`; bad input exits with 2, failures to write results with 1.
fn fail(e: &ScenarioError) -> ExitCode {
    eprintln!("error: {e}");
    match e {
        ScenarioError::Output { .. } => ExitCode::from(1),
        _ => ExitCode::from(2),
    }
}
