//! The figure options shared by `mpsim run`, `plot`, `report` and `compare`: `--formats`,
//! `--preset`, `--size`, `--font-scale`, applied over a base (the scenario's `output:` or
//! the screen look).

use std::process::ExitCode;

/// Figure options on the command line; each replaces the base's value when given.
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct FigureArgs {
    /// Figure formats, comma-separated: png, svg, pdf.
    #[arg(long, value_delimiter = ',')]
    formats: Option<Vec<String>>,
    /// Figure preset: screen (1200x700 px, 100 dpi; PNG and SVG) or paper (single column,
    /// 3.5 x 2.5 in at 300 dpi, text about 8 pt; PNG and PDF).
    #[arg(long)]
    preset: Option<String>,
    /// Canvas size in pixels, WxH (e.g. 1600x900).
    #[arg(long)]
    size: Option<String>,
    /// Multiplies every font size, line width and marker (e.g. 1.5).
    #[arg(long)]
    font_scale: Option<f64>,
}

impl FigureArgs {
    /// True when no figure option was given.
    pub(crate) fn is_empty(&self) -> bool {
        self.formats.is_none()
            && self.preset.is_none()
            && self.size.is_none()
            && self.font_scale.is_none()
    }

    /// `base` with the given options applied: the preset first, then formats, size and
    /// font scale. A bad value is reported and gives exit code 2.
    pub(crate) fn apply(&self, base: plots::PlotOptions) -> Result<plots::PlotOptions, ExitCode> {
        let bad = |flag: &str, msg: String| {
            eprintln!("error: {flag}: {msg}");
            ExitCode::from(2)
        };
        let mut o = match &self.preset {
            Some(p) => plots::PlotOptions::preset(p).map_err(|m| bad("--preset", m))?,
            None => base,
        };
        if let Some(names) = &self.formats {
            let fs: Result<Vec<plots::Format>, String> =
                names.iter().map(|n| plots::Format::parse(n)).collect();
            o.formats = fs.map_err(|m| bad("--formats", m))?;
        }
        if let Some(size) = &self.size {
            (o.width, o.height) =
                plots::PlotOptions::parse_size(size).map_err(|m| bad("--size", m))?;
        }
        if let Some(scale) = self.font_scale {
            o.font_scale = scale;
        }
        o.check().map_err(|m| bad("figure options", m))?;
        Ok(o)
    }
}
