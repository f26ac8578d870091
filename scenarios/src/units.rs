//! Quantities with units, as scenario files write them: `"50Mbps"`, `"10ms"`, `"0.1%"`,
//! `"64KB"`.
//!
//! Every quantity is parsed exactly from its decimal digits (no floating point anywhere) into
//! an integer: rates in bit/s, times in ns, sizes in bytes, probabilities in units of 1e-14
//! (1e-12 %). Each serializes back to a canonical string that parses to the same integer, so
//! the `scenario.ron` written next to a run's results reads back to the same values. A value
//! too large for its integer, or finer than one unit, is an error, never a rounded or wrapped
//! value. Unit names are case-sensitive: `Mbps` is megabits per second, and `MBps`, `mbps` or
//! `MB/s` are errors (the message says what to write), as are `kb` or `mb` for sizes.

use core::fmt;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use sim_core::{Bandwidth, Duration};

/// Parses `digits[.digits]` times `scale` exactly; `None` when malformed, negative, out of
/// range, or finer than one unit of the result.
fn parse_scaled(num: &str, scale: u128) -> Result<u128, String> {
    let num = num.trim();
    if num.starts_with('-') {
        return Err("must not be negative".into());
    }
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    let digits_ok = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits_ok(int) || !digits_ok(frac) {
        return Err(format!("`{num}` is not a number"));
    }
    if frac.len() > 18 {
        return Err(format!("`{num}` has too many decimal places"));
    }
    let int_v: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| format!("`{num}` is too large"))?
    };
    let frac_v: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse()
            .map_err(|_| format!("`{num}` is not a number"))?
    };
    let pow = 10u128.pow(frac.len() as u32);
    let too_large = || format!("`{num}` is too large");
    let whole = int_v.checked_mul(scale).ok_or_else(too_large)?;
    let part = frac_v.checked_mul(scale).ok_or_else(too_large)?;
    if part % pow != 0 {
        return Err(format!("`{num}` is more precise than the unit allows"));
    }
    whole.checked_add(part / pow).ok_or_else(too_large)
}

/// Splits `"12.5ms"` into `("12.5", "ms")`.
fn split_unit(s: &str) -> (&str, &str) {
    let s = s.trim();
    let idx = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(s.len());
    (s[..idx].trim(), s[idx..].trim())
}

/// The message for a rate unit that is not one of the exact names.
fn unknown_rate_unit(u: &str, s: &str) -> String {
    let hint = if u.contains('B') {
        "rates are in bits per second: bytes per second are not accepted; multiply by 8 \
         (e.g. 1 MB/s = \"8Mbps\")"
    } else if ["bps", "kbps", "mbps", "gbps", "b/s", "kb/s", "mb/s", "gb/s"]
        .contains(&u.to_ascii_lowercase().as_str())
    {
        "units are case-sensitive: write bps, kbps, Mbps or Gbps (or kbit/s, Mbit/s, Gbit/s)"
    } else {
        "units: bps, kbps, Mbps, Gbps"
    };
    format!("unknown rate unit `{u}` in `{s}`: {hint}")
}

fn to_u64(v: u128, what: &str, text: &str) -> Result<u64, String> {
    u64::try_from(v).map_err(|_| format!("{what} `{text}` is too large"))
}

/// A link rate, written `"50Mbps"`, `"1.5Gbps"`, `"800kbps"` or `"12000bps"`. Must be > 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(pub Bandwidth);

impl Rate {
    /// Parses a rate in bits per second; units `bps`, `kbps` (or `Kbps`), `Mbps`, `Gbps`, or
    /// `bit/s`, `kbit/s`, `Mbit/s`, `Gbit/s` (decimal prefixes). Case-sensitive: `MBps` (bytes)
    /// and `mbps` are rejected with a message saying what to write.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (num, unit) = split_unit(s);
        let scale: u128 = match unit {
            "bps" | "bit/s" => 1,
            "kbps" | "Kbps" | "kbit/s" => 1_000,
            "Mbps" | "Mbit/s" => 1_000_000,
            "Gbps" | "Gbit/s" => 1_000_000_000,
            "" => return Err(format!("rate `{s}` needs a unit (bps, kbps, Mbps, Gbps)")),
            u => return Err(unknown_rate_unit(u, s)),
        };
        let bps = parse_scaled(num, scale).map_err(|e| format!("rate `{s}`: {e}"))?;
        if bps == 0 {
            return Err(format!("rate `{s}` must be greater than zero"));
        }
        Ok(Rate(Bandwidth::from_bps(to_u64(bps, "rate", s)?)))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bps = self.0.as_bps();
        for (div, unit) in [
            (1_000_000_000, "Gbps"),
            (1_000_000, "Mbps"),
            (1_000, "kbps"),
        ] {
            if bps >= div && bps % div == 0 {
                return write!(f, "{}{unit}", bps / div);
            }
        }
        write!(f, "{bps}bps")
    }
}

/// A span of time, written `"10ms"`, `"1.5s"`, `"250us"`, `"100ns"` or `"2min"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Time(pub Duration);

impl Time {
    /// Parses a time; units `ns`, `us` (or `µs`), `ms`, `s`, `min`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (num, unit) = split_unit(s);
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "min" => 60_000_000_000,
            "" => return Err(format!("time `{s}` needs a unit (ns, us, ms, s, min)")),
            u => {
                return Err(format!(
                    "unknown time unit `{u}` in `{s}` (ns, us, ms, s, min)"
                ))
            }
        };
        let ns = parse_scaled(num, scale).map_err(|e| format!("time `{s}`: {e}"))?;
        Ok(Time(Duration::from_nanos(to_u64(ns, "time", s)?)))
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0.as_nanos();
        if ns == 0 {
            return write!(f, "0s");
        }
        for (div, unit) in [(1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "us")] {
            if ns % div == 0 {
                return write!(f, "{}{unit}", ns / div);
            }
        }
        write!(f, "{ns}ns")
    }
}

/// A probability written as a percentage, `"1%"` or `"0.05%"`, between 0% and 100%, held
/// exactly as an integer count of 1e-12 % (1e-14 of probability one): `"0.7%"` is
/// 700,000,000,000 and prints back as `"0.7%"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Percent(u64);

impl Percent {
    /// Units in one percent: 1e-12 % resolution.
    pub const PER_PERCENT: u64 = 1_000_000_000_000;
    /// Units in probability one (100 %).
    pub const ONE: u64 = 100 * Self::PER_PERCENT;

    /// Parses `N%` into a probability in `[0, 1]`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let Some(num) = t.strip_suffix('%') else {
            return Err(format!("`{s}` must be a percentage such as \"1%\""));
        };
        let scaled =
            parse_scaled(num, u128::from(Self::PER_PERCENT)).map_err(|e| format!("`{s}`: {e}"))?;
        if scaled > u128::from(Self::ONE) {
            return Err(format!("`{s}` is more than 100%"));
        }
        Ok(Percent(scaled as u64))
    }

    /// `units` of 1e-12 % (at most [`Percent::ONE`]).
    pub const fn from_units(units: u64) -> Self {
        Percent(if units > Self::ONE { Self::ONE } else { units })
    }

    /// The exact value in units of 1e-12 %.
    pub fn units(self) -> u64 {
        self.0
    }

    /// The probability (`units / 1e14`, the nearest `f64`).
    pub fn probability(self) -> f64 {
        self.0 as f64 / Self::ONE as f64
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (int, frac) = (self.0 / Self::PER_PERCENT, self.0 % Self::PER_PERCENT);
        if frac == 0 {
            return write!(f, "{int}%");
        }
        let digits = format!("{frac:012}");
        write!(f, "{int}.{}%", digits.trim_end_matches('0'))
    }
}

/// A byte count, written `"64KB"`, `"1.5MB"`, `"4MiB"`, `"1460B"` (KB = 1000 B, KiB = 1024 B).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Bytes(pub u64);

impl Bytes {
    /// Parses a byte count.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (num, unit) = split_unit(s);
        let scale: u128 = match unit {
            "B" | "" => 1,
            "KB" | "kB" => 1_000,
            "KiB" => 1 << 10,
            "MB" => 1_000_000,
            "MiB" => 1 << 20,
            "GB" => 1_000_000_000,
            "GiB" => 1 << 30,
            u => {
                return Err(format!(
                    "unknown size unit `{u}` in `{s}` (B, KB, KiB, MB, MiB, GB, GiB)"
                ))
            }
        };
        let b = parse_scaled(num, scale).map_err(|e| format!("size `{s}`: {e}"))?;
        Ok(Bytes(to_u64(b, "size", s)?))
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        for (div, unit) in [
            (1 << 30, "GiB"),
            (1 << 20, "MiB"),
            (1_000_000_000, "GB"),
            (1_000_000, "MB"),
            (1 << 10, "KiB"),
            (1_000, "KB"),
        ] {
            if b >= div && b % div == 0 {
                return write!(f, "{}{unit}", b / div);
            }
        }
        write!(f, "{b}B")
    }
}

macro_rules! string_serde {
    ($ty:ident, $what:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        $ty::parse(v).map_err(E::custom)
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        $ty::parse(&v.to_string()).map_err(E::custom)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        $ty::parse(&v.to_string()).map_err(E::custom)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

string_serde!(Rate, "a rate such as \"50Mbps\"");
string_serde!(Time, "a time such as \"10ms\"");
string_serde!(Percent, "a percentage such as \"0.1%\"");
string_serde!(Bytes, "a size such as \"64KB\" or a number of bytes");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert_eq!(Rate::parse("50Mbps").unwrap().0.as_bps(), 50_000_000);
        assert_eq!(Rate::parse("1.5Gbps").unwrap().0.as_bps(), 1_500_000_000);
        assert_eq!(Rate::parse("800 kbps").unwrap().0.as_bps(), 800_000);
        assert!(Rate::parse("0Mbps")
            .unwrap_err()
            .contains("greater than zero"));
        assert!(Rate::parse("-5Mbps").unwrap_err().contains("negative"));
        assert!(Rate::parse("50").unwrap_err().contains("needs a unit"));
        assert!(Rate::parse("50Mbs")
            .unwrap_err()
            .contains("unknown rate unit"));
        assert_eq!(Rate::parse("1.5Mbps").unwrap().to_string(), "1500kbps");
    }

    #[test]
    fn times() {
        assert_eq!(Time::parse("10ms").unwrap().0, Duration::from_millis(10));
        assert_eq!(Time::parse("1.5s").unwrap().0, Duration::from_millis(1500));
        assert_eq!(
            Time::parse("0.5ns").unwrap_err(),
            "time `0.5ns`: `0.5` is more precise than the unit allows"
        );
        assert_eq!(Time::parse("2min").unwrap().to_string(), "120s");
        assert_eq!(Time::parse("1500us").unwrap().to_string(), "1500us");
    }

    #[test]
    fn percent_and_bytes() {
        assert_eq!(Percent::parse("0.1%").unwrap().probability(), 0.001);
        assert_eq!(Percent::parse("0.7%").unwrap().to_string(), "0.7%");
        assert!(Percent::parse("101%").is_err());
        assert!(Percent::parse("0.1").is_err());
        assert_eq!(Bytes::parse("64KB").unwrap().0, 64_000);
        assert_eq!(Bytes::parse("4MiB").unwrap().0, 4 << 20);
        assert_eq!(Bytes::parse("4MiB").unwrap().to_string(), "4MiB");
        assert_eq!(Bytes::parse("1460").unwrap().0, 1460);
    }

    /// SplitMix64: a fixed sequence of test values.
    fn values(seed: u64, n: usize) -> impl Iterator<Item = u64> {
        let mut x = seed;
        (0..n).map(move |k| {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            // Every magnitude: shift by 0..64 bits.
            z >> (k % 64)
        })
    }

    #[test]
    fn every_value_prints_as_text_that_parses_back_to_it() {
        for v in values(1, 20_000) {
            let r = Rate(Bandwidth::from_bps(v.max(1)));
            assert_eq!(Rate::parse(&r.to_string()), Ok(r), "{r}");
            let t = Time(Duration::from_nanos(v));
            assert_eq!(Time::parse(&t.to_string()), Ok(t), "{t}");
            let b = Bytes(v);
            assert_eq!(Bytes::parse(&b.to_string()), Ok(b), "{b}");
            let p = Percent::from_units(v % (Percent::ONE + 1));
            assert_eq!(Percent::parse(&p.to_string()), Ok(p), "{p}");
        }
        for (text, canonical) in [
            ("0.7%", "0.7%"),
            ("0.05%", "0.05%"),
            ("33.333333333333%", "33.333333333333%"),
            ("100%", "100%"),
            ("0%", "0%"),
            ("1.5Mbps", "1500kbps"),
            ("0.000001Gbps", "1kbps"),
            ("1.000000001s", "1000000001ns"),
            ("1.5MB", "1500KB"),
            ("2.5KiB", "2560B"),
        ] {
            let again = |s: &str| -> String {
                if s.ends_with('%') {
                    Percent::parse(s).unwrap().to_string()
                } else if s.ends_with("bps") {
                    Rate::parse(s).unwrap().to_string()
                } else if s.ends_with('B') {
                    Bytes::parse(s).unwrap().to_string()
                } else {
                    Time::parse(s).unwrap().to_string()
                }
            };
            assert_eq!(again(text), canonical);
            assert_eq!(again(canonical), canonical);
        }
    }

    #[test]
    fn too_large_values_are_errors_not_wrapped() {
        for bad in [
            "340282366920938463463374607431.999s",
            "340282366920938463463374607432s",
            "18446744074s",
            "307445734562min",
            "99999999999999999999999999999999999999999ns",
        ] {
            let e = Time::parse(bad).unwrap_err();
            assert!(e.contains("too large"), "{bad}: {e}");
        }
        assert!(Bytes::parse("18446744073709551616B")
            .unwrap_err()
            .contains("too large"));
        assert!(Bytes::parse("17179869184GiB")
            .unwrap_err()
            .contains("too large"));
        assert!(Rate::parse("18446744073709551.616Gbps")
            .unwrap_err()
            .contains("too large"));
        assert_eq!(
            Time::parse("18446744073.709551615s").unwrap().0.as_nanos(),
            u64::MAX
        );
        assert!(Percent::parse("100.000000000001%")
            .unwrap_err()
            .contains("more than 100%"));
        assert!(Percent::parse("0.0000000000001%")
            .unwrap_err()
            .contains("more precise"));
    }

    #[test]
    fn units_are_case_sensitive() {
        let e = Rate::parse("50MBps").unwrap_err();
        assert!(e.contains("bits per second") && e.contains("8Mbps"), "{e}");
        let e = Rate::parse("50mbps").unwrap_err();
        assert!(e.contains("case-sensitive"), "{e}");
        assert!(Rate::parse("50GBPS").is_err());
        assert_eq!(Rate::parse("50Kbps").unwrap().0.as_bps(), 50_000);
        assert_eq!(Rate::parse("5Mbit/s").unwrap().0.as_bps(), 5_000_000);
        assert!(Time::parse("10MS").is_err() && Time::parse("1S").is_err());
        assert!(Bytes::parse("64kb").is_err() && Bytes::parse("1mb").is_err());
        assert!(Bytes::parse("1Mib").is_err());
    }

    #[test]
    fn round_trip_through_ron() {
        let r: Rate = ron::from_str("\"20Mbps\"").unwrap();
        assert_eq!(ron::to_string(&r).unwrap(), "\"20Mbps\"");
        let t: Time = ron::from_str("\"40ms\"").unwrap();
        assert_eq!(ron::to_string(&t).unwrap(), "\"40ms\"");
    }
}
