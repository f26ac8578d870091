//! DSS, the Data Sequence Signal (subtype 2, RFC 8684 §3.3; same layout in RFC 6824 v0).
//!
//! ```text
//! | 30 | Length | 2 | reserved | rsv(3) F m M a A |
//! | Data ACK (4 or 8 octets, if A; 8 if a)                              |
//! | Data Sequence Number (4 or 8 octets, if M; 8 if m)                  |
//! | Subflow Sequence Number (4, if M, relative to the subflow ISN)      |
//! | Data-Level Length (2, if M) | Checksum (2, if M and checksums on)   |
//! ```
//! Length = 4 + (A: 4 or 8) + (M: 4 or 8, + 4 + 2, + 2 with a checksum). Any other length is
//! [`Error::BadLength`]; a checksum needs a mapping (RFC 8684 §3.3: the checksum is part of
//! the mapping). `a` without `A`, or `m` without `M`, is [`Error::InconsistentFlags`] (the
//! width bit of an absent field has no meaning and would not survive a round trip). `F`
//! (DATA_FIN) is independent of the other bits.

use crate::wire::mptcp::{subtype, Error, OptionView, Writer};

/// `A`: Data ACK present.
const FLAG_A: u8 = 0x01;
/// `a`: Data ACK is 8 octets.
const FLAG_A8: u8 = 0x02;
/// `M`: mapping (DSN, SSN, length, checksum) present.
const FLAG_M: u8 = 0x04;
/// `m`: DSN is 8 octets.
const FLAG_M8: u8 = 0x08;
/// `F`: DATA_FIN.
const FLAG_F: u8 = 0x10;
/// The flag bits RFC 8684 defines; the three above are reserved.
const FLAG_MASK: u8 = 0x1f;

/// A data-level sequence value as sent: 4 octets (the low 32 bits) or 8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeqField {
    /// 4 octets: the least significant 32 bits (RFC 8684 §3.3.1).
    Short(u32),
    /// 8 octets: the full 64-bit value.
    Long(u64),
}

impl SeqField {
    /// The value as sent (a `Short` is not widened against any reference).
    pub const fn value(self) -> u64 {
        match self {
            SeqField::Short(v) => v as u64,
            SeqField::Long(v) => v,
        }
    }

    /// Octets on the wire: 4 or 8.
    pub const fn wire_len(self) -> usize {
        match self {
            SeqField::Short(_) => 4,
            SeqField::Long(_) => 8,
        }
    }

    const fn is_long(self) -> bool {
        matches!(self, SeqField::Long(_))
    }
}

/// A DSS mapping: `data_len` octets from subflow sequence `subflow_seq` carry data sequence
/// `dsn` onward (RFC 8684 §3.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DssMapping {
    /// Data Sequence Number of the first mapped octet.
    pub dsn: SeqField,
    /// Subflow sequence number of the first mapped octet, relative to the subflow's ISN.
    pub subflow_seq: u32,
    /// Data-Level Length in octets (includes the DATA_FIN's one octet when `F` is set).
    pub data_len: u16,
    /// DSS checksum (RFC 8684 §3.3.1), present when checksums were negotiated.
    pub checksum: Option<u16>,
}

impl DssMapping {
    fn wire_len(&self) -> usize {
        self.dsn.wire_len() + 4 + 2 + if self.checksum.is_some() { 2 } else { 0 }
    }
}

/// A DSS option's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DssRepr {
    /// Data ACK (`A`, width `a`).
    pub data_ack: Option<SeqField>,
    /// Mapping (`M`, DSN width `m`).
    pub mapping: Option<DssMapping>,
    /// `F`: DATA_FIN.
    pub data_fin: bool,
}

impl DssRepr {
    /// The flag octet this repr encodes to.
    pub fn flags(&self) -> u8 {
        let mut f = 0;
        if let Some(ack) = self.data_ack {
            f |= FLAG_A | if ack.is_long() { FLAG_A8 } else { 0 };
        }
        if let Some(m) = self.mapping {
            f |= FLAG_M | if m.dsn.is_long() { FLAG_M8 } else { 0 };
        }
        if self.data_fin {
            f |= FLAG_F;
        }
        f
    }

    /// Parses a whole DSS option; see the module doc for the length rule.
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        view.expect_subtype(subtype::DSS)?;
        if view.len() < 4 {
            // The flag octet is missing (the fuzzed option in mptcp-dss-oobr.pcap).
            return Err(view.bad_length(0));
        }
        let flags = view.octet(3) & FLAG_MASK;
        let has_ack = flags & FLAG_A != 0;
        let has_map = flags & FLAG_M != 0;
        if (!has_ack && flags & FLAG_A8 != 0) || (!has_map && flags & FLAG_M8 != 0) {
            return Err(Error::InconsistentFlags {
                subtype: subtype::DSS,
                flags,
            });
        }
        let ack_len = match (has_ack, flags & FLAG_A8 != 0) {
            (false, _) => 0,
            (true, false) => 4,
            (true, true) => 8,
        };
        let map_len = match (has_map, flags & FLAG_M8 != 0) {
            (false, _) => 0,
            (true, false) => 4 + 4 + 2,
            (true, true) => 8 + 4 + 2,
        };
        let base = 4 + ack_len + map_len;
        let len = usize::from(view.len());
        let with_checksum = match len {
            l if l == base => false,
            l if has_map && l == base + 2 => true,
            _ => return Err(view.bad_length(flags)),
        };
        let mut r = view.reader(4);
        let data_ack = match ack_len {
            0 => None,
            4 => Some(SeqField::Short(r.u32()?)),
            _ => Some(SeqField::Long(r.u64()?)),
        };
        let mapping = if has_map {
            let dsn = if flags & FLAG_M8 != 0 {
                SeqField::Long(r.u64()?)
            } else {
                SeqField::Short(r.u32()?)
            };
            Some(DssMapping {
                dsn,
                subflow_seq: r.u32()?,
                data_len: r.u16()?,
                checksum: if with_checksum { Some(r.u16()?) } else { None },
            })
        } else {
            None
        };
        Ok(DssRepr {
            data_ack,
            mapping,
            data_fin: flags & FLAG_F != 0,
        })
    }

    /// The encoded length: 4 + data ACK + mapping.
    pub fn buffer_len(&self) -> usize {
        4 + self.data_ack.map_or(0, SeqField::wire_len)
            + self.mapping.as_ref().map_or(0, DssMapping::wire_len)
    }

    /// Writes the option; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::start(buf, self.buffer_len(), subtype::DSS, 0)?;
        w.u8(self.flags());
        if let Some(ack) = self.data_ack {
            put_seq(&mut w, ack);
        }
        if let Some(m) = self.mapping {
            put_seq(&mut w, m.dsn);
            w.u32(m.subflow_seq);
            w.u16(m.data_len);
            if let Some(c) = m.checksum {
                w.u16(c);
            }
        }
        Ok(w.finish())
    }
}

fn put_seq(w: &mut Writer<'_>, v: SeqField) {
    match v {
        SeqField::Short(v) => w.u32(v),
        SeqField::Long(v) => w.u64(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mptcp::test_util::{assert_other_lengths_fail, roundtrip};
    use crate::wire::mptcp::MptcpOption;

    /// Every DSS flag combination (A, a, M, m, F; checksum or not), as reprs.
    fn all_combinations() -> Vec<DssRepr> {
        let acks = [
            None,
            Some(SeqField::Short(0x0102_0304)),
            Some(SeqField::Long(0x1112_1314_1516_1718)),
        ];
        let dsns = [
            None,
            Some(SeqField::Short(0x2122_2324)),
            Some(SeqField::Long(0x3132_3334_3536_3738)),
        ];
        let mut out = Vec::new();
        for data_ack in acks {
            for dsn in dsns {
                for checksum in [None, Some(0x4142)] {
                    if dsn.is_none() && checksum.is_some() {
                        continue;
                    }
                    for data_fin in [false, true] {
                        out.push(DssRepr {
                            data_ack,
                            mapping: dsn.map(|dsn| DssMapping {
                                dsn,
                                subflow_seq: 0x5152_5354,
                                data_len: 0x6162,
                                checksum,
                            }),
                            data_fin,
                        });
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_flag_combination_roundtrips() {
        let all = all_combinations();
        assert_eq!(all.len(), 3 * (1 + 2 + 2) * 2);
        for r in all {
            let b = roundtrip(MptcpOption::Dss(r));
            assert_eq!(b[3], r.flags());
            // With the same flags only the exact length (and, with a mapping, the length
            // with or without the checksum) parses.
            let checksum = r.mapping.and_then(|m| m.checksum).map_or(0, |_| 2);
            let base = (r.buffer_len() - checksum) as u8;
            let ok: Vec<u8> = if r.mapping.is_some() {
                vec![base, base + 2]
            } else {
                vec![base]
            };
            assert_other_lengths_fail(&b, &ok);
        }
    }

    #[test]
    fn known_bytes() {
        // mptcp-v0.pcap: "mptcp 20 dss ack 3576348362 seq 3518592144 subseq 1 len 41 csum 0x82f".
        let b = [
            30, 20, 0x20, 0x05, 0xd5, 0x2a, 0xbe, 0xca, 0xd1, 0xb9, 0x74, 0x90, 0, 0, 0, 1, 0, 41,
            0x08, 0x2f,
        ];
        let r = DssRepr::parse(&b).unwrap();
        assert_eq!(r.data_ack, Some(SeqField::Short(3576348362)));
        assert_eq!(
            r.mapping,
            Some(DssMapping {
                dsn: SeqField::Short(3518592144),
                subflow_seq: 1,
                data_len: 41,
                checksum: Some(0x082f)
            })
        );
        assert!(!r.data_fin);
        assert_eq!(roundtrip(MptcpOption::Dss(r)), b);
        // v1 DATA_FIN: "dss fin ack .. seq .. subseq 0 len 1", flags 0x1f, length 26.
        let fin = DssRepr {
            data_ack: Some(SeqField::Long(12148165319181844574)),
            mapping: Some(DssMapping {
                dsn: SeqField::Long(17186763219675866613),
                subflow_seq: 0,
                data_len: 1,
                checksum: None,
            }),
            data_fin: true,
        };
        let b = roundtrip(MptcpOption::Dss(fin));
        assert_eq!(&b[..4], &[30, 26, 0x20, 0x1f]);
    }

    #[test]
    fn malformed() {
        // Length 3: no flag octet (mptcp-dss-oobr.pcap).
        assert!(matches!(
            DssRepr::parse(&[30, 3, 0x20]),
            Err(Error::BadLength { len: 3, .. })
        ));
        // A checksum without a mapping.
        assert!(matches!(
            DssRepr::parse(&[30, 10, 0x20, 0x01, 0, 0, 0, 1, 0xaa, 0xbb]),
            Err(Error::BadLength { len: 10, .. })
        ));
        // Width bits without their field.
        assert!(matches!(
            DssRepr::parse(&[30, 4, 0x20, 0x02]),
            Err(Error::InconsistentFlags { flags: 0x02, .. })
        ));
        assert!(matches!(
            DssRepr::parse(&[30, 4, 0x20, 0x08]),
            Err(Error::InconsistentFlags { flags: 0x08, .. })
        ));
        // No flags at all is a valid (if useless) 4-octet DSS; F alone too.
        assert_eq!(
            DssRepr::parse(&[30, 4, 0x20, 0x10]),
            Ok(DssRepr {
                data_ack: None,
                mapping: None,
                data_fin: true
            })
        );
        // Reserved bits are ignored on receipt.
        assert_eq!(
            DssRepr::parse(&[30, 4, 0x2f, 0xe0]),
            DssRepr::parse(&[30, 4, 0x20, 0x00])
        );
    }
}
