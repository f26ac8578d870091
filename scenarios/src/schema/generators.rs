//! The generator part of the schema: a generated topology (fat tree, leaf-spine) and
//! traffic matrices, which [`crate::generate`] expands into hosts, links and flows.

use crate::schema::link::{FramingSpec, QueueSpec};
use crate::schema::transport::TransportSpec;
use crate::units::{Bytes, Rate, Time};
use serde::{Deserialize, Serialize};
use sim_core::{Bandwidth, Duration};

/// A generated topology.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub enum TopologySpec {
    /// A k-ary fat tree (k even, 2..=64): `k^3/4` hosts.
    FatTree {
        /// Ports per switch.
        k: u32,
        /// Every link (host-edge, edge-aggregation, aggregation-core).
        #[serde(default)]
        link: FabricLink,
    },
    /// A two-tier leaf-spine fabric: every leaf joined to every spine.
    LeafSpine {
        /// Leaf (top-of-rack) switches, 1..=65536.
        leaves: u32,
        /// Spine switches, at least 1.
        spines: u32,
        /// Hosts under each leaf, 1..=253.
        hosts_per_leaf: u32,
        /// Host-leaf links.
        #[serde(default)]
        host_link: FabricLink,
        /// Leaf-spine links (a lower total than the hosts' is oversubscription).
        #[serde(default)]
        fabric_link: FabricLink,
    },
}

/// Settings of generated links (both directions).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default, rename = "Fabric")]
pub struct FabricLink {
    /// Capacity (default 100 Mbit/s).
    pub rate: Rate,
    /// One-way propagation delay (default 10 us).
    pub delay: Time,
    /// Drop-tail queue at each sending end (default 100 packets).
    pub queue: QueueSpec,
    /// Delay variation (default none).
    pub jitter: Time,
    /// Link-layer framing (default none).
    pub framing: FramingSpec,
}

impl Default for FabricLink {
    fn default() -> Self {
        FabricLink {
            rate: Rate(Bandwidth::from_mbps(100)),
            delay: Time(Duration::from_micros(10)),
            queue: QueueSpec::Packets(100),
            jitter: Time(Duration::ZERO),
            framing: FramingSpec::None,
        }
    }
}

/// A traffic matrix with its transport and flow sizes.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename = "Traffic")]
pub struct TrafficSpec {
    /// Who sends to whom.
    pub matrix: Matrix,
    /// Transport of every flow (default: TCP with Linux defaults).
    #[serde(default)]
    pub transport: TransportSpec,
    /// Bytes each flow sends.
    #[serde(default)]
    pub size: SizeSpec,
    /// When every flow starts.
    #[serde(default)]
    pub start: Time,
}

/// Who sends to whom among the scenario's `n` hosts.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum Matrix {
    /// Every host sends to exactly one other host and receives from exactly one: a uniformly
    /// random derangement (a permutation without fixed points). `n` flows.
    Permutation,
    /// Every host sends to a uniformly random other host (several may pick the same). `n` flows.
    Random,
    /// Every host sends to every other host. `n(n-1)` flows.
    AllToAll,
    /// This many hosts, drawn at random, send to the first host at once (partition/aggregate).
    Incast(u32),
}

/// Distribution of flow sizes.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq)]
pub enum SizeSpec {
    /// Flows send until the end of the run.
    #[default]
    Unlimited,
    /// Every flow sends this much.
    Fixed(Bytes),
    /// Uniform on `min..=max` bytes.
    Uniform {
        /// Smallest size.
        min: Bytes,
        /// Largest size.
        max: Bytes,
    },
    /// Exponential with this mean (rounded to whole bytes, at least 1).
    Exponential {
        /// Mean size.
        mean: Bytes,
    },
    /// Pareto with this mean and shape `alpha > 1` (scale `mean (alpha-1)/alpha`): heavy
    /// tailed, as datacenter flow sizes are.
    Pareto {
        /// Mean size.
        mean: Bytes,
        /// Tail index.
        shape: f64,
    },
}
