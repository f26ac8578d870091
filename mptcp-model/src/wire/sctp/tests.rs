//! Byte fixtures of SCTP packets (RFC 9260 §3), round trips and truncation.

use super::*;
use sim_core::Addr;

fn round_trip(p: &SctpPacket) -> Vec<u8> {
    let mut buf = vec![0xaa; p.buffer_len() + 8];
    let n = p.emit(&mut buf).unwrap();
    assert_eq!(n, p.buffer_len());
    buf.truncate(n);
    assert_eq!(SctpPacket::parse(&buf).unwrap(), *p, "{buf:02x?}");
    for cut in 0..n {
        assert_ne!(SctpPacket::parse(&buf[..cut]).ok(), Some(*p), "cut {cut}");
    }
    buf
}

#[test]
fn data_chunks_with_padding() {
    // Two DATA chunks of 5 octets each: 16 + 5 = 21 in the length field, 24 on the wire.
    let p = SctpPacket {
        src_port: 5000,
        dst_port: 40000,
        vtag: 0x0102_0304,
        control: Control::None,
        data: Some(DataRun {
            first_tsn: 0xffff_ffff,
            count: 2,
            len: 5,
            stream: 0,
            first_ssn: 0xffff,
            ppid: 0,
        }),
    };
    let b = round_trip(&p);
    assert_eq!(p.buffer_len(), 12 + 2 * 24);
    assert_eq!(p.packet_size(), 20 + 60);
    assert_eq!(p.payload(), 10);
    #[rustfmt::skip]
    let want: [u8; 60] = [
        0x13, 0x88, 0x9c, 0x40, 1, 2, 3, 4, 0, 0, 0, 0,
        0, 3, 0, 21, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 3, 0, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(b, want);
    // A full-sized chunk: 1452 octets of user data fill a 1500-octet packet exactly.
    let full = SctpPacket {
        data: Some(DataRun {
            count: 1,
            len: 1452,
            ..p.data.unwrap()
        }),
        ..p
    };
    assert_eq!(full.packet_size(), 1500);
}

#[test]
fn sack_with_gaps_and_data_bundled() {
    let mut s = SackRepr::new(100, 65_536);
    assert!(s.push_gap(2, 3));
    assert!(s.push_gap(6, 6));
    assert!(s.push_dup(99));
    let p = SctpPacket {
        src_port: 1,
        dst_port: 2,
        vtag: 7,
        control: Control::Sack(s),
        data: Some(DataRun {
            first_tsn: 9,
            count: 1,
            len: 4,
            ..DataRun::default()
        }),
    };
    let b = round_trip(&p);
    assert_eq!(s.buffer_len(), 16 + 8 + 4);
    #[rustfmt::skip]
    assert_eq!(
        b[12..40],
        [3, 0, 0, 28, 0, 0, 0, 100, 0, 1, 0, 0, 0, 2, 0, 1, 0, 2, 0, 3, 0, 6, 0, 6, 0, 0, 0, 99]
    );
    for _ in 2..MAX_GAPS {
        assert!(s.push_gap(8, 8));
    }
    assert!(!s.push_gap(9, 9));
    assert_eq!(s.gaps().len(), MAX_GAPS);
}

#[test]
fn init_ack_with_cookie_and_addresses() {
    let addrs = AddrList::of(&[Addr::new(10, 0, 1, 1), Addr::new(10, 0, 2, 1)]);
    let init = InitRepr {
        initiate_tag: 0xdead_beef,
        a_rwnd: 106_496,
        outbound_streams: 10,
        inbound_streams: 65_535,
        initial_tsn: 42,
        addrs,
    };
    let p = SctpPacket {
        src_port: 40000,
        dst_port: 5000,
        vtag: 0,
        control: Control::Init(init),
        data: None,
    };
    let b = round_trip(&p);
    assert_eq!(b.len(), 12 + 20 + 16);
    #[rustfmt::skip]
    assert_eq!(
        b[12..],
        [1, 0, 0, 36, 0xde, 0xad, 0xbe, 0xef, 0, 1, 0xa0, 0, 0, 10, 0xff, 0xff, 0, 0, 0, 42,
         0, 5, 0, 8, 10, 0, 1, 1, 0, 5, 0, 8, 10, 0, 2, 1]
    );
    let cookie = CookieRepr {
        peer_tag: 1,
        local_tag: 2,
        peer_initial_tsn: 3,
        local_initial_tsn: 4,
        peer_rwnd: 5,
        peer_port: 6,
        local_port: 7,
        created_ms: 8,
        peer_addrs: addrs,
        mac: [0x5a; COOKIE_MAC_LEN],
    };
    assert_eq!(cookie.buffer_len(), 36 + 8 + 32);
    let ack = SctpPacket {
        control: Control::InitAck(init, cookie),
        vtag: 0xdead_beef,
        ..p
    };
    let b = round_trip(&ack);
    // Chunk header, fixed fields, State Cookie (4 + 76), two addresses.
    assert_eq!(b.len(), 12 + 20 + 80 + 16);
    assert_eq!(b[32..36], [0, 7, 0, 80]);
    let echo = SctpPacket {
        control: Control::CookieEcho(cookie),
        data: Some(DataRun {
            first_tsn: 42,
            count: 1,
            len: 1000,
            ..DataRun::default()
        }),
        ..p
    };
    round_trip(&echo);
}

#[test]
fn small_chunks_round_trip() {
    let hb = HeartbeatInfo {
        dest: Addr::new(10, 0, 2, 1),
        sent_at_ns: 1_000_000_007,
        nonce: 0x0102_0304_0506_0708,
    };
    for c in [
        Control::Heartbeat(hb),
        Control::HeartbeatAck(hb),
        Control::CookieAck,
        Control::Abort { t: true },
        Control::Shutdown { cum_tsn: 77 },
        Control::ShutdownAck,
        Control::ShutdownComplete { t: false },
    ] {
        let p = SctpPacket {
            src_port: 3,
            dst_port: 4,
            vtag: 5,
            control: c,
            data: None,
        };
        round_trip(&p);
    }
    assert_eq!(Control::Heartbeat(hb).buffer_len(), 28);
    assert_eq!(Control::Shutdown { cum_tsn: 0 }.buffer_len(), 8);
}

#[test]
fn malformed_input_is_an_error() {
    // DATA chunk without the B/E flags, an unknown chunk type, two control chunks.
    let mut b = vec![0u8; 12];
    b.extend_from_slice(&[0, 0, 0, 17, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0]);
    assert!(SctpPacket::parse(&b).is_err());
    let mut b = vec![0u8; 12];
    b.extend_from_slice(&[0x80, 0, 0, 4]);
    assert!(SctpPacket::parse(&b).is_err());
    let mut b = vec![0u8; 12];
    b.extend_from_slice(&[11, 0, 0, 4, 11, 0, 0, 4]);
    assert!(SctpPacket::parse(&b).is_err());
    // A zero chunk length would loop forever if accepted.
    let mut b = vec![0u8; 12];
    b.extend_from_slice(&[11, 0, 0, 0]);
    assert!(SctpPacket::parse(&b).is_err());
}
