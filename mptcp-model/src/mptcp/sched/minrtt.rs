//! minRTT, the default scheduler of the Linux out-of-tree MPTCP kernel
//! (`net/mptcp/mptcp_sched.c`, `get_subflow_from_selectors`, v0.95). Opportunistic
//! retransmission / penalisation, which the kernel runs beside it, is the connection's
//! (see [`super::SchedulerKind::opportunistic`]).
//!
//! Among the usable subflows with congestion-window space, pick the lowest smoothed RTT;
//! ties go to the lowest index (the older subflow). Backup subflows are considered only when
//! no non-backup subflow is usable at all: a usable non-backup subflow that is merely
//! cwnd-limited makes the scheduler wait rather than fall back to a backup (the kernel's
//! "temporarily unavailable" vs "definitely unavailable" distinction). A subflow without an
//! RTT estimate yet is ranked after every measured one (in practice every established
//! subflow has one, from its handshake).

use super::{Pick, SchedCtx, SchedView, Scheduler};

/// The minRTT scheduler (stateless).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinRtt;

/// The minRTT choice as an index (shared with BLEST and ECF, which start from it).
pub fn min_rtt(subflows: &[SchedView]) -> Option<usize> {
    lowest_rtt(subflows, true)
}

/// One pass over `subflows`: the lowest smoothed RTT among the usable subflows (with window
/// space when `need_space`), non-backups if any non-backup is usable, else backups;
/// unmeasured subflows last, ties to the lowest index.
pub(crate) fn lowest_rtt(subflows: &[SchedView], need_space: bool) -> Option<usize> {
    let mut best: [Option<(u64, usize)>; 2] = [None, None];
    let mut active = false;
    for (i, s) in subflows.iter().enumerate() {
        if !s.usable {
            continue;
        }
        active |= !s.backup;
        if need_space && !s.has_space {
            continue;
        }
        let key = s.srtt.map_or(u64::MAX, |d| d.as_nanos());
        let slot = &mut best[usize::from(s.backup)];
        if slot.is_none_or(|(k, _)| key < k) {
            *slot = Some((key, i));
        }
    }
    best[usize::from(!active)].map(|(_, i)| i)
}

impl Scheduler for MinRtt {
    fn pick(&mut self, _ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        Pick::from_option(min_rtt(subflows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::Duration;

    fn sf(usable: bool, backup: bool, has_space: bool, rtt_ms: Option<u64>) -> SchedView {
        SchedView {
            usable,
            backup,
            has_space,
            srtt: rtt_ms.map(Duration::from_millis),
            ..SchedView::default()
        }
    }

    #[test]
    fn lowest_rtt_with_space_and_backup_rules() {
        let mut s = MinRtt;
        let c = SchedCtx::new(1400);
        let mut p = |v: &[SchedView]| match s.pick(&c, v) {
            Pick::One(i) => Some(i),
            Pick::Wait => None,
            Pick::Many(_) => unreachable!(),
        };
        let a = sf(true, false, true, Some(40));
        let b = sf(true, false, true, Some(10));
        assert_eq!(p(&[a, b]), Some(1));
        // The faster one is cwnd-limited: the slower one with space.
        let b_full = SchedView {
            has_space: false,
            ..b
        };
        assert_eq!(p(&[a, b_full]), Some(0));
        // Never a backup while a non-backup is usable, even if that one has no space.
        let bk = sf(true, true, true, Some(1));
        assert_eq!(p(&[a, bk]), Some(0));
        let a_full = SchedView {
            has_space: false,
            ..a
        };
        assert_eq!(p(&[a_full, bk]), None);
        // The non-backups failed: the backup.
        let a_failed = sf(false, false, true, Some(40));
        assert_eq!(p(&[a_failed, bk]), Some(1));
        // Unmeasured subflows come after measured ones; ties go to the lower index.
        let fresh = sf(true, false, true, None);
        assert_eq!(p(&[fresh, a]), Some(1));
        assert_eq!(p(&[fresh]), Some(0));
        assert_eq!(p(&[a, a]), Some(0));
        assert_eq!(p(&[]), None);
    }
}
