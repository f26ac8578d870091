//! Two-host, two-path harness for MPTCP tests: a client host with addresses `C0`, `C1` and a
//! server host with `S0`, `S1`. Path `k` carries every packet to or from `Ck` (whatever the
//! server address), with its own delay, rate, Bernoulli loss and up/down state. Hosts are the
//! real [`HostStack`]s; the harness steps from one deadline to the next.
//!
//! Wire test mode: every packet's header is emitted to octets and parsed back (all option
//! bytes round-trip) and its size checked against the encoding; the whole packet (IPv4,
//! TCP, payload) is encoded as a capture would and parsed back with both checksums
//! verified. A `mutate` hook can rewrite
//! a packet before it enters the path (and is logged), an `on_step` hook checks invariants
//! after every event.
#![allow(dead_code)]

use mptcp_model::app::BulkSender;
use mptcp_model::event::Event;
use mptcp_model::host::{FlowEvent, FlowId, HostStack, LocalAddr, Role};
use mptcp_model::mptcp::{MptcpConfig, MptcpEventKind};
use mptcp_model::tcp::SocketAddr;
use mptcp_model::wire::mptcp::{MptcpOption, SeqField};
use mptcp_model::wire::packet::{dss_checksum, parse_packet, PacketEncoder};
use mptcp_model::wire::TcpHeader;
use rand::Rng;
use sim_core::{Addr, Bandwidth, Duration, Host, Instant, Packet, RngStream};
use std::collections::BTreeMap;

pub(crate) const FLOW: FlowId = FlowId(1);
pub(crate) const PORT: u16 = 5001;

pub(crate) fn c(k: u8) -> Addr {
    Addr::new(10, 0, k, 1)
}

pub(crate) fn s(k: u8) -> Addr {
    Addr::new(10, 1, k, 1)
}

/// One path (both directions).
pub(crate) struct Path {
    pub(crate) delay: Duration,
    pub(crate) rate: Option<Bandwidth>,
    pub(crate) loss: f64,
    pub(crate) up: bool,
    free_at: [Instant; 2],
    rng: RngStream,
}

impl Path {
    fn new(delay_ms: u64, seed: u64, k: usize) -> Self {
        Path {
            delay: Duration::from_millis(delay_ms),
            rate: None,
            loss: 0.0,
            up: true,
            free_at: [Instant::ZERO; 2],
            rng: sim_core::rng::stream(seed, &format!("path/{k}")),
        }
    }
}

/// A logged packet.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rec {
    pub(crate) t: Instant,
    pub(crate) to_server: bool,
    pub(crate) path: usize,
    pub(crate) pkt: Packet<TcpHeader>,
    pub(crate) dropped: bool,
    /// When it reaches the other host (`None` if dropped).
    pub(crate) arrival: Option<Instant>,
}

type Mutate = Box<dyn FnMut(&mut Packet<TcpHeader>, bool)>;
type DropIf = Box<dyn FnMut(&Packet<TcpHeader>, bool) -> bool>;
type OnStep = Box<dyn FnMut(&HostStack, &HostStack)>;

/// The two hosts and the two paths.
pub(crate) struct Net {
    pub(crate) now: Instant,
    pub(crate) client: HostStack,
    pub(crate) server: HostStack,
    pub(crate) paths: [Path; 2],
    flight: BTreeMap<(Instant, u64), (bool, usize, Packet<TcpHeader>)>,
    seq: u64,
    pub(crate) log: Vec<Rec>,
    /// Every event of the client's and the server's endpoints, drained after each step.
    pub(crate) client_events: Vec<FlowEvent>,
    pub(crate) server_events: Vec<FlowEvent>,
    pub(crate) mutate: Mutate,
    /// Drops a packet (after `mutate`) when it returns true: a filter on the path.
    pub(crate) drop_if: DropIf,
    /// `mutate` changes MPTCP options (their checksums then need not match).
    pub(crate) rewrites_options: bool,
    pub(crate) on_step: OnStep,
    encoder: PacketEncoder,
    octets: Vec<u8>,
}

/// Path of a packet: by its client-side address.
fn path_of(p: &Packet<TcpHeader>, to_server: bool) -> usize {
    let ca = if to_server { p.src } else { p.dst };
    usize::from(ca == c(1))
}

impl Net {
    /// Paths with one-way delays `d0`, `d1` ms; the client sends `total` bytes (or receives
    /// them when `client_sends` is false) from `C0` (+ `C1`) to `S0`; the server announces
    /// `S1` when `announce`.
    pub(crate) fn new(
        seed: u64,
        d0: u64,
        d1: u64,
        cfg: MptcpConfig,
        total: u64,
        client_sends: bool,
    ) -> Net {
        Net::build(
            seed,
            [d0, d1],
            cfg,
            total,
            client_sends,
            [false, false],
            false,
        )
    }

    pub(crate) fn build(
        seed: u64,
        delays: [u64; 2],
        cfg: MptcpConfig,
        total: u64,
        client_sends: bool,
        backup: [bool; 2],
        announce: bool,
    ) -> Net {
        let mut client = HostStack::new("client", seed);
        let mut server = HostStack::new("server", seed);
        let sender = Role::Send(BulkSender::bytes(total));
        let (cr, sr) = if client_sends {
            (sender, Role::Receive)
        } else {
            (Role::Receive, sender)
        };
        let ann = if announce { vec![s(1)] } else { vec![] };
        server.add_mptcp_server(FLOW, SocketAddr::new(s(0), PORT), ann, cfg, sr);
        let locals = (0..2)
            .map(|k| LocalAddr {
                addr: c(k as u8),
                backup: backup[k],
            })
            .collect();
        client.add_mptcp_client(
            FLOW,
            locals,
            SocketAddr::new(s(0), PORT),
            Instant::ZERO,
            cfg,
            cr,
        );
        Net {
            now: Instant::ZERO,
            client,
            server,
            paths: [Path::new(delays[0], seed, 0), Path::new(delays[1], seed, 1)],
            flight: BTreeMap::new(),
            seq: 0,
            log: Vec::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            mutate: Box::new(|_, _| {}),
            drop_if: Box::new(|_, _| false),
            rewrites_options: false,
            on_step: Box::new(|_, _| {}),
            encoder: PacketEncoder::new(),
            octets: Vec::new(),
        }
    }

    fn transmit(&mut self, to_server: bool, mut pkt: Packet<TcpHeader>) {
        (self.mutate)(&mut pkt, to_server);
        // A middlebox that changes options fixes the IP length.
        pkt.size = pkt.header.packet_size();
        let mut buf = [0u8; 60];
        let n = pkt.header.emit(&mut buf).expect("emit");
        let header = TcpHeader {
            payload_rewrite: None,
            ..pkt.header
        };
        assert_eq!(
            TcpHeader::parse(&buf[..n], pkt.header.payload_len),
            Ok(header),
            "round trip"
        );
        assert_eq!(pkt.size, 20 + n as u32 + pkt.header.payload_len);
        self.encoder.encode(&pkt, &mut self.octets).expect("encode");
        let mut back = parse_packet(&self.octets).expect("checksums verify");
        // A payload rewrite is in the octets, not in the header.
        back.header.payload_rewrite = pkt.header.payload_rewrite;
        assert_eq!(back, pkt, "whole-packet round trip");
        self.check_dss_checksums(&pkt);
        let k = path_of(&pkt, to_server);
        let filtered = (self.drop_if)(&pkt, to_server);
        let path = &mut self.paths[k];
        let lost = path.loss > 0.0 && path.rng.random::<f64>() < path.loss;
        let dropped = !path.up || lost || filtered;
        let d = usize::from(to_server);
        let start = self.now.max(path.free_at[d]);
        let tx = path
            .rate
            .map_or(Duration::ZERO, |r| r.transmit_time(u64::from(pkt.size)));
        let arrival = start + tx + path.delay;
        self.log.push(Rec {
            t: self.now,
            to_server,
            path: k,
            pkt,
            dropped,
            arrival: (!dropped).then_some(arrival),
        });
        if dropped {
            return;
        }
        path.free_at[d] = start + tx;
        self.seq += 1;
        self.flight.insert((arrival, self.seq), (to_server, k, pkt));
    }

    /// Every DSS checksum a packet carries is the real one of its payload octets as sent
    /// (before a `mutate` rewrite), unless the test rewrote the option itself.
    fn check_dss_checksums(&self, pkt: &Packet<TcpHeader>) {
        for o in pkt.header.options.mptcp.iter() {
            if let MptcpOption::Dss(d) = o {
                let Some(m) = d.mapping.filter(|m| m.data_len > 0) else {
                    continue;
                };
                if let (Some(sum), SeqField::Long(dsn)) = (m.checksum, m.dsn) {
                    let want = dss_checksum(dsn, m.subflow_seq, m.data_len, d.data_fin);
                    assert!(
                        sum == want || self.rewrites_options,
                        "DSS checksum of {pkt:?}"
                    );
                }
            }
        }
    }

    fn drain(&mut self, to_server: bool, tx: &mut Vec<Packet<TcpHeader>>) {
        for p in std::mem::take(tx) {
            self.transmit(to_server, p);
        }
    }

    fn next_event(&self) -> Option<Instant> {
        [
            self.flight.keys().next().map(|k| k.0),
            self.client.poll_timeout(),
            self.server.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Processes the next event; false when there is none.
    pub(crate) fn step(&mut self) -> bool {
        let Some(t) = self.next_event() else {
            return false;
        };
        self.now = self.now.max(t);
        let mut tx = Vec::new();
        if let Some((&key, _)) = self.flight.iter().next().filter(|(k, _)| k.0 <= self.now) {
            let (to_server, k, pkt) = self.flight.remove(&key).expect("queued");
            if self.paths[k].up {
                if to_server {
                    self.server.on_packet(self.now, &pkt, &mut tx);
                    self.drain(false, &mut tx);
                } else {
                    self.client.on_packet(self.now, &pkt, &mut tx);
                    self.drain(true, &mut tx);
                }
            }
        } else {
            if self.client.poll_timeout().is_some_and(|t| t <= self.now) {
                self.client.on_timeout(self.now, &mut tx);
                self.drain(true, &mut tx);
            }
            if self.server.poll_timeout().is_some_and(|t| t <= self.now) {
                self.server.on_timeout(self.now, &mut tx);
                self.drain(false, &mut tx);
            }
        }
        (self.on_step)(&self.client, &self.server);
        self.gather_events();
        true
    }

    fn gather_events(&mut self) {
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
        }
    }

    /// The MPTCP-level events of the client (or the server) so far: (subflow number, what).
    pub(crate) fn mptcp_events(&self, client: bool) -> Vec<(Option<u32>, MptcpEventKind)> {
        let all = if client {
            &self.client_events
        } else {
            &self.server_events
        };
        all.iter()
            .filter_map(|e| match e.event {
                Event::Mptcp(k) => Some((e.subflow.map(|s| s.number), k)),
                Event::Tcp(_) => None,
            })
            .collect()
    }

    /// The MPTCP-level events of the client (or the server) from `from` on: (when, subflow
    /// number, what).
    pub(crate) fn events_since(
        &self,
        client: bool,
        from: Instant,
    ) -> Vec<(Instant, Option<u32>, MptcpEventKind)> {
        let all = if client {
            &self.client_events
        } else {
            &self.server_events
        };
        all.iter()
            .filter(|e| e.at >= from)
            .filter_map(|e| match e.event {
                Event::Mptcp(k) => Some((e.at, e.subflow.map(|s| s.number), k)),
                Event::Tcp(_) => None,
            })
            .collect()
    }

    /// The nonzero `MPTcpExt` counters of the client's (or the server's) host.
    pub(crate) fn mib(&self, client: bool) -> Vec<(&'static str, u64)> {
        let h = if client { &self.client } else { &self.server };
        h.mptcp_mib().nonzero().collect()
    }

    /// Runs every event up to `t`, then sets the clock to `t`.
    pub(crate) fn run_until(&mut self, t: Instant) {
        while self.next_event().is_some_and(|e| e <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Path `k` goes down or up (both directions); the client's interface on it is told.
    pub(crate) fn set_path(&mut self, k: usize, up: bool) {
        self.paths[k].up = up;
        let mut tx = Vec::new();
        self.client
            .on_interface_change(self.now, c(k as u8), up, &mut tx);
        self.drain(true, &mut tx);
        self.gather_events();
    }

    /// Client → server packets with payload.
    pub(crate) fn data_to_server(&self) -> impl Iterator<Item = &Rec> {
        self.log
            .iter()
            .filter(|r| r.to_server && r.pkt.header.payload_len > 0)
    }

    /// The data sender's host.
    pub(crate) fn stats(&self, client: bool) -> mptcp_model::mptcp::MptcpStats {
        let h = if client { &self.client } else { &self.server };
        h.mptcp_stats(FLOW).expect("connection")
    }
}
