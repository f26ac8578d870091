//! Dotted field paths into a scenario's serialized tree, as sweep axes write them.
//!
//! Syntax: segments separated by `.`, each a field name optionally followed by selectors in
//! brackets: `links[1].delay`, `links.bottleneck.delay`, `links[bottleneck].delay`,
//! `flows[*].transport.cc`. On a list, a segment or selector that is a number picks that
//! element, `*` picks every element, and anything else picks the element whose `name` is
//! that text. An enum value is looked through: `flows[0].transport.cc` reaches the `cc` of
//! `Tcp(cc: ..)` (written `flows[0].transport.Tcp.cc` in full). The path works on the
//! generic tree serde produces, so new schema fields and variants need no change here.

use serde_json::Value;
use std::fmt::{self, Write as _};

/// One segment of a written path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    /// A field name, or on a list the element with this `name`.
    Key(String),
    /// A list index.
    Index(usize),
    /// Every element of a list.
    All,
}

/// One step of a resolved path: a concrete field or list index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// An object field.
    Field(String),
    /// A list index.
    Index(usize),
}

/// A path resolved against a tree, printable as `flows[0].transport.Tcp.cc`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Concrete(pub(crate) Vec<Step>);

impl fmt::Display for Concrete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Step::Field(k) if i == 0 => f.write_str(k)?,
                Step::Field(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        if self.0.is_empty() {
            f.write_str("(the scenario)")?;
        }
        Ok(())
    }
}

fn parse(path: &str) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    for part in path.split('.') {
        let (head, mut sel) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if head.is_empty() && (sel.is_empty() || segs.is_empty()) {
            return Err(format!("empty segment in path `{path}`"));
        }
        if !head.is_empty() {
            segs.push(selector(head));
        }
        while !sel.is_empty() {
            let inner_end = sel
                .find(']')
                .filter(|_| sel.starts_with('['))
                .ok_or_else(|| format!("malformed brackets in path `{path}`"))?;
            let inner = sel[1..inner_end].trim().trim_matches('"');
            if inner.is_empty() {
                return Err(format!("empty brackets in path `{path}`"));
            }
            segs.push(selector(inner));
            sel = &sel[inner_end + 1..];
        }
    }
    Ok(segs)
}

fn selector(s: &str) -> Seg {
    if s == "*" {
        Seg::All
    } else if let Ok(n) = s.parse() {
        Seg::Index(n)
    } else {
        Seg::Key(s.to_owned())
    }
}

/// Resolves `path` in `root` to every node it names (one unless it uses `*`).
pub(crate) fn resolve(root: &Value, path: &str) -> Result<Vec<Concrete>, String> {
    let segs = parse(path)?;
    let mut found = vec![(Concrete(Vec::new()), root)];
    for seg in &segs {
        let mut next = Vec::new();
        for (at, node) in found {
            step(at, node, seg, &mut next)?;
        }
        found = next;
    }
    if found.is_empty() {
        return Err(format!("`{path}` matches nothing (an empty list)"));
    }
    Ok(found.into_iter().map(|(c, _)| c).collect())
}

fn step<'v>(
    mut at: Concrete,
    mut node: &'v Value,
    seg: &Seg,
    out: &mut Vec<(Concrete, &'v Value)>,
) -> Result<(), String> {
    // Look through an enum variant unless the segment names the variant itself.
    if let (Value::Object(m), Seg::Key(k)) = (node, seg) {
        if super::fragment::is_tagged(node) && !m.contains_key(k) {
            if let Some((variant, inner)) = m.iter().next() {
                at.0.push(Step::Field(variant.clone()));
                node = inner;
            }
        }
    }
    match (node, seg) {
        (Value::Object(m), Seg::Key(k)) => match m.get(k) {
            Some(v) => {
                at.0.push(Step::Field(k.clone()));
                out.push((at, v));
                Ok(())
            }
            None => Err(format!(
                "`{at}` has no field `{k}` (fields: {})",
                list(m.keys())
            )),
        },
        (Value::Array(a), Seg::Index(n)) => match a.get(*n) {
            Some(v) => {
                at.0.push(Step::Index(*n));
                out.push((at, v));
                Ok(())
            }
            None => Err(format!("`{at}` has {} elements; no index {n}", a.len())),
        },
        (Value::Array(a), Seg::All) => {
            for (i, v) in a.iter().enumerate() {
                let mut c = at.clone();
                c.0.push(Step::Index(i));
                out.push((c, v));
            }
            Ok(())
        }
        (Value::Array(a), Seg::Key(k)) => {
            let named = |v: &Value| v.get("name").and_then(Value::as_str) == Some(k.as_str());
            match a.iter().position(named) {
                Some(i) => {
                    at.0.push(Step::Index(i));
                    out.push((at, &a[i]));
                    Ok(())
                }
                None => Err(format!(
                    "no element of `{at}` is named `{k}` (names: {})",
                    list(
                        a.iter()
                            .filter_map(|v| v.get("name").and_then(Value::as_str))
                    )
                )),
            }
        }
        (Value::Null, _) => Err(format!(
            "`{at}` is None in the base scenario; set `{at}` as a whole instead"
        )),
        (Value::Object(_), _) => Err(format!("`{at}` is a struct, not a list")),
        _ => Err(format!("`{at}` is a single value; it has no parts")),
    }
}

fn list<T: fmt::Display>(names: impl Iterator<Item = T>) -> String {
    names.fold(String::new(), |mut s, n| {
        if !s.is_empty() {
            s.push_str(", ");
        }
        let _ = write!(s, "{n}");
        s
    })
}

/// The node at `c` in `root`.
pub(crate) fn get<'v>(root: &'v Value, c: &Concrete) -> Option<&'v Value> {
    c.0.iter().try_fold(root, |node, s| match s {
        Step::Field(k) => node.get(k),
        Step::Index(i) => node.get(*i),
    })
}

/// The node at `c` in `root`, for replacing.
pub(crate) fn get_mut<'v>(root: &'v mut Value, c: &Concrete) -> Option<&'v mut Value> {
    c.0.iter().try_fold(root, |node, s| match s {
        Step::Field(k) => node.get_mut(k),
        Step::Index(i) => node.get_mut(*i),
    })
}

/// The last field name of a path, a default axis name (`links.lte.delay` → `delay`).
pub(crate) fn last_field(path: &str) -> Option<String> {
    parse(path).ok()?.into_iter().rev().find_map(|s| match s {
        Seg::Key(k) => Some(k),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tree() -> Value {
        json!({
            "links": [{"name": "wifi", "delay": "10ms"}, {"name": "lte", "delay": "40ms"}],
            "flows": [{"transport": {"Tcp": {"cc": "Reno"}}}, {"transport": {"Tcp": {"cc": "Cubic"}}}],
            "app": null,
        })
    }

    fn one(path: &str) -> String {
        let r = resolve(&tree(), path).unwrap();
        assert_eq!(r.len(), 1);
        r[0].to_string()
    }

    #[test]
    fn paths_resolve_by_index_name_and_through_enums() {
        assert_eq!(one("links[1].delay"), "links[1].delay");
        assert_eq!(one("links.1.delay"), "links[1].delay");
        assert_eq!(one("links.lte.delay"), "links[1].delay");
        assert_eq!(one("links[lte].delay"), "links[1].delay");
        assert_eq!(one("flows[0].transport.cc"), "flows[0].transport.Tcp.cc");
        assert_eq!(
            one("flows[0].transport.Tcp.cc"),
            "flows[0].transport.Tcp.cc"
        );
        let all = resolve(&tree(), "flows[*].transport.cc").unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(get(&tree(), &all[1]), Some(&json!("Cubic")));
        assert_eq!(last_field("links.lte.delay").as_deref(), Some("delay"));
    }

    #[test]
    fn bad_paths_say_what_exists() {
        let e = resolve(&tree(), "links.umts.delay").unwrap_err();
        assert!(e.contains("named `umts`") && e.contains("wifi, lte"), "{e}");
        let e = resolve(&tree(), "flows[0].transport.ccx").unwrap_err();
        assert!(e.contains("no field `ccx`") && e.contains("cc"), "{e}");
        assert!(resolve(&tree(), "links[5]")
            .unwrap_err()
            .contains("2 elements"));
        assert!(resolve(&tree(), "app.bytes").unwrap_err().contains("None"));
        assert!(resolve(&tree(), "links[1.delay").is_err());
        assert!(resolve(&tree(), "links..delay").is_err());
    }
}
