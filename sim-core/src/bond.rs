//! Link aggregation as Linux's bonding driver does it (`drivers/net/bonding/bond_main.c`,
//! Documentation/networking/bonding.rst): a bond is a set of parallel one-way links (its
//! members, "slaves") between the same two points; every packet that a route sends over one
//! member is put on the member the bond's mode chooses:
//!
//! - `balance-rr` ([`BondMode::RoundRobin`]): members in turn, one packet each, skipping
//!   members the bond sees down — one TCP connection's segments spread over every member and
//!   can arrive out of order;
//! - `balance-xor` and `802.3ad` with `xmit_hash_policy=layer3+4` ([`BondMode::Xor`],
//!   [`BondMode::Lacp`]): `slave = hash % count` over the members seen up, with Linux's
//!   `bond_xmit_hash` (below): every packet of one flow on one member;
//! - `active-backup` ([`BondMode::ActiveBackup`]): one member carries everything; another
//!   takes over only once MII monitoring has noticed the loss of carrier.
//!
//! **MII monitoring.** The bond sees a member's carrier only at its `miimon` ticks (every
//! `miimon` from time zero, `bond_mii_monitor`): a carrier change at `t` is noticed at the
//! first tick at or after `t`; after `downdelay` (or `updelay` for a carrier coming back,
//! both rounded down to multiples of `miimon` as Linux does) the member is down (up) for
//! the bond, unless the carrier came back in the meantime (`bond_miimon_inspect`). Until
//! then packets the bond puts on a member without carrier are lost, as on a real bond. The
//! bond's view is evaluated when a packet is sent (lazily, no timer events).
//!
//! **The layer3+4 hash** (`bond_xmit_hash` with `bond_ip_hash`): `h = ports`, where `ports` is
//! the 32-bit word holding the source and destination port as on the wire; `h ^= saddr ^
//! daddr`; `h ^= h >> 16`; `h ^= h >> 8`; `h >>= 1` (the lowest bit is discarded since Linux
//! 4.15). The words are read the way a little-endian host (x86, ARM) reads network-order
//! fields, as the kernel's `(__force u32)` casts do.

use crate::ids::LinkId;
use crate::packet::Addr;
use crate::time::{Duration, Instant};

/// How a bond chooses a member for each packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BondMode {
    /// `balance-rr`: round robin, one packet per member.
    RoundRobin,
    /// `balance-xor` with `xmit_hash_policy=layer3+4`.
    Xor,
    /// `802.3ad` (LACP) with `xmit_hash_policy=layer3+4`: one aggregator of every member;
    /// transmission as `balance-xor`.
    Lacp,
    /// `active-backup`: the primary member (index into the members) while the bond sees it
    /// up (`primary_reselect=always`), else the current one while up, else the first up.
    ActiveBackup {
        /// The preferred member, if any.
        primary: Option<usize>,
    },
}

/// A bond: its members and how it uses them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BondConfig {
    /// Name, for messages.
    pub name: String,
    /// The member links, all from the same point to the same point, in order.
    pub members: Vec<LinkId>,
    /// The transmit policy.
    pub mode: BondMode,
    /// MII monitoring interval (nonzero).
    pub miimon: Duration,
    /// Delay before a member whose carrier came back is used (rounded down to `miimon`).
    pub updelay: Duration,
    /// Delay before a member without carrier is given up (rounded down to `miimon`).
    pub downdelay: Duration,
}

/// Linux's layer3+4 transmit hash of a flow (see the module docs).
pub fn layer34_hash(src: Addr, dst: Addr, ports: (u16, u16)) -> u32 {
    let [s0, s1] = ports.0.to_be_bytes();
    let [d0, d1] = ports.1.to_be_bytes();
    let mut h = u32::from_le_bytes([s0, s1, d0, d1]);
    h ^= u32::from_le_bytes(src.octets()) ^ u32::from_le_bytes(dst.octets());
    h ^= h >> 16;
    h ^= h >> 8;
    h >> 1
}

/// A bond's view of its members and its choices, kept by the simulator.
#[derive(Clone, Debug)]
pub(crate) struct BondState {
    cfg: BondConfig,
    /// Whether the bond sees each member up.
    seen_up: Vec<bool>,
    /// The physical carrier of each member.
    carrier: Vec<bool>,
    /// A change of the bond's view that is due: (when, up).
    pending: Vec<Option<(Instant, bool)>>,
    /// Packets sent (the round-robin counter).
    counter: u64,
    /// `active-backup`: the member in use.
    active: Option<usize>,
}

impl BondState {
    pub(crate) fn new(cfg: BondConfig) -> BondState {
        let n = cfg.members.len();
        let active = match cfg.mode {
            BondMode::ActiveBackup { primary } => Some(primary.filter(|&p| p < n).unwrap_or(0)),
            _ => None,
        };
        BondState {
            cfg,
            seen_up: vec![true; n],
            carrier: vec![true; n],
            pending: vec![None; n],
            counter: 0,
            active,
        }
    }

    /// `d` rounded down to a multiple of `miimon` (Linux `bond_option_*delay_set`).
    fn rounded(&self, d: Duration) -> Duration {
        let m = self.cfg.miimon.as_nanos().max(1);
        Duration::from_nanos(d.as_nanos() / m * m)
    }

    /// The first MII tick at or after `t`.
    fn next_tick(&self, t: Instant) -> Instant {
        let m = self.cfg.miimon.as_nanos().max(1);
        Instant::from_nanos(t.as_nanos().div_ceil(m).saturating_mul(m))
    }

    /// Member `k`'s carrier changed at `now`.
    pub(crate) fn carrier_changed(&mut self, now: Instant, k: usize, up: bool) {
        self.carrier[k] = up;
        if self.seen_up[k] == up {
            // Back before the bond acted (`bond_miimon_inspect`: BOND_LINK_FAIL -> UP).
            self.pending[k] = None;
            return;
        }
        let delay = if up {
            self.cfg.updelay
        } else {
            self.cfg.downdelay
        };
        let at = self.next_tick(now) + self.rounded(delay);
        self.pending[k] = Some((at, up));
    }

    /// Whether every member has lost its carrier (the bond device's own carrier is off).
    pub(crate) fn all_down(&self) -> bool {
        self.carrier.iter().all(|c| !c)
    }

    /// The index of member link `l`.
    pub(crate) fn member_index(&self, l: LinkId) -> Option<usize> {
        self.cfg.members.iter().position(|&m| m == l)
    }

    /// Applies the view changes due by `now` and re-selects the active member.
    fn refresh(&mut self, now: Instant) {
        for k in 0..self.pending.len() {
            if let Some((at, up)) = self.pending[k] {
                if at <= now {
                    self.seen_up[k] = up;
                    self.pending[k] = None;
                }
            }
        }
        if let BondMode::ActiveBackup { primary } = self.cfg.mode {
            let up = |k: usize| self.seen_up[k];
            let primary = primary.filter(|&p| p < self.seen_up.len() && up(p));
            let current = self.active.filter(|&a| up(a));
            let first = (0..self.seen_up.len()).find(|&k| up(k));
            self.active = primary.or(current).or(first).or(self.active);
        }
    }

    /// The member link that carries a packet of flow `(src, dst, ports)` sent at `now`.
    pub(crate) fn pick(&mut self, now: Instant, src: Addr, dst: Addr, ports: (u16, u16)) -> LinkId {
        self.refresh(now);
        let n = self.cfg.members.len();
        let k = match self.cfg.mode {
            BondMode::RoundRobin => {
                let start = (self.counter % n as u64) as usize;
                self.counter += 1;
                (0..n)
                    .map(|d| (start + d) % n)
                    .find(|&k| self.seen_up[k])
                    .unwrap_or(start)
            }
            BondMode::Xor | BondMode::Lacp => {
                let up = self.seen_up.iter().filter(|&&u| u).count();
                if up == 0 {
                    0
                } else {
                    let slot = layer34_hash(src, dst, ports) as usize % up;
                    (0..n).filter(|&k| self.seen_up[k]).nth(slot).unwrap_or(0)
                }
            }
            BondMode::ActiveBackup { .. } => self.active.unwrap_or(0),
        };
        self.cfg.members[k]
    }

    /// The member the bond would use for `active-backup` now (tests).
    #[cfg(test)]
    pub(crate) fn active(&mut self, now: Instant) -> Option<usize> {
        self.refresh(now);
        self.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(mode: BondMode) -> BondConfig {
        BondConfig {
            name: "bond0".into(),
            members: vec![LinkId(4), LinkId(5)],
            mode,
            miimon: Duration::from_millis(100),
            updelay: Duration::from_millis(250),
            downdelay: Duration::ZERO,
        }
    }

    #[test]
    fn layer34_hash_as_linux_on_a_little_endian_host() {
        // 10.0.0.1:40000 -> 10.0.0.2:5001: ports word 0x9c40_1389 read little-endian is
        // 0x8913_409c; addresses 0x0100_000a ^ 0x0200_000a = 0x0300_0000.
        let h = layer34_hash(
            Addr::new(10, 0, 0, 1),
            Addr::new(10, 0, 0, 2),
            (40000, 5001),
        );
        let mut x: u32 = 0x8913_409c ^ 0x0300_0000;
        x ^= x >> 16;
        x ^= x >> 8;
        assert_eq!(h, x >> 1);
        // Symmetric in the addresses, not in the ports.
        let r = layer34_hash(
            Addr::new(10, 0, 0, 2),
            Addr::new(10, 0, 0, 1),
            (40000, 5001),
        );
        assert_eq!(h, r);
    }

    #[test]
    fn mii_monitoring_notices_at_the_next_tick() {
        let ms = Instant::from_millis;
        let mut b = BondState::new(cfg(BondMode::ActiveBackup { primary: Some(0) }));
        assert_eq!(b.active(ms(0)), Some(0));
        // Carrier lost at 1.23 s: noticed at the 1.3 s tick (downdelay 0).
        b.carrier_changed(ms(1230), 0, false);
        assert_eq!(b.active(ms(1299)), Some(0));
        assert_eq!(b.active(ms(1300)), Some(1));
        // Back at 2.01 s: noticed at 2.1 s, used after updelay 250 -> 200 ms: at 2.3 s the
        // primary is active again.
        b.carrier_changed(ms(2010), 0, true);
        assert_eq!(b.active(ms(2299)), Some(1));
        assert_eq!(b.active(ms(2300)), Some(0));
        // A flap shorter than the detection is never seen.
        b.carrier_changed(ms(3001), 0, false);
        b.carrier_changed(ms(3050), 0, true);
        assert_eq!(b.active(ms(3200)), Some(0));
    }

    #[test]
    fn round_robin_and_hash_choices() {
        let (a, z) = (Addr::new(10, 0, 0, 1), Addr::new(10, 0, 0, 2));
        let t = Instant::ZERO;
        let mut rr = BondState::new(cfg(BondMode::RoundRobin));
        let picks: Vec<u32> = (0..4).map(|_| rr.pick(t, a, z, (1, 2)).0).collect();
        assert_eq!(picks, [4, 5, 4, 5]);
        let mut x = BondState::new(cfg(BondMode::Xor));
        let one = x.pick(t, a, z, (40000, 5001));
        assert!((0..100).all(|_| x.pick(t, a, z, (40000, 5001)) == one));
        // The member seen down is skipped; the flow re-hashes over those left.
        x.carrier_changed(t, (one.0 - 4) as usize, false);
        assert_ne!(x.pick(Instant::from_millis(1), a, z, (40000, 5001)), one);
    }
}
