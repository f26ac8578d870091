//! Rendering a figure to files: font registration, one render per format, and the
//! whole-or-nothing write (temporary file in the same directory, then `rename`).
//!
//! PNG is drawn by plotters' bitmap backend into memory and encoded with the `png` crate,
//! which records the resolution (`pHYs`). SVG is plotters' SVG backend. PDF is that SVG,
//! parsed by `usvg` with the bundled DejaVu fonts as its only fonts and converted by
//! `svg2pdf` (text embedded as text), the page `width / dpi` inches wide.
//!
//! Contract: after [`render`] returns, each requested file either holds a complete figure
//! or was left as it was before the call; no temporary file is left behind.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use svg2pdf::usvg;

use crate::{Format, PlotError, PlotOptions};

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

/// What a figure needs to know about the canvas it draws on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ctx {
    /// True for the bitmap backend. Its wide-line rasterizer fills a polygon whose steep
    /// edges show one-pixel notches (very visible on cwnd sawtooths), so wide raster lines
    /// are drawn as several offset 1-px lines instead; SVG keeps one `<polyline>` per piece.
    pub(crate) raster: bool,
    /// Pixels per font-scale unit: every size in the figures is a multiple of it.
    pub(crate) u: f64,
}

impl Ctx {
    /// `v` units in whole pixels.
    pub(crate) fn px(&self, v: f64) -> i32 {
        (v * self.u).round() as i32
    }
}

/// Something that can draw itself onto any plotters backend.
pub(crate) trait Figure {
    /// Draws the whole figure onto `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, ctx: Ctx) -> DrawResult;
}

/// The bundled DejaVu Sans faces: regular, bold, oblique.
fn dejavu_faces() -> [(FontStyle, &'static [u8]); 3] {
    [
        (FontStyle::Normal, dejavu::sans::regular()),
        (FontStyle::Bold, dejavu::sans::bold()),
        (FontStyle::Oblique, dejavu::sans::oblique()),
    ]
}

/// Registers the bundled DejaVu fonts as plotters' `sans-serif` family, once per process.
///
/// There are no system fonts to rely on, and bundling keeps text identical everywhere.
pub(crate) fn ensure_fonts() -> Result<(), String> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    RESULT
        .get_or_init(|| {
            let mut faces = dejavu_faces().to_vec();
            faces.push((FontStyle::Italic, dejavu::sans::oblique()));
            for (style, bytes) in faces {
                plotters::style::register_font("sans-serif", style, bytes).map_err(|_| {
                    format!("bundled DejaVu font ({}) failed to load", style.as_str())
                })?;
            }
            Ok(())
        })
        .clone()
}

/// The font database the PDF conversion uses: the bundled DejaVu faces only, DejaVu Sans
/// standing for every generic family.
fn pdf_fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for (_, bytes) in dejavu_faces() {
            db.load_font_data(bytes.to_vec());
        }
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        db.set_monospace_family("DejaVu Sans");
        Arc::new(db)
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

/// A fresh temporary path beside `target`, hidden.
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

/// Renders `figure` once per distinct format of `opts` and returns the written paths, in
/// the order the formats were first given.
pub(crate) fn render<F: Figure>(
    stem: &Path,
    opts: &PlotOptions,
    figure: &F,
) -> Result<Vec<PathBuf>, PlotError> {
    let fail = |message: String| PlotError::Draw {
        path: stem.to_path_buf(),
        message,
    };
    opts.check().map_err(|m| PlotError::BadOutput {
        path: stem.to_path_buf(),
        message: m,
    })?;
    ensure_fonts().map_err(fail)?;
    let mut written = Vec::new();
    let mut seen = Vec::new();
    for &format in &opts.formats {
        if seen.contains(&format) {
            continue;
        }
        seen.push(format);
        let target = output_path(stem, format)?;
        let bytes = match format {
            Format::Svg => svg_bytes(&target, opts, figure)?,
            Format::Png => png_bytes(&target, opts, figure)?,
            Format::Pdf => pdf_bytes(&target, opts, figure)?,
        };
        write_whole(&target, format, &bytes)?;
        written.push(target);
    }
    Ok(written)
}

/// Writes `bytes` to a temporary file beside `target` and renames it into place.
fn write_whole(target: &Path, format: Format, bytes: &[u8]) -> Result<(), PlotError> {
    let tmp = temp_path(target, format);
    let result = std::fs::write(&tmp, bytes)
        .map_err(|source| PlotError::Io {
            path: tmp.clone(),
            source,
        })
        .and_then(|()| {
            std::fs::rename(&tmp, target).map_err(|source| PlotError::Io {
                path: target.to_path_buf(),
                source,
            })
        });
    if result.is_err() {
        // The temporary file may or may not exist; either way it must not stay.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn ctx(opts: &PlotOptions, raster: bool) -> Ctx {
    Ctx {
        raster,
        u: opts.font_scale,
    }
}

/// The figure as SVG text.
fn svg_text<F: Figure>(target: &Path, opts: &PlotOptions, figure: &F) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (opts.width, opts.height)).into_drawing_area();
        draw_and_present(target, &root, figure, ctx(opts, false))?;
    }
    Ok(svg)
}

fn svg_bytes<F: Figure>(
    target: &Path,
    opts: &PlotOptions,
    figure: &F,
) -> Result<Vec<u8>, PlotError> {
    svg_text(target, opts, figure).map(String::into_bytes)
}

/// The figure as a PNG: RGB pixels from the bitmap backend, encoded with the resolution.
fn png_bytes<F: Figure>(
    target: &Path,
    opts: &PlotOptions,
    figure: &F,
) -> Result<Vec<u8>, PlotError> {
    let (w, h) = (opts.width, opts.height);
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        draw_and_present(target, &root, figure, ctx(opts, true))?;
    }
    let fail = |e: png::EncodingError| PlotError::Draw {
        path: target.to_path_buf(),
        message: format!("PNG encoding failed: {e}"),
    };
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let per_metre = (f64::from(opts.dpi) / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = enc.write_header().map_err(fail)?;
        writer.write_image_data(&pixels).map_err(fail)?;
        writer.finish().map_err(fail)?;
    }
    Ok(out)
}

/// The figure as a PDF: its SVG converted by `svg2pdf`.
fn pdf_bytes<F: Figure>(
    target: &Path,
    opts: &PlotOptions,
    figure: &F,
) -> Result<Vec<u8>, PlotError> {
    let svg = svg_text(target, opts, figure)?;
    let fail = |message: String| PlotError::Draw {
        path: target.to_path_buf(),
        message,
    };
    let mut parse = usvg::Options {
        font_family: "DejaVu Sans".to_owned(),
        ..usvg::Options::default()
    };
    parse.fontdb = pdf_fonts();
    let tree = usvg::Tree::from_str(&svg, &parse).map_err(|e| fail(format!("SVG for PDF: {e}")))?;
    let page = svg2pdf::PageOptions {
        dpi: opts.dpi as f32,
    };
    svg2pdf::to_pdf(&tree, svg2pdf::ConversionOptions::default(), page)
        .map_err(|e| fail(format!("PDF conversion: {e:?}")))
}

fn draw_and_present<DB: DrawingBackend, F: Figure>(
    target: &Path,
    root: &DrawingArea<DB, Shift>,
    figure: &F,
    ctx: Ctx,
) -> Result<(), PlotError> {
    let fail = |DrawFail(message)| PlotError::Draw {
        path: target.to_path_buf(),
        message,
    };
    figure.draw(root, ctx).map_err(fail)?;
    root.present().map_err(|e| fail(DrawFail::from(e)))
}
