//! Bonds in scenarios: Linux bonding over parallel links (`bonds:` section; the engine's
//! model is [`sim_core::bond`]).
//!
//! ```ron
//! bonds: [Bond(name: "bond0", links: ["eth0", "eth1"], mode: ActiveBackup,
//!              miimon: "100ms", primary: Some("eth0"))],
//! ```
//!
//! A bond names duplex links that join the same two ends in the same orientation (`a` and
//! `b` alike); each direction is a bond of its own (the two ends choose independently, as
//! two bonded devices do). Events on member links work as on any link: a member going down
//! loses its packets until the bond's MII monitoring notices, and the hosts hear of an
//! interface going down only when every member has.

use crate::build::Handles;
use crate::error::{Reporter, ScenarioError};
use crate::names::check_name;
use crate::plan::{Dir, LinkDirection, LinkIndex, PlanBond, PlanLink};
use crate::schema::Scenario;
pub use crate::schema::{BondModeSpec, BondSpec};
use sim_core::{BondConfig, BondMode, Duration, LinkId};

/// The engine's bond over direction `dir` of `b`'s members.
pub(crate) fn engine_bond(b: &PlanBond, dir: Dir, handles: &Handles) -> BondConfig {
    let members = (b.links.iter())
        .map(|&link| handles.link(LinkDirection { link, dir }))
        .collect::<Vec<LinkId>>();
    let mode = match b.mode {
        BondModeSpec::BalanceRr => BondMode::RoundRobin,
        BondModeSpec::BalanceXor => BondMode::Xor,
        BondModeSpec::Ieee8023ad => BondMode::Lacp,
        BondModeSpec::ActiveBackup => BondMode::ActiveBackup { primary: b.primary },
    };
    let suffix = match dir {
        Dir::Forward => "",
        Dir::Reverse => ".rev",
    };
    BondConfig {
        name: format!("{}{suffix}", b.name),
        members,
        mode,
        miimon: b.miimon,
        updelay: b.updelay,
        downdelay: b.downdelay,
    }
}

/// Checks the `bonds` section against the resolved links.
pub(crate) fn resolve_bonds(
    r: &Reporter<'_>,
    sc: &Scenario,
    links: &[PlanLink],
) -> Result<Vec<PlanBond>, ScenarioError> {
    let mut out: Vec<PlanBond> = Vec::new();
    let mut member_of: Vec<Option<usize>> = vec![None; links.len()];
    for (i, b) in sc.bonds.iter().enumerate() {
        let f = |s: &str| format!("bonds[{i}].{s}");
        check_name(r, "bonds", &f("name"), &b.name)?;
        if out.iter().any(|o| o.name == b.name) {
            let msg = format!("duplicate bond name `{}`", b.name);
            return Err(r.at("bonds", f("name"), &b.name, msg));
        }
        if b.links.len() < 2 {
            let msg = "a bond needs at least two links".into();
            return Err(r.at("bonds", f("links"), &b.name, msg));
        }
        if b.miimon.0 < Duration::from_millis(1) {
            let msg = "miimon must be at least 1ms".into();
            return Err(r.at("bonds", f("miimon"), "", msg));
        }
        let mut idx = Vec::new();
        for (k, name) in b.links.iter().enumerate() {
            let field = f(&format!("links[{k}]"));
            let Some(l) = links.iter().position(|l| &l.name == name) else {
                let msg = format!("unknown link `{name}`");
                return Err(r.at("bonds", field, name, msg));
            };
            if let Some(other) = member_of[l] {
                let msg = format!(
                    "link `{name}` is already in bond `{}`",
                    sc.bonds[other].name
                );
                return Err(r.at("bonds", field, name, msg));
            }
            if let Some(&first) = idx.first() {
                let first: LinkIndex = first;
                let (a, z): (&PlanLink, &PlanLink) = (&links[first.0 as usize], &links[l]);
                if a.a != z.a || a.b != z.b {
                    let msg = format!(
                        "link `{name}` does not join the same ends as `{}` (same `a` and `b`)",
                        a.name
                    );
                    return Err(r.at("bonds", field, name, msg));
                }
            }
            member_of[l] = Some(i);
            idx.push(LinkIndex(l as u32));
        }
        let primary = match (&b.primary, b.mode) {
            (None, _) => None,
            (Some(p), BondModeSpec::ActiveBackup) => {
                let Some(k) = b.links.iter().position(|n| n == p) else {
                    let msg = format!("primary `{p}` is not one of the bond's links");
                    return Err(r.at("bonds", f("primary"), p, msg));
                };
                Some(k)
            }
            (Some(p), _) => {
                let msg = "only an ActiveBackup bond has a primary".into();
                return Err(r.at("bonds", f("primary"), p, msg));
            }
        };
        out.push(PlanBond {
            name: b.name.clone(),
            links: idx,
            mode: b.mode,
            miimon: b.miimon.0,
            updelay: b.updelay.0,
            downdelay: b.downdelay.0,
            primary,
        });
    }
    Ok(out)
}

/// The capacity a route hop over the engine's link `l` offers while `up`/`rate` (by engine
/// link) describe the links: a bonded hop is up while any member is; `balance-rr` adds the
/// members' rates up, the other modes give one flow one member (the fastest up).
pub(crate) fn hop_capacity(
    bonds: &[PlanBond],
    handles: &Handles,
    l: LinkId,
    (up, rate): (&[bool], &[f64]),
) -> Option<f64> {
    let k = l.0 as usize;
    let id = |link: LinkIndex, dir: Dir| handles.link(LinkDirection { link, dir });
    let member = bonds.iter().find_map(|b| {
        (b.links.iter())
            .find_map(|&link| Dir::BOTH.into_iter().find(|&dir| id(link, dir) == l))
            .map(|dir| (b, dir))
    });
    let Some((b, dir)) = member else {
        return up[k].then_some(rate[k]);
    };
    let rates = (b.links.iter())
        .map(|&link| id(link, dir).0 as usize)
        .filter(|&m| up[m])
        .map(|m| rate[m]);
    let cap = match b.mode {
        BondModeSpec::BalanceRr => rates.sum::<f64>(),
        _ => rates.fold(0.0, f64::max),
    };
    (cap > 0.0).then_some(cap)
}
