//! A Transport Converter (RFC 8803) between an MPTCP client and an unmodified TCP server:
//! the Convert exchange on the wire, its timing, and byte conservation end to end.
//!
//! Three real [`HostStack`]s joined by fixed one-way delays (no rate limit, no loss): the
//! client (two addresses) is 10 ms from the converter, the converter 20 ms from the server.
//! Packets travel as [`WireHeader`]s, as between hosts in a simulation.

use mptcp_model::app::BulkSender;
use mptcp_model::host::{FlowId, HostStack, LocalAddr, Role, RESPONSE_LEN};
use mptcp_model::mptcp::MptcpConfig;
use mptcp_model::tcp::{SocketAddr, TcpConfig, TcpState};
use mptcp_model::wire::convert::{ConvertMsg, ConvertTlv, PORT};
use mptcp_model::wire::WireHeader;
use sim_core::{Addr, Duration, Host, Instant, Packet};
use std::collections::BTreeMap;

const FLOW: FlowId = FlowId(3);
const SERVER_PORT: u16 = 443;
const C0: Addr = Addr::new(10, 0, 0, 1);
const C1: Addr = Addr::new(10, 0, 1, 1);
const CONV: Addr = Addr::new(10, 2, 0, 1);
const SERVER: Addr = Addr::new(10, 3, 0, 1);

/// A packet on the wire: when it left, from which host, and what it was.
#[derive(Clone, Debug)]
struct Sent {
    at: Instant,
    pkt: Packet<WireHeader>,
}

struct Net {
    now: Instant,
    /// client, converter, server.
    hosts: [HostStack; 3],
    flight: BTreeMap<(Instant, u64), (usize, Packet<WireHeader>)>,
    seq: u64,
    log: Vec<Sent>,
}

fn host_of(a: Addr) -> usize {
    match a {
        C0 | C1 => 0,
        CONV => 1,
        SERVER => 2,
        _ => panic!("no host has {a}"),
    }
}

/// One-way delay between two hosts.
fn delay(a: usize, b: usize) -> Duration {
    match (a.min(b), a.max(b)) {
        (0, 1) => Duration::from_millis(10),
        (1, 2) => Duration::from_millis(20),
        _ => panic!("no link {a}-{b}"),
    }
}

impl Net {
    /// A download of `bytes` from the server through the converter (relay buffer `buffer`).
    fn download(bytes: u64, buffer: u64) -> Net {
        Net::new(bytes, buffer, false)
    }

    /// A transfer of `bytes` through the converter: the server sends (a download) or the
    /// client does (`upload`).
    fn new(bytes: u64, buffer: u64, upload: bool) -> Net {
        let mut hosts = [
            HostStack::new("client", 1),
            HostStack::new("converter", 1),
            HostStack::new("server", 1),
        ];
        let cfg = MptcpConfig::default();
        let conv = SocketAddr::new(CONV, PORT);
        let server = SocketAddr::new(SERVER, SERVER_PORT);
        let locals = vec![
            LocalAddr {
                addr: C0,
                backup: false,
            },
            LocalAddr {
                addr: C1,
                backup: false,
            },
        ];
        let app = BulkSender { total: Some(bytes) };
        let role = if upload {
            Role::Send(app)
        } else {
            Role::Receive
        };
        hosts[0].add_mptcp_client(FLOW, locals, conv, Instant::ZERO, cfg, role);
        hosts[0].set_convert(FLOW, ConvertMsg::connect(SERVER, SERVER_PORT));
        hosts[1].add_mptcp_server(FLOW, conv, Vec::new(), cfg, Role::Relay);
        hosts[1].add_converter(FLOW, conv, server, TcpConfig::default(), buffer);
        if upload {
            hosts[2].add_listener(FLOW, server, TcpConfig::default());
        } else {
            hosts[2].add_sending_listener(FLOW, server, TcpConfig::default(), app);
        }
        Net {
            now: Instant::ZERO,
            hosts,
            flight: BTreeMap::new(),
            seq: 0,
            log: Vec::new(),
        }
    }

    fn send(&mut self, from: usize, tx: Vec<Packet<WireHeader>>) {
        for p in tx {
            let to = host_of(p.dst);
            self.log.push(Sent {
                at: self.now,
                pkt: p,
            });
            self.seq += 1;
            self.flight
                .insert((self.now + delay(from, to), self.seq), (to, p));
        }
    }

    /// Runs until nothing is in flight and no timer is due before `until`, calling `check`
    /// after every step.
    fn run(&mut self, until: Instant, mut check: impl FnMut(&Net)) {
        loop {
            let timer = (0..3)
                .filter_map(|h| self.hosts[h].poll_timeout().map(|t| (t, h)))
                .min();
            let packet = self.flight.keys().next().copied();
            let mut tx = Vec::new();
            match (timer, packet) {
                (Some((t, h)), p) if p.is_none_or(|(pt, _)| t < pt) => {
                    if t > until {
                        return;
                    }
                    self.now = self.now.max(t);
                    self.hosts[h].on_timeout(self.now, &mut tx);
                    self.send(h, tx);
                }
                (_, Some(key)) => {
                    if key.0 > until {
                        return;
                    }
                    let (to, p) = self.flight.remove(&key).expect("in flight");
                    self.now = key.0;
                    self.hosts[to].on_packet(self.now, &p, &mut tx);
                    self.send(to, tx);
                }
                (_, None) => return,
            }
            check(self);
        }
    }
}

fn ms(n: u64) -> Instant {
    Instant::ZERO + Duration::from_millis(n)
}

#[test]
fn convert_exchange_on_the_wire_and_its_timing() {
    let mut net = Net::download(100_000, 1 << 20);
    net.run(ms(200), |_| {});
    let syns: Vec<(Instant, Addr, Addr, bool, &WireHeader, u32)> = (net.log.iter())
        .filter_map(|s| match &s.pkt.header {
            WireHeader::Tcp(h) | WireHeader::Convert(h, _) if h.flags.syn() => Some((
                s.at,
                s.pkt.src,
                s.pkt.dst,
                h.flags.ack(),
                &s.pkt.header,
                s.pkt.size,
            )),
            _ => None,
        })
        .collect();
    // 1. The client's SYN to the converter carries a Connect TLV naming the server, as TFO
    //    data: 24 octets more than the bare SYN's encoding.
    let (t, src, dst, ack, header, size) = syns[0];
    assert_eq!((t, src, dst, ack), (ms(0), C0, CONV, false));
    let WireHeader::Convert(h, msg) = header else {
        panic!("the first SYN carries no Convert message: {header:?}");
    };
    assert_eq!(
        msg.tlv,
        Some(ConvertTlv::Connect {
            addr: SERVER,
            port: SERVER_PORT
        })
    );
    assert_eq!(h.dst_port, PORT);
    let mut bytes = [0u8; 24];
    assert_eq!(msg.emit(&mut bytes), Ok(24));
    assert_eq!(bytes[..8], [1, 6, 0x22, 0x63, 0x0a, 5, 0x01, 0xbb]);
    assert_eq!(bytes[20..], [10, 3, 0, 1]);
    assert_eq!(size, 20 + h.header_len() as u32 + 24);
    // 2. The converter holds it and opens TCP to the server at once (10 ms); the server
    //    answers (30 ms); only then (50 ms) does the converter answer the client's SYN.
    let rest: Vec<(Instant, Addr, Addr, bool)> = (syns[1..].iter())
        .map(|&(t, s, d, a, h, _)| {
            assert!(
                matches!(h, WireHeader::Tcp(_)),
                "only the first SYN converts"
            );
            (t, s, d, a)
        })
        .collect();
    assert_eq!(
        rest[..3],
        [
            (ms(10), CONV, SERVER, false),
            (ms(30), SERVER, CONV, true),
            (ms(50), CONV, C0, true),
        ]
    );
    // 3. The second subflow joins the converter directly (MP_JOIN, no Convert message).
    assert!(rest[3..]
        .iter()
        .any(|&(_, s, d, a)| (s, d, a) == (C1, CONV, false)));
    let stats = net.hosts[1].relay_stats(FLOW);
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].syn_at, Some(ms(10)));
    assert_eq!(stats[0].server_established_at, Some(ms(50)));
    // 4. The whole object arrived; the converter's 4-octet answer is not counted as data.
    assert_eq!(net.hosts[0].app_bytes_read(FLOW), 100_000);
    let conn = net.hosts[0].mptcp_connection(FLOW).expect("connection");
    assert_eq!(conn.app_bytes_read(), 100_000 + RESPONSE_LEN);
}

#[test]
fn bytes_are_conserved_end_to_end_through_the_relay() {
    const TOTAL: u64 = 20_000_000;
    const BUFFER: u64 = 4 * 1024;
    let mut net = Net::download(TOTAL, BUFFER);
    let mut max_buffered = 0;
    net.run(ms(60_000), |n| {
        let written = n.hosts[2].app_bytes_written(FLOW);
        let st = n.hosts[1].relay_stats(FLOW);
        let Some(st) = st.first() else {
            return;
        };
        let read = n.hosts[0].app_bytes_read(FLOW);
        // Every byte the client read was relayed; every relayed or buffered byte was
        // written by the server.
        assert!(read <= st.bytes_down, "{read} > {}", st.bytes_down);
        assert!(st.bytes_down + st.buffered_down <= written);
        max_buffered = max_buffered.max(st.buffered_down);
    });
    let st = net.hosts[1].relay_stats(FLOW)[0];
    assert_eq!(net.hosts[2].app_bytes_written(FLOW), TOTAL);
    assert_eq!((st.bytes_down, st.buffered_down), (TOTAL, 0));
    assert_eq!(net.hosts[0].app_bytes_read(FLOW), TOTAL);
    assert_eq!(st.bytes_up, 0);
    // The relay buffered (the client leg is slower to open its window than the server leg)
    // up to its limit, never beyond. The limit is small (4 KiB) so that it is reached: the
    // client leg falls at most about 7 KB behind the server leg in this network.
    assert_eq!(max_buffered, BUFFER);
    // The FINs were passed on: the server's connection closed (the converter closed its
    // side once the server's FIN came and its buffer toward the client was empty).
    let state = net.hosts[2].sender_state(FLOW);
    assert!(
        matches!(state, Some(TcpState::Closed | TcpState::TimeWait)),
        "{state:?}"
    );
}

#[test]
fn an_upload_is_relayed_whole_to_the_server() {
    const TOTAL: u64 = 5_000_000;
    let mut net = Net::new(TOTAL, 128 * 1024, true);
    net.run(ms(60_000), |n| {
        let Some(st) = n.hosts[1].relay_stats(FLOW).first().copied() else {
            return;
        };
        let (read, written) = (
            n.hosts[2].app_bytes_read(FLOW),
            n.hosts[0].app_bytes_written(FLOW),
        );
        assert!(read <= st.bytes_up && st.bytes_up + st.buffered_up <= written);
    });
    let st = net.hosts[1].relay_stats(FLOW)[0];
    assert_eq!((st.bytes_up, st.buffered_up, st.bytes_down), (TOTAL, 0, 0));
    assert_eq!(net.hosts[2].app_bytes_read(FLOW), TOTAL);
    assert_eq!(net.hosts[0].app_bytes_written(FLOW), TOTAL);
}

/// A server that refuses (no listener: it answers the converter's SYN with a RST) makes the
/// converter reset the client's held SYN instead of answering it; the client gives up (no
/// second attempt after a refusal).
#[test]
fn a_refused_connection_resets_the_client() {
    let mut net = Net::download(1000, 1 << 20);
    net.hosts[2] = HostStack::new("server", 1);
    net.run(ms(1000), |_| {});
    let to_client: Vec<(Instant, bool, bool)> = (net.log.iter())
        .filter(|s| s.pkt.src == CONV && s.pkt.dst == C0)
        .map(|s| match &s.pkt.header {
            WireHeader::Tcp(h) => (s.at, h.flags.syn(), h.flags.rst()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(to_client, [(ms(50), false, true)]);
    let st = net.hosts[1].relay_stats(FLOW)[0];
    assert_eq!((st.server_established_at, st.bytes_down), (None, 0));
    assert_eq!(net.hosts[0].app_bytes_read(FLOW), 0);
}
