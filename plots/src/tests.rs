//! Crate tests: every chart function end to end (files, formats, determinism, atomicity,
//! degenerate input), the run-file parsers and `draw_run`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::*;

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

/// PNG and SVG at the default size.
fn both() -> PlotOptions {
    PlotOptions::default()
}

/// The default size in `formats`.
fn only(formats: &[Format]) -> PlotOptions {
    PlotOptions::default().with_formats(formats)
}

/// A fresh empty directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("plots-test-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    /// File names in the directory, sorted.
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn wave(label: &str, scale: f64) -> Series {
    let points = (0..=200)
        .map(|i| {
            let t = i as f64 * 0.1;
            (t, scale * (5.0 + 4.0 * (t / 2.0).sin()))
        })
        .collect();
    Series::new(label, points)
}

/// Checks the written files: one per format, PNG signature, SVG text with `texts`.
fn check_files(written: &[PathBuf], stem: &Path, texts: &[&str]) {
    assert_eq!(
        written,
        &[stem.with_extension("png"), stem.with_extension("svg")],
        "paths in format order"
    );
    let png = std::fs::read(&written[0]).unwrap();
    assert!(png.len() > 1000, "png too small: {}", png.len());
    assert_eq!(png[..8], PNG_SIGNATURE);
    let svg = std::fs::read_to_string(&written[1]).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    for t in texts {
        assert!(svg.contains(t), "svg lacks {t:?}");
    }
}

fn markers() -> Vec<Marker> {
    vec![
        Marker {
            x: 10.0,
            label: "wifi down".into(),
        },
        Marker {
            x: 10.5,
            label: "lte rate 5Mbps".into(),
        },
        Marker {
            x: 15.0,
            label: "wifi up".into(),
        },
    ]
}

#[test]
fn line_chart_writes_png_and_svg() {
    let dir = TempDir::new("line");
    let stem = dir.path().join("goodput");
    let series = [wave("flow0", 1.0), wave("flow1", 0.5)];
    let chart = LineChart {
        title: "Goodput over time",
        x_label: "time (s)",
        y_label: "goodput (Mbit/s)",
        series: &series,
        markers: &markers(),
        ..LineChart::default()
    };
    let written = line_chart(&stem, &chart, &both()).unwrap();
    check_files(
        &written,
        &stem,
        &[
            "Goodput over time",
            "time (s)",
            "goodput (Mbit/s)",
            "flow1",
            "wifi down",
        ],
    );
    assert_eq!(
        dir.names(),
        ["goodput.png", "goodput.svg"],
        "no temp files left"
    );
}

#[test]
fn stacked_chart_writes_png_and_svg() {
    let dir = TempDir::new("stacked");
    let stem = dir.path().join("throughput");
    let layers = [wave("subflow wifi", 0.6), wave("subflow lte", 0.4)];
    let total = wave("flow0 goodput", 0.95);
    let written = stacked_chart(
        &stem,
        "Throughput of flow0",
        "time (s)",
        "throughput (Mbit/s)",
        &layers,
        Some(&total),
        &markers(),
        &both(),
    )
    .unwrap();
    check_files(
        &written,
        &stem,
        &[
            "Throughput of flow0",
            "time (s)",
            "throughput (Mbit/s)",
            "subflow lte",
            "flow0 goodput",
        ],
    );
}

#[test]
fn band_chart_writes_png_and_svg() {
    let dir = TempDir::new("band");
    let stem = dir.path().join("band");
    let bands: Vec<Band> = [("lia", 1.0), ("olia", 0.8)]
        .iter()
        .map(|&(label, s)| Band {
            label: label.into(),
            points: (0..50)
                .map(|i| {
                    let x = i as f64;
                    let m = s * (10.0 + (x / 5.0).sin());
                    (x, m, m - 1.0, m + 1.0)
                })
                .collect(),
            slot: None,
        })
        .collect();
    let written = band_chart(
        &stem,
        "Goodput across seeds",
        "time (s)",
        "goodput (Mbit/s)",
        &bands,
        &both(),
    )
    .unwrap();
    check_files(
        &written,
        &stem,
        &[
            "Goodput across seeds",
            "time (s)",
            "goodput (Mbit/s)",
            "olia",
        ],
    );
}

#[test]
fn grouped_bars_writes_png_and_svg() {
    let dir = TempDir::new("bars");
    let stem = dir.path().join("bars");
    let groups = vec!["flow0".to_owned(), "flow1".to_owned(), "flow2".to_owned()];
    let bars = vec![
        BarSet {
            label: "lia".into(),
            values: vec![(10.0, 9.0, 11.0), (8.0, 7.5, 8.5), (5.0, 4.0, 6.0)],
            slot: None,
        },
        BarSet {
            label: "cubic".into(),
            values: vec![(12.0, 11.0, 13.0), (f64::NAN, 0.0, 0.0)],
            slot: None,
        },
    ];
    let written = grouped_bars(
        &stem,
        "Mean goodput",
        "goodput (Mbit/s)",
        &groups,
        &bars,
        &both(),
    )
    .unwrap();
    check_files(
        &written,
        &stem,
        &["Mean goodput", "goodput (Mbit/s)", "flow2", "cubic"],
    );
}

#[test]
fn cdf_chart_takes_samples_and_series() {
    let dir = TempDir::new("cdf");
    let stem = dir.path().join("cdf");
    let samples = [
        Samples {
            label: "lia".into(),
            values: (0..100).map(|i| (i * 37 % 100) as f64).collect(),
            slot: None,
        },
        Samples {
            label: "cubic".into(),
            values: vec![3.0, 1.0, 2.0, 2.0, f64::NAN],
            slot: None,
        },
    ];
    let written = cdf_chart(
        &stem,
        "Flow completion time",
        "completion (s)",
        &samples,
        &both(),
    )
    .unwrap();
    check_files(
        &written,
        &stem,
        &["Flow completion time", "completion (s)", "cubic (n=4)"],
    );
    let series = [wave("rtt", 1.0)];
    let stem2 = dir.path().join("cdf-series");
    let written = cdf_chart(
        &stem2,
        "RTT CDF",
        "srtt (ms)",
        &series,
        &only(&[Format::Svg]),
    )
    .unwrap();
    assert_eq!(written, [dir.path().join("cdf-series.svg")]);
}

#[test]
fn svg_and_png_are_deterministic() {
    let a = TempDir::new("det-a");
    let b = TempDir::new("det-b");
    let series = [wave("flow0", 1.0), wave("flow1", 0.3)];
    let chart = LineChart {
        title: "Same input",
        x_label: "time (s)",
        y_label: "y (units)",
        series: &series,
        markers: &markers(),
        ..LineChart::default()
    };
    let wa = line_chart(&a.path().join("f"), &chart, &both()).unwrap();
    let wb = line_chart(&b.path().join("f"), &chart, &both()).unwrap();
    for (pa, pb) in wa.iter().zip(&wb) {
        assert!(
            std::fs::read(pa).unwrap() == std::fs::read(pb).unwrap(),
            "{} differs",
            pa.display()
        );
    }
}

#[test]
fn degenerate_input_draws_a_note() {
    let dir = TempDir::new("degenerate");
    let cases: Vec<(&str, Vec<Series>)> = vec![
        ("none", vec![]),
        ("empty", vec![Series::new("a", vec![])]),
        ("zero", vec![Series::new("a", vec![(0.0, 0.0), (1.0, 0.0)])]),
        (
            "nan",
            vec![Series::new(
                "a",
                vec![(f64::NAN, 1.0), (1.0, f64::INFINITY)],
            )],
        ),
        ("single", vec![Series::new("a", vec![(2.0, 3.0)])]),
    ];
    for (name, series) in &cases {
        let chart = LineChart {
            title: name,
            x_label: "x",
            y_label: "y",
            series,
            markers: &[],
            ..LineChart::default()
        };
        let w = line_chart(&dir.path().join(name), &chart, &both()).unwrap();
        let svg = std::fs::read_to_string(&w[1]).unwrap();
        match *name {
            "zero" => assert!(svg.contains("all values are zero")),
            "single" => assert!(!svg.contains("no data")),
            _ => assert!(svg.contains("no data"), "{name}"),
        }
    }
    let empty: [Series; 0] = [];
    stacked_chart(
        &dir.path().join("s"),
        "t",
        "x",
        "y",
        &empty,
        None,
        &markers(),
        &both(),
    )
    .unwrap();
    band_chart(&dir.path().join("b"), "t", "x", "y", &[], &both()).unwrap();
    grouped_bars(&dir.path().join("g"), "t", "y", &[], &[], &both()).unwrap();
    cdf_chart::<Samples>(&dir.path().join("c"), "t", "x", &[], &both()).unwrap();
    assert!(
        dir.names().iter().all(|n| !n.starts_with('.')),
        "{:?}",
        dir.names()
    );
}

#[test]
fn unwritable_target_errors_without_partial_file() {
    let dir = TempDir::new("unwritable");
    let series = [wave("a", 1.0)];
    let chart = LineChart {
        title: "t",
        x_label: "x",
        y_label: "y",
        series: &series,
        markers: &[],
        ..LineChart::default()
    };
    // Parent directory does not exist.
    let missing = dir.path().join("no-such-dir").join("fig");
    for f in [Format::Png, Format::Svg, Format::Pdf] {
        let e = line_chart(&missing, &chart, &only(&[f])).unwrap_err();
        assert!(
            matches!(e, PlotError::Io { .. } | PlotError::Draw { .. }),
            "{e}"
        );
    }
    // Parent is a regular file.
    let file = dir.path().join("plain");
    std::fs::write(&file, b"x").unwrap();
    assert!(line_chart(&file.join("fig"), &chart, &both()).is_err());
    // The target name is taken by a directory: rename fails, old content stays.
    std::fs::create_dir(dir.path().join("fig.svg")).unwrap();
    assert!(line_chart(&dir.path().join("fig"), &chart, &only(&[Format::Svg])).is_err());
    assert_eq!(dir.names(), ["fig.svg", "plain"], "no temp file left");
    assert!(dir.path().join("fig.svg").is_dir());
}

#[test]
fn stem_keeps_dots_and_formats_are_deduplicated() {
    let dir = TempDir::new("dots");
    let chart = LineChart {
        title: "t",
        x_label: "x",
        y_label: "y",
        series: &[],
        markers: &[],
        ..LineChart::default()
    };
    let w = line_chart(
        &dir.path().join("run.1"),
        &chart,
        &only(&[Format::Svg, Format::Svg]),
    )
    .unwrap();
    assert_eq!(w, [dir.path().join("run.1.svg")]);
    assert!(line_chart(&dir.path().join("x"), &chart, &only(&[]))
        .unwrap()
        .is_empty());
    assert!(matches!(
        line_chart(Path::new("/"), &chart, &only(&[Format::Svg])),
        Err(PlotError::BadOutput { .. })
    ));
}

const TIMESERIES: &str = "\
time_s,kind,name,subflow,metric,value
0.5,flow,flow0,,goodput_bps,8000000
0.5,flow,flow0,wifi,throughput_bps,5000000
0.5,flow,flow0,lte,throughput_bps,3500000
0.5,flow,flow0,wifi,cwnd_bytes,14480
0.5,flow,flow0,wifi,srtt_ms,21.5
0.5,flow,flow0,,weird_metric,1
0.5,link,wifi-up,,queue_packets,3
0.5,link,wifi-up,,queue_bytes,4500
1.0,flow,flow0,,goodput_bps,9000000
1.0,flow,flow0,wifi,throughput_bps,5500000
1.0,flow,flow0,lte,throughput_bps,3600000
1.0,flow,flow0,wifi,cwnd_bytes,28960
1.0,flow,flow0,wifi,srtt_ms,25
1.0,link,wifi-up,,queue_packets,7
";

fn run_dir(name: &str, timeseries: &str, events: Option<&str>) -> TempDir {
    let dir = TempDir::new(name);
    std::fs::write(dir.path().join("timeseries.csv"), timeseries).unwrap();
    if let Some(ev) = events {
        std::fs::write(dir.path().join("events.csv"), ev).unwrap();
    }
    dir
}

#[test]
fn draw_run_single_flow_with_subflows() {
    let dir = run_dir(
        "run1",
        TIMESERIES,
        Some("time_s,target,action\n0.75,wifi,down\n"),
    );
    let written = draw_run(dir.path(), &both(), &RunOptions::default()).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "cwnd.png",
            "cwnd.svg",
            "queue.png",
            "queue.svg",
            "rtt.png",
            "rtt.svg",
            "throughput.png",
            "throughput.svg"
        ]
    );
    let tp = std::fs::read_to_string(dir.path().join("throughput.svg")).unwrap();
    for t in [
        "subflow wifi",
        "subflow lte",
        "flow0 goodput",
        "wifi down",
        "throughput (Mbit/s)",
    ] {
        assert!(tp.contains(t), "throughput.svg lacks {t:?}");
    }
    let cwnd = std::fs::read_to_string(dir.path().join("cwnd.svg")).unwrap();
    assert!(cwnd.contains("flow0/wifi") && cwnd.contains("cwnd (kB)"));
}

#[test]
fn draw_run_several_flows_and_no_events() {
    let mut ts = TIMESERIES.to_owned();
    ts.push_str(
        "0.5,flow,\"bulk 2\",,goodput_bps,1000000\n1.0,flow,\"bulk 2\",,goodput_bps,2000000\n",
    );
    let dir = run_dir("run2", &ts, Some(""));
    let written = draw_run(dir.path(), &only(&[Format::Svg]), &RunOptions::default()).unwrap();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "cwnd.svg",
            "queue.svg",
            "rtt.svg",
            "throughput-flow0.svg",
            "throughput.svg"
        ]
    );
    let tp = std::fs::read_to_string(dir.path().join("throughput.svg")).unwrap();
    assert!(tp.contains("bulk 2 goodput") && tp.contains("flow0 goodput"));
}

#[test]
fn draw_run_skips_absent_figures() {
    let ts = "time_s,kind,name,subflow,metric,value\n0,link,l,,queue_packets,1\n1,link,l,,queue_packets,2\n";
    let dir = run_dir("run3", ts, None);
    let written = draw_run(dir.path(), &only(&[Format::Png]), &RunOptions::default()).unwrap();
    assert_eq!(written, [dir.path().join("queue.png")]);
    let empty = run_dir("run4", "", None);
    assert!(draw_run(empty.path(), &both(), &RunOptions::default())
        .unwrap()
        .is_empty());
}

#[test]
fn draw_run_reports_missing_and_bad_input() {
    let dir = TempDir::new("run5");
    let e = draw_run(dir.path(), &both(), &RunOptions::default()).unwrap_err();
    assert!(matches!(e, PlotError::MissingInput { .. }), "{e}");

    let dir = run_dir(
        "run6",
        "time_s,kind,name,metric,value\n0,flow,f,goodput_bps,1\n",
        None,
    );
    let e = draw_run(dir.path(), &both(), &RunOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, PlotError::Csv { line: 1, .. }), "{msg}");
    assert!(
        msg.contains("timeseries.csv") && msg.contains("`subflow`"),
        "{msg}"
    );

    let bad = "time_s,kind,name,subflow,metric,value\n0,flow,f,,goodput_bps,1\n0.5,flow,f,,goodput_bps,1.2.3\n";
    let dir = run_dir("run7", bad, None);
    let e = draw_run(dir.path(), &both(), &RunOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, PlotError::Csv { line: 3, .. }), "{msg}");
    assert!(
        msg.contains("timeseries.csv:3") && msg.contains("`1.2.3`"),
        "{msg}"
    );

    let dir = run_dir(
        "run8",
        TIMESERIES,
        Some("time_s,target,action\nsoon,wifi,down\n"),
    );
    let e = draw_run(dir.path(), &both(), &RunOptions::default()).unwrap_err();
    assert!(e.to_string().contains("events.csv:2"), "{e}");
    assert!(
        dir.names().iter().all(|n| n.ends_with(".csv")),
        "nothing drawn: {:?}",
        dir.names()
    );
}

#[test]
fn parsers_keep_order_and_ignore_unknown_metrics() {
    let data = crate::run::parse_timeseries(Path::new("ts.csv"), TIMESERIES.as_bytes()).unwrap();
    let dbg = format!("{data:?}");
    assert!(!dbg.contains("weird_metric") && !dbg.contains("queue_bytes"));
    let ev = crate::run::parse_events(
        Path::new("ev.csv"),
        "time_s,target,action\r\n10.000000,wifi,down\r\n".as_bytes(),
    )
    .unwrap();
    assert_eq!(
        ev,
        [Marker {
            x: 10.0,
            label: "wifi down".into()
        }]
    );
    assert!(crate::run::parse_events(Path::new("ev.csv"), "".as_bytes())
        .unwrap()
        .is_empty());
}

#[test]
fn stacking_interpolates_and_zeroes_outside_span() {
    use crate::line::{interpolate, stack};
    let a = vec![(0.0, 1.0), (2.0, 3.0)];
    assert_eq!(interpolate(&a, 1.0), 2.0);
    assert_eq!(interpolate(&a, 2.0), 3.0);
    assert_eq!(interpolate(&a, 2.5), 0.0);
    assert_eq!(interpolate(&a, -1.0), 0.0);
    assert_eq!(interpolate(&[], 0.0), 0.0);
    let b = vec![(1.0, 10.0), (2.0, 10.0)];
    let tops = stack(&[a, b], &[0.0, 1.0, 2.0]);
    assert_eq!(tops, vec![vec![1.0, 2.0, 3.0], vec![1.0, 12.0, 13.0]]);
}

#[test]
fn cdf_steps_rise_by_sample_share() {
    let steps = crate::cdf::cdf_steps(&[1.0, 2.0, 2.0, 4.0]);
    assert_eq!(
        steps,
        vec![
            (1.0, 0.0),
            (1.0, 0.25),
            (2.0, 0.25),
            (2.0, 0.75),
            (4.0, 0.75),
            (4.0, 1.0)
        ]
    );
}

#[test]
fn tick_labels_are_trimmed() {
    use crate::axis::format_number;
    assert_eq!(format_number(0.30000000000000004, 1), "0.3");
    assert_eq!(format_number(-0.0, 1), "0.0");
    assert_eq!(format_number(250.0, 0), "250");
}

/// Writes sample figures to /tmp/plots-gallery for a look by eye:
/// `cargo test -p plots -- --ignored gallery`.
#[test]
#[ignore]
fn gallery() {
    let out = Path::new("/tmp/plots-gallery");
    std::fs::create_dir_all(out).unwrap();
    let dir = run_dir(
        "gallery",
        TIMESERIES,
        Some("time_s,target,action\n0.75,wifi,down\n"),
    );
    let mut long = String::from("time_s,kind,name,subflow,metric,value\n");
    for i in 0..=300 {
        let t = i as f64 * 0.1;
        let wifi = if (10.0..15.0).contains(&t) {
            0.0
        } else {
            6e6 + 1e6 * (t * 0.7).sin()
        };
        let lte = 4e6 + 5e5 * (t * 1.3).cos();
        long.push_str(&format!(
            "{t:.6},flow,flow0,,goodput_bps,{}\n",
            0.97 * (wifi + lte)
        ));
        long.push_str(&format!("{t:.6},flow,flow0,wifi,throughput_bps,{wifi}\n"));
        long.push_str(&format!("{t:.6},flow,flow0,lte,throughput_bps,{lte}\n"));
        long.push_str(&format!(
            "{t:.6},flow,flow0,wifi,cwnd_bytes,{}\n",
            20000.0 + 1000.0 * (i % 40) as f64
        ));
        long.push_str(&format!("{t:.6},link,wifi-up,,queue_packets,{}\n", i % 25));
    }
    std::fs::write(dir.path().join("timeseries.csv"), long).unwrap();
    std::fs::write(
        dir.path().join("events.csv"),
        "time_s,target,action\n10.000000,wifi,down\n15.000000,wifi,up\n29.500000,lte,rate 2Mbps\n",
    )
    .unwrap();
    for p in draw_run(dir.path(), &both(), &RunOptions::default()).unwrap() {
        std::fs::copy(&p, out.join(p.file_name().unwrap())).unwrap();
    }
    let groups = vec!["flow0".to_owned(), "flow1".to_owned(), "flow2".to_owned()];
    let bars = vec![
        BarSet {
            label: "lia".into(),
            values: vec![(10.0, 9.0, 11.0), (8.0, 7.5, 8.5), (5.0, 4.0, 6.0)],
            slot: None,
        },
        BarSet {
            label: "olia".into(),
            values: vec![(11.0, 10.0, 12.0), (7.0, 6.0, 8.0), (6.0, 5.5, 6.5)],
            slot: None,
        },
        BarSet {
            label: "cubic".into(),
            values: vec![(12.0, 11.0, 13.0), (9.0, 8.0, 9.5), (4.0, 3.0, 5.0)],
            slot: None,
        },
    ];
    grouped_bars(
        &out.join("bars"),
        "Mean goodput per flow",
        "goodput (Mbit/s)",
        &groups,
        &bars,
        &both(),
    )
    .unwrap();
    let bands: Vec<Band> = [("lia", 1.0), ("olia", 0.7)]
        .iter()
        .map(|&(label, s)| Band {
            label: label.into(),
            points: (0..60)
                .map(|i| {
                    let x = i as f64 * 0.5;
                    let m = s * (10.0 + 2.0 * (x / 3.0).sin());
                    (x, m, m - 1.0 - 0.1 * x, m + 1.0 + 0.1 * x)
                })
                .collect(),
            slot: None,
        })
        .collect();
    band_chart(
        &out.join("band"),
        "Goodput across 10 seeds (95% CI)",
        "time (s)",
        "goodput (Mbit/s)",
        &bands,
        &both(),
    )
    .unwrap();
    let samples = [
        Samples {
            label: "lia".into(),
            values: (0..100).map(|i| ((i * 37) % 100) as f64 / 10.0).collect(),
            slot: None,
        },
        Samples {
            label: "cubic".into(),
            values: (0..50).map(|i| ((i * 13) % 50) as f64 / 4.0).collect(),
            slot: None,
        },
    ];
    cdf_chart(
        &out.join("cdf"),
        "Completion time",
        "completion time (s)",
        &samples,
        &both(),
    )
    .unwrap();
    let chart = LineChart {
        title: "Empty",
        x_label: "time (s)",
        y_label: "y",
        series: &[],
        markers: &[],
        ..LineChart::default()
    };
    line_chart(&out.join("empty"), &chart, &both()).unwrap();
}
