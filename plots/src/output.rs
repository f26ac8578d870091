//! Rendering a figure to files: font registration, one render per format, and the
//! whole-or-nothing write (temporary file in the same directory, then `rename`).
//!
//! Contract: after [`render`] returns, each requested file either holds a complete figure
//! or was left as it was before the call; no temporary file is left behind.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::{Format, PlotError};

/// Figure width in pixels.
pub(crate) const WIDTH: u32 = 1200;
/// Figure height in pixels.
pub(crate) const HEIGHT: u32 = 700;

/// A drawing failure, reduced to its message so figures need not name backend error types.
#[derive(Debug)]
pub(crate) struct DrawFail(pub(crate) String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawFail {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        DrawFail(e.to_string())
    }
}

/// Result of drawing a figure onto a backend.
pub(crate) type DrawResult = Result<(), DrawFail>;

/// What a figure needs to know about the backend it draws on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Canvas {
    /// True for the bitmap backend. Its wide-line rasterizer fills a polygon whose steep
    /// edges show one-pixel notches (very visible on cwnd sawtooths), so wide raster lines
    /// are drawn as several offset 1-px lines instead; SVG keeps one `<polyline>` per
    /// series.
    pub(crate) raster: bool,
}

/// Something that can draw itself onto any plotters backend.
pub(crate) trait Figure {
    /// Draws the whole figure onto `root` (already sized [`WIDTH`] × [`HEIGHT`]).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, canvas: Canvas)
        -> DrawResult;
}

/// Registers the bundled DejaVu fonts as plotters' `sans-serif` family, once per process.
///
/// There are no system fonts to rely on, and bundling keeps text identical everywhere.
pub(crate) fn ensure_fonts() -> Result<(), String> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    RESULT
        .get_or_init(|| {
            let fonts: [(FontStyle, &'static [u8]); 4] = [
                (FontStyle::Normal, dejavu::sans::regular()),
                (FontStyle::Bold, dejavu::sans::bold()),
                (FontStyle::Oblique, dejavu::sans::oblique()),
                (FontStyle::Italic, dejavu::sans::oblique()),
            ];
            for (style, bytes) in fonts {
                plotters::style::register_font("sans-serif", style, bytes).map_err(|_| {
                    format!("bundled DejaVu font ({}) failed to load", style.as_str())
                })?;
            }
            Ok(())
        })
        .clone()
}

/// The final path of `stem` in `format`: the extension is appended, never substituted, so a
/// stem like `run.1/fig` keeps its dots.
pub(crate) fn output_path(stem: &Path, format: Format) -> Result<PathBuf, PlotError> {
    let name = stem.file_name().ok_or_else(|| PlotError::BadOutput {
        path: stem.to_path_buf(),
        message: "figure stem has no file name".to_owned(),
    })?;
    let mut name = name.to_os_string();
    name.push(".");
    name.push(format.extension());
    Ok(stem.with_file_name(name))
}

/// A fresh temporary path beside `target`, hidden, with the same extension (the bitmap
/// backend picks its encoder from the extension).
fn temp_path(target: &Path, format: Format) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let base = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(
        ".{base}.tmp-{}-{n}.{}",
        std::process::id(),
        format.extension()
    ))
}

/// Renders `figure` once per distinct format in `formats` and returns the written paths, in
/// the order the formats were first given.
pub(crate) fn render<F: Figure>(
    stem: &Path,
    formats: &[Format],
    figure: &F,
) -> Result<Vec<PathBuf>, PlotError> {
    ensure_fonts().map_err(|message| PlotError::Draw {
        path: stem.to_path_buf(),
        message,
    })?;
    let mut written = Vec::new();
    let mut seen = Vec::new();
    for &format in formats {
        if seen.contains(&format) {
            continue;
        }
        seen.push(format);
        let target = output_path(stem, format)?;
        let tmp = temp_path(&target, format);
        let result = match format {
            Format::Svg => write_svg(&target, &tmp, figure),
            Format::Png => write_png(&target, &tmp, figure),
        }
        .and_then(|()| {
            std::fs::rename(&tmp, &target).map_err(|source| PlotError::Io {
                path: target.clone(),
                source,
            })
        });
        if let Err(e) = result {
            // The temporary file may or may not exist; either way it must not stay.
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        written.push(target);
    }
    Ok(written)
}

/// Renders an SVG into memory, then writes it to `tmp`.
fn write_svg<F: Figure>(target: &Path, tmp: &Path, figure: &F) -> Result<(), PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw_and_present(target, &root, figure, Canvas { raster: false })?;
    }
    std::fs::write(tmp, svg.as_bytes()).map_err(|source| PlotError::Io {
        path: tmp.to_path_buf(),
        source,
    })
}

/// Renders a PNG straight to `tmp` (the bitmap backend encodes on `present`).
fn write_png<F: Figure>(target: &Path, tmp: &Path, figure: &F) -> Result<(), PlotError> {
    let root = BitMapBackend::new(tmp, (WIDTH, HEIGHT)).into_drawing_area();
    draw_and_present(target, &root, figure, Canvas { raster: true })
}

fn draw_and_present<DB: DrawingBackend, F: Figure>(
    target: &Path,
    root: &DrawingArea<DB, Shift>,
    figure: &F,
    canvas: Canvas,
) -> Result<(), PlotError> {
    let fail = |DrawFail(message)| PlotError::Draw {
        path: target.to_path_buf(),
        message,
    };
    figure.draw(root, canvas).map_err(fail)?;
    root.present().map_err(|e| fail(DrawFail::from(e)))
}
