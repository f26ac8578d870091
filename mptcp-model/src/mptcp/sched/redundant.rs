//! Redundant (`net/mptcp/mptcp_redundant.c`, out-of-tree kernel, with the fixes of
//! `multipath-tcp/mptcp#474/#478`): every segment on every available
//! subflow; the receiver delivers each byte once and counts the copies.
//!
//! A decision returns the set of every usable subflow of the class in use (backups only
//! when no non-backup is usable), or waits while none of them has window space. The
//! connection then lets each subflow of the set with window space send, from its own
//! position in the data sequence space, the copies it has not sent yet — skipping data
//! already data-acknowledged (the fix of #474/#478) — and gives new data to the first one
//! with space. A slow subflow therefore carries every byte that was not acknowledged
//! before its turn came, and nothing queues on it beyond its window.

use super::{backup_class, Pick, SchedCtx, SchedView, Scheduler};

/// The redundant scheduler (stateless).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Redundant;

impl Scheduler for Redundant {
    fn pick(&mut self, _ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        let bk = backup_class(subflows);
        let mut set = 0u64;
        let mut space = false;
        for (i, s) in subflows.iter().enumerate().take(64) {
            if s.usable && s.backup == bk {
                set |= 1 << i;
                space |= s.has_space;
            }
        }
        if space {
            Pick::Many(set)
        } else {
            Pick::Wait
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{full, sf};
    use super::*;

    #[test]
    fn every_usable_subflow_of_the_class() {
        let mut r = Redundant;
        let c = SchedCtx::new(1400);
        assert_eq!(r.pick(&c, &[sf(10), sf(80), sf(40)]), Pick::Many(0b111));
        // A full window still gets its copy while another subflow has space.
        assert_eq!(r.pick(&c, &[sf(10), full(sf(80))]), Pick::Many(0b11));
        assert_eq!(r.pick(&c, &[full(sf(10)), full(sf(80))]), Pick::Wait);
        let bk = SchedView {
            backup: true,
            ..sf(5)
        };
        let dead = SchedView {
            usable: false,
            ..sf(5)
        };
        assert_eq!(r.pick(&c, &[sf(10), bk, dead]), Pick::Many(0b001));
        assert_eq!(r.pick(&c, &[dead, bk, bk]), Pick::Many(0b110));
        assert_eq!(r.pick(&c, &[]), Pick::Wait);
    }
}
