//! Layout tests: no text leaves the canvas and no legend label is cut, whatever the labels,
//! the number of series, the canvas size or the font scale.
//!
//! Two checks per figure: a recording backend takes every text's layout box (the font's
//! advance widths, the anchor and the rotation, as the bitmap backend places it) and asserts
//! it lies inside the canvas, and that each legend label is drawn in full (its wrapped lines
//! join back to the label, no "…"); the PNG rendering must leave a 2-pixel white border (text
//! running off the edge, as the old fixed-width legend did, would touch it).

use std::cell::RefCell;
use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind};

use crate::band::BandFigure;
use crate::line::LineFigure;
use crate::output::{ensure_fonts, Ctx, Figure};
use crate::*;

/// Each text drawn and its box `[x0, y0, x1, y1]` in pixels.
type Boxes = Vec<(String, [i32; 4])>;

/// A backend that draws nothing and records the box of every text.
struct TextBoxes {
    size: (u32, u32),
    texts: Rc<RefCell<Boxes>>,
}

/// Draws `figure` on a [`TextBoxes`] canvas of `opts`' size; returns the texts' boxes.
fn text_boxes<F: Figure>(figure: &F, opts: &PlotOptions) -> Boxes {
    ensure_fonts().unwrap();
    let texts = Rc::new(RefCell::new(Vec::new()));
    let rec = TextBoxes {
        size: (opts.width, opts.height),
        texts: texts.clone(),
    };
    let root: DrawingArea<_, Shift> = rec.into_drawing_area();
    let ctx = Ctx {
        raster: true,
        u: opts.font_scale,
    };
    figure.draw(&root, ctx).unwrap();
    drop(root);
    Rc::try_unwrap(texts).unwrap().into_inner()
}

impl DrawingBackend for TextBoxes {
    type ErrorType = std::io::Error;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }
    fn draw_pixel(
        &mut self,
        _: BackendCoord,
        _: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let ((x0, y0), (x1, y1)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (w, h) = (x1 - x0, y1 - y0);
        let dx = match style.anchor().h_pos {
            plotters_backend::text_anchor::HPos::Left => 0,
            plotters_backend::text_anchor::HPos::Right => -w,
            plotters_backend::text_anchor::HPos::Center => -w / 2,
        };
        let dy = match style.anchor().v_pos {
            plotters_backend::text_anchor::VPos::Top => 0,
            plotters_backend::text_anchor::VPos::Center => -h / 2,
            plotters_backend::text_anchor::VPos::Bottom => -h,
        };
        let t = style.transform();
        let corners = [(dx, dy), (dx + w, dy), (dx, dy + h), (dx + w, dy + h)]
            .map(|(x, y)| t.transform(x, y))
            .map(|(x, y)| (pos.0 + x, pos.1 + y));
        let xs = corners.map(|c| c.0);
        let ys = corners.map(|c| c.1);
        let rect = [
            *xs.iter().min().unwrap(),
            *ys.iter().min().unwrap(),
            *xs.iter().max().unwrap(),
            *ys.iter().max().unwrap(),
        ];
        self.texts.borrow_mut().push((text.to_owned(), rect));
        Ok(())
    }
}

/// Draws `figure` on the recording backend and on a bitmap, and checks both ways that all
/// text is inside and every label of `labels` is drawn whole.
fn check_layout<F: Figure>(figure: &F, opts: &PlotOptions, labels: &[String]) {
    ensure_fonts().unwrap();
    let ctx = Ctx {
        raster: true,
        u: opts.font_scale,
    };
    let (w, h) = (opts.width, opts.height);
    let texts = text_boxes(figure, opts);
    for (text, [x0, y0, x1, y1]) in &texts {
        assert!(
            *x0 >= 0 && *y0 >= 0 && *x1 <= w as i32 && *y1 <= h as i32,
            "{w}x{h}: `{text}` at {x0},{y0}..{x1},{y1} leaves the canvas"
        );
        assert!(!text.contains('…'), "`{text}` is cut");
    }
    let drawn: Vec<&str> = texts.iter().map(|t| t.0.as_str()).collect();
    let joined = drawn.join(" ");
    for label in labels {
        let first = label.split(' ').next().unwrap_or_default();
        let start = drawn
            .iter()
            .position(|t| t.starts_with(first))
            .unwrap_or_else(|| panic!("`{label}` not drawn ({w}x{h}): {drawn:?}"));
        let lines = label.split(' ').count();
        let rebuilt = drawn[start..(start + lines).min(drawn.len())].join(" ");
        assert!(
            rebuilt.starts_with(label.as_str()) || joined.contains(label.as_str()),
            "`{label}` not drawn whole ({w}x{h}): {drawn:?}"
        );
    }

    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        figure.draw(&root, ctx).unwrap();
        root.present().unwrap();
    }
    let white = |x: u32, y: u32| {
        let i = (y as usize * w as usize + x as usize) * 3;
        pixels[i..i + 3] == [255, 255, 255]
    };
    for y in 0..h {
        for x in (0..2).chain(w - 2..w) {
            assert!(white(x, y), "{w}x{h}: ink at the edge, pixel {x},{y}");
        }
    }
    for x in 0..w {
        for y in (0..2).chain(h - 2..h) {
            assert!(white(x, y), "{w}x{h}: ink at the edge, pixel {x},{y}");
        }
    }
}

fn sizes() -> Vec<PlotOptions> {
    let small = PlotOptions {
        width: 500,
        height: 320,
        ..PlotOptions::default()
    };
    let large_font = PlotOptions {
        font_scale: 1.8,
        ..PlotOptions::default()
    };
    vec![
        PlotOptions::default(),
        PlotOptions::paper(),
        small,
        large_font,
    ]
}

/// The labels of the handover-recovery report, whose legend used to run off the canvas
/// (`scheduler=MinRtt, mode=Som…`).
fn report_labels() -> Vec<String> {
    [
        "scheduler=MinRtt, mode=None",
        "scheduler=Blest, mode=None",
        "scheduler=Ecf, mode=None",
        "scheduler=RoundRobin, mode=None",
        "scheduler=MinRtt, mode=Some(Handover(degraded_rtt: \"150ms\"))",
        "scheduler=MinRtt, mode=Some(ActiveStandby)",
        "scheduler=MinRtt, mode=Some(Aggregate)",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn sweep_report_legend_is_never_cut() {
    let labels = report_labels();
    let bands: Vec<Band> = (labels.iter().enumerate())
        .map(|(i, l)| Band {
            label: l.clone(),
            points: [20.0, 40.0, 80.0, 160.0]
                .iter()
                .map(|&x| {
                    let m = 0.22 + if i >= 4 { x / 300.0 } else { 0.0 };
                    (x, m, m - 0.05, m + 0.05)
                })
                .collect(),
            slot: Some(i),
        })
        .collect();
    let figure = BandFigure {
        title: "events.0.flows.0.stall_s by lte_delay, mean and 95% CI over seeds",
        x_label: "lte_delay (ms)",
        y_label: "events.0.flows.0.stall_s",
        bands: &bands,
    };
    for opts in sizes() {
        check_layout(&figure, &opts, &labels);
    }
}

#[test]
fn many_series_move_the_legend_under_the_chart_and_stay_inside() {
    let series: Vec<Series> = (0..40)
        .map(|i| {
            let pts = (0..200)
                .map(|t| (f64::from(t) * 0.1, f64::from((t + i) % 17)))
                .collect();
            Series::new(format!("flow{i}/subflow-with-a-long-name-{i}"), pts)
        })
        .collect();
    let markers = [Marker {
        x: 19.9,
        label: "wifi down at the very end of the run".into(),
    }];
    let chart = LineChart {
        title: "Congestion window",
        x_label: "time (s)",
        y_label: "cwnd (kB)",
        series: &series,
        markers: &markers,
        robust_y: true,
        ..LineChart::default()
    };
    for opts in sizes() {
        // Labels that do not fit are summarised as "… and N more", checked separately.
        check_layout_allowing_more(&LineFigure { chart: &chart }, &opts);
    }
    let few = &series[..6];
    let labels: Vec<String> = few.iter().map(|s| s.label.clone()).collect();
    let chart = LineChart {
        series: few,
        ..chart
    };
    for opts in sizes() {
        check_layout(&LineFigure { chart: &chart }, &opts, &labels);
    }
}

/// As [`check_layout`] for 40 series: every text inside, the legend entries either all
/// shown or the rest summarised in a "… and N more" row.
fn check_layout_allowing_more<F: Figure>(figure: &F, opts: &PlotOptions) {
    let texts = text_boxes(figure, opts);
    let (w, h) = (opts.width as i32, opts.height as i32);
    for (text, [x0, y0, x1, y1]) in &texts {
        assert!(
            *x0 >= 0 && *y0 >= 0 && *x1 <= w && *y1 <= h,
            "{w}x{h}: `{text}` at {x0},{y0}..{x1},{y1} leaves the canvas"
        );
    }
    let more: usize = texts
        .iter()
        .find_map(|t| {
            t.0.strip_prefix("… and ")?
                .strip_suffix(" more")?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    let shown = texts.iter().filter(|t| t.0.starts_with("flow")).count();
    assert!(shown >= 1, "{w}x{h}: no legend entry shown");
    assert!(
        more > 0 || shown >= 40,
        "{w}x{h}: {shown} shown, {more} summarised"
    );
}

#[test]
fn pdf_is_a_deterministic_page_of_the_paper_size_with_dejavu_embedded() {
    let dir = std::env::temp_dir().join(format!("plots-pdf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let series = [Series::new(
        "flow0",
        vec![(0.0, 1.0), (1.0, 2.0), (2.0, 1.5)],
    )];
    let chart = LineChart {
        title: "Goodput",
        x_label: "time (s)",
        y_label: "goodput (Mbit/s)",
        series: &series,
        ..LineChart::default()
    };
    let opts = PlotOptions::paper().with_formats(&[Format::Pdf, Format::Png]);
    let a = line_chart(&dir.join("a"), &chart, &opts).unwrap();
    let b = line_chart(&dir.join("b"), &chart, &opts).unwrap();
    let pdf = std::fs::read(&a[0]).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(
        pdf,
        std::fs::read(&b[0]).unwrap(),
        "PDF output differs between runs"
    );
    let text = String::from_utf8_lossy(&pdf);
    // 1050 x 750 px at 300 dpi = 3.5 x 2.5 in = 252 x 180 pt.
    assert!(
        text.contains("/MediaBox [0 0 252 180]"),
        "no 252x180 pt page"
    );
    assert!(text.contains("DejaVuSans"), "DejaVu Sans not embedded");
    let png = std::fs::read(&a[1]).unwrap();
    assert_eq!(png, std::fs::read(&b[1]).unwrap());
    // pHYs: 300 dpi = 11811 pixels per metre.
    let phys = png
        .windows(4)
        .position(|w| w == b"pHYs")
        .expect("no pHYs chunk");
    assert_eq!(png[phys + 4..phys + 8], 11811u32.to_be_bytes());
    std::fs::remove_dir_all(&dir).unwrap();
}
