//! The RON scenario schema: what a scenario file may say, with its defaults.
//!
//! Every struct denies unknown fields, so a misspelt field is an error with its line and
//! column rather than a silently ignored setting. Quantities carry their units in the value
//! (`"50Mbps"`, `"10ms"`, `"1%"`, `"64KB"`; see [`crate::units`]). Names given here are
//! resolved and checked by [`crate::validate`]. The README's scenario reference documents
//! each field; keep the two in step.

use crate::units::{Bytes, Rate, Time};
use serde::{Deserialize, Serialize};

pub mod generators;
pub mod link;
pub mod output;
pub mod transport;

pub use generators::*;
pub use link::*;
pub use output::*;
pub use transport::*;

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name used in outputs (defaults to the file stem).
    #[serde(default)]
    pub name: Option<String>,
    /// Free text describing the experiment.
    #[serde(default)]
    pub description: Option<String>,
    /// Simulated length of the run.
    pub duration: Time,
    /// Master seed of every random stream in the run (overridden by `mpsim run --seed`).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// End hosts and their interfaces (may be empty with a `topology`).
    #[serde(default)]
    pub hosts: Vec<HostSpec>,
    /// Router names (routers only forward).
    #[serde(default)]
    pub routers: Vec<String>,
    /// Duplex links between hosts' interfaces and routers.
    #[serde(default)]
    pub links: Vec<LinkSpec>,
    /// A generated topology (fat tree, leaf-spine) added to the hosts, routers and links above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<TopologySpec>,
    /// Equal-cost multipath at routers: each flow's 5-tuple hash picks among least-cost next
    /// hops. Default: on with a `topology`, off otherwise (ties go to the lowest link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecmp: Option<bool>,
    /// Explicit routes; address pairs without one follow the shortest path (least delay).
    #[serde(default)]
    pub routes: Vec<RouteSpec>,
    /// Transport flows (may be empty with `traffic`).
    #[serde(default)]
    pub flows: Vec<FlowSpec>,
    /// Generated traffic matrices, added to the flows above.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traffic: Vec<TrafficSpec>,
    /// Timed changes to links.
    #[serde(default)]
    pub events: Vec<EventSpec>,
    /// Middleboxes on links or at routers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub middleboxes: Vec<crate::middlebox::MiddleboxSpec>,
    /// What the run writes.
    #[serde(default)]
    pub output: OutputSpec,
}

fn default_seed() -> u64 {
    1
}

/// An end host.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Host")]
pub struct HostSpec {
    /// Unique name among hosts and routers.
    pub name: String,
    /// The host's interfaces (at least one).
    pub interfaces: Vec<InterfaceSpec>,
}

/// A host interface with one IPv4 address.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Interface")]
pub struct InterfaceSpec {
    /// Name, unique within the host (`"eth0"`, `"wifi"`, `"lte"`); referred to as `host.name`.
    pub name: String,
    /// Dotted-quad address, unique in the scenario.
    pub addr: String,
}

/// An explicit route between two interfaces.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Route")]
pub struct RouteSpec {
    /// Source interface, `"host.iface"` or `"host"`.
    pub from: String,
    /// Destination interface.
    pub to: String,
    /// Link names in order from `from` to `to`; each link's direction is inferred.
    pub via: Vec<String>,
    /// Also install the reversed route for `to -> from` (default true).
    #[serde(default = "yes")]
    pub symmetric: bool,
}

fn yes() -> bool {
    true
}

/// A transport flow from a sender to a receiver.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Flow")]
pub struct FlowSpec {
    /// Unique flow name.
    pub name: String,
    /// Data sender: `"host.iface"` or `"host"`. For MPTCP, a multi-homed host may be named
    /// alone (every interface takes part; the first opens the connection) or as `host.iface`
    /// (that interface opens it).
    pub from: String,
    /// Data receiver, same forms as `from`.
    pub to: String,
    /// When the connection is opened.
    #[serde(default)]
    pub start: Time,
    /// Which end opens the connection (`Receiver` for a download).
    #[serde(default)]
    pub opener: Opener,
    /// Transport protocol and its settings.
    #[serde(default)]
    pub transport: TransportSpec,
    /// What the sending application does.
    #[serde(default)]
    pub app: AppSpec,
    /// MPTCP: the data sender's application aborts the connection at this time
    /// (MP_FASTCLOSE, RFC 8684 §3.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_at: Option<Time>,
    /// MPTCP: the name of a `LoadBalancer` middlebox the opening end connects through (to
    /// its virtual address); the listening end must be one of its backends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The sending application.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub enum AppSpec {
    /// Sends as fast as the transport allows: `bytes` in all, or without end when unset.
    Bulk {
        /// Total bytes to send; unset = unlimited.
        #[serde(default)]
        bytes: Option<Bytes>,
    },
    /// MPTCP only: a constant bit rate in frames (`rate × frame` bytes every `frame`, e.g. a
    /// video), optionally on-off (frames during `on`, then silence for `off`). The summary's
    /// `fct_ms` is the per-frame delay (write to complete delivery).
    ConstantBitRate {
        /// Application rate while on.
        rate: Rate,
        /// Frame interval (default 40 ms: 25 frames/s).
        #[serde(default = "default_frame")]
        frame: Time,
        /// On-phase length (with `off`).
        #[serde(default)]
        on: Option<Time>,
        /// Off-phase length; unset = always on.
        #[serde(default)]
        off: Option<Time>,
        /// Total bytes; unset = until the end of the run.
        #[serde(default)]
        bytes: Option<Bytes>,
    },
    /// MPTCP only: open-loop request/response — a response of `size` bytes every `every`
    /// (`count` in all), sent by the data sender. The summary's `fct_ms` gives each
    /// response's completion time (write at the sender to its last byte delivered).
    RequestResponse {
        /// Response size.
        size: Bytes,
        /// Time between requests.
        every: Time,
        /// Number of requests.
        count: u32,
    },
}

fn default_frame() -> Time {
    Time(sim_core::Duration::from_millis(40))
}

impl Default for AppSpec {
    fn default() -> Self {
        AppSpec::Bulk { bytes: None }
    }
}

/// A timed change to a link.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Event")]
pub struct EventSpec {
    /// When it happens (must be before the end of the run).
    pub at: Time,
    /// The link's name.
    pub link: String,
    /// Which direction(s) it applies to.
    #[serde(default)]
    pub direction: DirectionName,
    /// What changes.
    pub action: ActionSpec,
    /// `Down` only: whether the hosts at the link's ends notice (carrier lost; MPTCP then
    /// withdraws the address at once). `false` models a black hole the hosts find only by
    /// their own timeouts (default `true`; the `Up` that follows tells them nothing either).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub notify: bool,
}

fn is_true(v: &bool) -> bool {
    *v
}

/// Link directions an event applies to.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum DirectionName {
    /// Both directions.
    #[default]
    Both,
    /// `a -> b` only.
    Forward,
    /// `b -> a` only.
    Reverse,
}

/// What a link event does.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub enum ActionSpec {
    /// The link fails: its queue and packets on the wire are lost.
    Down,
    /// The link comes back.
    Up,
    /// New capacity.
    SetRate(Rate),
    /// New one-way delay.
    SetDelay(Time),
    /// New loss process.
    SetLoss(LossSpec),
    /// New queue limit.
    SetQueue(QueueSpec),
    /// Not a change of the link: the host interface(s) at its ends become backup paths
    /// (`true`) or regular ones (`false`) for MPTCP; the host tells its peers with MP_PRIO
    /// (RFC 8684 §3.3.8). `direction` is ignored.
    SetBackup(bool),
    /// Not a change of the link: the MPTCP endpoint on the host interface(s) at its ends is
    /// deleted (`ip mptcp endpoint delete`, as NetworkManager or mptcpd do): its subflows
    /// close and the peers get REMOVE_ADDR. `direction` is ignored.
    EndpointDelete,
    /// Not a change of the link: an MPTCP endpoint is added on the host interface(s) at its
    /// ends with these flags (`ip mptcp endpoint add`). `direction` is ignored.
    EndpointAdd(EndpointFlagsSpec),
}

/// The flags of an endpoint added by an event.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Flags")]
pub struct EndpointFlagsSpec {
    /// Announce it with ADD_ADDR (listening end).
    #[serde(default)]
    pub signal: bool,
    /// Open a subflow from it (opening end).
    #[serde(default)]
    pub subflow: bool,
    /// Its subflows are backups.
    #[serde(default)]
    pub backup: bool,
    /// Open subflows from it to every accepted peer address.
    #[serde(default)]
    pub fullmesh: bool,
}
