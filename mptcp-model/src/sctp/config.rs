//! Protocol parameters of an SCTP association (RFC 9260 §16), with the RFC's defaults and
//! the Linux kernel's (`net.sctp.*` sysctls, Documentation/networking/ip-sysctl.rst).

use sim_core::Duration;

/// The parameters of an association.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SctpConfig {
    /// RTO.Initial: the RTO before the first measurement (§6.3.1 C1).
    pub rto_initial: Duration,
    /// RTO.Min (§6.3.1 C6).
    pub rto_min: Duration,
    /// RTO.Max (§6.3.1 C7): the ceiling of exponential back-off.
    pub rto_max: Duration,
    /// Max.Burst: most new DATA packets sent to one destination at one transmission
    /// opportunity (§6.1; 0 = no limit).
    pub max_burst: u32,
    /// Association.Max.Retrans: consecutive unanswered retransmissions and heartbeats after
    /// which the peer is unreachable and the association is aborted (§8.1).
    pub association_max_retrans: u32,
    /// Path.Max.Retrans: consecutive errors after which a destination is inactive (§8.2).
    pub path_max_retrans: u32,
    /// Max.Init.Retransmits: INIT and COOKIE ECHO retransmissions before giving up (§5.1).
    pub max_init_retransmits: u32,
    /// HB.interval: added to the RTO between HEARTBEATs to an idle destination (§8.3).
    pub hb_interval: Duration,
    /// The delayed-SACK timer (§6.2: at most 500 ms, 200 ms recommended).
    pub sack_delay: Duration,
    /// RFC 7829 (SCTP-PF) potentially-failed threshold PFMR: a destination whose error
    /// counter exceeds it stops carrying new data until it answers again; `None` = off (plain
    /// RFC 9260).
    pub pf_retrans: Option<u32>,
    /// Path MTU (octets of the IPv4 packet).
    pub mtu: u32,
    /// Receive buffer: the a_rwnd advertised with nothing buffered.
    pub rcv_buf: u32,
    /// Send buffer: most octets written by the application and not yet acknowledged.
    pub snd_buf: u32,
    /// Size of the application's messages (each one DATA chunk); at most the PMDCS.
    pub message_size: u32,
    /// The floor in the initial window `min(4·MTU, max(2·MTU, floor))` (§7.2.1: 4404 in
    /// RFC 9260, 4380 in RFC 4960 and Linux).
    pub init_cwnd_floor: u32,
    /// Valid.Cookie.Life (§5.1.3).
    pub cookie_life: Duration,
}

/// RFC 9260 §16 as a `Duration` in milliseconds.
const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

impl SctpConfig {
    /// The protocol parameters RFC 9260 §16 recommends (no SCTP-PF).
    pub const fn rfc9260() -> SctpConfig {
        SctpConfig {
            rto_initial: ms(1_000),
            rto_min: ms(1_000),
            rto_max: ms(60_000),
            max_burst: 4,
            association_max_retrans: 10,
            path_max_retrans: 5,
            max_init_retransmits: 8,
            hb_interval: ms(30_000),
            sack_delay: ms(200),
            pf_retrans: None,
            mtu: 1500,
            rcv_buf: 6 << 20,
            snd_buf: 4 << 20,
            message_size: 1452,
            init_cwnd_floor: 4404,
            cookie_life: ms(60_000),
        }
    }

    /// Linux's defaults (`net.sctp.rto_initial = 3000`, `rto_min = 1000`, `rto_max =
    /// 60000`, `hb_interval = 30000`, `path_max_retrans = 5`, `association_max_retrans =
    /// 10`, `max_init_retransmits = 8`, `max_burst = 4`, `sack_timeout = 200`,
    /// `pf_enable = 1` with `pf_retrans = 0`, `valid_cookie_life = 60000`; the initial
    /// window of `sctp_transport_reset` with 4380).
    pub const fn linux() -> SctpConfig {
        SctpConfig {
            rto_initial: ms(3_000),
            pf_retrans: Some(0),
            init_cwnd_floor: 4380,
            ..SctpConfig::rfc9260()
        }
    }

    /// The Path Maximum DATA Chunk Size (RFC 9260 §8.9 "PMDCS"): user data octets of one
    /// DATA chunk filling a packet: MTU − IPv4 (20) − common header (12) − DATA header (16).
    pub fn pmdcs(&self) -> u32 {
        self.mtu.saturating_sub(48)
    }

    /// The initial congestion window of a destination (§7.2.1).
    pub fn initial_cwnd(&self) -> u64 {
        let mtu = u64::from(self.mtu);
        (4 * mtu).min((2 * mtu).max(u64::from(self.init_cwnd_floor)))
    }
}

impl Default for SctpConfig {
    fn default() -> Self {
        SctpConfig::rfc9260()
    }
}
