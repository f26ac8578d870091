//! Proportional Rate Reduction (RFC 6937) as Linux runs it (`tcp_cwnd_reduction` in
//! net/ipv4/tcp_input.c): the window during SACK-based fast recovery.
//!
//! As in Linux the arithmetic is in whole segments (packets): `DeliveredData` counts each
//! newly cumulatively acknowledged or newly SACKed segment once (octets / SMSS, a partial
//! segment counting as one), every segment sent counts once in `prr_out`, `ssthresh` and
//! `RecoverFS` are windows in whole segments and `pipe` counts segments (octets / SMSS,
//! rounded up). On each ACK in recovery that delivered data:
//!
//! ```text
//! prr_delivered += DeliveredData
//! if pipe > ssthresh:                      // proportional part (RFC 6937 §3)
//!     sndcnt = ceil(ssthresh · prr_delivered / RecoverFS) − prr_out
//! else:                                    // PRR-SSRB (slow-start reduction bound)
//!     sndcnt = max(prr_delivered − prr_out, DeliveredData)
//!     if SND.UNA advanced and no new loss was marked: sndcnt += 1
//!     sndcnt = min(ssthresh − pipe, sndcnt)
//! sndcnt = max(sndcnt, 1 if prr_out == 0 else 0)     // the fast retransmission
//! cwnd = pipe + sndcnt
//! ```
//!
//! `RecoverFS` is Linux's `prior_cwnd`: the congestion window when recovery began. The window
//! handed back is in octets: the octets in the pipe plus `sndcnt` full segments.

/// PRR state of one fast-recovery episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prr {
    /// `prior_cwnd` (RFC 6937 `RecoverFS`) in octets: the window when recovery began.
    prior_cwnd: u64,
    /// `prr_delivered`: segments delivered to the receiver since recovery began.
    delivered: u64,
    /// `prr_out`: segments sent since recovery began.
    out: u64,
    /// The congestion window the recovery allows, in octets (`snd_cwnd` in Linux).
    cwnd: u64,
}

/// What one ACK told PRR (octets; converted to segments inside).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PrrAck {
    /// RFC 6937 `DeliveredData`: octets newly cumulatively acknowledged or newly SACKed.
    pub(crate) delivered: u64,
    /// RFC 6675 `pipe` after the ACK was processed.
    pub(crate) pipe: u64,
    /// The slow-start threshold the controller set when recovery began.
    pub(crate) ssthresh: u64,
    /// The ACK advanced SND.UNA (Linux `FLAG_SND_UNA_ADVANCED`).
    pub(crate) una_advanced: bool,
    /// The ACK marked more octets lost (Linux `rs->losses != 0`).
    pub(crate) newly_lost: bool,
}

impl Prr {
    /// Recovery begins with the window `prior_cwnd` (Linux `tcp_init_cwnd_reduction`).
    pub(crate) fn new(prior_cwnd: u64) -> Prr {
        Prr {
            prior_cwnd,
            delivered: 0,
            out: 0,
            cwnd: prior_cwnd,
        }
    }

    /// The window PRR currently allows, in octets.
    pub(crate) fn cwnd(&self) -> u64 {
        self.cwnd
    }

    /// `prr_out` in segments.
    #[cfg(test)]
    pub(crate) fn out(&self) -> u64 {
        self.out
    }

    /// One segment was sent (new data or a retransmission).
    pub(crate) fn on_sent(&mut self) {
        self.out += 1;
    }

    /// Linux `tcp_cwnd_reduction` for one ACK (see the module docs); an ACK that delivered
    /// nothing leaves the window as it was.
    pub(crate) fn on_ack(&mut self, a: &PrrAck, smss: u64) {
        let smss = smss.max(1);
        if a.delivered == 0 {
            return;
        }
        let newly = a.delivered.div_ceil(smss);
        self.delivered += newly;
        let ssthresh = i128::from(a.ssthresh / smss);
        let pipe = i128::from(a.pipe.div_ceil(smss));
        let prior = u128::from((self.prior_cwnd / smss).max(1));
        let (delivered, out) = (i128::from(self.delivered), i128::from(self.out));
        let mut sndcnt = if pipe > ssthresh {
            let dividend = ssthresh as u128 * u128::from(self.delivered) + prior - 1;
            (dividend / prior) as i128 - out
        } else {
            let mut s = (delivered - out).max(i128::from(newly));
            if a.una_advanced && !a.newly_lost {
                s += 1;
            }
            s.min(ssthresh - pipe)
        };
        if self.out == 0 {
            sndcnt = sndcnt.max(1);
        }
        self.cwnd = (i128::from(a.pipe) + sndcnt * i128::from(smss)).max(0) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1000;

    fn ack(delivered: u64, pipe: u64, ssthresh: u64) -> PrrAck {
        PrrAck {
            delivered,
            pipe,
            ssthresh,
            ..PrrAck::default()
        }
    }

    #[test]
    fn proportional_part_sends_half_of_what_is_delivered() {
        // RFC 6937 §4 example: cwnd 20 segments, ssthresh 10, one loss: pipe 19 segments
        // when recovery starts, and every ACK delivers one segment. While pipe > ssthresh PRR
        // sends ⌈10·delivered/20⌉ − out: one segment every other ACK (the first is the fast
        // retransmission); once pipe reaches ssthresh, PRR-SSRB holds it there.
        let mut p = Prr::new(20 * S);
        let mut sent = Vec::new();
        let mut pipe = 19 * S;
        for _ in 0..18 {
            pipe -= S;
            p.on_ack(&ack(S, pipe, 10 * S), S);
            let n = p.cwnd().saturating_sub(pipe) / S;
            for _ in 0..n {
                p.on_sent();
            }
            sent.push(n);
            pipe += n * S;
        }
        let mut expect = [1, 0].repeat(8);
        expect.extend([0, 1]);
        assert_eq!(sent, expect);
        assert_eq!(p.out(), 9);
        assert_eq!(pipe, 10 * S);
    }

    #[test]
    fn ssrb_part_grows_back_to_ssthresh() {
        // pipe far below ssthresh (many losses): packet conservation plus one SMSS per ACK
        // that advances SND.UNA without new losses, up to ssthresh − pipe.
        let mut p = Prr::new(20 * S);
        p.on_ack(&ack(S, 4 * S, 10 * S), S);
        assert_eq!(p.cwnd(), 5 * S, "max(1 delivered, forced 1 SMSS)");
        p.on_sent();
        let a = PrrAck {
            una_advanced: true,
            ..ack(2 * S, 4 * S, 10 * S)
        };
        p.on_ack(&a, S);
        // max(3 − 1, 2) + 1 = 3 segments.
        assert_eq!(p.cwnd(), 7 * S);
        let lost = PrrAck {
            newly_lost: true,
            ..a
        };
        p.on_ack(&lost, S);
        // delivered 5, out 1: max(4, 2) = 4, no SMSS bonus with a new loss.
        assert_eq!(p.cwnd(), 8 * S);
        // Bounded by ssthresh − pipe.
        p.on_ack(&ack(9 * S, 9 * S, 10 * S), S);
        assert_eq!(p.cwnd(), 10 * S);
    }

    #[test]
    fn an_ack_without_delivered_data_changes_nothing() {
        let mut p = Prr::new(20 * S);
        p.on_ack(&ack(0, 19 * S, 10 * S), S);
        assert_eq!(p.cwnd(), 20 * S);
    }
}
