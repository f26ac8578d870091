//! The MPTCP option parser against real captures: tcpdump's regression pcaps, copied into
//! `tests/data/tcpdump/` (provenance and licence in `tests/data/README.md`). Every MPTCP option
//! in them must parse, re-emit to the same octets, and print like tcpdump's decode in the `.out`
//! beside it; the fuzzed DSS must be refused; the early-Linux ADD_ADDR HMAC must not verify.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use mptcp_model::crypto::{self, Key};
use mptcp_model::wire::mptcp::{
    mptcp_option_slices, mptcp_options, AddAddrKind, AddAddrRepr, CapableForm, CapableRepr,
    DssRepr, Error, JoinRepr, MptcpOption, ResetReason, SeqField,
};

// ---------------------------------------------------------------------------------------
// Locating the captures

fn captures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/tcpdump")
}

// ---------------------------------------------------------------------------------------
// A small pcap reader: classic pcap, both byte orders, micro/nanosecond magic; link types
// Ethernet (1), raw IP (12, 101, 228, 229), Linux cooked SLL (113) and SLL2 (276).

/// One TCP segment out of a capture.
#[derive(Debug)]
struct Segment {
    /// 1-based frame number, as in tcpdump's `.out`.
    frame: usize,
    src: (IpAddr, u16),
    /// TCP flags octet (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10).
    flags: u8,
    /// The option octets (after the fixed 20-octet header), as far as captured.
    options: Vec<u8>,
}

struct Capture {
    link_type: u32,
    frames: usize,
    segments: Vec<Segment>,
}

fn read_pcap(name: &str) -> Capture {
    let path = captures_dir().join(name);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(data.len() >= 24, "{name}: no pcap global header");
    let magic = &data[..4];
    let be = match magic {
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => true,
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => false,
        _ => panic!("{name}: not a classic pcap file (magic {magic:02x?})"),
    };
    let u32_at = |b: &[u8], at: usize| -> u32 {
        let a: [u8; 4] = b[at..at + 4].try_into().unwrap();
        if be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    };
    let link_type = u32_at(&data, 20) & 0x0fff_ffff;
    let mut off = 24;
    let mut frames = 0;
    let mut segments = Vec::new();
    while off + 16 <= data.len() {
        let incl = u32_at(&data, off + 8) as usize;
        off += 16;
        let Some(frame) = data.get(off..off + incl) else {
            panic!(
                "{name}: record {} runs past the end of the file",
                frames + 1
            );
        };
        off += incl;
        frames += 1;
        if let Some(seg) = decode_frame(link_type, frame, frames) {
            segments.push(seg);
        }
    }
    Capture {
        link_type,
        frames,
        segments,
    }
}

/// Link layer -> (ethertype-like protocol, network-layer octets).
fn link_payload(link_type: u32, frame: &[u8]) -> Option<(u16, &[u8])> {
    let be16 = |b: &[u8], at: usize| Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?));
    match link_type {
        1 => {
            let mut ethertype = be16(frame, 12)?;
            let mut rest = frame.get(14..)?;
            while ethertype == 0x8100 || ethertype == 0x88a8 {
                ethertype = be16(rest, 2)?;
                rest = rest.get(4..)?;
            }
            Some((ethertype, rest))
        }
        113 => Some((be16(frame, 14)?, frame.get(16..)?)),
        276 => Some((be16(frame, 0)?, frame.get(20..)?)),
        12 | 101 => match frame.first()? >> 4 {
            4 => Some((0x0800, frame)),
            6 => Some((0x86dd, frame)),
            _ => None,
        },
        228 => Some((0x0800, frame)),
        229 => Some((0x86dd, frame)),
        other => panic!("link type {other} not supported by this reader"),
    }
}

fn decode_frame(link_type: u32, frame: &[u8], number: usize) -> Option<Segment> {
    let (proto, ip) = link_payload(link_type, frame)?;
    let (src, tcp) = match proto {
        0x0800 => {
            let ihl = usize::from(ip.first()? & 0x0f) * 4;
            let frag = u16::from_be_bytes(ip.get(6..8)?.try_into().ok()?) & 0x1fff;
            if *ip.get(9)? != 6 || frag != 0 {
                return None;
            }
            let s: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            (IpAddr::from(s), ip.get(ihl..)?)
        }
        0x86dd => {
            // No extension headers in these captures; anything but TCP is skipped.
            if *ip.get(6)? != 6 {
                return None;
            }
            let s: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            (IpAddr::from(s), ip.get(40..)?)
        }
        _ => return None,
    };
    let sport = u16::from_be_bytes(tcp.get(0..2)?.try_into().ok()?);
    let doff = usize::from(tcp.get(12)? >> 4) * 4;
    let flags = *tcp.get(13)?;
    let end = doff.min(tcp.len());
    let options = tcp.get(20..end).unwrap_or(&[]).to_vec();
    Some(Segment {
        frame: number,
        src: (src, sport),
        flags,
        options,
    })
}

// ---------------------------------------------------------------------------------------
// tcpdump's `.out`: frame number -> the `mptcp ...` items of its option list.

fn read_out(name: &str) -> BTreeMap<usize, Vec<String>> {
    let path = captures_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some(frame) = line.split_whitespace().next().and_then(|t| t.parse().ok()) else {
            continue;
        };
        let Some(start) = line.find("options [") else {
            continue;
        };
        let body = &line[start + "options [".len()..];
        let mut depth = 0i32;
        let mut items = Vec::new();
        let mut cur = String::new();
        for c in body.chars() {
            match c {
                '[' | '{' => depth += 1,
                ']' | '}' if depth > 0 => depth -= 1,
                ']' => break,
                ',' if depth == 0 => {
                    items.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            }
            cur.push(c);
        }
        items.push(cur);
        let mptcp: Vec<String> = items
            .into_iter()
            .filter(|i| i.starts_with("mptcp "))
            .collect();
        if !mptcp.is_empty() {
            out.insert(frame, mptcp);
        }
    }
    out
}

/// Renders an option the way tcpdump's MPTCP printer does (print-mptcp.c), so the whole
/// decode can be compared as text: `mptcp <len> <subtype words and values>`.
fn tcpdump_text(opt: &MptcpOption) -> String {
    let mut s = format!("mptcp {} ", opt.buffer_len());
    let letters = |bits: u8, names: &[(u8, char)]| -> String {
        let l: String = names
            .iter()
            .filter(|(m, _)| bits & m != 0)
            .map(|(_, c)| c)
            .collect();
        if l.is_empty() {
            "none".into()
        } else {
            l
        }
    };
    match opt {
        MptcpOption::Capable(r) => {
            let names = [
                (0x80, 'A'),
                (0x40, 'B'),
                (0x20, 'C'),
                (0x10, 'D'),
                (0x08, 'E'),
                (0x04, 'F'),
                (0x02, 'G'),
                (0x01, 'H'),
            ];
            write!(
                s,
                "capable v{} flags [{}]",
                r.version,
                letters(r.flags.0, &names)
            )
            .unwrap();
            if r.flags.checksum_required() && r.form != CapableForm::Syn {
                s.push_str(" csum");
            }
            match r.form {
                CapableForm::Syn => {}
                CapableForm::SenderKey { sender_key } => {
                    write!(s, " {{{:#x}}}", sender_key.0).unwrap()
                }
                CapableForm::BothKeys {
                    sender_key,
                    receiver_key,
                } => write!(s, " {{{:#x},{:#x}}}", sender_key.0, receiver_key.0).unwrap(),
                CapableForm::WithData {
                    sender_key,
                    receiver_key,
                    data_len,
                    checksum,
                } => {
                    write!(
                        s,
                        " {{{:#x},{:#x},data_len={data_len}",
                        sender_key.0, receiver_key.0
                    )
                    .unwrap();
                    if let Some(c) = checksum {
                        write!(s, ",csum=0x{c:x}").unwrap();
                    }
                    s.push('}');
                }
            }
        }
        MptcpOption::Join(j) => {
            s.push_str("join");
            match *j {
                JoinRepr::Syn {
                    backup,
                    addr_id,
                    token,
                    random,
                } => {
                    if backup {
                        s.push_str(" backup");
                    }
                    write!(s, " id {addr_id} token {token:#x} nonce {random:#x}").unwrap();
                }
                JoinRepr::SynAck {
                    backup,
                    addr_id,
                    truncated_hmac,
                    random,
                } => {
                    if backup {
                        s.push_str(" backup");
                    }
                    write!(
                        s,
                        " id {addr_id} hmac {truncated_hmac:#x} nonce {random:#x}"
                    )
                    .unwrap();
                }
                JoinRepr::Ack { hmac } => {
                    s.push_str(" hmac 0x");
                    for b in hmac {
                        write!(s, "{b:02x}").unwrap();
                    }
                }
            }
        }
        MptcpOption::Dss(d) => {
            s.push_str("dss");
            if d.data_fin {
                s.push_str(" fin");
            }
            if let Some(ack) = d.data_ack {
                write!(s, " ack {}", ack.value()).unwrap();
            }
            if let Some(m) = d.mapping {
                write!(
                    s,
                    " seq {} subseq {} len {}",
                    m.dsn.value(),
                    m.subflow_seq,
                    m.data_len
                )
                .unwrap();
                if let Some(c) = m.checksum {
                    write!(s, " csum 0x{c:x}").unwrap();
                }
            }
        }
        MptcpOption::AddAddr(a) => {
            let version = match (a.kind, a.addr) {
                (AddAddrKind::V1 { .. }, _) => "v1",
                (AddAddrKind::V1Echo, _) => "v1-echo",
                (AddAddrKind::V0, IpAddr::V4(_)) => "v0-ip4",
                (AddAddrKind::V0, IpAddr::V6(_)) => "v0-ip6",
            };
            write!(s, "add-addr {version} id {} {}", a.addr_id, a.addr).unwrap();
            if let Some(p) = a.port {
                write!(s, ":{p}").unwrap();
            }
            if let AddAddrKind::V1 { hmac } = a.kind {
                write!(s, " hmac {hmac:#x}").unwrap();
            }
        }
        MptcpOption::RemoveAddr(r) => {
            s.push_str("rem-addr id");
            for id in r.ids() {
                write!(s, " {id}").unwrap();
            }
        }
        MptcpOption::Prio(p) => {
            s.push_str(if p.backup {
                "prio backup"
            } else {
                "prio non-backup"
            });
            if let Some(id) = p.addr_id {
                write!(s, " id {id}").unwrap();
            }
        }
        MptcpOption::Fail(f) => write!(s, "fail seq {}", f.dsn).unwrap(),
        MptcpOption::FastClose(f) => write!(s, "fast-close key {:#x}", f.receiver_key.0).unwrap(),
        MptcpOption::TcpRst(r) => {
            let names = [(0x8, 'U'), (0x4, 'V'), (0x2, 'W'), (0x1, 'T')];
            let reason = match r.reason {
                ResetReason::Unspecified => "Unspecified error".to_string(),
                ResetReason::MptcpSpecific => "MPTCP-specific error".to_string(),
                ResetReason::LackOfResources => "Lack of resources".to_string(),
                ResetReason::AdministrativelyProhibited => {
                    "Administratively prohibited".to_string()
                }
                ResetReason::TooMuchOutstandingData => "Too much outstanding data".to_string(),
                ResetReason::UnacceptablePerformance => "Unacceptable performance".to_string(),
                ResetReason::MiddleboxInterference => "Middlebox interference".to_string(),
                ResetReason::Other(c) => format!("{c}"),
            };
            write!(
                s,
                "tcprst flags [{}] reason {reason}",
                letters(r.flags.0, &names)
            )
            .unwrap();
        }
        MptcpOption::Unknown { .. } => s.push_str("unknown"),
    }
    s
}

// ---------------------------------------------------------------------------------------
// The per-capture check

#[derive(Debug, Default)]
struct Summary {
    options: usize,
    by_kind: BTreeMap<&'static str, usize>,
    v0_options: usize,
}

fn kind_name(o: &MptcpOption) -> &'static str {
    match o {
        MptcpOption::Capable(_) => "MP_CAPABLE",
        MptcpOption::Join(_) => "MP_JOIN",
        MptcpOption::Dss(_) => "DSS",
        MptcpOption::AddAddr(_) => "ADD_ADDR",
        MptcpOption::RemoveAddr(_) => "REMOVE_ADDR",
        MptcpOption::Prio(_) => "MP_PRIO",
        MptcpOption::Fail(_) => "MP_FAIL",
        MptcpOption::FastClose(_) => "MP_FASTCLOSE",
        MptcpOption::TcpRst(_) => "MP_TCPRST",
        MptcpOption::Unknown { .. } => "unknown",
    }
}

fn is_v0_form(o: &MptcpOption) -> bool {
    matches!(o, MptcpOption::Capable(CapableRepr { version: 0, .. }))
        || matches!(
            o,
            MptcpOption::AddAddr(AddAddrRepr {
                kind: AddAddrKind::V0,
                ..
            })
        )
}

/// The handshake forms travel on the TCP segments RFC 8684 puts them on (the wire layer
/// does not check this; the endpoint will).
fn assert_segment_fits(opt: &MptcpOption, flags: u8, stem: &str, frame: usize) {
    const SYN: u8 = 0x02;
    const RST: u8 = 0x04;
    const ACK: u8 = 0x10;
    let syn = flags & SYN != 0;
    let ok = match opt {
        MptcpOption::Capable(c) => match c.form {
            CapableForm::Syn | CapableForm::SenderKey { .. } => syn,
            CapableForm::BothKeys { .. } | CapableForm::WithData { .. } => !syn,
        },
        MptcpOption::Join(JoinRepr::Syn { .. }) => syn && flags & ACK == 0,
        MptcpOption::Join(JoinRepr::SynAck { .. }) => syn && flags & ACK != 0,
        MptcpOption::Join(JoinRepr::Ack { .. }) => !syn && flags & ACK != 0,
        MptcpOption::TcpRst(_) => flags & RST != 0,
        _ => !syn,
    };
    assert!(
        ok,
        "{stem} frame {frame}: {opt:?} on TCP flags {flags:#04x}"
    );
}

/// Parses, re-emits and compares with the `.out` every MPTCP option of `stem.pcap`.
fn check_capture(stem: &str) -> Summary {
    let cap = read_pcap(&format!("{stem}.pcap"));
    let decodes = read_out(&format!("{stem}.out"));
    let mut summary = Summary::default();
    let mut seen_frames = Vec::new();
    for seg in &cap.segments {
        let mut texts = Vec::new();
        for raw in mptcp_option_slices(&seg.options) {
            let raw = raw.unwrap_or_else(|e| panic!("{stem} frame {}: {e}", seg.frame));
            let opt = MptcpOption::parse(raw)
                .unwrap_or_else(|e| panic!("{stem} frame {}: {raw:02x?}: {e}", seg.frame));
            let mut buf = [0u8; 40];
            let n = opt.emit(&mut buf).unwrap();
            assert_eq!(
                &buf[..n],
                raw,
                "{stem} frame {}: re-emit differs",
                seg.frame
            );
            assert_eq!(n, opt.buffer_len());
            summary.options += 1;
            *summary.by_kind.entry(kind_name(&opt)).or_default() += 1;
            summary.v0_options += usize::from(is_v0_form(&opt));
            assert_segment_fits(&opt, seg.flags, stem, seg.frame);
            texts.push(tcpdump_text(&opt));
        }
        // The iterator that parses agrees with parsing the slices.
        assert_eq!(
            mptcp_options(&seg.options).filter(Result::is_ok).count(),
            texts.len()
        );
        let want = decodes.get(&seg.frame).cloned().unwrap_or_default();
        assert_eq!(texts, want, "{stem} frame {}: ours vs tcpdump", seg.frame);
        if !texts.is_empty() {
            seen_frames.push(seg.frame);
        }
    }
    // Every frame tcpdump decoded MPTCP in was seen by our reader too.
    let out_frames: Vec<usize> = decodes.keys().copied().collect();
    assert_eq!(seen_frames, out_frames, "{stem}: frames with MPTCP options");
    let out_count: usize = decodes.values().map(Vec::len).sum();
    assert_eq!(summary.options, out_count, "{stem}: option count vs .out");
    println!(
        "{stem}: link type {}, {} frames, {} MPTCP options parsed and re-emitted ({} v0 forms): {:?}",
        cap.link_type, cap.frames, summary.options, summary.v0_options, summary.by_kind
    );
    summary
}

#[test]
fn mptcp_v1_capture() {
    let s = check_capture("mptcp-v1");
    assert_eq!((s.options, s.v0_options), (20, 0));
}

#[test]
fn mptcp_v0_capture() {
    // v0 (RFC 6824) forms are parsed as v0: MP_CAPABLE version 0, ADD_ADDR with IPVer 4.
    let s = check_capture("mptcp-v0");
    assert_eq!((s.options, s.v0_options), (266, 4));
    assert_eq!(s.by_kind["MP_JOIN"], 3);
    assert_eq!(s.by_kind["REMOVE_ADDR"], 1);
}

#[test]
fn mptcp_fclose_capture() {
    let s = check_capture("mptcp-fclose");
    assert_eq!((s.options, s.v0_options), (9, 3));
    assert_eq!(s.by_kind["MP_FASTCLOSE"], 1);
}

#[test]
fn mptcp_tcprst_capture() {
    let s = check_capture("mptcp-tcprst");
    assert_eq!((s.options, s.by_kind["MP_TCPRST"]), (2, 2));
}

#[test]
fn mptcp_aa_echo_capture() {
    let s = check_capture("mptcp-aa-echo");
    assert_eq!((s.options, s.by_kind["ADD_ADDR"]), (4, 2));
}

#[test]
fn mptcp_aa_v1_capture() {
    let s = check_capture("mptcp-aa-v1");
    assert_eq!((s.options, s.v0_options), (23, 0));
}

#[test]
fn truncated_dss_is_refused() {
    // mptcp-dss-oobr.pcap (no .out): a DSS whose length octet is 3, so its flag octet is
    // missing. It must be an error, never a panic.
    let cap = read_pcap("mptcp-dss-oobr.pcap");
    let mut errors = Vec::new();
    for seg in &cap.segments {
        for raw in mptcp_option_slices(&seg.options) {
            let raw = raw.expect("the TCP option list itself is well formed");
            assert_eq!(raw, [30, 3, 0x20]);
            errors.push(MptcpOption::parse(raw).expect_err("truncated DSS accepted"));
        }
        // Also every prefix of the option area, and the iterator over it.
        for cut in 0..=seg.options.len() {
            let _ = mptcp_options(&seg.options[..cut]).count();
        }
    }
    assert_eq!(
        errors,
        [Error::BadLength {
            subtype: 2,
            len: 3,
            flags: 0
        }]
    );
}

// ---------------------------------------------------------------------------------------
// Crypto against the captures

/// (client, server) endpoints and (client key, server key) from the MP_CAPABLE third ACK.
fn connection_keys(cap: &Capture) -> ((IpAddr, u16), Key, Key) {
    for seg in &cap.segments {
        for opt in mptcp_options(&seg.options).flatten() {
            if let MptcpOption::Capable(CapableRepr {
                form:
                    CapableForm::BothKeys {
                        sender_key,
                        receiver_key,
                    },
                ..
            }) = opt
            {
                return (seg.src, sender_key, receiver_key);
            }
        }
    }
    panic!("no MP_CAPABLE ACK with both keys");
}

#[test]
fn idsn_predicts_the_first_mapping_of_each_side() {
    // RFC 8684 §3.1: IDSN = low 64 bits of SHA-256(key); data starts at IDSN + 1, at relative
    // subflow sequence 1 (the client's first octets ride in the MP_CAPABLE, so its first DSS
    // mapping starts after them). So each side's first DSS mapping has
    // DSN = IDSN + 1 + (subflow_seq - 1). Later mappings are not checked: mptcp-aa-v1's early
    // Linux server mapped two different 16-octet segments to the same DSN (frames 8, 10).
    for stem in ["mptcp-v1", "mptcp-aa-v1"] {
        let cap = read_pcap(&format!("{stem}.pcap"));
        let (client, ck, sk) = connection_keys(&cap);
        println!(
            "{stem}: client key {:#x} token {:#010x} idsn {}; server key {:#x} token {:#010x} idsn {}",
            ck.0,
            crypto::token(ck),
            crypto::idsn(ck),
            sk.0,
            crypto::token(sk),
            crypto::idsn(sk)
        );
        let mut first = [None, None];
        for seg in &cap.segments {
            let side = usize::from(seg.src != client);
            for opt in mptcp_options(&seg.options).flatten() {
                if let MptcpOption::Dss(DssRepr {
                    mapping: Some(m), ..
                }) = opt
                {
                    first[side].get_or_insert((seg.frame, m));
                }
            }
        }
        for (side, key) in [(0, ck), (1, sk)] {
            let (frame, m) = first[side].expect("a mapping from each side");
            let SeqField::Long(dsn) = m.dsn else {
                panic!("{stem}: 32-bit DSN")
            };
            let want = crypto::idsn(key)
                .wrapping_add(1)
                .wrapping_add(u64::from(m.subflow_seq.wrapping_sub(1)));
            assert_eq!(dsn, want, "{stem} frame {frame}");
            println!(
                "{stem} frame {frame}: DSN {dsn} = IDSN + 1 + {}",
                m.subflow_seq - 1
            );
        }
    }
}

#[test]
fn aa_v1_add_addr_hmac_is_the_wrong_half() {
    // mptcp-aa-v1.pcap was recorded from a Linux that sent the leftmost 64 bits of the
    // ADD_ADDR HMAC; RFC 8684 §3.4.1 wants the rightmost 64 bits.
    let cap = read_pcap("mptcp-aa-v1.pcap");
    let (client, ck, sk) = connection_keys(&cap);
    let mut found = 0;
    for seg in &cap.segments {
        for opt in mptcp_options(&seg.options).flatten() {
            let MptcpOption::AddAddr(a) = opt else {
                continue;
            };
            let AddAddrKind::V1 { hmac: sent } = a.kind else {
                continue;
            };
            // Key-A is the ADD_ADDR sender's key (here the server).
            let (sender, receiver) = if seg.src == client {
                (ck, sk)
            } else {
                (sk, ck)
            };
            let full = crypto::add_addr_hmac_full(sender, receiver, a.addr_id, a.addr, a.port);
            let rfc = crypto::rightmost_hmac64(&full);
            let leftmost = crypto::truncated_hmac64(&full);
            println!(
                "mptcp-aa-v1 frame {}: ADD_ADDR id {} {} sent hmac {sent:#018x}; RFC 8684 \
                 (rightmost 64) {rfc:#018x}; leftmost 64 {leftmost:#018x}",
                seg.frame, a.addr_id, a.addr
            );
            assert_eq!(sent, 0x669928744366716c);
            assert_ne!(sent, rfc, "the RFC 8684 HMAC must not match");
            assert!(!a.verify_hmac(sender, receiver));
            assert_eq!(sent, leftmost, "the early-Linux (leftmost) half matches");
            // The keys in the other order match neither half.
            let swapped = crypto::add_addr_hmac_full(receiver, sender, a.addr_id, a.addr, a.port);
            assert_ne!(sent, crypto::truncated_hmac64(&swapped));
            assert_ne!(sent, crypto::rightmost_hmac64(&swapped));
            // An RFC 8684 sender would have put `rfc` in; that verifies.
            let fixed = AddAddrRepr {
                kind: AddAddrKind::V1 { hmac: rfc },
                ..a
            };
            assert!(fixed.verify_hmac(sender, receiver));
            found += 1;
        }
    }
    assert_eq!(found, 1);
}
