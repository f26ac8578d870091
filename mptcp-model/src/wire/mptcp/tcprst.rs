//! MP_TCPRST (subtype 8, RFC 8684 §3.6; v1 only).
//!
//! ```text
//! | 30 | 4 | 8 | U V W T | Reason |
//! ```
//! `T` (transient) is the least significant bit of the nibble; `U`, `V`, `W` have no meaning
//! assigned yet and are kept as received.

use crate::wire::mptcp::{subtype, Error, OptionView, Writer};

/// MP_TCPRST flag nibble (RFC 8684 §3.6), kept whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpRstFlags(pub u8);

impl TcpRstFlags {
    /// `U` (unassigned).
    pub const U: u8 = 0x8;
    /// `V` (unassigned).
    pub const V: u8 = 0x4;
    /// `W` (unassigned).
    pub const W: u8 = 0x2;
    /// `T`: the error is transient; the subflow may be re-established.
    pub const T: u8 = 0x1;

    /// `T`: transient error.
    pub const fn transient(self) -> bool {
        self.0 & Self::T != 0
    }
}

/// MP_TCPRST reason codes (RFC 8684 §3.6, IANA "MPTCP MP_TCPRST Reason Codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResetReason {
    /// 0x00: unspecified error.
    Unspecified,
    /// 0x01: MPTCP-specific error.
    MptcpSpecific,
    /// 0x02: lack of resources.
    LackOfResources,
    /// 0x03: administratively prohibited.
    AdministrativelyProhibited,
    /// 0x04: too much outstanding data.
    TooMuchOutstandingData,
    /// 0x05: unacceptable performance.
    UnacceptablePerformance,
    /// 0x06: middlebox interference.
    MiddleboxInterference,
    /// Any other code, kept as received.
    Other(u8),
}

impl From<u8> for ResetReason {
    fn from(code: u8) -> Self {
        match code {
            0 => ResetReason::Unspecified,
            1 => ResetReason::MptcpSpecific,
            2 => ResetReason::LackOfResources,
            3 => ResetReason::AdministrativelyProhibited,
            4 => ResetReason::TooMuchOutstandingData,
            5 => ResetReason::UnacceptablePerformance,
            6 => ResetReason::MiddleboxInterference,
            other => ResetReason::Other(other),
        }
    }
}

impl From<ResetReason> for u8 {
    fn from(reason: ResetReason) -> u8 {
        match reason {
            ResetReason::Unspecified => 0,
            ResetReason::MptcpSpecific => 1,
            ResetReason::LackOfResources => 2,
            ResetReason::AdministrativelyProhibited => 3,
            ResetReason::TooMuchOutstandingData => 4,
            ResetReason::UnacceptablePerformance => 5,
            ResetReason::MiddleboxInterference => 6,
            ResetReason::Other(code) => code,
        }
    }
}

/// An MP_TCPRST option's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpRstRepr {
    /// `U V W T`.
    pub flags: TcpRstFlags,
    /// Why the subflow is reset.
    pub reason: ResetReason,
}

impl TcpRstRepr {
    /// The only length MP_TCPRST has.
    pub const LEN: usize = 4;

    /// Parses a whole MP_TCPRST option (length 4).
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        view.expect_subtype(subtype::MP_TCPRST)?;
        if usize::from(view.len()) != Self::LEN {
            return Err(view.bad_length(view.low_nibble()));
        }
        Ok(TcpRstRepr {
            flags: TcpRstFlags(view.low_nibble()),
            reason: ResetReason::from(view.octet(3)),
        })
    }

    /// The encoded length: 4.
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }

    /// Writes the option; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::start(buf, Self::LEN, subtype::MP_TCPRST, self.flags.0)?;
        w.u8(self.reason.into());
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
        // mptcp-tcprst.pcap: "tcprst flags [none] reason Unspecified error" and
        // "tcprst flags [T] reason MPTCP-specific error".
        let r = TcpRstRepr::parse(&[30, 4, 0x80, 0]).unwrap();
        assert_eq!(
            (r.flags.transient(), r.reason),
            (false, ResetReason::Unspecified)
        );
        let r = TcpRstRepr::parse(&[30, 4, 0x81, 1]).unwrap();
        assert_eq!(
            (r.flags.transient(), r.reason),
            (true, ResetReason::MptcpSpecific)
        );
        for code in 0..=255u8 {
            assert_eq!(u8::from(ResetReason::from(code)), code);
            let r = TcpRstRepr {
                flags: TcpRstFlags(code & 0xf),
                reason: code.into(),
            };
            let b = roundtrip(MptcpOption::TcpRst(r));
            assert_eq!(b, [30, 4, 0x80 | (code & 0xf), code]);
        }
        assert_other_lengths_fail(&[30, 4, 0x81, 1], &[]);
    }
}
