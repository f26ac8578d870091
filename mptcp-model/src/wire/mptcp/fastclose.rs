//! MP_FASTCLOSE (subtype 7, RFC 8684 §3.5; same layout in RFC 6824 v0).
//!
//! ```text
//! | 30 | 12 | 7 | reserved (12 bits) | Option Receiver's Key (64) |
//! ```

use crate::crypto::Key;
use crate::wire::mptcp::{subtype, Error, OptionView, Writer};

/// An MP_FASTCLOSE option's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastCloseRepr {
    /// The key of the host receiving this option (proves the sender knows it).
    pub receiver_key: Key,
}

impl FastCloseRepr {
    /// The only length MP_FASTCLOSE has.
    pub const LEN: usize = 12;

    /// Parses a whole MP_FASTCLOSE option (length 12).
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        view.expect_subtype(subtype::MP_FASTCLOSE)?;
        if usize::from(view.len()) != Self::LEN {
            return Err(view.bad_length(0));
        }
        Ok(FastCloseRepr {
            receiver_key: Key(view.reader(4).u64()?),
        })
    }

    /// The encoded length: 12.
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }

    /// Writes the option; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::start(buf, Self::LEN, subtype::MP_FASTCLOSE, 0)?;
        w.u8(0);
        w.u64(self.receiver_key.0);
        Ok(w.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mptcp::test_util::{assert_other_lengths_fail, roundtrip};
    use crate::wire::mptcp::MptcpOption;

    #[test]
    fn fixture() {
        // mptcp-fclose.pcap: "fast-close key 0xd005b1ab34bad344".
        let b = [
            30, 12, 0x70, 0, 0xd0, 0x05, 0xb1, 0xab, 0x34, 0xba, 0xd3, 0x44,
        ];
        let r = FastCloseRepr::parse(&b).unwrap();
        assert_eq!(r.receiver_key, Key(0xd005b1ab34bad344));
        assert_eq!(roundtrip(MptcpOption::FastClose(r)), b);
        assert_other_lengths_fail(&b, &[]);
    }
}
