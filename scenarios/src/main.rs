//! `mpsim`: run, validate and plot Multipath TCP simulation scenarios.

// The argument docs are the command's `--help` text, where `<scenario name>` is the usual
// notation for a placeholder, not HTML.
#![allow(rustdoc::invalid_html_tags)]

use clap::{CommandFactory, Parser, Subcommand};
use figure_args::FigureArgs;
use scenarios::batch::overrides;
use scenarios::cli::{default_out, run_to_dir_with};
use scenarios::ScenarioError;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod batch_cmd;
mod compare_cmd;
mod figure_args;

/// mpsim — a deterministic discrete-event simulator of Multipath TCP.
#[derive(Parser)]
#[command(name = "mpsim", version = scenarios::manifest::VERSION_LINE, about, long_about = None)]
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
        /// Replace a field, as a sweep axis would: a dotted path and a RON value
        /// (`links.lte.delay=40ms`, `flows[*].transport.cc=Cubic`); repeatable.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Skip drawing plots.
        #[arg(long)]
        no_plots: bool,
        #[command(flatten)]
        figures: FigureArgs,
    },
    /// Check a scenario or sweep file without running it (a sweep: every run's scenario).
    Validate {
        /// The scenario or sweep file (RON).
        file: PathBuf,
    },
    /// Redraw the plots of a results directory from its files.
    Plot {
        /// A results directory written by `mpsim run`.
        dir: PathBuf,
        /// Figure options (default: the run's scenario.ron `output:`, else the screen look).
        #[command(flatten)]
        figures: FigureArgs,
    },
    /// Run every combination of a sweep file's axes and seeds, in parallel.
    Batch {
        /// The sweep file (RON).
        sweep: PathBuf,
        /// Batch directory (default: the sweep's `output`, else results/<sweep name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Run only the I-th of N disjoint slices, e.g. 0/4 (for job arrays).
        #[arg(long)]
        shard: Option<String>,
        /// Skip runs whose results are complete.
        #[arg(long)]
        resume: bool,
        /// List the runs (position, id, what would happen) and check each run's scenario;
        /// run and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run a scenario under several congestion controllers, schedulers or transports
    /// (applied to every MPTCP flow) with the same seeds; print and write a table and plots.
    Compare {
        /// The scenario file (RON).
        file: PathBuf,
        /// Controllers: lia, lia-linux, olia, olia-linux, balia, balia-linux, wvegas,
        /// uncoupled, uncoupled-cubic. Default lia,olia,balia,uncoupled when --scheduler
        /// is not given either.
        #[arg(long, value_delimiter = ',')]
        cc: Option<Vec<String>>,
        /// Schedulers: minrtt, rr (roundrobin), redundant, blest, ecf, upstream (set on
        /// every MPTCP flow, service mode cleared). With --cc: every combination (cc/sched).
        /// Adds HoL delay and wasted bytes to the table and a HoL delay CDF plot.
        #[arg(long, value_delimiter = ',')]
        scheduler: Option<Vec<String>>,
        /// Transports instead (not with --cc or --scheduler): as-written, mptcp, mptcp-backup,
        /// mptcp-single, sctp, sctp-linux, bond-ab, bond-rr, bond-xor, bond-lacp, tcp. Adds
        /// stall and recovery after the first link event, completion and response times, to
        /// the table and a goodput-over-time plot.
        #[arg(long, value_delimiter = ',')]
        transport: Option<Vec<String>>,
        /// Seeds 1..=N.
        #[arg(long, default_value_t = 10)]
        seeds: u64,
        /// Results directory (default: results/<scenario>-compare).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Skip drawing plots.
        #[arg(long)]
        no_plots: bool,
        #[command(flatten)]
        figures: FigureArgs,
    },
    /// Join the batch directories of several shards of one sweep and rebuild summary.csv.
    Merge {
        /// Batch directories; merged into the first unless --out is given.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Merge into this directory instead.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script: `mpsim completions bash > ~/.local/share/bash-completion/completions/mpsim`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Aggregate a batch over seeds (mean, 95% CI) and plot a metric against an axis.
    Report {
        /// A batch directory written by `mpsim batch`.
        dir: PathBuf,
        /// The axis on the x axis (default: the first).
        #[arg(long)]
        x: Option<String>,
        /// The summary.csv column to plot (default: goodput_bps_total), run-level or a flow's
        /// (goodput_bps, events.0.stall_s, hol_delay_ms.p99, ...).
        #[arg(long)]
        y: Option<String>,
        /// Axes that make the lines or bar sets (default: all but x).
        #[arg(long, value_delimiter = ',')]
        group: Option<Vec<String>>,
        /// For a flow's metric: only this flow (default: a group per flow).
        #[arg(long)]
        flow: Option<String>,
        #[command(flatten)]
        figures: FigureArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(
        cli.cmd,
        Cmd::Run { .. } | Cmd::Batch { .. } | Cmd::Compare { .. }
    ) {
        // Before anything is allocated for the run (see the module).
        scenarios::huge_pages::use_huge_pages();
    }
    scenarios::manifest::set_command(
        std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned()),
    );
    match cli.cmd {
        Cmd::Run {
            file,
            out,
            seed,
            set,
            no_plots,
            figures,
        } => run(&file, out, (seed, &set), no_plots, &figures),
        Cmd::Batch {
            sweep,
            out,
            jobs,
            shard,
            resume,
            dry_run,
        } => batch_cmd::batch(&sweep, out, jobs, shard.as_deref(), (resume, dry_run)),
        Cmd::Compare {
            file,
            cc,
            scheduler,
            transport,
            seeds,
            out,
            jobs,
            no_plots,
            figures,
        } => match figures.apply(plots::PlotOptions::default()) {
            Ok(opts) => compare_cmd::compare(
                &file,
                compare_cmd::Choices {
                    cc: cc.as_deref(),
                    schedulers: scheduler.as_deref(),
                    transports: transport.as_deref(),
                },
                seeds,
                out,
                jobs,
                (!no_plots).then_some(&opts),
            ),
            Err(code) => code,
        },
        Cmd::Merge { dirs, out } => batch_cmd::merge(&dirs, out.as_deref()),
        Cmd::Report {
            dir,
            x,
            y,
            group,
            flow,
            figures,
        } => match figures.apply(plots::PlotOptions::default()) {
            Ok(opts) => batch_cmd::report(&dir, x, y, (group, flow), opts),
            Err(code) => code,
        },
        Cmd::Validate { file } if is_sweep(&file) => batch_cmd::validate_sweep(&file),
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
        Cmd::Plot { dir, figures } => plot(&dir, &figures),
        Cmd::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "mpsim", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}

/// True when `file` reads as a sweep file (an unreadable file is left to the scenario loader
/// to report).
fn is_sweep(file: &Path) -> bool {
    scenarios::load::read_text(file).is_ok_and(|t| scenarios::batch::sweep::is_sweep_text(&t))
}

/// `mpsim run`: `file` with `--seed` and `--set` into `out` (default results/<name>).
fn run(
    file: &Path,
    out: Option<PathBuf>,
    (seed, set): (Option<u64>, &[String]),
    no_plots: bool,
    figures: &FigureArgs,
) -> ExitCode {
    let plan = match load_run(file, seed, set) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let own = scenarios::cli::plot_options(&plan.scenario.output);
    let opts = match figures.apply(own) {
        Ok(o) => (!figures.is_empty()).then_some(o),
        Err(code) => return code,
    };
    let out = out.unwrap_or_else(|| default_out(&plan));
    let started = std::time::Instant::now();
    match run_to_dir_with(&plan, &out, no_plots.then_some(false), opts.as_ref(), true) {
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

/// The scenario `mpsim run` runs: `file` with `--set` overrides and `--seed`.
fn load_run(file: &Path, seed: Option<u64>, set: &[String]) -> Result<scenarios::Plan, ExitCode> {
    if set.is_empty() {
        return scenarios::load(file, seed).map_err(|e| fail(&e));
    }
    let sets = set
        .iter()
        .map(|s| overrides::split_set(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|msg| {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        })?;
    overrides::load_with_sets(file, seed, &sets).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

/// `mpsim plot`: redraws a results directory, starting from its `scenario.ron`'s figure
/// options and averaging windows when it has one.
fn plot(dir: &std::path::Path, figures: &FigureArgs) -> ExitCode {
    // Plots are written into the directory: only into a run's results.
    if scenarios::output::marker_kind(dir) != Some(scenarios::output::DirKind::Run) {
        eprintln!(
            "error: {}: not the results directory of a run (no `{}` marker); mpsim \
             plot writes its figures there",
            dir.display(),
            scenarios::output::MARKER
        );
        return ExitCode::from(2);
    }
    let scenario = std::fs::read_to_string(dir.join("scenario.ron"))
        .ok()
        .and_then(|text| scenarios::load::parse_str(&dir.join("scenario.ron"), &text).ok());
    let (base, run) = match &scenario {
        Some(sc) => (
            scenarios::cli::plot_options(&sc.output),
            scenarios::cli::plot_run_options(sc),
        ),
        None => (plots::PlotOptions::default(), plots::RunOptions::default()),
    };
    let opts = match figures.apply(base) {
        Ok(o) => o,
        Err(code) => return code,
    };
    match plots::draw_run(dir, &opts, &run) {
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

/// Reports `e` and exits with 2: bad input, and results that cannot or may not be written
/// (the message names the user's path).
fn fail(e: &ScenarioError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}
