//! The link part of the schema: duplex links, per-direction overrides, queues, framing and
//! loss processes.

use crate::units::{Bytes, Percent, Rate, Time};
use serde::{Deserialize, Serialize};

/// A duplex link: two one-way links, `a -> b` (forward) and `b -> a` (reverse).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Link")]
pub struct LinkSpec {
    /// Unique link name; the directions appear in outputs as `name` and `name.rev`.
    pub name: String,
    /// One end: `"host.iface"`, `"host"` (its only interface) or a router name.
    pub a: String,
    /// The other end, same forms as `a`.
    pub b: String,
    /// Fixed capacity, e.g. `"50Mbps"`. Exactly one of `rate` and `trace` is given.
    #[serde(default)]
    pub rate: Option<Rate>,
    /// Mahimahi trace file for trace-driven capacity, relative to the scenario file.
    #[serde(default)]
    pub trace: Option<String>,
    /// One-way propagation delay.
    pub delay: Time,
    /// Delay variation: each packet's delay grows by a uniform random `0..=jitter`, without
    /// reordering (breaks the phase effects of a perfectly regular drop-tail network).
    #[serde(default)]
    pub jitter: Time,
    /// Drop-tail queue limit at the sending end of each direction.
    #[serde(default)]
    pub queue: QueueSpec,
    /// Random loss on the link.
    #[serde(default)]
    pub loss: LossSpec,
    /// Link-layer framing counted in each packet's serialization, both directions (left
    /// out of written scenarios when `None`).
    #[serde(default, skip_serializing_if = "FramingSpec::is_none")]
    pub framing: FramingSpec,
    /// Overrides for the reverse (`b -> a`) direction; unset fields copy the forward ones
    /// (a trace file is not copied: set `trace` here too for a traced reverse direction).
    #[serde(default)]
    pub reverse: Option<DirectionSpec>,
}

/// Per-direction overrides of a link.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Direction")]
pub struct DirectionSpec {
    /// Fixed capacity of this direction.
    #[serde(default)]
    pub rate: Option<Rate>,
    /// Trace file for this direction.
    #[serde(default)]
    pub trace: Option<String>,
    /// One-way delay of this direction.
    #[serde(default)]
    pub delay: Option<Time>,
    /// Delay variation of this direction.
    #[serde(default)]
    pub jitter: Option<Time>,
    /// Queue of this direction.
    #[serde(default)]
    pub queue: Option<QueueSpec>,
    /// Loss of this direction.
    #[serde(default)]
    pub loss: Option<LossSpec>,
}

/// A drop-tail queue limit.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
pub enum QueueSpec {
    /// At most this many packets (including the one being transmitted).
    Packets(u32),
    /// At most this many bytes.
    Bytes(Bytes),
    /// One bandwidth-delay product of this direction's rate times the given round-trip time,
    /// in bytes (at least one 1500-byte packet).
    Bdp(Time),
}

impl Default for QueueSpec {
    fn default() -> Self {
        QueueSpec::Packets(100)
    }
}

/// Link-layer framing: bytes a link serializes around each IP packet, so that goodput over a
/// link of line rate R matches a real interface of that rate. Queue limits and link counters
/// keep counting IP bytes.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum FramingSpec {
    /// None: the rate carries IP packets only (the default).
    #[default]
    None,
    /// Ethernet on the line: preamble + SFD (8), header (14), FCS (4) and inter-packet gap
    /// (12), 38 bytes per packet, payload padded to 46 bytes (IEEE 802.3).
    Ethernet,
    /// The Ethernet frame alone: header + FCS (18 bytes), payload padded to 46 bytes.
    EthernetFrame,
    /// This many bytes per packet, no padding.
    Bytes(u32),
}

impl FramingSpec {
    /// No framing (the default).
    pub fn is_none(&self) -> bool {
        *self == FramingSpec::None
    }
}

/// A random loss process.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq)]
pub enum LossSpec {
    /// No random loss.
    #[default]
    None,
    /// Each packet lost independently with this probability.
    Bernoulli(Percent),
    /// Two-state Markov (Gilbert–Elliott) loss.
    GilbertElliott {
        /// Per-packet probability of moving from the good to the bad state.
        p_good_to_bad: Percent,
        /// Per-packet probability of moving from the bad to the good state.
        p_bad_to_good: Percent,
        /// Loss probability in the good state.
        #[serde(default)]
        loss_good: Percent,
        /// Loss probability in the bad state.
        loss_bad: Percent,
    },
}
