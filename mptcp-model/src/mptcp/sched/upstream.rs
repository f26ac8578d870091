//! The upstream Linux MPTCP scheduler (`net/mptcp/protocol.c`, `mptcp_subflow_get_send`).
//!
//! For each active subflow, `linger = sk_wmem_queued / pacing_rate` (the kernel's
//! `(wmem << 32) / avg_pacing_rate`); pick the lowest among non-backup subflows, the best
//! backup only when no non-backup subflow is active. The pick must have send-buffer room
//! (`sk_stream_memory_free`) or nothing is sent; the chosen subflow then keeps the data for
//! a burst of up to `MPTCP_SEND_BURST_SIZE` = 65428 bytes before the next choice. Subflows
//! that made no progress for `stale_loss_cnt` (4) retransmission timeouts are stale and
//! skipped. Retransmissions (reinjections) go through the same choice (the kernel's
//! `mptcp_subflow_get_retrans` also prefers the non-backup subflow with the least queued
//! data).
//!
//! Model choices: `sk_wmem_queued` = bytes in flight + queued on the subflow; the pacing
//! rate is Linux's `tcp_update_pacing_rate`, `cwnd·mss/srtt` × 200 % in slow start
//! (`cwnd < ssthresh/2`) or × 120 % otherwise, taken instantaneously rather than averaged
//! over bursts; the send buffer is the autotuned `2·max(cwnd, 10·mss)` (`tcp_sndbuf_expand`
//! without per-skb overhead). A subflow without an RTT estimate has no pacing rate and is
//! skipped, as in the kernel.

use super::{Pick, SchedCtx, SchedView, Scheduler};

/// `MPTCP_SEND_BURST_SIZE`: bytes sent on one pick.
pub const SEND_BURST_SIZE: u64 = 65_428;
/// `stale_loss_cnt` (sysctl `net.mptcp.stale_loss_cnt`, default 4).
pub const STALE_LOSS_CNT: u32 = 4;

/// The upstream scheduler: the current burst.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Upstream {
    last: Option<usize>,
    burst_left: u64,
}

/// `sk_stream_memory_free` with the autotuned send buffer.
pub fn memory_free(s: &SchedView) -> bool {
    s.in_flight + s.queued < 2 * s.cwnd.max(10 * s.mss)
}

/// Linger time in nanoseconds (`wmem / pacing rate`), `None` without a pacing rate.
pub fn linger_ns(s: &SchedView) -> Option<u128> {
    let srtt = u128::from(s.srtt?.as_nanos());
    // tcp_update_pacing_rate: sk_pacing_ss_ratio 200 %, sk_pacing_ca_ratio 120 %.
    let ratio: u128 = if s.cwnd < s.ssthresh / 2 { 200 } else { 120 };
    let wmem = u128::from(s.in_flight + s.queued);
    Some(wmem * srtt * 100 / (u128::from(s.cwnd.max(1)) * ratio))
}

fn active(s: &SchedView) -> bool {
    s.usable && s.rtos < STALE_LOSS_CNT
}

impl Scheduler for Upstream {
    fn pick(&mut self, _ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        if let Some(i) = self.last.filter(|_| self.burst_left > 0) {
            let nr_active = subflows.iter().filter(|s| active(s) && !s.backup).count();
            if let Some(s) = subflows.get(i) {
                if active(s) && memory_free(s) && (!s.backup || nr_active == 0) {
                    return Pick::One(i);
                }
            }
        }
        let mut best: [Option<(u128, usize)>; 2] = [None, None];
        let mut nr_active = 0;
        for (i, s) in subflows.iter().enumerate() {
            if !active(s) {
                continue;
            }
            nr_active += usize::from(!s.backup);
            let Some(l) = linger_ns(s) else {
                continue;
            };
            let slot = &mut best[usize::from(s.backup)];
            if slot.is_none_or(|(b, _)| l < b) {
                *slot = Some((l, i));
            }
        }
        let choice = if nr_active == 0 { best[1] } else { best[0] };
        match choice {
            Some((_, i)) if memory_free(&subflows[i]) => {
                self.last = Some(i);
                self.burst_left = SEND_BURST_SIZE;
                Pick::One(i)
            }
            _ => {
                self.last = None;
                Pick::Wait
            }
        }
    }

    fn sent(&mut self, i: usize, bytes: u64) {
        if self.last == Some(i) {
            self.burst_left = self.burst_left.saturating_sub(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::sf;
    use super::*;

    #[test]
    fn least_linger_in_bursts_backup_last() {
        let c = SchedCtx::new(1_400);
        let mut u = Upstream::default();
        // 10 ms with 14 kB queued lingers 10·14/14/1.2 ms; 80 ms with nothing: 0.
        let busy = SchedView {
            in_flight: 14_000,
            ..sf(10)
        };
        let v = [busy, sf(80)];
        assert_eq!(u.pick(&c, &v), Pick::One(1));
        // The burst sticks to the pick even when the other becomes better...
        let v2 = [sf(10), sf(80)];
        u.sent(1, 60_000);
        assert_eq!(u.pick(&c, &v2), Pick::One(1));
        // ...until 65428 bytes went out.
        u.sent(1, 5_428);
        assert_eq!(u.pick(&c, &v2), Pick::One(0));
        // No send-buffer room on the best: wait.
        let stuffed = SchedView {
            in_flight: 14_000,
            queued: 14_000,
            ..sf(10)
        };
        let mut u = Upstream::default();
        assert_eq!(u.pick(&c, &[stuffed, busy]), Pick::One(1));
        let mut u = Upstream::default();
        assert_eq!(u.pick(&c, &[stuffed]), Pick::Wait);
        // Backup only without an active non-backup; stale subflows are skipped.
        let bk = SchedView {
            backup: true,
            ..sf(1)
        };
        let mut u = Upstream::default();
        assert_eq!(u.pick(&c, &[busy, bk]), Pick::One(0));
        let stale = SchedView { rtos: 4, ..busy };
        let mut u = Upstream::default();
        assert_eq!(u.pick(&c, &[stale, bk]), Pick::One(1));
    }
}
