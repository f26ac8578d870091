//! Two SCTP endpoints over two disjoint paths with fixed delays: handshake, transfer,
//! failover after Path.Max.Retrans timeouts with back-off, heartbeat failure detection,
//! association failure, SCTP-PF and shutdown.

use super::*;
use crate::wire::sctp::{Control, SctpPacket};
use sim_core::{rng::stream, Addr, Duration, Instant, Packet};
use std::collections::BTreeMap;

const C1: Addr = Addr::new(10, 0, 1, 1);
const C2: Addr = Addr::new(10, 0, 2, 1);
const S1: Addr = Addr::new(10, 9, 1, 1);
const S2: Addr = Addr::new(10, 9, 2, 1);

/// Every path's rate in each direction (kbit/s) and drop-tail queue (packets).
const RATE_KBPS: u64 = 20_000;
const QUEUE: usize = 100;

/// A packet seen on the wire: when sent, towards the server?, and the packet.
type Seen = (Instant, bool, Packet<SctpPacket>);

struct Pair {
    now: Instant,
    delay: Duration,
    client: SctpAssociation,
    listener: SctpListener,
    server: Option<SctpAssociation>,
    server_rng: sim_core::RngStream,
    flight: BTreeMap<(Instant, u64), (bool, Packet<SctpPacket>)>,
    seq: u64,
    /// Per path (0: C1-S1, 1: C2-S2): intervals during which it is down.
    down: [Vec<(Instant, Instant)>; 2],
    /// Per path and direction (towards the server first): departure times of the packets
    /// queued or being serialized (a drop-tail queue of `QUEUE` packets at `RATE`).
    links: [[std::collections::VecDeque<Instant>; 2]; 2],
    /// The client application writes this much in all (`None`: without end).
    total: Option<u64>,
    log: Vec<Seen>,
    client_events: Vec<(Instant, SctpEvent)>,
}

fn path_of(src: Addr, dst: Addr) -> Option<usize> {
    match (src, dst) {
        (C1, S1) | (S1, C1) => Some(0),
        (C2, S2) | (S2, C2) => Some(1),
        _ => None,
    }
}

fn sources_client() -> Vec<(Addr, Addr)> {
    vec![(S1, C1), (S2, C2)]
}

fn sources_server() -> Vec<(Addr, Addr)> {
    vec![(C1, S1), (C2, S2)]
}

impl Pair {
    fn new(cfg: SctpConfig, delay: Duration, total: Option<u64>) -> Pair {
        let client = SctpAssociation::connect(
            Instant::ZERO,
            cfg,
            &[C1, C2],
            40000,
            S1,
            5000,
            sources_client(),
            stream(1, "client"),
        );
        let mut server_rng = stream(1, "server");
        let listener = SctpListener::new(cfg, 5000, &[S1, S2], &mut server_rng);
        Pair {
            now: Instant::ZERO,
            delay,
            client,
            listener,
            server: None,
            server_rng,
            flight: BTreeMap::new(),
            seq: 0,
            down: [Vec::new(), Vec::new()],
            links: Default::default(),
            total,
            log: Vec::new(),
            client_events: Vec::new(),
        }
    }

    fn is_down(&self, path: usize, at: Instant) -> bool {
        self.down[path].iter().any(|&(a, b)| a <= at && at < b)
    }

    fn drive_apps(&mut self) {
        let want = self
            .total
            .map_or(u64::MAX, |t| t - self.client.app_bytes_written());
        if want > 0 {
            self.client.send(want);
            if self
                .total
                .is_some_and(|t| self.client.app_bytes_written() >= t)
            {
                self.client.close();
            }
        }
        if let Some(s) = &mut self.server {
            s.recv();
            if s.peer_closed() {
                s.close();
            }
        }
    }

    fn flush(&mut self) {
        self.drive_apps();
        while let Some(p) = self.client.poll_transmit(self.now) {
            self.put(true, p);
        }
        if let Some(s) = &mut self.server {
            let mut out = Vec::new();
            while let Some(p) = s.poll_transmit(self.now) {
                out.push(p);
            }
            for p in out {
                self.put(false, p);
            }
        }
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
    }

    fn put(&mut self, to_server: bool, p: Packet<SctpPacket>) {
        self.log.push((self.now, to_server, p));
        let Some(path) = path_of(p.src, p.dst) else {
            return;
        };
        if self.is_down(path, self.now) {
            return;
        }
        let now = self.now;
        let q = &mut self.links[path][usize::from(!to_server)];
        while q.front().is_some_and(|&d| d <= now) {
            q.pop_front();
        }
        if q.len() >= QUEUE {
            return;
        }
        let start = q.back().copied().unwrap_or(now).max(now);
        let departure = start + Duration::from_nanos(u64::from(p.size) * 8_000 / RATE_KBPS * 1_000);
        q.push_back(departure);
        self.seq += 1;
        self.flight
            .insert((departure + self.delay, self.seq), (to_server, p));
    }

    fn deliver(&mut self, to_server: bool, p: Packet<SctpPacket>) {
        if !to_server {
            self.client.handle_packet(self.now, p.src, p.dst, &p.header);
            return;
        }
        if let Some(s) = &mut self.server {
            s.handle_packet(self.now, p.src, p.dst, &p.header);
            return;
        }
        let h = &p.header;
        match h.control {
            Control::Init(_) => {
                let now = self.now;
                if let Some(r) =
                    self.listener
                        .answer_init(now, p.src, p.dst, h, &mut self.server_rng)
                {
                    self.put(false, r);
                }
            }
            Control::CookieEcho(_) => {
                let rng = stream(1, "server/assoc");
                self.server =
                    self.listener
                        .accept(self.now, p.src, p.dst, h, sources_server(), rng);
            }
            _ => {}
        }
    }

    fn run_until(&mut self, until: Instant) {
        self.flush();
        loop {
            let next_pkt = self.flight.keys().next().map(|k| k.0);
            let timers = [
                self.client.poll_timeout(),
                self.server.as_ref().and_then(|s| s.poll_timeout()),
            ];
            let next = [next_pkt, timers[0], timers[1]].into_iter().flatten().min();
            let Some(t) = next.filter(|&t| t <= until) else {
                break;
            };
            self.now = t;
            if next_pkt == Some(t) {
                let (_, (to_server, p)) = self.flight.pop_first().expect("a packet");
                let path = path_of(p.src, p.dst).expect("routed");
                if !self.is_down(path, t) {
                    self.deliver(to_server, p);
                }
            } else {
                if timers[0].is_some_and(|x| x <= t) {
                    self.client.handle_timeout(t);
                }
                if let Some(s) = self
                    .server
                    .as_mut()
                    .filter(|s| s.poll_timeout().is_some_and(|x| x <= t))
                {
                    s.handle_timeout(t);
                }
            }
            self.flush();
        }
        self.now = until;
    }

    fn delivered(&self) -> u64 {
        self.server.as_ref().map_or(0, |s| s.app_bytes_read())
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn tx(size: u32) -> Duration {
    Duration::from_nanos(u64::from(size) * 8_000 / RATE_KBPS * 1_000)
}

fn at_ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

#[test]
fn handshake_data_and_graceful_shutdown() {
    let mut p = Pair::new(SctpConfig::rfc9260(), ms(10), Some(100_000));
    p.run_until(Instant::from_secs(20));
    // INIT at 0, INIT ACK at 10 ms, COOKIE ECHO with DATA at 20 ms, COOKIE ACK at 30 ms.
    let kinds: Vec<(Instant, bool, &'static str)> = p
        .log
        .iter()
        .take(4)
        .map(|(t, to_s, pkt)| {
            let k = match pkt.header.control {
                Control::Init(_) => "INIT",
                Control::InitAck(..) => "INIT ACK",
                Control::CookieEcho(_) => "COOKIE ECHO",
                Control::CookieAck => "COOKIE ACK",
                _ => "other",
            };
            (*t, *to_s, k)
        })
        .collect();
    // Each packet arrives 10 ms after it is serialized at 20 Mbit/s.
    let hop = |t: Instant, k: usize| t + ms(10) + tx(p.log[k].2.size);
    let sent: Vec<Instant> = p.log.iter().take(4).map(|e| e.0).collect();
    assert_eq!(
        kinds,
        [
            (at_ms(0), true, "INIT"),
            (hop(sent[0], 0), false, "INIT ACK"),
            (hop(sent[1], 1), true, "COOKIE ECHO"),
            (hop(sent[2], 2), false, "COOKIE ACK"),
        ]
    );
    // The INIT lists both client addresses; the COOKIE ECHO carries the first window's DATA:
    // min(4 MTU, max(2 MTU, 4404)) = 4404 octets allow 4 chunks of 1452 (flight < cwnd).
    let Control::Init(init) = p.log[0].2.header.control else {
        panic!("INIT first");
    };
    assert_eq!(init.addrs.as_slice(), &[C1, C2]);
    let echo = p.log[2].2.header;
    assert_eq!(echo.data.map(|d| (d.count, d.len)), Some((1, 1452)));
    assert_eq!(p.log[0].2.size, 20 + 12 + 20 + 16);
    // Every byte arrives, once; both ends close with SHUTDOWN / ACK / COMPLETE.
    assert_eq!(p.delivered(), 100_000);
    assert_eq!(p.client.state(), AssocState::Closed);
    assert_eq!(p.server.as_ref().unwrap().state(), AssocState::Closed);
    assert_eq!(p.client.error(), None);
    let st = p.client.stats();
    assert_eq!((st.bytes_acked, st.bytes_retransmitted), (100_000, 0));
    // The server verified the client's second address with a HEARTBEAT at once (§5.4).
    let verified = p.log.iter().any(|(_, to_s, pkt)| {
        !to_s && pkt.dst == C2 && matches!(pkt.header.control, Control::Heartbeat(_))
    });
    assert!(verified);
    assert!(p.client_events.iter().any(|e| e.1 == SctpEvent::Closed));
}

/// RFC 9260 §6.3.3 and §8.2: with the primary path dead, each T3-rtx timeout doubles its RTO
/// (1, 2, 4, 8, 16, 32, 60 s from RTO.Min up to RTO.Max) and moves the timed-out chunks to the
/// alternate path; new data keeps going to the primary until its error counter exceeds
/// Path.Max.Retrans = 5, when the primary becomes inactive and everything fails over. The
/// first timeout's error is cleared again (§8.2) by the late SACK for chunks that reached the
/// server just before the failure (it comes back over the alternate), so the primary fails at
/// the seventh timeout: about 1 + 2 + 4 + 8 + 16 + 32 + 60 = 123 s after the failure.
#[test]
fn failover_after_path_max_retrans_timeouts_with_back_off() {
    let mut p = Pair::new(SctpConfig::rfc9260(), ms(10), None);
    // The primary path fails at 5 s, in the middle of the transfer.
    let fail = Instant::from_secs(5);
    p.down[0].push((fail, Instant::MAX));
    p.run_until(Instant::from_secs(160));
    let timeouts: Vec<(Instant, Addr, Duration)> = p
        .client_events
        .iter()
        .filter_map(|&(t, e)| match e {
            SctpEvent::Timeout { remote, rto } => Some((t, remote, rto)),
            _ => None,
        })
        .collect();
    assert_eq!(timeouts.len(), 7, "{timeouts:?}");
    // The last acknowledged progress on the primary restarted its timer with RTO = 1 s
    // (RTO.Min: the path's RTT is about 20 ms), just before the failure.
    let first = timeouts[0].0;
    assert!(
        first > fail && first <= fail + Duration::from_secs(1),
        "{first}"
    );
    let secs = Duration::from_secs;
    let rtos: Vec<Duration> = timeouts.iter().map(|t| t.2).collect();
    assert_eq!(rtos, [2, 4, 8, 16, 32, 60, 60].map(secs));
    assert!(timeouts.iter().all(|t| t.1 == S1));
    // R1: after each timeout the next DATA sent to the primary starts its timer afresh, and
    // it expires exactly one (backed-off) RTO later. (The first back-off interval can be a
    // little longer: a SACK for chunks that reached the server just before the failure comes
    // back over the alternate and restarts the timer by R3.)
    assert!(timeouts[1].0 - timeouts[0].0 < secs(2) + ms(100));
    for k in 2..7 {
        let sent = p
            .log
            .iter()
            .find(|(t, to_s, pkt)| {
                *to_s && *t >= timeouts[k - 1].0 && pkt.dst == S1 && pkt.header.data.is_some()
            })
            .map(|e| e.0)
            .expect("new data keeps going to the primary");
        assert_eq!(timeouts[k].0, sent + timeouts[k - 1].2, "timeout {k}");
    }
    let inactive = p.client_events.iter().find_map(|&(t, e)| match e {
        SctpEvent::PathState {
            remote: S1,
            to: PathState::Inactive,
            ..
        } => Some(t),
        _ => None,
    });
    assert_eq!(inactive, Some(timeouts[6].0));
    assert!(timeouts[6].0 >= first + secs(122));
    // Between the timeouts, the primary carried one new chunk per RTO and the alternate only
    // the retransmissions; after the failover everything goes to the alternate.
    let to_s2_after: u64 = p
        .log
        .iter()
        .filter(|(t, to_s, pkt)| *to_s && *t > timeouts[6].0 && pkt.dst == S2)
        .map(|(_, _, pkt)| pkt.header.payload())
        .sum();
    assert!(to_s2_after > 10_000_000, "{to_s2_after}");
    assert_eq!(p.client.error(), None);
    assert_eq!(p.client.paths()[0].state, PathState::Inactive);
    assert_eq!(p.client.paths()[1].state, PathState::Active);
}

/// RFC 7829 (SCTP-PF, Linux's default with pf_retrans = 0): the first timeout makes the
/// primary potentially failed and new data moves to the alternate at once.
#[test]
fn potentially_failed_moves_data_at_the_first_timeout() {
    let mut p = Pair::new(SctpConfig::linux(), ms(10), None);
    let fail = Instant::from_secs(5);
    p.down[0].push((fail, Instant::MAX));
    p.run_until(Instant::from_secs(20));
    let pf = p.client_events.iter().find_map(|&(t, e)| match e {
        SctpEvent::PathState {
            remote: S1,
            to: PathState::PotentiallyFailed,
            ..
        } => Some(t),
        _ => None,
    });
    let first_timeout = p.client_events.iter().find_map(|&(t, e)| match e {
        SctpEvent::Timeout { .. } => Some(t),
        _ => None,
    });
    assert!(pf.is_some());
    assert_eq!(pf, first_timeout);
    // From then on, new data goes to S2 only (S1 gets heartbeats).
    let t = pf.unwrap();
    let data_to_s1_after = p
        .log
        .iter()
        .filter(|(at, to_s, pkt)| *to_s && *at > t && pkt.dst == S1 && pkt.header.data.is_some())
        .count();
    assert_eq!(data_to_s1_after, 0);
    let hb_to_s1 = p
        .log
        .iter()
        .filter(|(at, _, pkt)| {
            *at > t && pkt.dst == S1 && matches!(pkt.header.control, Control::Heartbeat(_))
        })
        .count();
    // Once per (backed-off) RTO: about 2, 4 and 8 s apart.
    assert!(
        (3..=5).contains(&hb_to_s1),
        "PF heartbeats once per RTO: {hb_to_s1}"
    );
    assert!(p.delivered() > 20_000_000);
}

/// §8.3: an idle path is probed with HEARTBEATs every RTO + HB.interval ± RTO/2; each one
/// unanswered for one RTO is an error and backs the RTO off; after Path.Max.Retrans + 1 the
/// path is inactive. Data on the primary keeps the association's counter at zero.
#[test]
fn heartbeats_detect_a_failed_idle_path() {
    let mut p = Pair::new(SctpConfig::rfc9260(), ms(10), None);
    let fail = Instant::from_secs(5);
    p.down[1].push((fail, Instant::MAX));
    p.run_until(Instant::from_secs(600));
    let hbs: Vec<Instant> = p
        .log
        .iter()
        .filter(|(_, to_s, pkt)| {
            *to_s && pkt.dst == S2 && matches!(pkt.header.control, Control::Heartbeat(_))
        })
        .map(|(t, _, _)| *t)
        .collect();
    let inactive = p.client_events.iter().find_map(|&(t, e)| match e {
        SctpEvent::PathState {
            remote: S2,
            to: PathState::Inactive,
            ..
        } => Some(t),
        _ => None,
    });
    let inactive = inactive.expect("the idle path is found dead");
    let lost: Vec<Instant> = hbs.iter().copied().filter(|&t| t >= fail).collect();
    assert!(lost.len() >= 6, "{hbs:?}");
    // The sixth unanswered HEARTBEAT after the failure is declared lost one RTO after it was
    // sent; that RTO is RTO.Min doubled five times (1 s → 32 s).
    assert_eq!(inactive, lost[5] + Duration::from_secs(32));
    // Periods: RTO + HB.interval ± RTO/2, with the RTO doubling after each loss.
    for (k, w) in lost.windows(2).take(5).enumerate() {
        let rto = Duration::from_secs(1 << k);
        let gap = w[1] - w[0];
        let lo = Duration::from_secs(30) + Duration::from_nanos(rto.as_nanos() / 2);
        assert!(gap >= lo && gap < lo + rto, "gap {k}: {gap}");
    }
    assert_eq!(p.client.error(), None);
    assert_eq!(p.client.paths()[0].state, PathState::Active);
}

/// §8.1: with both paths dead, retransmissions and heartbeats go unanswered until the
/// association's error counter exceeds Association.Max.Retrans = 10: the association fails.
#[test]
fn association_fails_after_association_max_retrans() {
    let mut p = Pair::new(SctpConfig::rfc9260(), ms(10), None);
    let fail = Instant::from_secs(5);
    p.down[0].push((fail, Instant::MAX));
    p.down[1].push((fail, Instant::MAX));
    p.run_until(Instant::from_secs(2_000));
    assert_eq!(p.client.error(), Some(SctpError::Unreachable));
    assert_eq!(p.client.state(), AssocState::Closed);
    let failed = p
        .client_events
        .iter()
        .find(|e| e.1 == SctpEvent::Failed(SctpError::Unreachable))
        .map(|e| e.0)
        .unwrap();
    let timeouts = p
        .client_events
        .iter()
        .filter(|e| matches!(e.1, SctpEvent::Timeout { .. }))
        .count();
    // The eleventh error (timeouts plus lost heartbeats) ends it.
    assert!(timeouts <= 11 && failed > fail, "{timeouts} {failed}");
    let after = p
        .log
        .iter()
        .filter(|(t, to_s, _)| *to_s && *t > failed)
        .count();
    assert_eq!(after, 0, "nothing is sent after the ABORT");
}
