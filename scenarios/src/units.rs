//! Quantities with units, as scenario files write them: `"50Mbps"`, `"10ms"`, `"0.1%"`,
//! `"64KB"`.
//!
//! Every quantity is parsed exactly (decimal digits, no floating point for rates, times and
//! sizes) and serializes back to a canonical string that parses to the same value, so an
//! expanded scenario written next to its results reads back identically.

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
    let whole = int_v
        .checked_mul(scale)
        .ok_or_else(|| format!("`{num}` is too large"))?;
    let part = frac_v * scale;
    if part % pow != 0 {
        return Err(format!("`{num}` is more precise than the unit allows"));
    }
    Ok(whole + part / pow)
}

/// Splits `"12.5ms"` into `("12.5", "ms")`.
fn split_unit(s: &str) -> (&str, &str) {
    let s = s.trim();
    let idx = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(s.len());
    (s[..idx].trim(), s[idx..].trim())
}

fn to_u64(v: u128, what: &str) -> Result<u64, String> {
    u64::try_from(v).map_err(|_| format!("{what} is too large"))
}

/// A link rate, written `"50Mbps"`, `"1.5Gbps"`, `"800kbps"` or `"12000bps"`. Must be > 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate(pub Bandwidth);

impl Rate {
    /// Parses a rate; units `bps`, `kbps`, `Mbps`, `Gbps` (decimal prefixes, case-insensitive).
    pub fn parse(s: &str) -> Result<Self, String> {
        let (num, unit) = split_unit(s);
        let scale: u128 = match unit.to_ascii_lowercase().as_str() {
            "bps" | "bit/s" => 1,
            "kbps" | "kbit/s" => 1_000,
            "mbps" | "mbit/s" => 1_000_000,
            "gbps" | "gbit/s" => 1_000_000_000,
            "" => return Err(format!("rate `{s}` needs a unit (bps, kbps, Mbps, Gbps)")),
            u => {
                return Err(format!(
                    "unknown rate unit `{u}` in `{s}` (bps, kbps, Mbps, Gbps)"
                ))
            }
        };
        let bps = parse_scaled(num, scale).map_err(|e| format!("rate `{s}`: {e}"))?;
        if bps == 0 {
            return Err(format!("rate `{s}` must be greater than zero"));
        }
        Ok(Rate(Bandwidth::from_bps(to_u64(bps, "rate")?)))
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
        Ok(Time(Duration::from_nanos(to_u64(ns, "time")?)))
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

/// A probability written as a percentage, `"1%"` or `"0.05%"`, between 0% and 100%.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default)]
pub struct Percent(pub f64);

impl Percent {
    /// Parses `N%` into a probability in `[0, 1]`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let Some(num) = t.strip_suffix('%') else {
            return Err(format!("`{s}` must be a percentage such as \"1%\""));
        };
        // Exact to 1e-12 of a percent: parse as an integer count of 1e-12 %.
        let scaled = parse_scaled(num, 1_000_000_000_000).map_err(|e| format!("`{s}`: {e}"))?;
        if scaled > 100 * 1_000_000_000_000 {
            return Err(format!("`{s}` is more than 100%"));
        }
        Ok(Percent(scaled as f64 / 1e14))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0 * 100.0)
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
        Ok(Bytes(to_u64(b, "size")?))
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
        assert!((Percent::parse("0.1%").unwrap().0 - 0.001).abs() < 1e-15);
        assert!(Percent::parse("101%").is_err());
        assert!(Percent::parse("0.1").is_err());
        assert_eq!(Bytes::parse("64KB").unwrap().0, 64_000);
        assert_eq!(Bytes::parse("4MiB").unwrap().0, 4 << 20);
        assert_eq!(Bytes::parse("4MiB").unwrap().to_string(), "4MiB");
        assert_eq!(Bytes::parse("1460").unwrap().0, 1460);
    }

    #[test]
    fn round_trip_through_ron() {
        let r: Rate = ron::from_str("\"20Mbps\"").unwrap();
        assert_eq!(ron::to_string(&r).unwrap(), "\"20Mbps\"");
        let t: Time = ron::from_str("\"40ms\"").unwrap();
        assert_eq!(ron::to_string(&t).unwrap(), "\"40ms\"");
    }
}
