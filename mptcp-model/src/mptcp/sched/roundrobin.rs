//! Round-robin (`net/mptcp/mptcp_rr.c`, out-of-tree kernel v0.95).
//!
//! Each subflow gets a quota of `num_segments` consecutive segments per round (here the
//! default, 1: one bit per subflow). A decision takes, among the available subflows, one
//! whose quota is unused — like `mptcp_rr_next_segment`, the *last* such in subflow order
//! (its loop overwrites `choose_sk`) — and marks it used; when every available subflow has
//! used its quota, the round restarts. With `cwnd_limited = 1` (the default) a subflow with
//! a full congestion window is not available, so the others keep their windows full
//! rather than waiting for it. Difference from `mptcp_rr.c`: the backup class rule of the
//! other schedulers applies (the kernel's round-robin ignores the backup flag).

use super::{backup_class, Pick, SchedCtx, SchedView, Scheduler};

/// `mptcp_rr.c` `cwnd_limited`: skip subflows whose window is full (default 1).
pub const CWND_LIMITED: bool = true;

/// The round-robin scheduler: which subflows used their quota this round (bit i =
/// subflow i; subflows from index 64 on share the quota of index 63).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoundRobin {
    used: u64,
}

fn bit(i: usize) -> u64 {
    1 << i.min(63)
}

impl Scheduler for RoundRobin {
    fn pick(&mut self, _ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        let bk = backup_class(subflows);
        let available =
            |s: &SchedView| s.usable && s.backup == bk && (!CWND_LIMITED || s.has_space);
        for _round in 0..2 {
            let mut considered = 0u32;
            let mut chosen = None;
            for (i, s) in subflows.iter().enumerate() {
                if !available(s) {
                    continue;
                }
                considered += 1;
                if self.used & bit(i) == 0 {
                    chosen = Some(i);
                }
            }
            if let Some(i) = chosen {
                self.used |= bit(i);
                return Pick::One(i);
            }
            if considered == 0 {
                return Pick::Wait;
            }
            // Every available subflow used its quota: a new round.
            self.used = 0;
        }
        Pick::Wait
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{full, sf};
    use super::*;

    #[test]
    fn one_segment_each_in_turn_skipping_full_windows() {
        let mut rr = RoundRobin::default();
        let c = SchedCtx::new(1400);
        let v = [sf(10), sf(80), sf(40)];
        // The last unused one in order, then the next unused, then a new round.
        let picks: Vec<_> = (0..6).map(|_| rr.pick(&c, &v)).collect();
        use Pick::One;
        assert_eq!(picks, [One(2), One(1), One(0), One(2), One(1), One(0)]);
        // A full window is skipped; the others keep going.
        let v = [sf(10), full(sf(80)), sf(40)];
        let mut rr = RoundRobin::default();
        let picks: Vec<_> = (0..4).map(|_| rr.pick(&c, &v)).collect();
        assert_eq!(picks, [One(2), One(0), One(2), One(0)]);
        assert_eq!(rr.pick(&c, &[full(sf(1))]), Pick::Wait);
        // Backups only when no non-backup subflow is usable.
        let bk = SchedView {
            backup: true,
            ..sf(1)
        };
        let mut rr = RoundRobin::default();
        assert_eq!(rr.pick(&c, &[sf(50), bk]), One(0));
        assert_eq!(rr.pick(&c, &[sf(50), bk]), One(0));
        let dead = SchedView {
            usable: false,
            ..sf(50)
        };
        assert_eq!(rr.pick(&c, &[dead, bk]), One(1));
    }
}
