//! MP_FAIL (subtype 6, RFC 8684 §3.7; same layout in RFC 6824 v0).
//!
//! ```text
//! | 30 | 12 | 6 | reserved (12 bits) | Data Sequence Number (64) |
//! ```

use crate::wire::mptcp::{subtype, Error, OptionView, Writer};

/// An MP_FAIL option's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailRepr {
    /// The full 64-bit DSN at which the checksum failed (RFC 8684 §3.7).
    pub dsn: u64,
}

impl FailRepr {
    /// The only length MP_FAIL has.
    pub const LEN: usize = 12;

    /// Parses a whole MP_FAIL option (length 12).
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        view.expect_subtype(subtype::MP_FAIL)?;
        if usize::from(view.len()) != Self::LEN {
            return Err(view.bad_length(0));
        }
        Ok(FailRepr {
            dsn: view.reader(4).u64()?,
        })
    }

    /// The encoded length: 12.
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }

    /// Writes the option; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::start(buf, Self::LEN, subtype::MP_FAIL, 0)?;
        w.u8(0);
        w.u64(self.dsn);
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
        let b = [30, 12, 0x60, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        let r = FailRepr::parse(&b).unwrap();
        assert_eq!(r.dsn, 0x0102030405060708);
        assert_eq!(roundtrip(MptcpOption::Fail(r)), b);
        assert_other_lengths_fail(&b, &[]);
    }
}
