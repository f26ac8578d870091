//! Whole packets as octets, for captures: the IPv4 header (RFC 791, real header checksum),
//! the TCP header with its options exactly as [`TcpHeader::emit`] writes them, and payload
//! octets, with the real TCP checksum over the pseudo-header, header and payload (RFC 9293
//! §3.1). The simulation carries no payload, so [`PacketEncoder`] makes it up, always the
//! same way:
//!
//! - **Payload** octet at sequence position `p` is [`payload_byte`]`(p)`, a fixed function
//!   of the low 32 bits of `p`. For an MPTCP segment `p` is the byte's data sequence number
//!   (from the segment's DSS mapping, or the implicit mapping of an MP_CAPABLE carrying
//!   data: DSN = IDSN + 1 at subflow sequence 1, RFC 8684 §3.1), so the same data carries the
//!   same octets on every subflow and in every retransmission or reinjection; for plain TCP
//!   (or an MPTCP segment without a mapping) it is the byte's TCP sequence number.
//! - **DSS checksums** (RFC 8684 §3.3.1) are written as the header carries them: the model
//!   computes them with [`dss_checksum`] over the mapping's pseudo-header and these payload
//!   octets, so a capture shows what the sender sent even when a middlebox changed the
//!   payload or the option on the way.
//! - **Rewritten payload**: a [`super::tcp::PayloadRewrite`] recorded by a middlebox is
//!   applied to the octets (the TCP checksum is computed over the rewritten segment, as the
//!   middlebox would fix it).
//! - **IPv4**: no options, DF set, TTL [`TTL`], identification a hash of the TCP header
//!   (RFC 6864 §4.1: meaningless for atomic datagrams, so the same packet has the same id at
//!   both ends of a path).
//!
//! A subflow's relative sequence numbers are relative to its ISN, which the encoder learns
//! from the SYN or SYN-ACK of each direction: feed it every packet of one capture, in
//! order, from the start (one encoder per capture file). [`parse_packet`] reads such octets
//! back, checksums verified.

use super::checksum::Checksum;
use super::ipv4::{Ipv4Repr, PROTOCOL_TCP};
use super::mptcp::{CapableForm, MptcpOption};
use super::tcp::IPV4_HEADER_LEN;
use super::{Error, SeqNum, TcpHeader};
use sim_core::{Addr, Packet};
use std::collections::BTreeMap;

/// Time to live of encoded packets (Linux's default `ip_default_ttl`).
pub const TTL: u8 = 64;

/// A 32-bit integer hash with full avalanche (Wellons' "lowbias32").
fn mix(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^ (x >> 16)
}

/// The payload octet at sequence position `pos` (a DSN's or a TCP sequence number's low
/// 32 bits): octet `pos mod 4` of the hash of `pos / 4`.
pub fn payload_byte(pos: u32) -> u8 {
    mix(pos >> 2).to_le_bytes()[(pos & 3) as usize]
}

/// Writes the payload octets of positions `first, first + 1, ...` into `out`.
pub fn fill_payload(out: &mut [u8], first: u32) {
    for (k, b) in out.iter_mut().enumerate() {
        // Positions wrap modulo 2^32 like the sequence numbers they are.
        *b = payload_byte(first.wrapping_add(k as u32));
    }
}

/// One direction of a connection: (source address, source port, destination, port).
type Direction = (Addr, u16, Addr, u16);

/// Encodes packets to octets (see the [module docs](self)); remembers each direction's ISN.
#[derive(Clone, Debug, Default)]
pub struct PacketEncoder {
    isns: BTreeMap<Direction, SeqNum>,
}

impl PacketEncoder {
    /// An encoder that has seen no packet yet.
    pub fn new() -> Self {
        PacketEncoder::default()
    }

    /// Writes `pkt` as an IPv4 packet into `out` (cleared first; its memory is reused).
    /// Errors only for headers that cannot be encoded (options beyond 40 octets).
    pub fn encode(&mut self, pkt: &Packet<TcpHeader>, out: &mut Vec<u8>) -> Result<(), Error> {
        let h = &pkt.header;
        let dir = (pkt.src, h.src_port, pkt.dst, h.dst_port);
        if h.flags.syn() {
            self.isns.insert(dir, h.seq);
        }
        let hlen = h.header_len();
        let seg_len = hlen + h.payload_len as usize;
        let total = IPV4_HEADER_LEN + seg_len;
        let total_len = u16::try_from(total).map_err(|_| Error::Malformed(0))?;
        out.clear();
        out.resize(total, 0);
        Ipv4Repr {
            src: pkt.src,
            dst: pkt.dst,
            protocol: PROTOCOL_TCP,
            total_len,
            ident: ident(h),
            dont_fragment: true,
            ttl: TTL,
        }
        .emit(out)?;
        let seg = &mut out[IPV4_HEADER_LEN..];
        h.emit(seg)?;
        let first = self.payload_position(dir, h);
        fill_payload(&mut seg[hlen..], first);
        if let Some(rw) = h.payload_rewrite {
            if let Some(b) = seg.get_mut(hlen + usize::from(rw.offset)) {
                *b ^= rw.mask;
            }
        }
        let sum = tcp_checksum(pkt.src, pkt.dst, seg);
        seg[16..18].copy_from_slice(&sum.to_be_bytes());
        Ok(())
    }

    /// The sequence position of the first payload octet of `h` (see the module docs).
    fn payload_position(&self, dir: Direction, h: &TcpHeader) -> u32 {
        let Some(isn) = self.isns.get(&dir) else {
            return h.seq.0;
        };
        // The relative subflow sequence number of the first payload octet.
        let rel = h.seq.0.wrapping_sub(isn.0);
        for o in h.options.mptcp.iter() {
            match o {
                MptcpOption::Dss(d) => {
                    if let Some(m) = d.mapping.filter(|m| m.subflow_seq != 0) {
                        let dsn = m.dsn.value() as u32;
                        return dsn.wrapping_add(rel.wrapping_sub(m.subflow_seq));
                    }
                }
                MptcpOption::Capable(c) => {
                    if let CapableForm::WithData { sender_key, .. } = c.form {
                        let first = crate::crypto::idsn(sender_key).wrapping_add(1) as u32;
                        return first.wrapping_add(rel.wrapping_sub(1));
                    }
                }
                _ => {}
            }
        }
        h.seq.0
    }
}

/// The IPv4 identification of a packet with TCP header `h`.
fn ident(h: &TcpHeader) -> u16 {
    let ts = h.options.timestamps.map_or(0, |t| t.tsval);
    let ports = u32::from(h.src_port) << 16 | u32::from(h.dst_port);
    let x = mix(ports ^ mix(h.seq.0 ^ mix(h.ack.0 ^ mix(ts ^ h.payload_len))));
    (x ^ (x >> 16)) as u16 ^ u16::from(h.flags.0)
}

/// RFC 8684 §3.3.1: the DSS checksum of the mapping of `data_len` data-level octets from
/// 64-bit DSN `dsn` at relative subflow sequence number `ssn` — the Internet checksum of the
/// pseudo-header (DSN, subflow sequence number, data-level length, two zero octets)
/// followed by the mapped data (the DATA_FIN's octet, if `data_fin`, is not data).
pub fn dss_checksum(dsn: u64, ssn: u32, data_len: u16, data_fin: bool) -> u16 {
    dss_checksum_received(dsn, ssn, data_len, data_fin, None)
}

/// [`dss_checksum`] over the octets a receiver got: the payload function's octets with the
/// middlebox's `rewrite` (an offset into the mapping's data) applied.
pub fn dss_checksum_received(
    dsn: u64,
    ssn: u32,
    data_len: u16,
    data_fin: bool,
    rewrite: Option<super::tcp::PayloadRewrite>,
) -> u16 {
    let mut c = Checksum::new();
    c.add(&dsn.to_be_bytes());
    c.add(&ssn.to_be_bytes());
    c.add(&data_len.to_be_bytes());
    c.add(&[0, 0]);
    let data = data_len.saturating_sub(u16::from(data_fin));
    let mut chunk = [0u8; 256];
    let mut done = 0u16;
    while done < data {
        let n = usize::from(data - done).min(chunk.len());
        fill_payload(&mut chunk[..n], (dsn as u32).wrapping_add(u32::from(done)));
        if let Some(rw) = rewrite {
            if let Some(k) = rw.offset.checked_sub(done).map(usize::from) {
                if let Some(b) = chunk[..n].get_mut(k) {
                    *b ^= rw.mask;
                }
            }
        }
        c.add(&chunk[..n]);
        done += n as u16;
    }
    c.finish()
}

/// The TCP checksum of segment `seg` (header with a zero checksum field, and payload) from
/// `src` to `dst`: over the pseudo-header (addresses, zero, protocol, TCP length) and `seg`.
pub fn tcp_checksum(src: Addr, dst: Addr, seg: &[u8]) -> u16 {
    let mut c = Checksum::new();
    c.add(&src.octets());
    c.add(&dst.octets());
    c.add(&[0, PROTOCOL_TCP]);
    // A segment never exceeds the 16-bit IPv4 total length.
    c.add(&(seg.len() as u16).to_be_bytes());
    c.add(seg);
    c.finish()
}

/// Reads an IPv4 packet carrying TCP (as [`PacketEncoder::encode`] writes them): both
/// checksums must verify; the payload octets are not kept (only their number).
pub fn parse_packet(buf: &[u8]) -> Result<Packet<TcpHeader>, Error> {
    let ip = Ipv4Repr::parse(buf)?;
    if ip.protocol != PROTOCOL_TCP {
        return Err(Error::Malformed(ip.protocol));
    }
    let seg = &buf[IPV4_HEADER_LEN..usize::from(ip.total_len)];
    // A segment carrying its checksum sums (with the pseudo-header) to all ones: the
    // complement is 0.
    if tcp_checksum(ip.src, ip.dst, seg) != 0 {
        return Err(Error::Checksum);
    }
    let hlen = usize::from(*seg.get(12).ok_or(Error::Truncated)? >> 4) * 4;
    let payload = seg.len().checked_sub(hlen).ok_or(Error::Truncated)?;
    let header = TcpHeader::parse(seg, payload as u32)?;
    Ok(Packet {
        src: ip.src,
        dst: ip.dst,
        size: u32::from(ip.total_len),
        header,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Key;
    use crate::wire::mptcp::{CapableFlags, CapableRepr, DssMapping, DssRepr, SeqField};
    use crate::wire::{TcpFlags, TcpOptions, Timestamps};

    /// RFC 1071 the slow way, independent of [`Checksum`]: 16-bit words summed in a u32
    /// with the carry folded back after every word.
    fn reference_sum(parts: &[&[u8]]) -> u16 {
        let bytes: Vec<u8> = parts.concat();
        let mut s: u32 = 0;
        for k in (0..bytes.len()).step_by(2) {
            let hi = u32::from(bytes[k]) << 8;
            let lo = bytes.get(k + 1).map_or(0, |&b| u32::from(b));
            s += hi | lo;
            s = (s & 0xffff) + (s >> 16);
        }
        s as u16
    }

    fn pkt(header: TcpHeader) -> Packet<TcpHeader> {
        Packet {
            src: Addr::new(10, 0, 0, 1),
            dst: Addr::new(10, 0, 0, 2),
            size: header.packet_size(),
            header,
        }
    }

    fn data(seq: u32, len: u32, opts: TcpOptions) -> TcpHeader {
        TcpHeader {
            src_port: 40000,
            dst_port: 5001,
            seq: SeqNum(seq),
            ack: SeqNum(2000),
            flags: TcpFlags::ACK,
            window: 512,
            options: opts,
            payload_len: len,
            payload_rewrite: None,
        }
    }

    #[test]
    fn small_packet_fixture_is_byte_exact() {
        // 10.0.0.1:40000 -> 10.0.0.2:5001, seq 1000, ack 2000, ACK, window 512,
        // timestamps 7/9, 5 payload octets at TCP positions 1000..1005. Worked out
        // independently of this module (payload hash, identification, both checksums).
        let ts = Timestamps { tsval: 7, tsecr: 9 };
        let opts = TcpOptions {
            timestamps: Some(ts),
            ..TcpOptions::new()
        };
        let p = pkt(data(1000, 5, opts));
        let mut out = Vec::new();
        PacketEncoder::new().encode(&p, &mut out).unwrap();
        #[rustfmt::skip]
        let want = [
            0x45, 0x00, 0x00, 0x39, 0xf2, 0xc9, 0x40, 0x00, 0x40, 0x06, 0x33, 0xf3,
            0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
            0x9c, 0x40, 0x13, 0x89, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,
            0x80, 0x10, 0x02, 0x00, 0xa9, 0x06, 0x00, 0x00,
            0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x09,
            0x6e, 0x65, 0xd5, 0xb7, 0xb8,
        ];
        assert_eq!(out, want);
        assert_eq!(parse_packet(&out), Ok(p));
        // Checked independently: each sum, with its checksum in place, is all ones.
        assert_eq!(reference_sum(&[&out[..20]]), 0xffff);
        let pseudo = [10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0, 37];
        assert_eq!(reference_sum(&[&pseudo, &out[20..]]), 0xffff);
        // A flipped payload bit is caught.
        let mut bad = out.clone();
        bad[56] ^= 4;
        assert_eq!(parse_packet(&bad), Err(Error::Checksum));
    }

    /// The payload octets of an encoded packet.
    fn payload(out: &[u8], p: &Packet<TcpHeader>) -> Vec<u8> {
        out[IPV4_HEADER_LEN + p.header.header_len()..].to_vec()
    }

    fn dss(dsn: u64, ssn: u32, len: u16, checksum: Option<u16>) -> TcpOptions {
        let mut o = TcpOptions::new();
        o.mptcp.push(MptcpOption::Dss(DssRepr {
            data_ack: Some(SeqField::Long(77)),
            mapping: Some(DssMapping {
                dsn: SeqField::Long(dsn),
                subflow_seq: ssn,
                data_len: len,
                checksum,
            }),
            data_fin: false,
        }));
        o
    }

    fn syn(port: u16, isn: u32) -> Packet<TcpHeader> {
        let mut h = data(isn, 0, TcpOptions::new());
        h.src_port = port;
        h.flags = TcpFlags::SYN;
        pkt(h)
    }

    #[test]
    fn the_same_dsn_carries_the_same_octets_on_every_subflow() {
        // DSN 0x1_0000_0100.. on two subflows with different ISNs; on the second the bytes
        // sit in the middle of a longer mapping (the segment starts 100 octets into it).
        let dsn = 0x1_0000_0100u64;
        let mut enc = PacketEncoder::new();
        let mut out = Vec::new();
        enc.encode(&syn(40000, 5_000), &mut out).unwrap();
        enc.encode(&syn(40001, u32::MAX - 10), &mut out).unwrap();
        // Subflow A: relative sequence 1, mapping [1, 301) -> DSN dsn...
        let a = pkt(data(5_001, 300, dss(dsn, 1, 300, None)));
        enc.encode(&a, &mut out).unwrap();
        let pa = payload(&out, &a);
        assert_eq!(parse_packet(&out), Ok(a));
        // Subflow B: mapping at relative 501 for DSN dsn - 100; the segment starts at
        // relative 601 (wrapping past 2^32), i.e. DSN dsn.
        let mut h = data(
            (u32::MAX - 10).wrapping_add(601),
            200,
            dss(dsn - 100, 501, 400, None),
        );
        h.src_port = 40001;
        let b = pkt(h);
        enc.encode(&b, &mut out).unwrap();
        let pb = payload(&out, &b);
        assert_eq!(pb[..], pa[..200]);
        let want: Vec<u8> = (0..300).map(|k| payload_byte(dsn as u32 + k)).collect();
        assert_eq!(pa, want);
        // Plain TCP (no mapping): positions are TCP sequence numbers.
        let c = pkt(data(9_999, 3, TcpOptions::new()));
        enc.encode(&c, &mut out).unwrap();
        assert_eq!(payload(&out, &c), [9_999, 10_000, 10_001].map(payload_byte));
    }

    #[test]
    fn dss_and_mp_capable_checksums_cover_the_payload_octets() {
        let dsn = 0xdead_beef_0000_0001u64;
        let mut enc = PacketEncoder::new();
        let mut out = Vec::new();
        enc.encode(&syn(40000, 100), &mut out).unwrap();
        let sum = dss_checksum(dsn, 1, 40, false);
        let p = pkt(data(101, 40, dss(dsn, 1, 40, Some(sum))));
        enc.encode(&p, &mut out).unwrap();
        let back = parse_packet(&out).unwrap();
        // Independently: pseudo-header + data + the checksum sum to all ones.
        let mut pseudo = dsn.to_be_bytes().to_vec();
        pseudo.extend_from_slice(&1u32.to_be_bytes());
        pseudo.extend_from_slice(&40u16.to_be_bytes());
        pseudo.extend_from_slice(&sum.to_be_bytes());
        let carried = payload(&out, &p);
        assert_eq!(reference_sum(&[&pseudo, &carried]), 0xffff);
        // The header as the model built it.
        assert_eq!(back, p);
        // A rewritten payload octet is in the capture; the checksum no longer matches it.
        let mut bad = p;
        bad.header.payload_rewrite = Some(crate::wire::tcp::PayloadRewrite {
            offset: 7,
            mask: 0xff,
        });
        enc.encode(&bad, &mut out).unwrap();
        let rewritten = payload(&out, &bad);
        assert_eq!(rewritten[7], !carried[7]);
        assert_ne!(reference_sum(&[&pseudo, &rewritten]), 0xffff);
        let mut back_bad = parse_packet(&out).unwrap();
        assert_eq!(back_bad.header.payload_rewrite, None, "not a header field");
        back_bad.header.payload_rewrite = bad.header.payload_rewrite;
        assert_eq!(back_bad, bad);
        // The MP_CAPABLE implicit mapping: DSN = IDSN + 1 at subflow sequence 1.
        let key = Key(0x0123_4567_89ab_cdef);
        let first = crate::crypto::idsn(key).wrapping_add(1);
        let mut o = TcpOptions::new();
        o.mptcp.push(MptcpOption::Capable(CapableRepr {
            version: 1,
            flags: CapableFlags(CapableFlags::CHECKSUM_REQUIRED | CapableFlags::HMAC_SHA256),
            form: CapableForm::WithData {
                sender_key: key,
                receiver_key: Key(5),
                data_len: 10,
                checksum: Some(dss_checksum(first, 1, 10, false)),
            },
        }));
        let p = pkt(data(101, 10, o));
        enc.encode(&p, &mut out).unwrap();
        let carried = payload(&out, &p);
        assert_eq!(
            carried,
            (0..10)
                .map(|k| payload_byte(first as u32 + k))
                .collect::<Vec<_>>()
        );
        let back = parse_packet(&out).unwrap();
        let Some(MptcpOption::Capable(c)) = back.header.options.mptcp.iter().next().copied() else {
            panic!("no MP_CAPABLE");
        };
        let CapableForm::WithData {
            checksum: Some(sum),
            ..
        } = c.form
        else {
            panic!("no checksum");
        };
        let mut pseudo = first.to_be_bytes().to_vec();
        pseudo.extend_from_slice(&[0, 0, 0, 1, 0, 10]);
        pseudo.extend_from_slice(&sum.to_be_bytes());
        assert_eq!(reference_sum(&[&pseudo, &carried]), 0xffff);
    }

    #[test]
    fn truncated_or_foreign_packets_are_refused() {
        let p = pkt(data(1, 0, TcpOptions::new()));
        let mut out = Vec::new();
        PacketEncoder::new().encode(&p, &mut out).unwrap();
        for cut in 0..out.len() {
            assert!(parse_packet(&out[..cut]).is_err(), "cut {cut}");
        }
        let mut udp = out.clone();
        udp[9] = 17;
        let sum = crate::wire::checksum::checksum(&{
            let mut h = udp[..20].to_vec();
            h[10] = 0;
            h[11] = 0;
            h
        });
        udp[10..12].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(parse_packet(&udp), Err(Error::Malformed(17)));
    }
}
