//! Reading one RON value (an axis value of a sweep file) into the `serde_json::Value` that
//! serializing the typed value would give.
//!
//! `ron` itself cannot do this: its untyped `Value` drops enum variant and struct names
//! (`Lia` and `Tcp(cc: Reno)` lose their tags). So this reader parses the fragment's
//! syntax and produces serde's externally tagged shape — unit variant `Lia` → `"Lia"`,
//! `Bernoulli("1%")` → `{"Bernoulli": "1%"}`, `Tcp(cc: Reno)` → `{"Tcp": {"cc": "Reno"}}` —
//! using a *guide*, the value currently at the target in the base scenario, to decide what
//! the syntax cannot: whether `Name(..)` is a struct (its name dropped, as serde does) or an
//! enum variant, and whether `None` is `Option::None` or a unit variant called `None` (the
//! variant when the target holds an enum value, `Option::None` otherwise).
//! The typed check happens afterwards, when the patched tree is deserialized into a
//! `Scenario`; this module only has to get the shape right.

use serde_json::{Map, Number, Value};

/// Parses `text`, a single RON value, guided by `guide` (the current value at the target).
/// Without a guide (or with `None` there) `Name(..)` is read as an enum variant; see
/// [`parse_struct`] for the other reading.
pub(crate) fn parse(text: &str, guide: Option<&Value>) -> Result<Value, String> {
    read(text, guide, false)
}

/// As [`parse`], but an unguided `Name(..)` at the top is read as a struct (its name
/// dropped), for a target that is `None` in the base and holds a struct when set:
/// `reverse: Direction(delay: "50ms")`.
pub(crate) fn parse_struct(text: &str, guide: Option<&Value>) -> Result<Value, String> {
    read(text, guide, true)
}

fn read(text: &str, guide: Option<&Value>, top_struct: bool) -> Result<Value, String> {
    let mut r = Reader {
        s: text,
        pos: 0,
        top_struct,
    };
    let v = r.value(guide)?;
    r.skip_ws()?;
    if r.pos < r.s.len() {
        return Err(format!("unexpected `{}` after the value", r.rest_preview()));
    }
    Ok(v)
}

/// True when `v` is serde's shape of an enum variant with data: one key, capitalised.
pub(crate) fn is_tagged(v: &Value) -> bool {
    match v {
        Value::Object(m) if m.len() == 1 => m
            .keys()
            .next()
            .is_some_and(|k| k.starts_with(|c: char| c.is_ascii_uppercase())),
        _ => false,
    }
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
    /// Read the next unguided `Name(..)` as a struct (then cleared).
    top_struct: bool,
}

/// The contents of `( .. )`: named fields or positional elements.
enum Parens {
    Fields(Map<String, Value>),
    Elems(Vec<Value>),
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn rest_preview(&self) -> String {
        self.rest().chars().take(12).collect()
    }

    fn skip_ws(&mut self) -> Result<(), String> {
        loop {
            let r = self.rest();
            let t = r.trim_start();
            self.pos += r.len() - t.len();
            if t.starts_with("//") {
                self.pos += t.find('\n').unwrap_or(t.len());
            } else if t.starts_with("/*") {
                let end = t.find("*/").ok_or("unterminated comment")?;
                self.pos += end + 2;
            } else {
                return Ok(());
            }
        }
    }

    fn eat(&mut self, c: char) -> Result<bool, String> {
        self.skip_ws()?;
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c)? {
            Ok(())
        } else if self.pos >= self.s.len() {
            Err(format!("expected `{c}`, found the end of the value"))
        } else {
            Err(format!("expected `{c}`, found `{}`", self.rest_preview()))
        }
    }

    fn ident(&mut self) -> Option<&'a str> {
        let r = self.rest();
        let n = r
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(r.len());
        if n == 0 || r.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let start = self.pos;
        self.pos += n;
        Some(&self.s[start..start + n])
    }

    fn value(&mut self, guide: Option<&Value>) -> Result<Value, String> {
        self.skip_ws()?;
        let r = self.rest();
        let Some(c) = r.chars().next() else {
            return Err("expected a value, found nothing".into());
        };
        match c {
            '"' => self.string().map(Value::String),
            'r' if r.starts_with("r\"") || r.starts_with("r#") => {
                self.raw_string().map(Value::String)
            }
            '[' => {
                self.pos += 1;
                let items = self.seq(']', guide)?;
                Ok(Value::Array(items))
            }
            '{' => {
                self.pos += 1;
                self.map(guide)
            }
            '(' => {
                self.pos += 1;
                Ok(match self.parens(guide)? {
                    Parens::Fields(m) => Value::Object(m),
                    Parens::Elems(v) if v.is_empty() => Value::Null,
                    Parens::Elems(v) => Value::Array(v),
                })
            }
            c if c == '-' || c == '+' || c == '.' || c.is_ascii_digit() => self.number(),
            _ => self.named(guide),
        }
    }

    /// An identifier: `true`, `false`, `None`, `Some(x)`, a unit variant, or `Name(..)`.
    fn named(&mut self, guide: Option<&Value>) -> Result<Value, String> {
        let Some(name) = self.ident().map(str::to_owned) else {
            return Err(format!("unexpected `{}`", self.rest_preview()));
        };
        let has_parens = self.eat('(')?;
        let top_struct = std::mem::take(&mut self.top_struct);
        match (name.as_str(), has_parens) {
            ("true", false) => Ok(Value::Bool(true)),
            ("false", false) => Ok(Value::Bool(false)),
            ("None", false) => Ok(match guide {
                Some(g) if g.is_string() || is_tagged(g) => Value::String(name),
                _ => Value::Null,
            }),
            ("Some", true) => {
                let v = self.value(guide)?;
                self.eat(',')?;
                self.expect(')')?;
                Ok(v)
            }
            (_, false) => Ok(Value::String(name)),
            (_, true) => {
                let is_struct = (matches!(guide, Some(Value::Object(_)))
                    && !guide.is_some_and(is_tagged))
                    || (top_struct && guide.is_none_or(Value::is_null));
                if is_struct {
                    return Ok(match self.parens(guide)? {
                        Parens::Fields(m) => Value::Object(m),
                        Parens::Elems(v) => Value::Array(v),
                    });
                }
                let inner = guide.and_then(|g| g.get(&name));
                let data = match self.parens(inner)? {
                    Parens::Fields(m) => Value::Object(m),
                    Parens::Elems(mut v) if v.len() == 1 => v.remove(0),
                    Parens::Elems(v) => Value::Array(v),
                };
                let mut m = Map::new();
                m.insert(name, data);
                Ok(Value::Object(m))
            }
        }
    }

    /// The inside of `( .. )` after the opening parenthesis.
    fn parens(&mut self, guide: Option<&Value>) -> Result<Parens, String> {
        self.skip_ws()?;
        let save = self.pos;
        let is_fields = self.ident().is_some() && self.eat(':')?;
        self.pos = save;
        if !is_fields {
            return Ok(Parens::Elems(self.seq(')', guide)?));
        }
        let mut m = Map::new();
        loop {
            if self.eat(')')? {
                return Ok(Parens::Fields(m));
            }
            let key = self
                .ident()
                .ok_or_else(|| format!("expected a field name, found `{}`", self.rest_preview()))?
                .to_owned();
            self.expect(':')?;
            let v = self.value(guide.and_then(|g| g.get(&key)))?;
            if m.insert(key.clone(), v).is_some() {
                return Err(format!("field `{key}` given twice"));
            }
            if !self.eat(',')? {
                self.expect(')')?;
                return Ok(Parens::Fields(m));
            }
        }
    }

    /// Comma-separated values up to `close`; element `i` is guided by the guide's element
    /// `i` (or its first, for lists longer than the guide).
    fn seq(&mut self, close: char, guide: Option<&Value>) -> Result<Vec<Value>, String> {
        let mut items = Vec::new();
        loop {
            if self.eat(close)? {
                return Ok(items);
            }
            let g = match guide {
                Some(Value::Array(a)) => a.get(items.len()).or_else(|| a.first()),
                _ => None,
            };
            items.push(self.value(g)?);
            if !self.eat(',')? {
                self.expect(close)?;
                return Ok(items);
            }
        }
    }

    fn map(&mut self, guide: Option<&Value>) -> Result<Value, String> {
        let mut m = Map::new();
        loop {
            if self.eat('}')? {
                return Ok(Value::Object(m));
            }
            self.skip_ws()?;
            let key = match self.value(None)? {
                Value::String(s) => s,
                other => return Err(format!("map keys must be strings, found {other}")),
            };
            self.expect(':')?;
            let v = self.value(guide.and_then(|g| g.get(&key)))?;
            m.insert(key, v);
            if !self.eat(',')? {
                self.expect('}')?;
                return Ok(Value::Object(m));
            }
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let r = self.rest();
        let n = r
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
            .unwrap_or(r.len());
        let text: String = r[..n].chars().filter(|&c| c != '_').collect();
        self.pos += n;
        let text = text.strip_prefix('+').unwrap_or(&text);
        if let Ok(u) = text.parse::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        text.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{text}` is not a number"))
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' => {
                    let (_, e) = chars.next().ok_or("unterminated string")?;
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '0' => out.push('\0'),
                        '\\' | '"' | '\'' => out.push(e),
                        'u' => {
                            let hex: String = chars
                                .by_ref()
                                .map(|(_, c)| c)
                                .skip_while(|&c| c == '{')
                                .take_while(|&c| c != '}')
                                .collect();
                            let ch = u32::from_str_radix(&hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| format!("bad escape `\\u{{{hex}}}`"))?;
                            out.push(ch);
                        }
                        other => return Err(format!("unknown escape `\\{other}`")),
                    }
                }
                c => out.push(c),
            }
        }
        Err("unterminated string".into())
    }

    fn raw_string(&mut self) -> Result<String, String> {
        let r = &self.rest()[1..];
        let hashes = r.len() - r.trim_start_matches('#').len();
        let body = r[hashes..]
            .strip_prefix('"')
            .ok_or("malformed raw string")?;
        let close = format!("\"{}", "#".repeat(hashes));
        let end = body.find(&close).ok_or("unterminated raw string")?;
        let out = body[..end].to_owned();
        self.pos += 1 + hashes + 1 + end + close.len();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(text: &str, guide: Value) -> Value {
        parse(text, Some(&guide)).unwrap()
    }

    #[test]
    fn scalars_and_lists() {
        assert_eq!(p("\"20ms\"", json!("10ms")), json!("20ms"));
        assert_eq!(p(" 42 ", json!(1)), json!(42));
        assert_eq!(p("-1.5", json!(1.0)), json!(-1.5));
        assert_eq!(p("true", json!(false)), json!(true));
        assert_eq!(p("[1, 2,]", json!([0])), json!([1, 2]));
        assert_eq!(p(r#"r"a\b""#, json!("")), json!("a\\b"));
        assert_eq!(p(r#""a\"b\u{e9}""#, json!("")), json!("a\"bé"));
    }

    #[test]
    fn enums_take_their_tags_and_structs_drop_their_names() {
        assert_eq!(p("Lia", json!("Cubic")), json!("Lia"));
        assert_eq!(
            p(
                "Tcp(cc: Reno)",
                json!({"Tcp": {"cc": "Cubic", "mss": 1460}})
            ),
            json!({"Tcp": {"cc": "Reno"}})
        );
        assert_eq!(
            p("Bernoulli(\"1%\")", json!("None")),
            json!({"Bernoulli": "1%"})
        );
        assert_eq!(
            p(
                "Direction(rate: \"5Mbps\")",
                json!({"rate": null, "delay": null})
            ),
            json!({"rate": "5Mbps"})
        );
        assert_eq!(
            p("(a: 1, b: (c: X))", json!({})),
            json!({"a": 1, "b": {"c": "X"}})
        );
        assert_eq!(p("Pair(1, 2)", json!("A")), json!({"Pair": [1, 2]}));
    }

    #[test]
    fn none_is_option_none_unless_the_target_is_a_unit_variant() {
        assert_eq!(p("None", json!(null)), json!(null));
        assert_eq!(p("None", json!(5)), json!(null));
        assert_eq!(p("None", json!({"Bernoulli": "1%"})), json!("None"));
        assert_eq!(p("None", json!("Bernoulli")), json!("None"));
        assert_eq!(p("Some(\"10MB\")", json!(null)), json!("10MB"));
    }

    #[test]
    fn unguided_names_are_variants_or_at_the_top_structs() {
        let text = "Direction(loss: Bernoulli(\"1%\"))";
        assert_eq!(
            parse(text, Some(&json!(null))).unwrap(),
            json!({"Direction": {"loss": {"Bernoulli": "1%"}}})
        );
        assert_eq!(
            parse_struct(text, Some(&json!(null))).unwrap(),
            json!({"loss": {"Bernoulli": "1%"}})
        );
    }

    #[test]
    fn malformed_fragments_are_errors() {
        for bad in [
            "",
            "[1, 2",
            "Tcp(cc: )",
            "\"open",
            "1 2",
            "(a: 1, a: 2)",
            "{1: 2}",
        ] {
            assert!(parse(bad, None).is_err(), "{bad:?} parsed");
        }
    }
}
