//! REMOVE_ADDR (subtype 4, RFC 8684 §3.4.2; same layout in RFC 6824 v0).
//!
//! ```text
//! | 30 | Length = 3 + n | 4 | reserved | Address ID 1 | ... | Address ID n |
//! ```
//! At least one id. The repr stores the ids inline, at most [`MAX_REMOVE_IDS`] (37): every
//! REMOVE_ADDR that fits in a TCP header's 40 option octets, so nothing valid on the wire is
//! refused, and the repr stays a 38-octet `Copy` value.

use crate::wire::mptcp::{subtype, Error, OptionView, Writer, MAX_OPTION_LEN};

/// Most address ids one REMOVE_ADDR can carry: 40 option octets less kind, length, subtype.
pub const MAX_REMOVE_IDS: usize = MAX_OPTION_LEN - 3;

/// A REMOVE_ADDR option's values: a non-empty list of address ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemoveAddrRepr {
    ids: [u8; MAX_REMOVE_IDS],
    count: u8,
}

impl RemoveAddrRepr {
    /// A list of the given ids; `None` when empty or longer than [`MAX_REMOVE_IDS`].
    pub fn new(ids: &[u8]) -> Option<Self> {
        if ids.is_empty() {
            return None;
        }
        let mut out = [0u8; MAX_REMOVE_IDS];
        out.get_mut(..ids.len())?.copy_from_slice(ids);
        Some(RemoveAddrRepr {
            ids: out,
            count: ids.len() as u8,
        })
    }

    /// The address ids, in wire order.
    pub fn ids(&self) -> &[u8] {
        self.ids.get(..usize::from(self.count)).unwrap_or(&[])
    }

    /// Parses a whole REMOVE_ADDR option (length 4 to 40).
    pub fn parse(buf: &[u8]) -> Result<Self, Error> {
        let view = OptionView::new_checked(buf)?;
        view.expect_subtype(subtype::REMOVE_ADDR)?;
        let ids = view.as_bytes().get(3..).unwrap_or(&[]);
        if ids.is_empty() {
            return Err(view.bad_length(0));
        }
        RemoveAddrRepr::new(ids).ok_or(Error::TooLong(view.len()))
    }

    /// The encoded length: 3 + number of ids.
    pub fn buffer_len(&self) -> usize {
        3 + usize::from(self.count)
    }

    /// Writes the option; returns the octets written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut w = Writer::start(buf, self.buffer_len(), subtype::REMOVE_ADDR, 0)?;
        w.bytes(self.ids());
        Ok(w.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::mptcp::test_util::roundtrip;
    use crate::wire::mptcp::MptcpOption;

    #[test]
    fn fixtures() {
        // mptcp-v0.pcap: "rem-addr id 0".
        let b = [30, 4, 0x40, 0];
        let r = RemoveAddrRepr::parse(&b).unwrap();
        assert_eq!(r.ids(), &[0]);
        assert_eq!(roundtrip(MptcpOption::RemoveAddr(r)), b);
        let r = RemoveAddrRepr::new(&[1, 2, 3, 250]).unwrap();
        assert_eq!(
            roundtrip(MptcpOption::RemoveAddr(r)),
            [30, 7, 0x40, 1, 2, 3, 250]
        );
        let full: Vec<u8> = (0..MAX_REMOVE_IDS as u8).collect();
        let r = RemoveAddrRepr::new(&full).unwrap();
        assert_eq!(roundtrip(MptcpOption::RemoveAddr(r)).len(), MAX_OPTION_LEN);
    }

    #[test]
    fn limits() {
        assert_eq!(RemoveAddrRepr::new(&[]), None);
        assert_eq!(RemoveAddrRepr::new(&[0; MAX_REMOVE_IDS + 1]), None);
        assert!(matches!(
            RemoveAddrRepr::parse(&[30, 3, 0x40]),
            Err(Error::BadLength { len: 3, .. })
        ));
        let mut long = vec![0u8; 41];
        long[..3].copy_from_slice(&[30, 41, 0x40]);
        assert_eq!(RemoveAddrRepr::parse(&long), Err(Error::TooLong(41)));
    }
}
