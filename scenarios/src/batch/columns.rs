//! How a sweep axis becomes columns of the batch tables.
//!
//! An axis whose every value is a quantity of one kind is numeric: its column holds the
//! value in the base unit, named after it — times in milliseconds (`lte_delay_ms`), rates in
//! bits per second (`rate_bps`), sizes in bytes (`buffer_bytes`), probabilities in percent
//! (`loss_pct`), plain numbers as written (`subflows`) — printed exactly from the integer the
//! scenario holds (`"1500us"` → `1.5`), and `<axis>_label` keeps the text. Any other axis has
//! one text column `<axis>`. Text is the value's label (see [`cell_text`]): RON's `None` is
//! written `none`, because pandas reads the word `None` (like an empty cell) as a missing
//! value and `groupby` would silently drop those runs.

use crate::units::{Bytes, Percent, Rate, Time};

/// What kind of value an axis holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// A plain number (integer or decimal).
    Number,
    /// A time, in ms.
    Time,
    /// A rate, in bit/s.
    Rate,
    /// A size, in bytes.
    Bytes,
    /// A probability, in percent.
    Percent,
}

impl Quantity {
    /// The suffix of the column name (`_ms`); empty for plain numbers.
    pub fn suffix(self) -> &'static str {
        match self {
            Quantity::Number => "",
            Quantity::Time => "_ms",
            Quantity::Rate => "_bps",
            Quantity::Bytes => "_bytes",
            Quantity::Percent => "_pct",
        }
    }

    /// The unit's name for axis titles (`ms`, `bit/s`, ...); empty for plain numbers.
    pub fn unit(self) -> &'static str {
        match self {
            Quantity::Number => "",
            Quantity::Time => "ms",
            Quantity::Rate => "bit/s",
            Quantity::Bytes => "bytes",
            Quantity::Percent => "%",
        }
    }
}

/// `text` as a quantity: its kind and its exact value in the base unit, as decimal text.
pub fn quantity(text: &str) -> Option<(Quantity, String)> {
    let t = text.trim();
    if let Some(n) = plain_number(t) {
        return Some((Quantity::Number, n));
    }
    if let Ok(x) = Time::parse(t) {
        return Some((Quantity::Time, decimal(u128::from(x.0.as_nanos()), 6)));
    }
    if let Ok(r) = Rate::parse(t) {
        return Some((Quantity::Rate, r.0.as_bps().to_string()));
    }
    if let Ok(p) = Percent::parse(t) {
        return Some((Quantity::Percent, decimal(u128::from(p.units()), 12)));
    }
    // A size needs its unit: a bare number is a plain number above.
    match Bytes::parse(t) {
        Ok(b) if t.ends_with(|c: char| c.is_ascii_alphabetic()) => {
            Some((Quantity::Bytes, b.0.to_string()))
        }
        _ => None,
    }
}

/// A RON number (`42`, `-1.5`, `1_000`, `1e3`) in plain decimal form.
fn plain_number(t: &str) -> Option<String> {
    let digits: String = t.chars().filter(|&c| c != '_').collect();
    let first = digits.chars().next()?;
    if !(first.is_ascii_digit() || ((first == '-' || first == '+') && digits.len() > 1)) {
        return None;
    }
    if let Ok(i) = digits.parse::<i128>() {
        return Some(i.to_string());
    }
    digits
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(|x| format!("{x}"))
}

/// `units / 10^places` as exact decimal text without trailing zeros (`1500000, 6` → `1.5`).
pub fn decimal(units: u128, places: u32) -> String {
    let scale = 10u128.pow(places);
    let (int, frac) = (units / scale, units % scale);
    if frac == 0 {
        return int.to_string();
    }
    let digits = format!("{frac:0width$}", width = places as usize);
    format!("{int}.{}", digits.trim_end_matches('0'))
}

/// An axis value's text as a table writes it: `Some(x)` → `x`, `None` → `none`.
pub fn cell_text(label: &str) -> String {
    let t = label.trim();
    if t == "None" {
        return "none".to_owned();
    }
    match t.strip_prefix("Some(").and_then(|r| r.strip_suffix(')')) {
        Some(inner) => cell_text(inner),
        None => t.to_owned(),
    }
}

/// The columns one axis makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxisColumns {
    /// The axis's name.
    pub axis: String,
    /// The numeric kind, when every value is a quantity of one kind.
    pub quantity: Option<Quantity>,
    /// The value column: `<axis><suffix>` (numeric) or `<axis>` (text).
    pub value: String,
    /// `<axis>_label` for a numeric axis.
    pub label: Option<String>,
    /// Per value: (value cell, label cell).
    pub cells: Vec<(String, Option<String>)>,
}

impl AxisColumns {
    /// The columns of axis `name` whose values are `values` (their text) labelled `labels`.
    pub fn new(name: &str, values: &[String], labels: &[String]) -> AxisColumns {
        let parsed: Option<Vec<(Quantity, String)>> = values.iter().map(|v| quantity(v)).collect();
        let kind = parsed.as_ref().and_then(|p| {
            let k = p.first()?.0;
            p.iter().all(|(q, _)| *q == k).then_some(k)
        });
        match (kind, parsed) {
            (Some(k), Some(nums)) => AxisColumns {
                axis: name.to_owned(),
                quantity: Some(k),
                value: format!("{name}{}", k.suffix()),
                label: Some(format!("{name}_label")),
                cells: nums
                    .into_iter()
                    .zip(labels)
                    .map(|((_, n), l)| (n, Some(cell_text(l))))
                    .collect(),
            },
            _ => AxisColumns {
                axis: name.to_owned(),
                quantity: None,
                value: name.to_owned(),
                label: None,
                cells: labels.iter().map(|l| (cell_text(l), None)).collect(),
            },
        }
    }

    /// The column names, value column first.
    pub fn names(&self) -> Vec<String> {
        std::iter::once(self.value.clone())
            .chain(self.label.clone())
            .collect()
    }

    /// The column a value's text is in (the label column of a numeric axis).
    pub fn text_column(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn quantities_in_base_units_exactly() {
        let q = quantity;
        assert_eq!(q("40ms"), Some((Quantity::Time, "40".into())));
        assert_eq!(q("1500us"), Some((Quantity::Time, "1.5".into())));
        assert_eq!(q("2s"), Some((Quantity::Time, "2000".into())));
        assert_eq!(q("12345678ns"), Some((Quantity::Time, "12.345678".into())));
        assert_eq!(q("20Mbps"), Some((Quantity::Rate, "20000000".into())));
        assert_eq!(q("64KiB"), Some((Quantity::Bytes, "65536".into())));
        assert_eq!(q("0.05%"), Some((Quantity::Percent, "0.05".into())));
        assert_eq!(q("1_000"), Some((Quantity::Number, "1000".into())));
        assert_eq!(q("-2.50"), Some((Quantity::Number, "-2.5".into())));
        assert_eq!(q("Reno"), None);
        assert_eq!(q("Bdp(\"20ms\")"), None);
        assert_eq!(decimal(0, 6), "0");
    }

    #[test]
    fn numeric_axes_get_a_unit_column_and_a_label() {
        let c = AxisColumns::new(
            "lte_delay",
            &strs(&["10ms", "160ms"]),
            &strs(&["10ms", "160ms"]),
        );
        assert_eq!(c.names(), ["lte_delay_ms", "lte_delay_label"]);
        assert_eq!(c.cells[1], ("160".into(), Some("160ms".into())));
        // Mixed kinds, or None among the values: text.
        let c = AxisColumns::new("x", &strs(&["10ms", "5"]), &strs(&["10ms", "5"]));
        assert_eq!((c.names(), c.quantity), (strs(&["x"]), None));
        let modes = strs(&["None", "Some(Handover(degraded_rtt: \"150ms\"))"]);
        let c = AxisColumns::new("mode", &modes, &modes);
        assert_eq!(c.cells[0].0, "none");
        assert_eq!(c.cells[1].0, "Handover(degraded_rtt: \"150ms\")");
        assert_eq!(c.text_column(), "mode");
    }
}
