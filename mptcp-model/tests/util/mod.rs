//! Test harness (quinn-proto `tests/util.rs` style): a client and a server socket joined by
//! two one-way links with a fixed delay and optional serialization rate, a scriptable drop
//! predicate, a log of every packet, and stepping from one deadline to the next.
//!
//! Every packet's header is emitted to octets and parsed back (the wire test mode).
#![allow(dead_code)]

use mptcp_model::app::{BulkSender, Sink};
use mptcp_model::tcp::{reset_reply, SocketAddr, TcpConfig, TcpSocket, TcpState};
use mptcp_model::wire::{SeqNum, TcpHeader};
use sim_core::{Addr, Bandwidth, Duration, Instant, Packet};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub(crate) const CLIENT_ISN: SeqNum = SeqNum(1_000_000);
/// Close to the wrap so that every test crosses 2^32 on the server's side.
pub(crate) const SERVER_ISN: SeqNum = SeqNum(u32::MAX - 5_000);

pub(crate) fn client_addr() -> SocketAddr {
    SocketAddr::new(Addr::new(10, 0, 0, 1), 40_000)
}

pub(crate) fn server_addr() -> SocketAddr {
    SocketAddr::new(Addr::new(10, 0, 1, 1), 5_001)
}

/// Which way a packet travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    ToServer,
    ToClient,
}

/// One packet handed to a link.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Record {
    pub(crate) sent: Instant,
    pub(crate) dir: Dir,
    pub(crate) pkt: Packet<TcpHeader>,
    pub(crate) dropped: bool,
}

impl Record {
    /// Offset of the first payload octet in the client's data stream (client → server).
    pub(crate) fn data_off(&self) -> u64 {
        u64::from(self.pkt.header.seq.0.wrapping_sub(CLIENT_ISN.0 + 1))
    }
    /// Payload range `[start, end)` in the client's data stream.
    pub(crate) fn data_range(&self) -> (u64, u64) {
        let s = self.data_off();
        (s, s + u64::from(self.pkt.header.payload_len))
    }
    /// Client-stream offset acknowledged by a server → client packet.
    pub(crate) fn ack_off(&self) -> u64 {
        u64::from(self.pkt.header.ack.0.wrapping_sub(CLIENT_ISN.0 + 1))
    }
}

#[derive(Default)]
struct Link {
    queue: VecDeque<(Instant, Packet<TcpHeader>)>,
    free_at: Instant,
}

type DropFn = Box<dyn FnMut(Dir, &Record) -> bool>;

/// Two endpoints and the path between them.
pub(crate) struct Pair {
    pub(crate) now: Instant,
    pub(crate) client: TcpSocket,
    pub(crate) server: Option<TcpSocket>,
    pub(crate) server_cfg: TcpConfig,
    pub(crate) delay: Duration,
    pub(crate) rate: Option<Bandwidth>,
    to_server: Link,
    to_client: Link,
    pub(crate) drop: DropFn,
    pub(crate) log: Vec<Record>,
    pub(crate) sender: Option<BulkSender>,
    /// The server application reads (a [`Sink`]); false models a stalled reader.
    pub(crate) reading: bool,
    pub(crate) read: u64,
}

impl Pair {
    /// A client connecting at t = 0 with `client_cfg`, a server accepting with `server_cfg`.
    pub(crate) fn new(client_cfg: TcpConfig, server_cfg: TcpConfig, delay: Duration) -> Pair {
        let client = TcpSocket::connect(
            Instant::ZERO,
            client_addr(),
            server_addr(),
            CLIENT_ISN,
            client_cfg,
        );
        let mut p = Pair {
            now: Instant::ZERO,
            client,
            server: None,
            server_cfg,
            delay,
            rate: None,
            to_server: Link::default(),
            to_client: Link::default(),
            drop: Box::new(|_, _| false),
            log: Vec::new(),
            sender: None,
            reading: true,
            read: 0,
        };
        p.drive_apps();
        p
    }

    /// Default configuration on both sides with a sender of `total` bytes.
    pub(crate) fn bulk(cfg: TcpConfig, delay_ms: u64, total: u64) -> Pair {
        let mut p = Pair::new(cfg, cfg, Duration::from_millis(delay_ms));
        p.sender = Some(BulkSender::bytes(total));
        p.drive_apps();
        p
    }

    pub(crate) fn server(&self) -> &TcpSocket {
        self.server.as_ref().expect("server accepted")
    }

    fn drive_apps(&mut self) {
        if let Some(app) = self.sender {
            app.drive(&mut self.client);
        }
        if let Some(s) = self.server.as_mut() {
            if self.reading {
                self.read += Sink.drive(s);
            }
        }
    }

    fn transmit(&mut self, dir: Dir, pkt: Packet<TcpHeader>) {
        // Wire test mode: the header survives emit + parse, and its size is consistent.
        let mut buf = [0u8; 60];
        let n = pkt.header.emit(&mut buf).expect("emit");
        assert_eq!(
            TcpHeader::parse(&buf[..n], pkt.header.payload_len),
            Ok(pkt.header)
        );
        assert_eq!(pkt.size, 20 + n as u32 + pkt.header.payload_len);
        let mut rec = Record {
            sent: self.now,
            dir,
            pkt,
            dropped: false,
        };
        rec.dropped = (self.drop)(dir, &rec);
        self.log.push(rec);
        if rec.dropped {
            return;
        }
        let link = match dir {
            Dir::ToServer => &mut self.to_server,
            Dir::ToClient => &mut self.to_client,
        };
        let start = self.now.max(link.free_at);
        let tx = self
            .rate
            .map_or(Duration::ZERO, |r| r.transmit_time(u64::from(pkt.size)));
        link.free_at = start + tx;
        link.queue.push_back((start + tx + self.delay, pkt));
    }

    /// Drains both sockets' output into the links.
    pub(crate) fn flush(&mut self) {
        loop {
            let mut any = false;
            while let Some(p) = self.client.poll_transmit(self.now) {
                self.transmit(Dir::ToServer, p);
                any = true;
            }
            if let Some(s) = self.server.as_mut() {
                let mut out = Vec::new();
                while let Some(p) = s.poll_transmit(self.now) {
                    out.push(p);
                }
                for p in out {
                    self.transmit(Dir::ToClient, p);
                    any = true;
                }
            }
            if !any {
                break;
            }
            self.drive_apps();
        }
    }

    /// The next instant something happens.
    pub(crate) fn next_event(&mut self) -> Option<Instant> {
        self.flush();
        [
            self.to_server.queue.front().map(|x| x.0),
            self.to_client.queue.front().map(|x| x.0),
            self.client.poll_timeout(),
            self.server.as_ref().and_then(|s| s.poll_timeout()),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Advances to the next event and processes everything due then.
    pub(crate) fn step(&mut self) -> bool {
        let Some(t) = self.next_event() else {
            return false;
        };
        self.now = self.now.max(t);
        while let Some(&(at, pkt)) = self.to_server.queue.front() {
            if at > self.now {
                break;
            }
            self.to_server.queue.pop_front();
            match self.server.as_mut() {
                // A closed endpoint answers with a RST, as a host without the connection.
                Some(s) if s.state() == TcpState::Closed => {
                    if let Some(rst) = reset_reply(&pkt) {
                        self.transmit(Dir::ToClient, rst);
                    }
                }
                Some(s) => s.handle_packet(self.now, &pkt),
                None => {
                    let cfg = self.server_cfg;
                    self.server =
                        TcpSocket::accept(self.now, server_addr(), &pkt, SERVER_ISN, cfg).ok();
                }
            }
            self.drive_apps();
            self.flush();
        }
        while let Some(&(at, pkt)) = self.to_client.queue.front() {
            if at > self.now {
                break;
            }
            self.to_client.queue.pop_front();
            if self.client.state() == TcpState::Closed {
                if let Some(rst) = reset_reply(&pkt) {
                    self.transmit(Dir::ToServer, rst);
                }
            } else {
                self.client.handle_packet(self.now, &pkt);
            }
            self.drive_apps();
            self.flush();
        }
        if self.client.poll_timeout().is_some_and(|t| t <= self.now) {
            self.client.handle_timeout(self.now);
        }
        if let Some(s) = self.server.as_mut() {
            if s.poll_timeout().is_some_and(|t| t <= self.now) {
                s.handle_timeout(self.now);
            }
        }
        self.drive_apps();
        self.flush();
        true
    }

    /// Steps while the next event is at or before `t`, then sets the clock to `t`.
    pub(crate) fn run_until(&mut self, t: Instant) {
        while self.next_event().is_some_and(|e| e <= t) {
            self.step();
        }
        self.now = self.now.max(t);
    }

    /// Steps until nothing is left to do (or `limit` is passed).
    pub(crate) fn run(&mut self, limit: Instant) {
        while self.next_event().is_some_and(|e| e <= limit) {
            self.step();
        }
    }

    /// Records of client → server packets carrying payload.
    pub(crate) fn data_sent(&self) -> impl Iterator<Item = &Record> {
        self.log
            .iter()
            .filter(|r| r.dir == Dir::ToServer && r.pkt.header.payload_len > 0)
    }

    /// Records of client → server packets after the handshake (data, FINs, ACKs, probes).
    pub(crate) fn data_sent_or_probes(&self) -> impl Iterator<Item = &Record> {
        self.log
            .iter()
            .filter(|r| r.dir == Dir::ToServer && !r.pkt.header.flags.syn())
    }

    /// Payload ranges the client sent more than once, in order of retransmission.
    pub(crate) fn retransmitted_ranges(&self) -> Vec<(u64, u64)> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for r in self.data_sent() {
            let range = r.data_range();
            if !seen.insert(range.0) {
                out.push(range);
            }
        }
        out
    }

    /// Send times of client data segments starting at `offset`.
    pub(crate) fn tx_times(&self, offset: u64) -> Vec<Instant> {
        self.data_sent()
            .filter(|r| r.data_off() == offset)
            .map(|r| r.sent)
            .collect()
    }

    /// Lets a stalled reader read again (and acts on it at once).
    pub(crate) fn resume_reading(&mut self) {
        self.reading = true;
        self.drive_apps();
        self.flush();
    }

    /// Server → client packets (ACKs).
    pub(crate) fn acks(&self) -> impl Iterator<Item = &Record> {
        self.log.iter().filter(|r| r.dir == Dir::ToClient)
    }
}

/// Drops the first transmission of each client data segment starting at one of `offsets`.
pub(crate) fn drop_first_tx_of(offsets: &[u64]) -> DropFn {
    let plan: Vec<(u64, u32)> = offsets.iter().map(|&o| (o, 1)).collect();
    drop_tx(&plan)
}

/// Drops the first `n` transmissions of the client data segment starting at `offset`, for
/// each `(offset, n)`.
pub(crate) fn drop_tx(plan: &[(u64, u32)]) -> DropFn {
    let mut left: BTreeMap<u64, u32> = plan.iter().copied().collect();
    Box::new(move |dir, rec| {
        if dir != Dir::ToServer || rec.pkt.header.payload_len == 0 {
            return false;
        }
        match left.get_mut(&rec.data_off()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    })
}
