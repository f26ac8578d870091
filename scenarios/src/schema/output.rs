//! The output part of the schema: sampling, plots and their look, packet captures.

use crate::units::Time;
use serde::{Deserialize, Serialize};

/// Image formats for plots.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum FormatName {
    /// PNG raster images.
    Png,
    /// SVG vector images.
    Svg,
    /// PDF vector documents (the SVG converted, text embedded).
    Pdf,
}

/// A figure preset: the canvas size, resolution and font scale figures start from.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum PresetName {
    /// 1200 × 700 pixels at 100 dpi.
    #[default]
    Screen,
    /// A single-column paper figure: 3.5 × 2.5 inches at 300 dpi, text about 8 pt.
    Paper,
}

/// A figure canvas size in pixels, written `"WxH"` (e.g. `"1200x700"`).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(try_from = "String", into = "String")]
pub struct FigureSize(pub u32, pub u32);

impl TryFrom<String> for FigureSize {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        plots::PlotOptions::parse_size(&s).map(|(w, h)| FigureSize(w, h))
    }
}

impl From<FigureSize> for String {
    fn from(s: FigureSize) -> String {
        format!("{}x{}", s.0, s.1)
    }
}

/// A font scale (1.0 = the preset's text size), checked against the plots crate's limits.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[serde(try_from = "f64", into = "f64")]
pub struct FontScale(pub f64);

impl TryFrom<f64> for FontScale {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        let (lo, hi) = plots::FONT_SCALE_LIMITS;
        if (lo..=hi).contains(&v) {
            Ok(FontScale(v))
        } else {
            Err(format!("font scale {v} is outside {lo}..={hi}"))
        }
    }
}

impl From<FontScale> for f64 {
    fn from(s: FontScale) -> f64 {
        s.0
    }
}

/// How figures look: a preset, optionally with its size or font scale replaced.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
#[serde(rename = "Figure")]
pub struct FigureSpec {
    /// The starting point.
    pub preset: PresetName,
    /// Canvas size replacing the preset's.
    pub size: Option<FigureSize>,
    /// Font scale replacing the preset's.
    pub font_scale: Option<FontScale>,
}

impl FigureSpec {
    /// True for the default (screen, nothing replaced): then it is not written out.
    pub fn is_default(&self) -> bool {
        *self == FigureSpec::default()
    }
}

/// Output options.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
#[serde(rename = "Output")]
pub struct OutputSpec {
    /// Interval between time-series samples.
    pub sample_interval: Time,
    /// Write `timeseries.csv`.
    pub timeseries: bool,
    /// Draw plots after the run.
    pub plots: bool,
    /// Plot formats.
    pub formats: Vec<FormatName>,
    /// Figure size and look (`Figure(preset: Paper)`, `Figure(size: "1600x900",
    /// font_scale: 1.5)`); default: the screen look.
    #[serde(skip_serializing_if = "FigureSpec::is_default")]
    pub figure: FigureSpec,
    /// Packet captures of host interfaces (`pcap: Capture(interfaces: All)`); none when
    /// left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pcap: Option<CaptureSpec>,
}

/// Which host interfaces a capture records.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum CaptureInterfaces {
    /// Every interface of every host.
    #[default]
    All,
    /// These interfaces (`"host.iface"`, or `"host"` for a host's only interface).
    Only(Vec<String>),
}

/// The container a capture is written in.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum CaptureFormat {
    /// pcapng, the interface named in its description block (`<host>.<iface>.pcapng`).
    #[default]
    Pcapng,
    /// Classic pcap with nanosecond time stamps (`<host>.<iface>.pcap`).
    Pcap,
}

/// The link layer a capture's packets are framed in.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum CaptureLink {
    /// Ethernet II frames (`LINKTYPE_ETHERNET`), locally administered MAC addresses
    /// `02:00:<IPv4 address>` of the packet's source and destination.
    #[default]
    Ethernet,
    /// Bare IPv4 packets (`LINKTYPE_RAW`).
    RawIp,
}

/// A packet capture: one file per captured host interface in the results directory's
/// `pcap/` folder, every packet the host sends or receives there as real octets
/// (`mptcp_model::wire::packet`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default, rename = "Capture")]
pub struct CaptureSpec {
    /// The interfaces.
    pub interfaces: CaptureInterfaces,
    /// The file format.
    pub format: CaptureFormat,
    /// The framing.
    pub link: CaptureLink,
    /// Bytes kept of each frame (the rest is cut, its length kept), 1..=262144.
    pub snaplen: u32,
}

impl Default for CaptureSpec {
    fn default() -> Self {
        CaptureSpec {
            interfaces: CaptureInterfaces::All,
            format: CaptureFormat::Pcapng,
            link: CaptureLink::Ethernet,
            snaplen: 262_144,
        }
    }
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            sample_interval: Time(sim_core::Duration::from_millis(100)),
            timeseries: true,
            plots: true,
            formats: vec![FormatName::Png, FormatName::Svg],
            figure: FigureSpec::default(),
            pcap: None,
        }
    }
}
