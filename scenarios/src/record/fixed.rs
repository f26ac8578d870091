//! Fixed-point decimal text of a sample value, byte for byte what `format!("{v:.prec$}")`
//! writes, without the float formatter for the values a time series holds.
//!
//! The standard formatter's exact mode is costly: for whole numbers (windows and queues in
//! bytes or packets, counters, TCP states) it cannot finish in its fast (Grisu) path and
//! falls back to big-number arithmetic (Dragon4), and for fractions (times in ms, rates)
//! its digit generation and the `fmt` machinery around it cost several hundred
//! instructions a value. Here a finite `v` with `|v| < 2^53` and at most 16 decimals is
//! converted exactly: `v = m·2^e` with a 53-bit `m`, so `|v|·10^prec = m·10^prec / 2^-e`
//! is a quotient of integers below 2^107, rounded to the nearest, ties to even — the
//! rounding the standard formatter applies to the exact binary value. Its integer part and
//! `prec` fractional digits are then written as integers. Anything else (subnormals and
//! values below 2^-68, huge values, NaN, infinities, results past `u64`) still goes
//! through the standard formatter.

use std::io::{self, Write};

/// Largest magnitude whose every integer is exactly representable in an `f64` (2^53).
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Most decimals written through the fast path (the metrics use at most 9).
const MAX_ZEROS: usize = 16;

/// Most binary fraction digits the exact conversion handles (`m·10^16 < 2^107`, so a
/// shift of up to 120 keeps it in a `u128`).
const MAX_SHIFT: u32 = 120;

/// `00`, `01`, ... `99`: the decimal digits of every number below 100, two bytes each.
const DIGIT_PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        table[2 * i] = b'0' + (i / 10) as u8;
        table[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    table
};

/// A point and [`MAX_ZEROS`] zeros.
const POINT_ZEROS: [u8; 1 + MAX_ZEROS] = {
    let mut text = [b'0'; 1 + MAX_ZEROS];
    text[0] = b'.';
    text
};

/// `10^i` for every precision the fast path writes.
const POW10: [u64; MAX_ZEROS + 1] = {
    let mut table = [1u64; MAX_ZEROS + 1];
    let mut i = 1;
    while i <= MAX_ZEROS {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// Bytes a number can take: a sign, up to 20 integer digits, the point and up to 16
/// decimals.
pub(crate) const SLOT: usize = 1 + 20 + 1 + MAX_ZEROS;

/// Writes `v` with `prec` decimals, exactly as `write!(w, "{v:.prec$}")` would (the
/// writers assemble rows with [`fixed_into`]; this is its check against the formatter).
#[cfg(test)]
pub(crate) fn write_fixed<W: Write>(w: &mut W, v: f64, prec: usize) -> io::Result<()> {
    let mut slot = [0u8; SLOT];
    match fixed_into(&mut slot, v, prec) {
        Some(n) => w.write_all(&slot[..n]),
        None => write!(w, "{v:.prec$}"),
    }
}

/// Writes `v` with `prec` decimals at the start of `slot` and returns the length, exactly
/// as `write!(w, "{v:.prec$}")` would; `None` (nothing written) for the values left to the
/// standard formatter (see the module doc).
#[inline]
pub(crate) fn fixed_into(slot: &mut [u8; SLOT], v: f64, prec: usize) -> Option<usize> {
    // Whole non-negative values (most samples: bytes, packets, counters, states) need no
    // scaling: `v as u64` is exact when it converts back to `v`.
    let whole = v as u64;
    if v.is_sign_positive() && v < EXACT_INT && whole as f64 == v && prec <= MAX_ZEROS {
        if prec == 0 {
            return Some(uint_at(slot, 0, whole));
        }
        return Some(decimal_into(slot, false, whole, 0, prec));
    }
    let scaled = scaled_magnitude(v, prec)?;
    let unit = POW10[prec];
    // The standard formatter signs every negative value, -0.0 and those rounding to 0.
    Some(decimal_into(
        slot,
        v.is_sign_negative(),
        scaled / unit,
        scaled % unit,
        prec,
    ))
}

/// Writes `n` in decimal, as `write!(w, "{n}")` would.
pub(crate) fn write_uint<W: Write>(w: &mut W, n: u64) -> io::Result<()> {
    write_decimal(w, false, n, 0, 0)
}

/// Writes `int` and, when `prec > 0`, a point and `frac` zero-padded to `prec` digits
/// (`frac < 10^prec`, `prec` at most 16), with a leading `-` when `negative`:
/// `write!(w, "{int}.{frac:0prec$}")` without the formatter.
pub(crate) fn write_decimal<W: Write>(
    w: &mut W,
    negative: bool,
    int: u64,
    frac: u64,
    prec: usize,
) -> io::Result<()> {
    let mut slot = [0u8; SLOT];
    let n = decimal_into(&mut slot, negative, int, frac, prec);
    w.write_all(&slot[..n])
}

/// As [`write_decimal`], at the start of `slot`; returns the length written.
#[inline]
pub(crate) fn decimal_into(
    slot: &mut [u8; SLOT],
    negative: bool,
    int: u64,
    frac: u64,
    prec: usize,
) -> usize {
    debug_assert!(prec <= MAX_ZEROS);
    let prec = prec.min(MAX_ZEROS);
    slot[0] = b'-';
    let end_int = uint_at(slot, usize::from(negative), int);
    if prec == 0 {
        return end_int;
    }
    let end = end_int + 1 + prec;
    if frac == 0 {
        // A point and zeros (whole rates and times), copied whole.
        slot[end_int..end_int + 1 + MAX_ZEROS].copy_from_slice(&POINT_ZEROS);
        return end;
    }
    slot[end_int] = b'.';
    // The decimals zero-padded: two at a time from the last, then an odd first one.
    let (mut m, mut i) = (frac, end);
    while i >= end_int + 3 {
        let pair = (m % 100) as usize * 2;
        m /= 100;
        i -= 2;
        slot[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if i > end_int + 1 {
        slot[i - 1] = b'0' + (m % 10) as u8;
    }
    end
}

/// Writes the digits of `n` at `slot[at..]` (`at` at most 1) and returns where they end.
#[inline(always)]
pub(crate) fn uint_at(slot: &mut [u8; SLOT], at: usize, n: u64) -> usize {
    let end = at.min(1) + n.checked_ilog10().map_or(1, |l| l as usize + 1);
    let mut i = end;
    let mut m = n;
    // Two digits at a time, from the last, then the first one or two.
    while m >= 100 {
        let pair = (m % 100) as usize * 2;
        m /= 100;
        i -= 2;
        slot[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if m >= 10 {
        let pair = m as usize * 2;
        slot[i - 2..i].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        slot[i - 1] = b'0' + m as u8;
    }
    end
}

/// `|v|·10^prec` rounded to the nearest integer (ties to even), when `v` is finite, below
/// 2^53 in magnitude, not subnormal, `prec` at most [`MAX_ZEROS`] and the result fits.
fn scaled_magnitude(v: f64, prec: usize) -> Option<u64> {
    if !v.is_finite() || v.abs() >= EXACT_INT || prec > MAX_ZEROS {
        return None;
    }
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as u32;
    let fraction = bits & ((1 << 52) - 1);
    if biased == 0 {
        // ±0 is 0 at any precision; subnormals are left to the standard formatter.
        return (fraction == 0).then_some(0);
    }
    // |v| = mant·2^-shift with shift ≥ 0, as |v| < 2^53 and mant ≥ 2^52.
    let mant = u128::from(fraction | (1 << 52));
    let shift = 1075u32.checked_sub(biased)?;
    if shift > MAX_SHIFT {
        return None;
    }
    let product = mant * u128::from(POW10[prec]);
    let quotient = product >> shift;
    let rounded = if shift == 0 {
        quotient
    } else {
        let rest = product - (quotient << shift);
        let half = 1u128 << (shift - 1);
        quotient + u128::from(rest > half || (rest == half && quotient & 1 == 1))
    };
    u64::try_from(rounded).ok()
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
    /// Integers and nanosecond times as `{n}` and `{s}.{ns:09}` write them.
    #[test]
    fn integers_and_times_as_the_formatter_writes_them() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            1_000_000_007,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = Vec::new();
            assert!(write_uint(&mut out, n).is_ok());
            assert_eq!(String::from_utf8_lossy(&out), n.to_string());
            let mut out = Vec::new();
            let (s, ns) = (n / 1_000_000_000, n % 1_000_000_000);
            assert!(write_decimal(&mut out, false, s, ns, 9).is_ok());
            assert_eq!(String::from_utf8_lossy(&out), format!("{s}.{ns:09}"));
        }
    }

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
            0.125,
            -0.125,
            0.375,
            -0.001,
            -1e-20,
            0.000_5,
            2f64.powi(-68),
            2f64.powi(-69),
            f64::MIN_POSITIVE / 2.0,
            20.123_456_789,
            99.999_95,
            999_999.999_5,
        ];
        // A deterministic spread of integers and fractions (a 64-bit LCG).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let int = (x >> 11) as f64 / 2f64.powi((x % 40) as i32);
            values.push(int.trunc());
            values.push(-int.trunc());
            values.push(int);
            values.push(-int);
            // Times in ms and rates: decimal fractions, not dyadic ones.
            let ms = (x >> 20) as f64 / 1e6;
            values.push(ms);
            values.push(ms * 8.0 / 1e3);
        }
        for &v in &values {
            for prec in 0..=17 {
                assert_eq!(fast(v, prec), format!("{v:.prec$}"), "{v:e} at {prec}");
            }
        }
    }
}
