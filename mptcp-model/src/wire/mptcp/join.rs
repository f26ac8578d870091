//! MP_JOIN (subtype 1, RFC 8684 §3.2; same layout in RFC 6824 v0).
//!
//! ```text
//! SYN (12):     | 30 | 12 | 1 | rsv(3) B | Address ID | Receiver's Token (32) | Sender's Random (32) |
//! SYN/ACK (16): | 30 | 16 | 1 | rsv(3) B | Address ID | Truncated HMAC (64)   | Sender's Random (32) |
//! ACK (24):     | 30 | 24 | 1 | reserved (12 bits)   | Sender's HMAC (160)                          |
//! ```
//! The length selects the form. In v1 the HMACs are HMAC-SHA256 truncated to 64 / 160 bits
//! ([`crate::crypto::join_hmac`]); v0 used HMAC-SHA1, same sizes on the wire.

use crate::wire::mptcp::{subtype, Error, OptionView, Writer};

/// The `B` (backup) bit in the third octet of the SYN and SYN/ACK forms.
const FLAG_BACKUP: u8 = 0x01;

/// An MP_JOIN option's values, one variant per handshake step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinRepr {
    /// Initial SYN (length 12).
    Syn {
        /// `B`: the sender wants this subflow as a backup path.
        backup: bool,
        /// The sender's address id for the subflow's source address.
        addr_id: u8,
        /// The receiver's token (crate::crypto::token of the receiver's key).
        token: u32,
        /// The sender's random number (nonce).
        random: u32,
    },
    /// SYN/ACK (length 16).
    SynAck {
        /// `B`: the sender wants this subflow as a backup path.
        backup: bool,
        /// The sender's address id.
        addr_id: u8,
        /// The sender's HMAC, leftmost 64 bits (crate::crypto::truncated_hmac64).
        truncated_hmac: u64,
        /// The sender's random number (nonce).
        random: u32,
    },
    /// Third ACK (length 24).
    Ack {
        /// The sender's HMAC, leftmost 160 bits (crate::crypto::truncated_hmac160).
        hmac: [u8; 20],
    },
}

impl JoinRepr {
    /// Parses a whole MP_JOIN option; the length (12, 16, 24) selects the form.
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        view.expect_subtype(subtype::MP_JOIN)?;
        let backup = view.low_nibble() & FLAG_BACKUP != 0;
        let addr_id = view.octet(3);
        let mut r = view.reader(4);
        match view.len() {
            12 => Ok(JoinRepr::Syn {
                backup,
                addr_id,
                token: r.u32()?,
                random: r.u32()?,
            }),
            16 => Ok(JoinRepr::SynAck {
                backup,
                addr_id,
                truncated_hmac: r.u64()?,
                random: r.u32()?,
            }),
            24 => Ok(JoinRepr::Ack { hmac: r.array()? }),
            _ => Err(view.bad_length(0)),
        }
    }

    /// The encoded length: 12, 16 or 24.
    pub fn buffer_len(&self) -> usize {
        match self {
            JoinRepr::Syn { .. } => 12,
            JoinRepr::SynAck { .. } => 16,
            JoinRepr::Ack { .. } => 24,
        }
    }

    /// Writes the option; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let len = self.buffer_len();
        let w = match *self {
            JoinRepr::Syn {
                backup,
                addr_id,
                token,
                random,
            } => {
                let mut w = Writer::start(buf, len, subtype::MP_JOIN, backup_bit(backup))?;
                w.u8(addr_id);
                w.u32(token);
                w.u32(random);
                w
            }
            JoinRepr::SynAck {
                backup,
                addr_id,
                truncated_hmac,
                random,
            } => {
                let mut w = Writer::start(buf, len, subtype::MP_JOIN, backup_bit(backup))?;
                w.u8(addr_id);
                w.u64(truncated_hmac);
                w.u32(random);
                w
            }
            JoinRepr::Ack { hmac } => {
                let mut w = Writer::start(buf, len, subtype::MP_JOIN, 0)?;
                w.u8(0);
                w.bytes(&hmac);
                w
            }
        };
        Ok(w.finish())
    }
}

fn backup_bit(backup: bool) -> u8 {
    if backup {
        FLAG_BACKUP
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mptcp::test_util::{assert_other_lengths_fail, roundtrip};
    use crate::wire::mptcp::MptcpOption;

    #[test]
    fn fixtures_from_v0_capture() {
        // mptcp-v0.pcap: "join id 0 token 0xe47f0142 nonce 0x1b665a18".
        let syn = [
            30, 12, 0x10, 0, 0xe4, 0x7f, 0x01, 0x42, 0x1b, 0x66, 0x5a, 0x18,
        ];
        let r = JoinRepr::parse(&syn).unwrap();
        assert_eq!(
            r,
            JoinRepr::Syn {
                backup: false,
                addr_id: 0,
                token: 0xe47f0142,
                random: 0x1b665a18
            }
        );
        assert_eq!(roundtrip(MptcpOption::Join(r)), syn);
        assert_other_lengths_fail(&syn, &[16, 24]);
    }

    #[test]
    fn all_forms_roundtrip() {
        let forms = [
            JoinRepr::Syn {
                backup: true,
                addr_id: 7,
                token: 1,
                random: 2,
            },
            JoinRepr::SynAck {
                backup: true,
                addr_id: 1,
                truncated_hmac: 0x5ab680c7884af03d,
                random: 0x33abe9d5,
            },
            JoinRepr::SynAck {
                backup: false,
                addr_id: 255,
                truncated_hmac: u64::MAX,
                random: 0,
            },
            JoinRepr::Ack {
                hmac: core::array::from_fn(|i| i as u8 + 1),
            },
        ];
        for f in forms {
            let b = roundtrip(MptcpOption::Join(f));
            assert_eq!(b.len(), f.buffer_len());
            assert_other_lengths_fail(&b, &[12, 16, 24]);
        }
        let b = roundtrip(MptcpOption::Join(forms[0]));
        assert_eq!(&b[..4], &[30, 12, 0x11, 7]);
        let b = roundtrip(MptcpOption::Join(forms[3]));
        assert_eq!(&b[..5], &[30, 24, 0x10, 0, 1]);
    }
}
