//! `mpsim run --set PATH=VALUE`: one scenario with fields replaced, by the machinery of a
//! sweep's `set:` (the same paths and RON values, type-checked the same way).
//!
//! A value is RON as a scenario writes it (`Cubic`, `"40ms"`, `Bernoulli("1%")`,
//! `Some(..)`); a value that does not read as RON but would as a string is taken as one, so
//! the shell needs no quotes for quantities: `--set links.lte.delay=40ms`. Overrides apply in
//! the order given, before the seed of `--seed`, and the results directory's `scenario.ron`
//! holds the scenario as run.

use super::error::BatchError;
use super::path;
use super::sweep::{parse_for, patch};
use crate::schema::Scenario;
use crate::validate::Plan;
use std::path::Path;

/// Splits `PATH=VALUE` at the first `=`.
pub fn split_set(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((p, v)) if !p.trim().is_empty() && !v.trim().is_empty() => {
            Ok((p.trim().to_owned(), v.trim().to_owned()))
        }
        _ => Err(format!(
            "--set `{arg}`: write PATH=VALUE, e.g. links.lte.delay=40ms"
        )),
    }
}

/// `sc` with every `(path, value)` of `sets` applied in order; errors name `file` and the
/// override.
pub fn apply_sets(
    file: &Path,
    sc: &Scenario,
    sets: &[(String, String)],
) -> Result<Scenario, BatchError> {
    let err = |p: &str, v: &str, msg: String| BatchError::Sweep {
        file: file.to_path_buf(),
        field: format!("--set {p}={v}"),
        msg,
    };
    let mut tree = serde_json::to_value(sc).map_err(|e| err("", "", e.to_string()))?;
    for (p, v) in sets {
        let targets = path::resolve(&tree, p).map_err(|m| err(p, v, m))?;
        let vals = parse_for(&tree, &targets, v)
            .or_else(|first| {
                let quoted = format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
                let bare = !v.starts_with(['"', '[', '(', '{']);
                match bare.then(|| parse_for(&tree, &targets, &quoted)) {
                    Some(Ok(vals)) => Ok(vals),
                    _ => Err(first),
                }
            })
            .map_err(|m| err(p, v, format!("value `{v}`: {m}")))?;
        patch(&mut tree, &targets, &vals);
    }
    serde_json::from_value(tree).map_err(|e| err("", "", e.to_string()))
}

/// Reads, parses and validates the scenario at `file` with `sets` applied and `seed` (when
/// given) as its seed: [`fn@crate::load`] with overrides.
pub fn load_with_sets(
    file: &Path,
    seed: Option<u64>,
    sets: &[(String, String)],
) -> Result<Plan, BatchError> {
    let text = crate::load::read_text(file)?;
    let parsed = crate::load::parse_str(file, &text)?;
    let mut sc = apply_sets(file, &parsed, sets)?;
    if let Some(s) = seed {
        sc.seed = s;
    }
    // Positions in errors still point into the file for every field not overridden.
    Ok(crate::validate::validate(file, &text, sc)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"Scenario(
        duration: "2s",
        hosts: [
            Host(name: "a", interfaces: [Interface(name: "eth0", addr: "10.0.0.1")]),
            Host(name: "b", interfaces: [Interface(name: "eth0", addr: "10.0.0.2")]),
        ],
        links: [Link(name: "l", a: "a", b: "b", rate: "10Mbps", delay: "5ms")],
        flows: [Flow(name: "f", from: "a", to: "b")],
    )"#;

    fn sets(v: &[&str]) -> Vec<(String, String)> {
        v.iter().map(|s| split_set(s).unwrap()).collect()
    }

    #[test]
    fn overrides_take_ron_or_bare_strings() {
        let file = Path::new("t.ron");
        let sc = crate::load::parse_str(file, BASE).unwrap();
        let out = apply_sets(
            file,
            &sc,
            &sets(&[
                "links.l.delay=40ms",
                "links[0].rate=\"20Mbps\"",
                "flows[*].transport.cc=Cubic",
                "links.l.loss=Bernoulli(\"1%\")",
                "duration=3s",
            ]),
        )
        .unwrap();
        assert_eq!(out.links[0].delay.to_string(), "40ms");
        assert_eq!(out.links[0].rate.unwrap().to_string(), "20Mbps");
        assert_eq!(out.duration.to_string(), "3s");
        let tree = serde_json::to_value(&out).unwrap();
        assert_eq!(tree["flows"][0]["transport"]["Tcp"]["cc"], "Cubic");
        assert!(tree["links"][0]["loss"].is_object());

        for (bad, want) in [
            ("links.x.delay=4ms", "named `x`"),
            ("links.l.delay=4", "value `4`"),
            ("flows[0].transport.cc=Vegas", "Vegas"),
        ] {
            let e = apply_sets(file, &sc, &sets(&[bad]))
                .unwrap_err()
                .to_string();
            assert!(e.contains("t.ron") && e.contains(want), "{bad}: {e}");
            assert!(e.contains(&format!("--set {bad}")), "{e}");
        }
        assert!(split_set("links.l.delay").is_err());
        assert!(split_set("=4ms").is_err());
    }
}
