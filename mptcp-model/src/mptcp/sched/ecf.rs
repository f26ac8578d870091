//! ECF, Earliest Completion First (Lim, Nahum, Towsley, Gibbens: "ECF: An MPTCP Path
//! Scheduler to Manage Heterogeneous Paths", CoNEXT 2017; `net/mptcp/mptcp_ecf.c` v0.96,
//! `mptcp_ecf_r_beta = 4` ⇒ β = 0.25).
//!
//! Start from the minRTT choice `s`. If it is not the fastest usable subflow `f` (whose
//! window is full), with `δ = max(rttvar_f, rttvar_s)`, `k` = bytes not yet queued on any
//! subflow, `x_f = max(k, cwnd_f·mss)`, `x_s = max(k, cwnd_s·mss)`: wait for `f`
//! (`waiting = 1`) when
//! `srtt_f·(x_f + cwnd_f·mss) < (1 + waiting·β)·cwnd_f·mss·(srtt_s + δ)` — the data
//! completes sooner by waiting one RTT of f than by going over s — and
//! `srtt_s·x_s ≥ cwnd_s·mss·(2·srtt_f + δ)` — s would not finish it within two RTTs of f;
//! when the first inequality fails use s and clear `waiting` (the hysteresis: once waiting,
//! the bar to switch to s is 25 % higher). Integer arithmetic in nanoseconds × bytes
//! (`u128`), the kernel's `r_beta·lhs < r_beta·rhs + waiting·rhs`.

use super::{slow_pick, Pick, SchedCtx, SchedView, Scheduler};

/// `mptcp_ecf_r_beta`: β = 1 / R_BETA.
pub const R_BETA: u128 = 4;

/// The ECF scheduler (its state: the `waiting` hysteresis bit, `switching_margin` in the
/// kernel).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ecf {
    waiting: bool,
}

impl Ecf {
    /// The last decision between two subflows was to wait for the fast one.
    pub fn waiting(&self) -> bool {
        self.waiting
    }
}

impl Scheduler for Ecf {
    fn pick(&mut self, ctx: &SchedCtx, subflows: &[SchedView]) -> Pick {
        let (si, fi) = match slow_pick(subflows) {
            Ok(pair) => pair,
            Err(pick) => return pick,
        };
        let (s, f) = (&subflows[si], &subflows[fi]);
        // Assuming equal MSS, as the kernel does (`tcp_current_mss(bestsk)`).
        let mss = u128::from(f.mss);
        let (cwnd_f, cwnd_s) = (u128::from(f.cwnd_pkts()), u128::from(s.cwnd_pkts()));
        let (srtt_f, srtt_s) = (f.srtt_or_zero().as_nanos(), s.srtt_or_zero().as_nanos());
        let delta = u128::from(f.rttvar.max(s.rttvar).as_nanos());
        let (srtt_f, srtt_s) = (u128::from(srtt_f), u128::from(srtt_s));
        let k = u128::from(ctx.unqueued);
        let x_f = k.max(cwnd_f * mss);
        let lhs = srtt_f * (x_f + cwnd_f * mss);
        let rhs = cwnd_f * mss * (srtt_s + delta);
        if R_BETA * lhs < R_BETA * rhs + u128::from(self.waiting) * rhs {
            let x_s = k.max(cwnd_s * mss);
            if srtt_s * x_s >= cwnd_s * mss * (2 * srtt_f + delta) {
                self.waiting = true;
                return Pick::Wait;
            }
        } else {
            self.waiting = false;
        }
        Pick::One(si)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{full, sf};
    use super::*;

    #[test]
    fn waits_for_the_fast_subflow_with_hysteresis() {
        // f 10 ms (rttvar 2.5 ms) full, s 80 ms (rttvar 20 ms) free, cwnd 10·1400 both.
        let v = [full(sf(10)), sf(80)];
        let ctx = |k| SchedCtx {
            unqueued: k,
            ..SchedCtx::new(1_400)
        };
        let mut e = Ecf::default();
        // Little data left: 10·(14k + 14k) < 14k·(80 + 20), and 80·14k ≥ 14k·(20 + 20).
        assert_eq!(e.pick(&ctx(14_000), &v), Pick::Wait);
        assert!(e.waiting());
        // Lots of data: send on the slow path too.
        assert_eq!(e.pick(&ctx(10_000_000), &v), Pick::One(1));
        assert!(!e.waiting());
        // In between (lhs = 10·154k = 1.54M, rhs = 1.4M): s when not waiting...
        assert_eq!(e.pick(&ctx(140_000), &v), Pick::One(1));
        // ...but once waiting, the margin (1.25·rhs = 1.75M) keeps it waiting.
        assert_eq!(e.pick(&ctx(14_000), &v), Pick::Wait);
        assert_eq!(e.pick(&ctx(140_000), &v), Pick::Wait);
        // The fast path has space: minRTT's pick.
        assert_eq!(e.pick(&ctx(14_000), &[sf(10), sf(80)]), Pick::One(0));
        assert_eq!(e.pick(&ctx(14_000), &[full(sf(10))]), Pick::Wait);
    }
}
