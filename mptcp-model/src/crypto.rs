//! MPTCP v1 keys, tokens, initial data sequence numbers and HMACs (RFC 8684 §3.1, §3.2,
//! §3.4.1), all over SHA-256 from the `sha2` and `hmac` crates.
//!
//! Every integer enters a hash in network byte order (big-endian), as on the wire. The v0
//! (RFC 6824) equivalents use SHA-1 and are not provided: the model speaks v1 only and parses
//! v0 options just to read captures.

use core::net::IpAddr;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// A 64-bit MPTCP key, as carried in MP_CAPABLE and MP_FASTCLOSE (RFC 8684 §3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(pub u64);

impl Key {
    /// The key's 8 octets in network byte order.
    pub const fn to_be_bytes(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }
}

/// SHA-256 of the key's 8 big-endian octets.
fn key_digest(key: Key) -> [u8; 32] {
    Sha256::digest(key.to_be_bytes()).into()
}

/// The connection token of `key` (RFC 8684 §3.2: SHA-256 of the key, truncated to the most
/// significant 32 bits).
pub fn token(key: Key) -> u32 {
    let [a, b, c, d, ..] = key_digest(key);
    u32::from_be_bytes([a, b, c, d])
}

/// The initial data sequence number of the host owning `key` (RFC 8684 §3.1: the least
/// significant 64 bits of SHA-256 of the key). The first data octet is `idsn + 1` (the SYN
/// occupies the IDSN at the data level).
pub fn idsn(key: Key) -> u64 {
    let digest = key_digest(key);
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&digest[24..]);
    u64::from_be_bytes(tail)
}

/// HMAC-SHA256 with key `key_a ‖ key_b` (16 octets) over `message`: the form every MPTCP v1
/// HMAC takes (RFC 8684 §3.2, §3.4.1).
pub fn hmac_sha256(key_a: Key, key_b: Key, message: &[u8]) -> [u8; 32] {
    let mut hmac_key = [0u8; 16];
    hmac_key[..8].copy_from_slice(&key_a.to_be_bytes());
    hmac_key[8..].copy_from_slice(&key_b.to_be_bytes());
    // HMAC accepts keys of any length (RFC 2104 §2), so this cannot fail.
    let mut mac = match HmacSha256::new_from_slice(&hmac_key) {
        Ok(mac) => mac,
        Err(_) => return [0u8; 32],
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The MP_JOIN HMAC of host A (RFC 8684 §3.2): HMAC-SHA256 with key `Key-A ‖ Key-B` over
/// `R-A ‖ R-B`. Host B's, sent in the SYN/ACK, is `join_hmac(key_b, key_a, rand_b, rand_a)`.
pub fn join_hmac(key_a: Key, key_b: Key, rand_a: u32, rand_b: u32) -> [u8; 32] {
    let mut msg = [0u8; 8];
    msg[..4].copy_from_slice(&rand_a.to_be_bytes());
    msg[4..].copy_from_slice(&rand_b.to_be_bytes());
    hmac_sha256(key_a, key_b, &msg)
}

/// The leftmost 64 bits of an HMAC, as sent in the MP_JOIN SYN/ACK (RFC 8684 §3.2, the
/// sender's truncated HMAC).
pub fn truncated_hmac64(hmac: &[u8; 32]) -> u64 {
    let mut head = [0u8; 8];
    head.copy_from_slice(&hmac[..8]);
    u64::from_be_bytes(head)
}

/// The leftmost 160 bits of an HMAC, as sent in the MP_JOIN third ACK (RFC 8684 §3.2).
pub fn truncated_hmac160(hmac: &[u8; 32]) -> [u8; 20] {
    let mut head = [0u8; 20];
    head.copy_from_slice(&hmac[..20]);
    head
}

/// The rightmost 64 bits of an HMAC, as sent in ADD_ADDR (RFC 8684 §3.4.1).
pub fn rightmost_hmac64(hmac: &[u8; 32]) -> u64 {
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&hmac[24..]);
    u64::from_be_bytes(tail)
}

/// The full ADD_ADDR HMAC (RFC 8684 §3.4.1): HMAC-SHA256 with key `Key-A ‖ Key-B`, where
/// A is the host sending the ADD_ADDR, over `Address ID ‖ IP address ‖ Port`. The port
/// always takes 2 octets in the message, zero when the option carries none (RFC 8684
/// §3.4.1, and Linux `add_addr_generate_hmac`).
pub fn add_addr_hmac_full(
    sender_key: Key,
    receiver_key: Key,
    addr_id: u8,
    addr: IpAddr,
    port: Option<u16>,
) -> [u8; 32] {
    let mut msg = [0u8; 19];
    msg[0] = addr_id;
    let end = match addr {
        IpAddr::V4(a) => {
            msg[1..5].copy_from_slice(&a.octets());
            5
        }
        IpAddr::V6(a) => {
            msg[1..17].copy_from_slice(&a.octets());
            17
        }
    };
    msg[end..end + 2].copy_from_slice(&port.unwrap_or(0).to_be_bytes());
    hmac_sha256(sender_key, receiver_key, &msg[..end + 2])
}

/// The truncated HMAC an ADD_ADDR carries (RFC 8684 §3.4.1: the rightmost 64 bits of
/// [`add_addr_hmac_full`]).
pub fn add_addr_hmac(
    sender_key: Key,
    receiver_key: Key,
    addr_id: u8,
    addr: IpAddr,
    port: Option<u16>,
) -> u64 {
    rightmost_hmac64(&add_addr_hmac_full(
        sender_key,
        receiver_key,
        addr_id,
        addr,
        port,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::{Ipv4Addr, Ipv6Addr};

    fn hex32(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    #[test]
    fn token_and_idsn_vectors() {
        // Expected values computed independently (Python hashlib, SHA-256 of the 8 BE octets).
        let cases = [
            (0u64, 0xaf5570f5u32, 0xe5b2328de0e83dfcu64),
            (1, 0xcd266215, 0x19ec509083d00a50),
            (0x0123456789abcdef, 0x55c53f5d, 0x570762cd38be9818),
            (u64::MAX, 0x12a3ae44, 0x57fb595bbbacf0ca),
        ];
        for (k, tok, isn) in cases {
            assert_eq!(token(Key(k)), tok, "token of {k:#x}");
            assert_eq!(idsn(Key(k)), isn, "idsn of {k:#x}");
        }
    }

    #[test]
    fn idsn_matches_capture_data_sequence_numbers() {
        // mptcp-v1.pcap: the server's (key 0x29a6c86981ad933c) first DSS mapping says
        // "seq 11713449205243392242" = IDSN + 1; the client (0x1fdb5df328bc3def) is acked at
        // 14413541604287230030 = IDSN + 1 + ... (see tests/captures.rs for the full check).
        assert_eq!(idsn(Key(0x29a6c86981ad933c)) + 1, 11713449205243392242);
        assert_eq!(idsn(Key(0x73bb150358a0aecb)) + 1, 12148165319181844526);
    }

    #[test]
    fn hmac_matches_linux_kunit_vectors() {
        // Linux net/mptcp/crypto_test.c: the key and message strings are ASCII, read as
        // big-endian integers (key1 = first 8 chars, key2 = last 8, nonces 4 chars each).
        let cases: [(&[u8; 16], &[u8; 8], &str); 3] = [
            (
                b"0b0b0b0b0b0b0b0b",
                b"48692054",
                "8385e24fb4235ac37556b6b886db106284a1da671699f46db1f235ec622dcafa",
            ),
            (
                b"aaaaaaaaaaaaaaaa",
                b"dddddddd",
                "2c5e219164ff1dca1c4a92318d847bb6b9d44492984e1eb71aff9022f71046e9",
            ),
            (
                b"0102030405060708",
                b"cdcdcdcd",
                "e73b9ba9969969cefb04aa0d6df18ec2fcc075b6f23b4d8c4da736a5dbbc6e7d",
            ),
        ];
        for (key, msg, want) in cases {
            let ka = Key(u64::from_be_bytes(key[..8].try_into().unwrap()));
            let kb = Key(u64::from_be_bytes(key[8..].try_into().unwrap()));
            let ra = u32::from_be_bytes(msg[..4].try_into().unwrap());
            let rb = u32::from_be_bytes(msg[4..].try_into().unwrap());
            assert_eq!(join_hmac(ka, kb, ra, rb), hex32(want));
        }
    }

    #[test]
    fn join_hmac_truncations() {
        let (ka, kb) = (Key(0x1fdb5df328bc3def), Key(0x29a6c86981ad933c));
        let h = join_hmac(ka, kb, 0x11223344, 0x55667788);
        // Computed independently with Python's hmac/hashlib.
        let want = hex32("952d89ee3f20059ee2798d6d3a4df42ea9832965fffc3eb0bb2044c98bc3fcbc");
        assert_eq!(h, want);
        assert_eq!(truncated_hmac64(&h), 0x952d89ee3f20059e);
        assert_eq!(truncated_hmac160(&h)[..], want[..20]);
        assert_eq!(rightmost_hmac64(&h), 0xbb2044c98bc3fcbc);
        // Host B's HMAC swaps both keys and randoms.
        assert_ne!(join_hmac(kb, ka, 0x55667788, 0x11223344), h);
    }

    #[test]
    fn add_addr_hmac_vectors() {
        let (ka, kb) = (Key(0x73bb150358a0aecb), Key(0x8f0c7c64a6a32ac1));
        let v4 = IpAddr::V4(Ipv4Addr::new(192, 168, 136, 225));
        // Python: hmac(ka‖kb, 01 c0a888e1 0000).
        let full = add_addr_hmac_full(ka, kb, 1, v4, None);
        assert_eq!(
            full,
            hex32("669928744366716c5c66cafedd592e3f1ed423afc590401de0e054c3444e4c25")
        );
        assert_eq!(add_addr_hmac(ka, kb, 1, v4, None), 0xe0e054c3444e4c25);
        // An explicit port 0 hashes like an absent one (2 zero octets either way).
        assert_eq!(add_addr_hmac_full(ka, kb, 1, v4, Some(0)), full);
        assert_ne!(add_addr_hmac_full(ka, kb, 1, v4, Some(1)), full);
        // IPv6 with a port, key order Key-A ‖ Key-B: Python hmac(ka‖kb, 07 2001:db8::1 1f90).
        let (ka, kb) = (Key(0x1fdb5df328bc3def), Key(0x29a6c86981ad933c));
        let v6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
        assert_eq!(
            add_addr_hmac_full(ka, kb, 7, v6, Some(8080)),
            hex32("6f60053a2c525c8d3e723ecfa353707e8dcb36f7e61354bf1a410fab83e07480")
        );
    }
}
