//! Packet captures: the handover scenario's capture is what Wireshark's own MPTCP analysis
//! accepts (checked with `tshark` when it is installed; `.ci/run` installs it and sets
//! `MPSIM_REQUIRE_TSHARK=1`, so there a missing `tshark` fails the test), and a capture of
//! the same seed is byte-identical across runs.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mpsim-pcap-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The handover scenario with `capture` as its `output.pcap`, written into `dir`.
fn handover_with(dir: &Path, capture: &str) -> PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("wifi-lte-handover.ron"),
    )
    .unwrap();
    assert!(text.contains("output: Output("));
    let text = text.replace(
        "output: Output(",
        &format!("output: Output(plots: false, pcap: {capture}, "),
    );
    let file = dir.join("handover.ron");
    std::fs::write(&file, text).unwrap();
    file
}

/// Runs `file` with the `mpsim` binary into `out`.
fn run(file: &Path, out: &Path) {
    let res = Command::new(env!("CARGO_BIN_EXE_mpsim"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
}

#[test]
fn same_seed_gives_byte_identical_captures() {
    let dir = scratch("same");
    // Headers only (128 octets of each frame): the files stay small.
    let file = handover_with(&dir, "Capture(snaplen: 128)");
    let (a, b) = (dir.join("a"), dir.join("b"));
    run(&file, &a);
    run(&file, &b);
    let names = [
        "phone.lte.pcapng",
        "phone.wifi.pcapng",
        "server.eth0.pcapng",
    ];
    for n in names {
        let (x, y) = (
            std::fs::read(a.join("pcap").join(n)).unwrap(),
            std::fs::read(b.join("pcap").join(n)).unwrap(),
        );
        assert!(x.len() > 100_000, "{n}: {} bytes", x.len());
        assert!(x == y, "{n} differs between two runs of the same seed");
    }
    // Classic pcap with raw IP framing: the nanosecond magic, little-endian, LINKTYPE_RAW.
    let file = handover_with(
        &dir,
        r#"Capture(interfaces: Only(["phone.lte"]), format: Pcap, link: RawIp)"#,
    );
    let c = dir.join("c");
    run(&file, &c);
    let pcap = std::fs::read(c.join("pcap/phone.lte.pcap")).unwrap();
    assert_eq!(&pcap[..4], &0xa1b2_3c4du32.to_le_bytes());
    assert_eq!(&pcap[20..24], &101u32.to_le_bytes());
    // The first packet: the MP_CAPABLE SYN, an IPv4 header at once.
    assert_eq!(pcap[24 + 16] >> 4, 4);
    assert!(!c.join("pcap/phone.wifi.pcap").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tshark` with Wireshark's MPTCP analysis on `file`; the synthetic payload on the
/// server's port is decoded as plain data (else heuristic dissectors read it as GSM
/// signalling and call it malformed).
fn tshark(file: &Path, extra: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args([
            "-d",
            "tcp.port==5000,data",
            "-o",
            "mptcp.analyze_mappings:TRUE",
            "-o",
            "mptcp.relative_sequence_numbers:TRUE",
            "-o",
            "mptcp.analyze_mptcp:TRUE",
        ])
        .args(extra)
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Wireshark's MPTCP expert items (registered under the TCP protocol, so `-z expert` lists
/// them as TCP; found here by their filter names, with the packet tree built, which
/// `-q -z expert` does not do for every item).
const MPTCP_EXPERT: &str = "mptcp.connection.echoed_key_mismatch || \
     mptcp.connection.missing_algorithm || mptcp.connection.unsupported_algorithm || \
     mptcp.dss.infinite_mapping || mptcp.dss.missing_mapping";

/// Frame numbers and expert messages of the frames of `file` that match `filter`.
fn expert_frames(file: &Path, filter: &str) -> Vec<String> {
    let out = tshark(
        file,
        &[
            "-Y",
            filter,
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.expert.message",
        ],
    );
    out.lines().map(str::to_owned).collect()
}

/// Checks one capture; returns a line of figures for the log. `whole` for a capture that
/// holds the whole connection (the MP_CAPABLE handshake with its keys and every join): then
/// every join must be matched to its connection's token, every data segment mapped to
/// data sequence numbers, and no MPTCP expert item may appear. A single interface of a
/// multihomed host sees only some subflows: there Wireshark's mapping analysis misses a
/// few segments that carry their own DSS mapping ("No mapping available"; in the phone's
/// LTE capture 8 segments, each one Wireshark flags out-of-order, while the server's
/// capture maps the same segments), the one MPTCP item allowed.
///
/// Also explained: "No mapping available" on a zero-length RST with MP_TCPRST (a reset
/// carries no data, hence no mapping).
///
/// Explained TCP item: "4 NOP in a row" on every segment with a DSS mapping. Linux (and
/// the model) lays the options out as NOP NOP Timestamps, then the DSS with its two
/// trailing NOPs (net/ipv4/tcp_output.c `tcp_options_write`, net/mptcp/options.c
/// `mptcp_write_options`); Wireshark's count of NOPs is not reset by the options between.
fn check_capture(file: &Path, whole: bool) -> String {
    let malformed = expert_frames(file, "_ws.malformed || _ws.expert.group == 0x07000000");
    assert!(malformed.is_empty(), "{}: {malformed:?}", file.display());
    let mptcp_items = expert_frames(file, MPTCP_EXPERT);
    for item in &mptcp_items {
        // A subflow reset with MP_TCPRST (RFC 8684 §3.6: the server resets its Wi-Fi subflow
        // when the phone's REMOVE_ADDR arrives) carries no data and so no DSS mapping;
        // Wireshark's mapping analysis still looks one up for the RST and flags it.
        let empty_reset = item.ends_with("\tConnection reset (RST),No mapping available");
        assert!(
            empty_reset || (!whole && item.ends_with("No mapping available")),
            "{}: unexplained MPTCP expert item: {item}",
            file.display()
        );
    }
    // One pass for the rest: per frame its TCP and MPTCP streams, length, flags, MPTCP
    // subtypes, join token, data sequence mapping and expert messages.
    let frames = tshark(
        file,
        &[
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=|",
            "-e",
            "tcp.stream",
            "-e",
            "mptcp.stream",
            "-e",
            "tcp.len",
            "-e",
            "tcp.flags",
            "-e",
            "tcp.options.mptcp.subtype",
            "-e",
            "tcp.options.mptcp.recvtok",
            "-e",
            "mptcp.dsn",
            "-e",
            "mptcp.related_mapping",
            "-e",
            "_ws.expert.message",
        ],
    );
    let mut tcp_streams = std::collections::BTreeMap::<&str, bool>::new();
    let mut mptcp_streams = std::collections::BTreeSet::new();
    let (mut joins, mut segments, mut unmapped, mut nops) = (Vec::new(), 0, 0, 0);
    for line in frames.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [tcp, mp, len, flags, subtypes, token, dsn, mapping, expert] = f[..] else {
            panic!("{}: unexpected tshark line {line:?}", file.display());
        };
        if tcp.is_empty() {
            continue;
        }
        // Every subflow belongs to a resolved MPTCP stream; one flow, one stream.
        if !subtypes.is_empty() || !mp.is_empty() {
            *tcp_streams.entry(tcp).or_default() |= !mp.is_empty();
            if !mp.is_empty() {
                mptcp_streams.insert(mp.to_owned());
            }
        }
        let flags = u16::from_str_radix(flags.trim_start_matches("0x"), 16).unwrap();
        let (syn, ack) = (flags & 0x002 != 0, flags & 0x010 != 0);
        if syn && !ack && subtypes.split('|').any(|t| t == "1") {
            joins.push((token.to_owned(), mp.to_owned()));
        }
        if len.parse::<u32>().unwrap() > 0 {
            segments += 1;
            unmapped += usize::from(dsn.is_empty() || mapping.is_empty());
        }
        nops += usize::from(expert.contains("4 NOP in a row"));
    }
    assert!(
        tcp_streams.values().all(|&resolved| resolved),
        "{}: subflows without an MPTCP stream: {tcp_streams:?}",
        file.display()
    );
    assert_eq!(mptcp_streams.len(), 1, "{}", file.display());
    // Joins: every MP_JOIN SYN is matched to the connection by its token.
    for (token, stream) in joins.iter().filter(|_| whole) {
        assert!(
            !token.is_empty() && mptcp_streams.contains(stream),
            "{}: join not matched to its connection: {token:?} {stream:?}",
            file.display()
        );
    }
    // Every data segment is mapped to data sequence numbers.
    if whole {
        assert_eq!(unmapped, 0, "{}: data without a mapping", file.display());
    }
    format!(
        "{}: {} subflows in 1 MPTCP stream, {} join SYNs{}, {} data segments, {} without a \
         DSN mapping, {} MPTCP expert items (No mapping available), {} \"4 NOP in a row\", \
         no malformed packet",
        file.file_name().unwrap().to_string_lossy(),
        tcp_streams.len(),
        joins.len(),
        if whole { " matched to the token" } else { "" },
        segments,
        unmapped,
        mptcp_items.len(),
        nops
    )
}

#[test]
fn wireshark_resolves_every_mptcp_stream_of_the_handover() {
    let has_tshark = Command::new("tshark").arg("-v").output().is_ok();
    if !has_tshark {
        assert!(
            std::env::var("MPSIM_REQUIRE_TSHARK").as_deref() != Ok("1"),
            "MPSIM_REQUIRE_TSHARK=1 but tshark is not installed"
        );
        eprintln!(
            "\n********\nSKIPPED: tshark is not installed, so the handover capture is not \
             checked with Wireshark's MPTCP analysis (apt-get install tshark; .ci/run does)\n\
             ********\n"
        );
        return;
    }
    let dir = scratch("tshark");
    let file = handover_with(&dir, "Capture()");
    let out = dir.join("run");
    run(&file, &out);
    for (n, whole) in [
        ("server.eth0.pcapng", true),
        ("phone.wifi.pcapng", false),
        ("phone.lte.pcapng", false),
    ] {
        eprintln!("{}", check_capture(&out.join("pcap").join(n), whole));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
