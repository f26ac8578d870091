//! How figures are written: [`Format`]s, canvas size, font scale and resolution
//! ([`PlotOptions`]), with the screen and paper presets and parsers for command-line values.
//!
//! Sizes are in pixels; `dpi` gives them a physical size (the PNG's `pHYs` chunk and the PDF
//! page size: `width / dpi` inches). Every length in a figure (fonts, margins, line widths,
//! markers) is proportional to `font_scale`, so a figure drawn at twice the size and twice the
//! font scale looks the same, only sharper.

/// The output formats a figure can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Portable Network Graphics raster image (`.png`).
    Png,
    /// Scalable Vector Graphics (`.svg`).
    Svg,
    /// Portable Document Format (`.pdf`): the SVG drawing converted by `svg2pdf`, text
    /// embedded in the bundled DejaVu Sans.
    Pdf,
}

impl Format {
    /// The file extension for this format, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        }
    }

    /// Parses a format name (`png`, `svg`, `pdf`; any case).
    pub fn parse(name: &str) -> Result<Format, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            "pdf" => Ok(Format::Pdf),
            other => Err(format!("unknown format `{other}` (png, svg, pdf)")),
        }
    }

    /// Parses a comma-separated list such as `png,svg,pdf`.
    pub fn parse_list(names: &str) -> Result<Vec<Format>, String> {
        names.split(',').map(Format::parse).collect()
    }
}

/// The size, look and formats of the figures a call writes.
#[derive(Clone, Debug, PartialEq)]
pub struct PlotOptions {
    /// Formats to write, each once, in this order.
    pub formats: Vec<Format>,
    /// Canvas width in pixels.
    pub width: u32,
    /// Canvas height in pixels.
    pub height: u32,
    /// Multiplies every font size, margin, line width and marker (1.0 = the screen look).
    pub font_scale: f64,
    /// Pixels per inch: the physical size written into PNG and PDF files.
    pub dpi: u32,
}

/// Smallest and largest canvas side accepted, in pixels.
pub const SIZE_LIMITS: (u32, u32) = (200, 10_000);
/// Smallest and largest font scale accepted.
pub const FONT_SCALE_LIMITS: (f64, f64) = (0.25, 8.0);

impl Default for PlotOptions {
    /// The screen look: 1200 × 700 pixels at 100 dpi, PNG and SVG.
    fn default() -> Self {
        PlotOptions {
            formats: vec![Format::Png, Format::Svg],
            width: 1200,
            height: 700,
            font_scale: 1.0,
            dpi: 100,
        }
    }
}

impl PlotOptions {
    /// The paper preset: a single-column figure 3.5 × 2.5 inches at 300 dpi (1050 × 750
    /// pixels), text about 8 pt (font scale 2.1), PNG and PDF.
    pub fn paper() -> Self {
        PlotOptions {
            formats: vec![Format::Png, Format::Pdf],
            width: 1050,
            height: 750,
            font_scale: 2.1,
            dpi: 300,
        }
    }

    /// The preset named `name`: `screen` (the default) or `paper`.
    pub fn preset(name: &str) -> Result<PlotOptions, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "screen" | "default" => Ok(PlotOptions::default()),
            "paper" => Ok(PlotOptions::paper()),
            other => Err(format!("unknown preset `{other}` (screen, paper)")),
        }
    }

    /// These options with `formats` instead.
    pub fn with_formats(mut self, formats: &[Format]) -> Self {
        self.formats = formats.to_vec();
        self
    }

    /// Parses a canvas size `WxH` in pixels, e.g. `1200x700`.
    pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
        let bad = || format!("size `{text}`: expected WxH in pixels, e.g. 1200x700");
        let (w, h) = text.trim().split_once(['x', 'X', '×']).ok_or_else(bad)?;
        let w: u32 = w.trim().parse().map_err(|_| bad())?;
        let h: u32 = h.trim().parse().map_err(|_| bad())?;
        check_size(w, h)?;
        Ok((w, h))
    }

    /// Checks every field: sides within [`SIZE_LIMITS`], font scale within
    /// [`FONT_SCALE_LIMITS`], dpi in 10..=2400.
    pub fn check(&self) -> Result<(), String> {
        check_size(self.width, self.height)?;
        let (lo, hi) = FONT_SCALE_LIMITS;
        if !(lo..=hi).contains(&self.font_scale) {
            return Err(format!(
                "font scale {} is outside {lo}..={hi}",
                self.font_scale
            ));
        }
        if !(10..=2400).contains(&self.dpi) {
            return Err(format!("dpi {} is outside 10..=2400", self.dpi));
        }
        Ok(())
    }
}

fn check_size(w: u32, h: u32) -> Result<(), String> {
    let (lo, hi) = SIZE_LIMITS;
    if (lo..=hi).contains(&w) && (lo..=hi).contains(&h) {
        Ok(())
    } else {
        Err(format!(
            "figure size {w}x{h}: each side must be {lo} to {hi} pixels"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_formats_and_presets() {
        assert_eq!(PlotOptions::parse_size("800x600"), Ok((800, 600)));
        assert!(PlotOptions::parse_size("800").is_err());
        assert!(PlotOptions::parse_size("10x600")
            .unwrap_err()
            .contains("200 to"));
        assert_eq!(
            Format::parse_list("png,SVG,pdf"),
            Ok(vec![Format::Png, Format::Svg, Format::Pdf])
        );
        assert!(Format::parse("gif").unwrap_err().contains("png, svg, pdf"));
        let paper = PlotOptions::preset("paper").unwrap();
        assert_eq!((paper.width, paper.dpi), (1050, 300));
        assert_eq!(f64::from(paper.width) / f64::from(paper.dpi), 3.5);
        assert!(PlotOptions::preset("poster").is_err());
        assert!(PlotOptions {
            font_scale: 20.0,
            ..PlotOptions::default()
        }
        .check()
        .is_err());
    }
}
