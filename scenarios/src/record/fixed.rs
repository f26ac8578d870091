//! Fixed-point decimal text of a sample value, byte for byte what `format!("{v:.prec$}")`
//! writes, without the float formatter for the common integral values.
//!
//! Most time-series values are whole numbers (windows and queues in bytes or packets,
//! counters, TCP states). For them the standard formatter's exact mode cannot finish in
//! its fast (Grisu) path and falls back to big-number arithmetic (Dragon4): with 1000 flows
//! that fallback was about a quarter of a run's instructions. A whole number below 2^53 is
//! exact in an `f64`, so its fixed-point text is its integer digits followed by `prec`
//! zeros; everything else (fractions, negative zero, huge values, NaN, infinities) still
//! goes through the standard formatter.

use std::io::{self, Write};

/// Largest magnitude whose every integer is exactly representable in an `f64` (2^53).
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Most decimals written through the fast path (the metrics use at most 9).
const MAX_ZEROS: usize = 16;

/// Writes `v` with `prec` decimals, exactly as `write!(w, "{v:.prec$}")` would.
pub(crate) fn write_fixed<W: Write>(w: &mut W, v: f64, prec: usize) -> io::Result<()> {
    let whole = v.trunc() == v && v.abs() < EXACT_INT && !(v == 0.0 && v.is_sign_negative());
    if !whole || prec > MAX_ZEROS {
        return write!(w, "{v:.prec$}");
    }
    // `whole` excludes NaN (NaN != NaN) and the infinities (|v| < 2^53).
    let n = v as i64;
    let mut buf = [0u8; 20 + 1 + MAX_ZEROS];
    let mut at = 20;
    let mut m = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    let mut end = 20;
    if prec > 0 {
        buf[end] = b'.';
        end += 1;
        buf[end..end + prec].fill(b'0');
        end += prec;
    }
    w.write_all(&buf[at..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(v: f64, prec: usize) -> String {
        let mut out = Vec::new();
        assert!(
            write_fixed(&mut out, v, prec).is_ok(),
            "a Vec takes every write"
        );
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Every value class gives the standard formatter's bytes: whole numbers of every size
    /// up to and past 2^53, negative ones, both zeros, fractions, NaN and the infinities,
    /// at 0 to 17 decimals.
    #[test]
    fn equals_the_standard_formatter() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            2.5,
            1e-9,
            123.456_789,
            1448.0,
            14_480.0,
            EXACT_INT - 1.0,
            EXACT_INT,
            -EXACT_INT,
            EXACT_INT * 4.0,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // A deterministic spread of integers and fractions (a 64-bit LCG).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let int = (x >> 11) as f64 / 2f64.powi((x % 40) as i32);
            values.push(int.trunc());
            values.push(-int.trunc());
            values.push(int);
        }
        for &v in &values {
            for prec in 0..=17 {
                assert_eq!(fast(v, prec), format!("{v:.prec$}"), "{v:e} at {prec}");
            }
        }
    }
}
