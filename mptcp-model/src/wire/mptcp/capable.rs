//! MP_CAPABLE (subtype 0, RFC 8684 §3.1; v0: RFC 6824 §3.1).
//!
//! ```text
//! | Kind=30 | Length | Subtype=0 | Version | A B C D E F G H |
//! | Option Sender's Key (64 bits)        (length >= 12)     |
//! | Option Receiver's Key (64 bits)      (length >= 20)     |
//! | Data-Level Length (16) | Checksum (16, length 24 only)  |
//! ```
//! The length alone selects the form; which TCP segment carries it (SYN, SYN/ACK, ACK) is
//! the endpoint's business:
//!
//! | length | v1 (RFC 8684)                         | v0 (RFC 6824)        |
//! |--------|---------------------------------------|----------------------|
//! | 4      | SYN, no key                           | —                    |
//! | 12     | SYN/ACK, the listener's key           | SYN and SYN/ACK key  |
//! | 20     | third ACK, both keys                  | third ACK, both keys |
//! | 22, 24 | first data: both keys, data-level len (+ DSS checksum) | —       |
//!
//! Versions above 1 are accepted in the 4-octet SYN form only (so a v1 listener can answer a
//! future-version SYN, RFC 8684 §3.1); elsewhere they are [`Error::UnsupportedVersion`].
//! The `A` flag and the presence of a checksum are not cross-checked: "the length tells", and
//! RFC 8684 §3.3 leaves a mismatch to the endpoint (it resets the subflow).

use crate::crypto::Key;
use crate::wire::mptcp::{subtype, Error, OptionView, Writer};

/// MP_CAPABLE flag octet (RFC 8684 §3.1). Kept whole, so unassigned bits round-trip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CapableFlags(pub u8);

impl CapableFlags {
    /// `A`: checksum required (RFC 8684 §3.1).
    pub const CHECKSUM_REQUIRED: u8 = 0x80;
    /// `B`: extensibility; must be 0 in v1 (RFC 8684 §3.1).
    pub const EXTENSIBILITY: u8 = 0x40;
    /// `C`: do not attempt to join the initial address (RFC 8684 §3.1).
    pub const NO_JOIN_INITIAL_ADDRESS: u8 = 0x20;
    /// `H`: HMAC-SHA256 (v1) / HMAC-SHA1 (v0) crypto (RFC 8684 §3.1, RFC 6824 §3.1).
    pub const HMAC_SHA256: u8 = 0x01;

    /// Whether all bits of `mask` are set.
    pub const fn contains(self, mask: u8) -> bool {
        self.0 & mask == mask
    }

    /// `A`: the sender requires DSS checksums.
    pub const fn checksum_required(self) -> bool {
        self.contains(Self::CHECKSUM_REQUIRED)
    }

    /// `B`: extensibility.
    pub const fn extensibility(self) -> bool {
        self.contains(Self::EXTENSIBILITY)
    }

    /// `C`: the sender will not accept MP_JOINs to its initial address.
    pub const fn no_join_initial_address(self) -> bool {
        self.contains(Self::NO_JOIN_INITIAL_ADDRESS)
    }

    /// `H`: the HMAC-SHA256 crypto algorithm.
    pub const fn hmac_sha256(self) -> bool {
        self.contains(Self::HMAC_SHA256)
    }
}

/// Which keys and data fields an MP_CAPABLE carries; fixes its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapableForm {
    /// v1 SYN: no key (length 4).
    Syn,
    /// One key, the sender's: v1 SYN/ACK (the listener's key), v0 SYN or SYN/ACK (length 12).
    SenderKey {
        /// The key of the host sending this option.
        sender_key: Key,
    },
    /// Third ACK: both keys, the sender's first (length 20).
    BothKeys {
        /// The key of the host sending this option.
        sender_key: Key,
        /// The key of the host receiving it.
        receiver_key: Key,
    },
    /// v1 first data packet: both keys and a data-level length, with a DSS checksum when
    /// checksums are in use (length 22, or 24 with the checksum).
    WithData {
        /// The key of the host sending this option.
        sender_key: Key,
        /// The key of the host receiving it.
        receiver_key: Key,
        /// Data-level length of the mapping (the DSN is the sender's IDSN + 1, the subflow
        /// sequence number 1; RFC 8684 §3.1).
        data_len: u16,
        /// DSS checksum (RFC 8684 §3.3.1), present only at length 24.
        checksum: Option<u16>,
    },
}

/// An MP_CAPABLE option's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapableRepr {
    /// Version nibble: 0 (RFC 6824) or 1 (RFC 8684); above 1 only in [`CapableForm::Syn`].
    pub version: u8,
    /// Flags `A`..`H`.
    pub flags: CapableFlags,
    /// Keys and data fields.
    pub form: CapableForm,
}

impl CapableRepr {
    /// MPTCP v0 (RFC 6824).
    pub const VERSION_0: u8 = 0;
    /// MPTCP v1 (RFC 8684).
    pub const VERSION_1: u8 = 1;

    /// Parses a whole MP_CAPABLE option; see the module doc for the accepted forms.
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        view.expect_subtype(subtype::MP_CAPABLE)?;
        let version = view.low_nibble();
        let flags = view.octet(3);
        let len = view.len();
        let supported = match version {
            Self::VERSION_0 => matches!(len, 12 | 20),
            Self::VERSION_1 => matches!(len, 4 | 12 | 20 | 22 | 24),
            _ => len == 4,
        };
        if !matches!(len, 4 | 12 | 20 | 22 | 24) {
            return Err(view.bad_length(flags));
        }
        if !supported {
            return Err(Error::UnsupportedVersion { version, len });
        }
        let mut r = view.reader(4);
        let form = match len {
            4 => CapableForm::Syn,
            12 => CapableForm::SenderKey {
                sender_key: Key(r.u64()?),
            },
            20 => CapableForm::BothKeys {
                sender_key: Key(r.u64()?),
                receiver_key: Key(r.u64()?),
            },
            _ => CapableForm::WithData {
                sender_key: Key(r.u64()?),
                receiver_key: Key(r.u64()?),
                data_len: r.u16()?,
                checksum: if len == 24 { Some(r.u16()?) } else { None },
            },
        };
        Ok(CapableRepr {
            version,
            flags: CapableFlags(flags),
            form,
        })
    }

    /// The encoded length: 4, 12, 20, 22 or 24 by form.
    pub fn buffer_len(&self) -> usize {
        match self.form {
            CapableForm::Syn => 4,
            CapableForm::SenderKey { .. } => 12,
            CapableForm::BothKeys { .. } => 20,
            CapableForm::WithData { checksum, .. } => 22 + if checksum.is_some() { 2 } else { 0 },
        }
    }

    /// Writes the option; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::start(buf, self.buffer_len(), subtype::MP_CAPABLE, self.version)?;
        w.u8(self.flags.0);
        match self.form {
            CapableForm::Syn => {}
            CapableForm::SenderKey { sender_key } => w.u64(sender_key.0),
            CapableForm::BothKeys {
                sender_key,
                receiver_key,
            } => {
                w.u64(sender_key.0);
                w.u64(receiver_key.0);
            }
            CapableForm::WithData {
                sender_key,
                receiver_key,
                data_len,
                checksum,
            } => {
                w.u64(sender_key.0);
                w.u64(receiver_key.0);
                w.u16(data_len);
                if let Some(c) = checksum {
                    w.u16(c);
                }
            }
        }
        Ok(w.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mptcp::test_util::{assert_other_lengths_fail, roundtrip};
    use crate::wire::mptcp::MptcpOption;

    const K1: Key = Key(0x8f0c7c64a6a32ac1);
    const K2: Key = Key(0x73bb150358a0aecb);
    const H: CapableFlags = CapableFlags(CapableFlags::HMAC_SHA256);

    fn v1(form: CapableForm) -> MptcpOption {
        MptcpOption::Capable(CapableRepr {
            version: 1,
            flags: H,
            form,
        })
    }

    #[test]
    fn v1_fixtures() {
        // From mptcp-aa-v1.pcap.
        assert_eq!(roundtrip(v1(CapableForm::Syn)), [30, 4, 0x01, 0x01]);
        let synack = roundtrip(v1(CapableForm::SenderKey { sender_key: K2 }));
        assert_eq!(
            synack,
            [30, 12, 0x01, 0x01, 0x73, 0xbb, 0x15, 0x03, 0x58, 0xa0, 0xae, 0xcb]
        );
        let ack = roundtrip(v1(CapableForm::BothKeys {
            sender_key: K1,
            receiver_key: K2,
        }));
        assert_eq!(
            &ack[..12],
            &[30, 20, 1, 1, 0x8f, 0x0c, 0x7c, 0x64, 0xa6, 0xa3, 0x2a, 0xc1]
        );
        assert_eq!(&ack[12..], &K2.to_be_bytes());
        let data = roundtrip(v1(CapableForm::WithData {
            sender_key: K1,
            receiver_key: K2,
            data_len: 16,
            checksum: None,
        }));
        assert_eq!((data.len(), data[1], &data[20..]), (22, 22, &[0u8, 16][..]));
        let csum = roundtrip(MptcpOption::Capable(CapableRepr {
            version: 1,
            flags: CapableFlags(0x81),
            form: CapableForm::WithData {
                sender_key: K1,
                receiver_key: K2,
                data_len: 0x1234,
                checksum: Some(0xbeef),
            },
        }));
        assert_eq!(&csum[..4], &[30, 24, 0x01, 0x81]);
        assert_eq!(&csum[20..], &[0x12, 0x34, 0xbe, 0xef]);
        for b in [&synack[..], &ack, &data, &csum] {
            assert_other_lengths_fail(b, &[4, 12, 20, 22, 24]);
        }
    }

    #[test]
    fn flags() {
        let f = CapableFlags(0xe1);
        assert!(f.checksum_required() && f.extensibility() && f.no_join_initial_address());
        assert!(f.hmac_sha256());
        assert!(!CapableFlags(0).hmac_sha256());
        // Unassigned bits survive a round trip.
        let opt = v1(CapableForm::Syn);
        let MptcpOption::Capable(mut r) = opt else {
            unreachable!()
        };
        r.flags = CapableFlags(0x1e);
        assert_eq!(roundtrip(MptcpOption::Capable(r))[3], 0x1e);
    }

    #[test]
    fn v0_forms() {
        // mptcp-v0.pcap: "capable v0 flags [AH] csum {0x9c9eabd1e46a33b2}".
        let syn = [
            30, 12, 0x00, 0x81, 0x9c, 0x9e, 0xab, 0xd1, 0xe4, 0x6a, 0x33, 0xb2,
        ];
        let r = CapableRepr::parse(&syn).unwrap();
        assert_eq!(r.version, 0);
        assert!(r.flags.checksum_required() && r.flags.hmac_sha256());
        assert_eq!(
            r.form,
            CapableForm::SenderKey {
                sender_key: Key(0x9c9eabd1e46a33b2)
            }
        );
        assert_eq!(roundtrip(MptcpOption::Capable(r)), syn);
        // v0 has no 4-, 22- or 24-octet form.
        for len in [4u8, 22, 24] {
            let mut b = vec![0u8; usize::from(len)];
            b[..4].copy_from_slice(&[30, len, 0x00, 0x81]);
            assert_eq!(
                CapableRepr::parse(&b),
                Err(Error::UnsupportedVersion { version: 0, len })
            );
        }
    }

    #[test]
    fn future_versions() {
        let r = CapableRepr::parse(&[30, 4, 0x02, 0x01]).unwrap();
        assert_eq!((r.version, r.form), (2, CapableForm::Syn));
        let mut b = [0u8; 12];
        b[..4].copy_from_slice(&[30, 12, 0x02, 0x01]);
        assert_eq!(
            CapableRepr::parse(&b),
            Err(Error::UnsupportedVersion {
                version: 2,
                len: 12
            })
        );
        assert!(matches!(
            CapableRepr::parse(&[30, 4, 0x21, 0x01]),
            Err(Error::WrongSubtype {
                expected: 0,
                found: 2
            })
        ));
    }
}
