//! MP_PRIO (subtype 5, RFC 8684 §3.3.8; v0: RFC 6824 §3.3.8).
//!
//! ```text
//! v1 (3): | 30 | 3 | 5 | rsv(3) B |
//! v0 (4): | 30 | 4 | 5 | rsv(3) B | Address ID |
//! ```
//! RFC 8684 dropped the optional address id of v0; both lengths are accepted and the id is
//! kept when present.

use crate::wire::mptcp::{subtype, Error, OptionView, Writer};

/// `B`: backup.
const FLAG_BACKUP: u8 = 0x01;

/// An MP_PRIO option's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrioRepr {
    /// `B`: the sender wants the subflow treated as a backup path.
    pub backup: bool,
    /// The v0 address id (length 4); `None` in v1 (length 3).
    pub addr_id: Option<u8>,
}

impl PrioRepr {
    /// Parses a whole MP_PRIO option (length 3, or 4 with a v0 address id).
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        view.expect_subtype(subtype::MP_PRIO)?;
        let addr_id = match view.len() {
            3 => None,
            4 => Some(view.octet(3)),
            _ => return Err(view.bad_length(0)),
        };
        Ok(PrioRepr {
            backup: view.low_nibble() & FLAG_BACKUP != 0,
            addr_id,
        })
    }

    /// The encoded length: 3, or 4 with an address id.
    pub fn buffer_len(&self) -> usize {
        3 + self.addr_id.map_or(0, |_| 1)
    }

    /// Writes the option; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let flags = if self.backup { FLAG_BACKUP } else { 0 };
        let mut w = Writer::start(buf, self.buffer_len(), subtype::MP_PRIO, flags)?;
        if let Some(id) = self.addr_id {
            w.u8(id);
        }
        Ok(w.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mptcp::test_util::{assert_other_lengths_fail, roundtrip};
    use crate::wire::mptcp::MptcpOption;

    #[test]
    fn fixtures() {
        let cases = [
            (
                PrioRepr {
                    backup: true,
                    addr_id: None,
                },
                vec![30, 3, 0x51],
            ),
            (
                PrioRepr {
                    backup: false,
                    addr_id: None,
                },
                vec![30, 3, 0x50],
            ),
            (
                PrioRepr {
                    backup: true,
                    addr_id: Some(4),
                },
                vec![30, 4, 0x51, 4],
            ),
        ];
        for (r, b) in cases {
            assert_eq!(PrioRepr::parse(&b), Ok(r));
            assert_eq!(roundtrip(MptcpOption::Prio(r)), b);
            assert_other_lengths_fail(&b, &[3, 4]);
        }
    }
}
