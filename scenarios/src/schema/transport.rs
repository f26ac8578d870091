//! The transport part of the schema: TCP and MPTCP settings, controllers, schedulers, path
//! managers, service modes.

use crate::units::{Bytes, Percent, Time};
use serde::{Deserialize, Serialize};

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
