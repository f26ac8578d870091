//! The RON scenario schema: what a scenario file may say, with its defaults.
//!
//! Every struct denies unknown fields, so a misspelt field is an error with its line and
//! column rather than a silently ignored setting. Quantities carry their units in the value
//! (`"50Mbps"`, `"10ms"`, `"1%"`, `"64KB"`; see [`crate::units`]). Names given here are
//! resolved and checked by [`crate::validate`]. The README's scenario reference documents
//! each field; keep the two in step.

use crate::units::{Bytes, Percent, Rate, Time};
use serde::{Deserialize, Serialize};

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
    pub topology: Option<crate::generate::TopologySpec>,
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
    pub traffic: Vec<crate::generate::TrafficSpec>,
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

/// Transport protocol of a flow.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub enum TransportSpec {
    /// Single-path TCP.
    Tcp(TcpSpec),
    /// Multipath TCP (RFC 8684).
    Mptcp(MptcpSpec),
}

/// Which end of a flow opens the connection.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum Opener {
    /// The data sender connects (an upload from the client's point of view).
    #[default]
    Sender,
    /// The data receiver connects (a download: a phone fetching from a server).
    Receiver,
}

/// Coupled congestion control of an MPTCP connection.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum MptcpCcName {
    /// RFC 6356 Linked Increases (LIA).
    #[default]
    Lia,
    /// Each subflow its own Reno (not fair to single-path TCP at a shared bottleneck).
    Uncoupled,
    /// Each subflow its own CUBIC.
    UncoupledCubic,
    /// OLIA (Khalili et al., CoNEXT'12), arithmetic per `cc_mode`.
    Olia,
    /// BALIA (Peng et al., ToN 2016), arithmetic per `cc_mode`.
    Balia,
    /// Weighted Vegas (Cao et al., ICNP'12), delay based (Linux arithmetic; `cc_mode` unused).
    WVegas,
}

/// Arithmetic of LIA, OLIA and BALIA.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum CcModeName {
    /// The RFC / paper formula, real-valued per acknowledged byte (byte counting). The
    /// default, so that existing `cc: Lia` scenarios keep their results.
    #[default]
    Paper,
    /// The Linux out-of-tree MPTCP kernel's fixed-point form (ACK counting, segments).
    Linux,
}

/// Packet scheduler of an MPTCP connection.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum SchedulerName {
    /// Lowest smoothed RTT with congestion-window space (Linux out-of-tree default).
    #[default]
    MinRtt,
    /// One segment per subflow in turn, filling every window (`mptcp_rr.c`).
    RoundRobin,
    /// Every segment on every usable subflow (`mptcp_redundant.c`).
    Redundant,
    /// BLEST (Ferlin et al., IFIP Networking 2016): skip a slow subflow when the fast
    /// one's window opens before the slow one's segment would leave the receive buffer.
    Blest,
    /// ECF (Lim et al., CoNEXT 2017): wait for the fast subflow when it would finish first.
    Ecf,
    /// The upstream Linux default (lowest linger time, 64 kB bursts).
    Upstream,
}

impl SchedulerName {
    /// Every scheduler, in a stable order (e.g. the rows of a comparison).
    pub const ALL: [SchedulerName; 6] = [
        SchedulerName::MinRtt,
        SchedulerName::RoundRobin,
        SchedulerName::Redundant,
        SchedulerName::Blest,
        SchedulerName::Ecf,
        SchedulerName::Upstream,
    ];

    /// The command-line name: `minrtt`, `roundrobin`, `redundant`, `blest`, `ecf`,
    /// `upstream` (the RON name is the variant name).
    pub fn cli_name(self) -> &'static str {
        match self {
            SchedulerName::MinRtt => "minrtt",
            SchedulerName::RoundRobin => "roundrobin",
            SchedulerName::Redundant => "redundant",
            SchedulerName::Blest => "blest",
            SchedulerName::Ecf => "ecf",
            SchedulerName::Upstream => "upstream",
        }
    }
}

impl std::str::FromStr for SchedulerName {
    type Err = String;

    /// A [`SchedulerName::cli_name`] or RON variant name, case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let l = s.to_ascii_lowercase().replace(['-', '_'], "");
        SchedulerName::ALL
            .into_iter()
            .find(|n| n.cli_name() == l)
            .ok_or_else(|| {
                let names: Vec<_> = SchedulerName::ALL.iter().map(|n| n.cli_name()).collect();
                format!("unknown scheduler `{s}` (one of {})", names.join(", "))
            })
    }
}

impl std::fmt::Display for SchedulerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.cli_name())
    }
}

/// A ready-made service mode: a combination of path manager, scheduler and backup rules.
/// It overrides `scheduler` and adds its backups to `backup`. "Cellular" is every
/// interface of the opening host but the one the connection is opened on ("Wi-Fi").
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
pub enum ServiceMode {
    /// Apple handover: Wi-Fi carries everything; cellular subflows are backups, used when
    /// Wi-Fi fails or is degraded (smoothed RTT above `degraded_rtt`, default 150 ms, or
    /// lifetime retransmission rate above `degraded_loss`, default 5 %). minRTT.
    Handover {
        /// RTT above which Wi-Fi counts as degraded.
        #[serde(default = "default_handover_rtt")]
        degraded_rtt: Time,
        /// Retransmission rate above which Wi-Fi counts as degraded.
        #[serde(default = "default_degraded_loss")]
        degraded_loss: Percent,
    },
    /// Apple interactive: as handover with a latency-sensitive threshold (default 50 ms):
    /// cellular joins as soon as Wi-Fi's RTT exceeds it. minRTT.
    Interactive {
        /// RTT above which Wi-Fi counts as degraded.
        #[serde(default = "default_interactive_rtt")]
        degraded_rtt: Time,
        /// Retransmission rate above which Wi-Fi counts as degraded.
        #[serde(default = "default_degraded_loss")]
        degraded_loss: Percent,
    },
    /// Apple aggregate: every path at once, minRTT.
    Aggregate,
    /// ATSSS active-standby: cellular is a standby (backup) used only when Wi-Fi fails.
    ActiveStandby,
    /// ATSSS smallest delay: only the access with the smallest RTT, no overflow.
    SmallestDelay,
    /// ATSSS load-balancing: a fixed share of the bytes on the first access.
    LoadBalancing {
        /// Percent of the bytes on the interface the connection was opened on.
        #[serde(default = "default_split")]
        first_percent: u8,
    },
    /// ATSSS priority-based: the first access while its window has room, overflow to the
    /// lower-priority access when it is full.
    PriorityBased,
}

fn default_handover_rtt() -> Time {
    Time(sim_core::Duration::from_millis(150))
}

fn default_interactive_rtt() -> Time {
    Time(sim_core::Duration::from_millis(50))
}

fn default_degraded_loss() -> Percent {
    Percent::from_units(5 * Percent::PER_PERCENT)
}

fn default_split() -> u8 {
    50
}

impl ServiceMode {
    /// Cellular (every interface but the opening one) is a backup in this mode.
    pub fn cellular_backup(&self) -> bool {
        matches!(
            self,
            ServiceMode::Handover { .. }
                | ServiceMode::Interactive { .. }
                | ServiceMode::ActiveStandby
        )
    }
}

/// An endpoint of the in-kernel path manager (`ip mptcp endpoint add ADDR FLAGS`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Endpoint")]
pub struct EndpointSpec {
    /// The interface, `"host.iface"` (of either end of the flow).
    pub iface: String,
    /// Announce it to the peer with ADD_ADDR (on the listening end).
    #[serde(default)]
    pub signal: bool,
    /// Open a subflow from it to the peer (on the opening end).
    #[serde(default)]
    pub subflow: bool,
    /// Its subflows are backups.
    #[serde(default)]
    pub backup: bool,
    /// Open subflows from it to every accepted peer address.
    #[serde(default)]
    pub fullmesh: bool,
}

/// Path manager of an MPTCP connection.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub enum PathManagerSpec {
    /// A subflow per local x remote address pair, up to `max_subflows`.
    FullMesh {
        /// Most subflows at once.
        #[serde(default = "default_max_subflows")]
        max_subflows: u8,
    },
    /// `subflows` subflows in all over the initial address pair, from different source
    /// ports (out-of-tree `ndiffports`).
    NDiffPorts {
        /// Subflows in all, the initial one included.
        #[serde(default = "default_ndiffports")]
        subflows: u8,
    },
    /// The upstream Linux in-kernel path manager: endpoints with flags and limits. Only
    /// `signal` endpoints of the listening host are announced (ADD_ADDR).
    InKernel {
        /// `ip mptcp limits subflows` (default 2): subflows besides the initial one.
        #[serde(default = "default_inkernel_subflows")]
        subflows: u8,
        /// `ip mptcp limits add_addr_accepted` (default 0): announced peer addresses used.
        #[serde(default)]
        add_addr_accepted: u8,
        /// The endpoints.
        #[serde(default)]
        endpoints: Vec<EndpointSpec>,
    },
}

fn default_inkernel_subflows() -> u8 {
    2
}

fn default_ndiffports() -> u8 {
    2
}

fn default_max_subflows() -> u8 {
    8
}

impl Default for PathManagerSpec {
    fn default() -> Self {
        PathManagerSpec::FullMesh {
            max_subflows: default_max_subflows(),
        }
    }
}

/// Multipath TCP settings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MptcpSpec {
    /// Coupled congestion control.
    pub cc: MptcpCcName,
    /// Arithmetic of `Lia`, `Olia` and `Balia`: `Paper` (default) or `Linux`.
    pub cc_mode: CcModeName,
    /// Packet scheduler.
    pub scheduler: SchedulerName,
    /// Opportunistic retransmission and penalisation (Raiciu et al., NSDI 2012) with the
    /// schedulers the Linux out-of-tree kernel pairs them with (`MinRtt`, `Blest`; ignored
    /// with the others). Default off.
    pub opportunistic_retransmission: bool,
    /// A service mode (overrides `scheduler`, adds backups); `None`: the fields as given.
    pub mode: Option<ServiceMode>,
    /// Path manager.
    pub path_manager: PathManagerSpec,
    /// Interfaces (`"host.iface"`) whose subflows are backups (used only when no other works).
    pub backup: Vec<String>,
    /// Connection-level receive buffer shared by all subflows.
    pub rcv_buf: Bytes,
    /// Connection-level send buffer.
    pub snd_buf: Bytes,
    /// Consecutive retransmission timeouts after which a subflow is declared (potentially)
    /// failed and its data reinjected (1: the out-of-tree Linux `pf`; about 5 matches
    /// upstream Linux's `net.mptcp.stale_loss_cnt` = 4; 0: never). How a silent failure
    /// (`Down` with `notify: false`) is found.
    pub fail_after_rtos: u32,
    /// Carry the DSS checksum field (RFC 8684 §3.3.1).
    pub checksum: bool,
    /// The listener lets joins reach the address the connection was opened to (Linux
    /// `net.mptcp.allow_join_initial_addr_port`, default true). `false` sets the MP_CAPABLE
    /// `C` flag (RFC 8684 §3.1); behind a load balancer (`via`) the backend then announces
    /// its own address with ADD_ADDR, so joins bypass the balancer's hash.
    pub allow_join_initial_addr: bool,
    /// Settings of every subflow.
    pub subflow: SubflowSpec,
}

impl Default for MptcpSpec {
    fn default() -> Self {
        MptcpSpec {
            cc: MptcpCcName::Lia,
            cc_mode: CcModeName::Paper,
            scheduler: SchedulerName::MinRtt,
            opportunistic_retransmission: false,
            mode: None,
            path_manager: PathManagerSpec::default(),
            backup: Vec::new(),
            rcv_buf: Bytes(6 << 20),
            snd_buf: Bytes(4 << 20),
            fail_after_rtos: 1,
            checksum: false,
            allow_join_initial_addr: true,
            subflow: SubflowSpec::default(),
        }
    }
}

/// TCP settings of each MPTCP subflow (defaults as Linux).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
#[serde(rename = "Subflow")]
pub struct SubflowSpec {
    /// Maximum segment size announced.
    pub mss: u16,
    /// Selective acknowledgements.
    pub sack: bool,
    /// TCP timestamps.
    pub timestamps: bool,
    /// Delayed ACKs.
    pub delayed_ack: bool,
    /// Initial congestion window in segments.
    pub init_cwnd: u32,
    /// Minimum retransmission timeout.
    pub min_rto: Time,
    /// RTO estimator.
    pub rto: RtoName,
    /// Window during SACK-based fast recovery: `Prr` (Linux) or `Halve`.
    pub cwnd_reduction: CwndReductionName,
    /// RTO restarts on partial ACKs without SACK: `SlowButSteady` (Linux) or `Impatient`.
    pub newreno_timer: NewRenoTimerName,
    /// Loss detection with SACK: `RackTlp` (Linux) or `DupThresh`.
    pub loss_detection: LossDetectionName,
    /// Slow start of `UncoupledCubic` subflows: `HyStart` (Linux), `HyStartPlusPlus`,
    /// `Standard`.
    pub slow_start: SlowStartName,
    /// Initial ssthresh in segments; unset: unlimited (Linux).
    pub initial_ssthresh: Option<u32>,
}

impl Default for SubflowSpec {
    fn default() -> Self {
        let t = TcpSpec::default();
        SubflowSpec {
            mss: t.mss,
            sack: t.sack,
            timestamps: t.timestamps,
            delayed_ack: t.delayed_ack,
            init_cwnd: t.init_cwnd,
            min_rto: t.min_rto,
            rto: t.rto,
            cwnd_reduction: t.cwnd_reduction,
            newreno_timer: t.newreno_timer,
            loss_detection: t.loss_detection,
            slow_start: t.slow_start,
            initial_ssthresh: t.initial_ssthresh,
        }
    }
}

impl Default for TransportSpec {
    fn default() -> Self {
        TransportSpec::Tcp(TcpSpec::default())
    }
}

/// Congestion controller of a single-path TCP flow.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum CcName {
    /// RFC 5681 Reno.
    Reno,
    /// RFC 9438 CUBIC (Linux's default).
    #[default]
    Cubic,
}

/// TCP settings (defaults as Linux).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TcpSpec {
    /// Congestion controller.
    pub cc: CcName,
    /// Maximum segment size announced (payload bytes per segment without options).
    pub mss: u16,
    /// Selective acknowledgements (RFC 2018 / RFC 6675); off = NewReno (RFC 6582).
    pub sack: bool,
    /// TCP timestamps (RFC 7323); they take 12 bytes of every segment.
    pub timestamps: bool,
    /// Delayed ACKs (every second segment or 40 ms).
    pub delayed_ack: bool,
    /// Receive buffer, which bounds the advertised window.
    pub rcv_buf: Bytes,
    /// Send buffer.
    pub snd_buf: Bytes,
    /// Initial congestion window in segments (RFC 6928).
    pub init_cwnd: u32,
    /// Minimum retransmission timeout (Linux: 200 ms).
    pub min_rto: Time,
    /// RTO estimator: `Linux` (SRTT + max(4·mdev, min_rto)) or `Rfc6298`.
    pub rto: RtoName,
    /// Window during SACK-based fast recovery: `Prr` (RFC 6937 as Linux, the default) or
    /// `Halve` (RFC 5681 / RFC 6675: cwnd = ssthresh at once).
    pub cwnd_reduction: CwndReductionName,
    /// Without SACK (NewReno, RFC 6582 §4): `SlowButSteady` (every partial ACK restarts the
    /// retransmission timer, as Linux) or `Impatient` (only the first one does).
    pub newreno_timer: NewRenoTimerName,
    /// Loss detection with SACK: `RackTlp` (RFC 8985 RACK with tail loss probes, as Linux)
    /// or `DupThresh` (RFC 6675: three SACKed segments above a hole, no probe).
    pub loss_detection: LossDetectionName,
    /// CUBIC's slow start: `HyStart` (Linux tcp_cubic.c hybrid slow start, the default),
    /// `HyStartPlusPlus` (RFC 9406) or `Standard` (RFC 5681 until the first loss).
    pub slow_start: SlowStartName,
    /// Initial slow-start threshold in segments; unset: arbitrarily high (RFC 5681, Linux).
    /// htsim starts with 100 segments.
    pub initial_ssthresh: Option<u32>,
    /// Reno's window growth: `ByteCounting` (RFC 3465; Linux counts segments) or `PerAck`
    /// (one SMSS²/cwnd per ACK: halved growth with delayed ACKs, the Mathis et al. case).
    pub reno_growth: RenoGrowthName,
}

/// CUBIC's slow start.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum SlowStartName {
    /// Linux CUBIC's HyStart (ACK train and delay increase).
    #[default]
    HyStart,
    /// RFC 9406 HyStart++ (Conservative Slow Start after a delay increase).
    HyStartPlusPlus,
    /// RFC 5681 slow start until the first loss.
    Standard,
}

/// Reno's window growth per ACK.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum RenoGrowthName {
    /// By bytes (segments) acknowledged: RFC 3465, Linux.
    #[default]
    ByteCounting,
    /// Per ACK: RFC 5681 eq. (3) without byte counting.
    PerAck,
}

/// Loss detection with SACK.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum LossDetectionName {
    /// RACK-TLP (RFC 8985), Linux's default.
    #[default]
    RackTlp,
    /// RFC 6675 DupThresh, NextSeg rules 1–3, no loss probe.
    DupThresh,
}

/// When partial ACKs restart the retransmission timer during NewReno recovery.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum NewRenoTimerName {
    /// Every partial ACK restarts it (Linux).
    #[default]
    SlowButSteady,
    /// Only the first partial ACK of a recovery restarts it (RFC 6582 §3.2 step 5).
    Impatient,
}

/// The window during SACK-based fast recovery.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum CwndReductionName {
    /// Proportional Rate Reduction (RFC 6937), Linux's `tcp_cwnd_reduction`.
    #[default]
    Prr,
    /// RFC 5681 §3.2 / RFC 6675 §5: cwnd = ssthresh when recovery begins.
    Halve,
}

/// Retransmission-timeout estimator.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum RtoName {
    /// Linux's `tcp_rtt_estimator`: RTO = SRTT + max(4·mdev, min_rto).
    #[default]
    Linux,
    /// RFC 6298: RTO = max(min_rto, SRTT + 4·RTTVAR).
    Rfc6298,
}

impl Default for TcpSpec {
    fn default() -> Self {
        TcpSpec {
            cc: CcName::Cubic,
            mss: 1460,
            sack: true,
            timestamps: true,
            delayed_ack: true,
            rcv_buf: Bytes(6 << 20),
            snd_buf: Bytes(4 << 20),
            init_cwnd: 10,
            min_rto: Time(sim_core::Duration::from_millis(200)),
            rto: RtoName::Linux,
            cwnd_reduction: CwndReductionName::Prr,
            newreno_timer: NewRenoTimerName::SlowButSteady,
            loss_detection: LossDetectionName::RackTlp,
            slow_start: SlowStartName::HyStart,
            initial_ssthresh: None,
            reno_growth: RenoGrowthName::ByteCounting,
        }
    }
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
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            sample_interval: Time(sim_core::Duration::from_millis(100)),
            timeseries: true,
            plots: true,
            formats: vec![FormatName::Png, FormatName::Svg],
            figure: FigureSpec::default(),
        }
    }
}
