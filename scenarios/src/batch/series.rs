//! Axis values written as a series instead of a list:
//!
//! - `Range(from, to, step)`: `from`, `from + step`, ... up to `to` (included when a step
//!   lands on it): `Range("10ms", "100ms", "10ms")`, `Range(1, 8, 1)`, `Range(0.1, 0.5, 0.1)`;
//! - `Geom(from, to, factor)`: `from`, `from × factor`, ... up to `to`:
//!   `Geom("1Mbps", "64Mbps", 2)`, `Geom(1, 64, 2)`.
//!
//! `from`, `to` and (for `Range`) `step` are plain numbers or quantities of one kind (times,
//! rates, sizes, percentages, as a scenario writes them); `factor` is a number above 1.
//! Arithmetic is exact: quantities in their integer base unit (ns, bit/s, bytes, 1e-12 %),
//! numbers as decimals (`Range(0.1, 0.5, 0.1)` gives 0.1, 0.2, 0.3, 0.4, 0.5, never
//! 0.30000000000000004). A geometric quantity that falls between two base units (1 ms ×
//! 1.5⁷) is rounded to the nearest. Each value comes out as RON text, a quantity in its
//! canonical unit (`"20ms"`, `"4Mbps"`), and is then checked like any listed value.

use crate::units::{Bytes, Percent, Rate, Time};
use serde_json::Value;
use sim_core::{Bandwidth, Duration};

/// Most values one series may produce.
pub(crate) const MAX_VALUES: usize = 100_000;

/// A kind of quantity, or a plain number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Number,
    Time,
    Rate,
    Bytes,
    Percent,
}

/// An exact decimal: `m / 10^places`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Dec {
    m: i128,
    places: u32,
}

impl Dec {
    fn parse(text: &str) -> Option<Dec> {
        let t: String = text.trim().chars().filter(|&c| c != '_').collect();
        let (neg, digits) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t.strip_prefix('+').unwrap_or(&t)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let ok = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !ok(int) || !ok(frac) || frac.len() > 18 {
            return None;
        }
        let m: i128 = format!("{int}{frac}").parse().ok()?;
        Some(Dec {
            m: if neg { -m } else { m },
            places: frac.len() as u32,
        })
    }

    /// `self` with `places` decimal places (at least its own).
    fn scaled(self, places: u32) -> Option<i128> {
        self.m
            .checked_mul(10i128.checked_pow(places - self.places)?)
    }

    fn text(self) -> String {
        let scale = 10u128.pow(self.places);
        let abs = self.m.unsigned_abs();
        let sign = if self.m < 0 { "-" } else { "" };
        let (int, frac) = (abs / scale, abs % scale);
        if frac == 0 {
            return format!("{sign}{int}");
        }
        let digits = format!("{frac:0w$}", w = self.places as usize);
        format!("{sign}{int}.{}", digits.trim_end_matches('0'))
    }
}

/// A series bound: its kind and value (quantities in their integer base unit).
fn bound(v: &Value) -> Result<(Kind, Dec), String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(format!("`{other}` is neither a number nor a quantity")),
    };
    if v.is_number() {
        return Dec::parse(&text)
            .map(|d| (Kind::Number, d))
            .ok_or_else(|| format!("`{text}` is not an exact decimal number"));
    }
    let whole = |kind, units: u64| {
        Ok((
            kind,
            Dec {
                m: i128::from(units),
                places: 0,
            },
        ))
    };
    if let Ok(t) = Time::parse(&text) {
        return whole(Kind::Time, t.0.as_nanos());
    }
    if let Ok(r) = Rate::parse(&text) {
        return whole(Kind::Rate, r.0.as_bps());
    }
    if let Ok(p) = Percent::parse(&text) {
        return whole(Kind::Percent, p.units());
    }
    if let Ok(b) = Bytes::parse(&text) {
        return whole(Kind::Bytes, b.0);
    }
    Err(format!(
        "`{text}` is not a quantity (a time, rate, size or percentage)"
    ))
}

/// The RON text of value `d` of kind `k`.
fn ron_text(k: Kind, d: Dec) -> Result<String, String> {
    if k == Kind::Number {
        return Ok(d.text());
    }
    let units = u64::try_from(d.m).map_err(|_| format!("{} is out of range", d.text()))?;
    let text = match k {
        Kind::Time => Time(Duration::from_nanos(units)).to_string(),
        Kind::Rate => Rate(Bandwidth::from_bps(units)).to_string(),
        Kind::Bytes => Bytes(units).to_string(),
        Kind::Percent => Percent::from_units(units).to_string(),
        Kind::Number => unreachable!("handled above"),
    };
    Ok(format!("\"{text}\""))
}

/// Expands `Range(..)` / `Geom(..)` as the fragment reader gives it (`{"Range": [..]}`)
/// into the values' RON text. `Ok(None)` when `v` is not a series.
pub(crate) fn expand(v: &Value) -> Result<Option<Vec<String>>, String> {
    let Some((name, args)) = v.as_object().and_then(|m| m.iter().next()) else {
        return Ok(None);
    };
    let geometric = match name.as_str() {
        "Range" => false,
        "Geom" => true,
        _ => return Ok(None),
    };
    let args = args.as_array().filter(|a| a.len() == 3).ok_or_else(|| {
        format!(
            "{name} takes three values: {name}(from, to, {})",
            if geometric { "factor" } else { "step" }
        )
    })?;
    let (kind, from) = bound(&args[0])?;
    let (to_kind, to) = bound(&args[1])?;
    if to_kind != kind {
        return Err(format!("{name}: `from` and `to` are not of one kind"));
    }
    let values = if geometric {
        let (fk, factor) = bound(&args[2])?;
        if fk != Kind::Number || factor.m <= 10i128.pow(factor.places) {
            return Err(format!("{name}: the factor must be a number above 1"));
        }
        geom(kind, from, to, factor)?
    } else {
        let (sk, step) = bound(&args[2])?;
        if sk != kind {
            return Err(format!(
                "{name}: `step` is not of the kind of `from` and `to`"
            ));
        }
        range(from, to, step)?
    };
    if values.is_empty() {
        return Err(format!("{name}: `from` is above `to`: no values"));
    }
    values
        .into_iter()
        .map(|d| ron_text(kind, d))
        .collect::<Result<_, _>>()
        .map(Some)
}

fn too_many(name: &str) -> String {
    format!("{name}: more than {MAX_VALUES} values")
}

fn range(from: Dec, to: Dec, step: Dec) -> Result<Vec<Dec>, String> {
    let places = from.places.max(to.places).max(step.places);
    let overflow = || "Range: the numbers are too large".to_owned();
    let (a, b, s) = (
        from.scaled(places).ok_or_else(overflow)?,
        to.scaled(places).ok_or_else(overflow)?,
        step.scaled(places).ok_or_else(overflow)?,
    );
    if s <= 0 {
        return Err("Range: the step must be above zero".into());
    }
    let mut out = Vec::new();
    let mut k: i128 = 0;
    while let Some(v) = k.checked_mul(s).and_then(|x| x.checked_add(a)) {
        if v > b {
            break;
        }
        if out.len() == MAX_VALUES {
            return Err(too_many("Range"));
        }
        out.push(Dec { m: v, places });
        k += 1;
    }
    Ok(out)
}

fn geom(kind: Kind, from: Dec, to: Dec, factor: Dec) -> Result<Vec<Dec>, String> {
    if from.m <= 0 {
        return Err("Geom: `from` must be above zero".into());
    }
    let mut out = Vec::new();
    // The exact value is num / 10^places; quantities are rounded to whole base units.
    let (mut num, mut places) = (from.m, from.places);
    loop {
        let value = if kind == Kind::Number {
            trimmed(Dec { m: num, places })
        } else {
            let den = 10i128.pow(places);
            Dec {
                m: (num + den / 2) / den,
                places: 0,
            }
        };
        let cmp_places = value.places.max(to.places);
        let (v, limit) = match (value.scaled(cmp_places), to.scaled(cmp_places)) {
            (Some(v), Some(l)) => (v, l),
            _ => break,
        };
        if v > limit {
            break;
        }
        if out.len() == MAX_VALUES {
            return Err(too_many("Geom"));
        }
        out.push(value);
        match (num.checked_mul(factor.m), places.checked_add(factor.places)) {
            (Some(n), Some(p)) if p <= 30 => (num, places) = (n, p),
            _ => break,
        }
        // Keep the exact value in as few places as it needs.
        let t = trimmed(Dec { m: num, places });
        (num, places) = (t.m, t.places);
    }
    Ok(out)
}

/// `d` without trailing decimal zeros.
fn trimmed(mut d: Dec) -> Dec {
    while d.places > 0 && d.m % 10 == 0 {
        d.m /= 10;
        d.places -= 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(v: Value) -> Vec<String> {
        expand(&v).unwrap().unwrap()
    }

    #[test]
    fn ranges_are_exact_and_include_their_end() {
        assert_eq!(
            values(json!({"Range": ["10ms", "50ms", "10ms"]})),
            ["\"10ms\"", "\"20ms\"", "\"30ms\"", "\"40ms\"", "\"50ms\""]
        );
        assert_eq!(
            values(json!({"Range": [0.1, 0.5, 0.1]})),
            ["0.1", "0.2", "0.3", "0.4", "0.5"]
        );
        assert_eq!(values(json!({"Range": [1, 8, 3]})), ["1", "4", "7"]);
        assert_eq!(
            values(json!({"Range": ["500us", "2ms", "500us"]})),
            ["\"500us\"", "\"1ms\"", "\"1500us\"", "\"2ms\""]
        );
        assert_eq!(
            values(json!({"Range": ["0.5%", "1.5%", "0.5%"]})),
            ["\"0.5%\"", "\"1%\"", "\"1.5%\""]
        );
    }

    #[test]
    fn geometric_series_multiply_exactly() {
        assert_eq!(
            values(json!({"Geom": ["1Mbps", "8Mbps", 2]})),
            ["\"1Mbps\"", "\"2Mbps\"", "\"4Mbps\"", "\"8Mbps\""]
        );
        assert_eq!(values(json!({"Geom": [1, 64, 4]})), ["1", "4", "16", "64"]);
        assert_eq!(
            values(json!({"Geom": [1, 4, 1.5]})),
            ["1", "1.5", "2.25", "3.375"]
        );
        assert_eq!(
            values(json!({"Geom": ["64KiB", "1MiB", 4]})),
            ["\"64KiB\"", "\"256KiB\"", "\"1MiB\""]
        );
    }

    #[test]
    fn bad_series_say_why() {
        let err = |v: Value| expand(&v).unwrap_err();
        assert!(err(json!({"Range": ["10ms", "1s"]})).contains("three values"));
        assert!(err(json!({"Range": ["10ms", "1s", "1Mbps"]})).contains("kind"));
        assert!(err(json!({"Range": ["10ms", "5Mbps", "1ms"]})).contains("one kind"));
        assert!(err(json!({"Range": [1, 5, 0]})).contains("above zero"));
        assert!(err(json!({"Range": [5, 1, 1]})).contains("no values"));
        assert!(err(json!({"Geom": [1, 8, 1]})).contains("above 1"));
        assert!(err(json!({"Range": [0, 1_000_000, 1]})).contains("more than"));
        assert!(err(json!({"Range": ["a", "b", "c"]})).contains("not a quantity"));
        assert_eq!(expand(&json!("Reno")).unwrap(), None);
        assert_eq!(expand(&json!({"Bernoulli": "1%"})).unwrap(), None);
    }
}
