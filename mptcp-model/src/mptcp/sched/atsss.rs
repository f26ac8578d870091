//! Traffic-steering schedulers of the 3GPP ATSSS rules (TS 23.501 §5.32.8 "steering
//! modes"), for the service modes of `scenarios`: smallest delay, priority-based and
//! load-balancing. "Access" is [`SchedView::path`]: the index of the multihomed end's
//! interface (0 = the one the connection was opened on). Active-standby needs no scheduler
//! of its own: it is minRTT with the standby access as a backup.
//!
//! - **Smallest delay**: everything on the access with the smallest RTT; when its window is
//!   full, wait (no overflow to a slower access).
//! - **Priority-based**: everything on the highest-priority access (lowest path index)
//!   while it has window space; overflow to the next one only when it is full
//!   ("congested").
//! - **Load-balancing**: a fixed share `first_percent` of the bytes on access 0 and the rest
//!   on the others (by bytes handed out while both were usable); an access without a
//!   usable subflow gives its share to the other (not counted), a full window waits.

use super::{backup_class, Pick, SchedCtx, SchedView, Scheduler};

/// Smallest delay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SmallestDelay;

impl Scheduler for SmallestDelay {
    fn pick(&mut self, _ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        match super::fastest(subflows) {
            Some(i) if subflows[i].has_space => Pick::One(i),
            _ => Pick::Wait,
        }
    }
}

/// Priority-based: lower path index first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Priority;

impl Scheduler for Priority {
    fn pick(&mut self, _ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        let bk = backup_class(subflows);
        Pick::from_option(
            subflows
                .iter()
                .enumerate()
                .filter(|(_, s)| s.usable && s.has_space && s.backup == bk)
                .min_by_key(|(i, s)| (s.path, *i))
                .map(|(i, _)| i),
        )
    }
}

/// Load-balancing with a fixed split.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadBalancing {
    /// Percent of the bytes for access 0.
    pub first_percent: u8,
    first: u64,
    other: u64,
    /// The last pick: subflow, on access 0, counted (both accesses were usable).
    last: Option<(usize, bool, bool)>,
}

impl LoadBalancing {
    /// `first_percent` % of the bytes on access 0.
    pub fn new(first_percent: u8) -> Self {
        LoadBalancing {
            first_percent: first_percent.min(100),
            ..Self::default()
        }
    }
}

impl Scheduler for LoadBalancing {
    fn pick(&mut self, _ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        let usable = |first: bool| {
            subflows
                .iter()
                .enumerate()
                .filter(move |(_, s)| s.usable && (s.path == 0) == first)
        };
        let (has_first, has_other) = (
            usable(true).next().is_some(),
            usable(false).next().is_some(),
        );
        let p = u128::from(self.first_percent);
        let total = u128::from(self.first + self.other);
        // Behind its share: first·100 < p·total.
        let want_first = match (has_first, has_other) {
            (true, true) => (u128::from(self.first) * 100 <= p * total && p > 0) || p == 100,
            (f, _) => f,
        };
        let pick = usable(want_first)
            .filter(|(_, s)| s.has_space)
            .min_by_key(|(i, s)| (s.srtt.is_none(), s.srtt, *i))
            .map(|(i, _)| i);
        self.last = pick.map(|i| (i, want_first, has_first && has_other));
        Pick::from_option(pick)
    }

    fn sent(&mut self, i: usize, bytes: u64) {
        match self.last {
            Some((j, true, true)) if j == i => self.first += bytes,
            Some((j, false, true)) if j == i => self.other += bytes,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{full, sf};
    use super::*;

    fn on(path: usize, s: SchedView) -> SchedView {
        SchedView { path, ..s }
    }

    #[test]
    fn steering_modes() {
        let c = SchedCtx::new(1_400);
        let wifi = on(0, sf(10));
        let lte = on(1, sf(40));
        assert_eq!(SmallestDelay.pick(&c, &[wifi, lte]), Pick::One(0));
        assert_eq!(SmallestDelay.pick(&c, &[full(wifi), lte]), Pick::Wait);
        // Priority follows the access order, not the RTT; overflow when full.
        let fast_lte = on(1, sf(1));
        assert_eq!(Priority.pick(&c, &[fast_lte, wifi]), Pick::One(1));
        assert_eq!(Priority.pick(&c, &[fast_lte, full(wifi)]), Pick::One(0));
        // 75 / 25 split by bytes.
        let mut lb = LoadBalancing::new(75);
        let (mut a, mut b) = (0, 0);
        for _ in 0..400 {
            match lb.pick(&c, &[wifi, lte]) {
                Pick::One(i) => {
                    lb.sent(i, 1_000);
                    if i == 0 {
                        a += 1;
                    } else {
                        b += 1;
                    }
                }
                p => panic!("{p:?}"),
            }
        }
        assert_eq!((a, b), (300, 100));
        // Only one access left: all of it there.
        let dead = SchedView {
            usable: false,
            ..wifi
        };
        assert_eq!(lb.pick(&c, &[dead, lte]), Pick::One(1));
    }
}
