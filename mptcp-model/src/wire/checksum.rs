//! The Internet checksum (RFC 1071): the one's complement of the one's-complement sum of
//! 16-bit big-endian words. The IPv4 header checksum (RFC 791), the TCP checksum over its
//! pseudo-header (RFC 9293 §3.1) and the MPTCP DSS checksum (RFC 8684 §3.3.1) all use it.

/// A running one's-complement sum over octets fed in any number of pieces (a piece of odd
/// length leaves its last octet waiting for the next piece's first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Checksum {
    sum: u64,
    /// The first octet of a word whose second octet has not come yet.
    odd: Option<u8>,
}

impl Checksum {
    /// An empty sum.
    pub const fn new() -> Self {
        Checksum { sum: 0, odd: None }
    }

    /// Adds `data`.
    pub fn add(&mut self, mut data: &[u8]) {
        if let (Some(hi), Some((&lo, rest))) = (self.odd, data.split_first()) {
            self.sum += u64::from(u16::from_be_bytes([hi, lo]));
            self.odd = None;
            data = rest;
        }
        let mut words = data.chunks_exact(2);
        for w in &mut words {
            self.sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
        }
        if let [last] = words.remainder() {
            self.odd = Some(*last);
        }
    }

    /// Adds one octet.
    pub fn add_byte(&mut self, b: u8) {
        match self.odd.take() {
            Some(hi) => self.sum += u64::from(u16::from_be_bytes([hi, b])),
            None => self.odd = Some(b),
        }
    }

    /// The checksum: the sum folded to 16 bits (a trailing odd octet padded with zero),
    /// complemented.
    pub fn finish(self) -> u16 {
        let mut s = self.sum + self.odd.map_or(0, |b| u64::from(b) << 8);
        while s >> 16 != 0 {
            s = (s & 0xffff) + (s >> 16);
        }
        // s < 2^16 after folding.
        !(s as u16)
    }
}

/// The Internet checksum of `data`.
pub fn checksum(data: &[u8]) -> u16 {
    let mut c = Checksum::new();
    c.add(data);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_and_pieces() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement).
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), !0xddf2);
        // Any split, odd pieces included, gives the same sum.
        for cut in 0..=data.len() {
            let mut c = Checksum::new();
            c.add(&data[..cut]);
            c.add(&data[cut..]);
            assert_eq!(c.finish(), !0xddf2, "cut {cut}");
        }
        let mut c = Checksum::new();
        data.iter().for_each(|&b| c.add_byte(b));
        assert_eq!(c.finish(), !0xddf2);
        // An odd length is padded with a zero octet.
        assert_eq!(checksum(&[0x12]), !0x1200);
    }
}
