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

use crate::error::{Reporter, ScenarioError};
use crate::schema::Scenario;
use crate::units::Time;
use crate::validate::PlanLink;
use serde::{Deserialize, Serialize};
use sim_core::{BondConfig, BondMode, Duration, LinkId};

/// The bonding mode (Linux's `mode=` option).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum BondModeSpec {
    /// `balance-rr` (mode 0, Linux's default): packets in turn over the members.
    #[default]
    BalanceRr,
    /// `balance-xor` (mode 2) with `xmit_hash_policy=layer3+4`.
    BalanceXor,
    /// `802.3ad` (mode 4, LACP) with `xmit_hash_policy=layer3+4`.
    Ieee8023ad,
    /// `active-backup` (mode 1).
    ActiveBackup,
}

/// A bond over duplex links.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename = "Bond")]
pub struct BondSpec {
    /// Unique bond name.
    pub name: String,
    /// Member links (at least two), all joining the same `a` and `b`.
    pub links: Vec<String>,
    /// The mode.
    #[serde(default)]
    pub mode: BondModeSpec,
    /// MII monitoring interval (Linux's `miimon`; default 100 ms).
    #[serde(default = "default_miimon")]
    pub miimon: Time,
    /// Delay before a member whose carrier came back is used (rounded down to `miimon`).
    #[serde(default)]
    pub updelay: Time,
    /// Delay before a member without carrier is given up (rounded down to `miimon`).
    #[serde(default)]
    pub downdelay: Time,
    /// `active-backup`: the preferred member link.
    #[serde(default)]
    pub primary: Option<String>,
}

fn default_miimon() -> Time {
    Time(Duration::from_millis(100))
}

/// A resolved bond.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanBond {
    /// Bond name.
    pub name: String,
    /// Indices of the member links (into `Plan::links`).
    pub links: Vec<usize>,
    /// The mode.
    pub mode: BondModeSpec,
    /// MII monitoring interval.
    pub miimon: Duration,
    /// Up delay.
    pub updelay: Duration,
    /// Down delay.
    pub downdelay: Duration,
    /// Index of the primary member (among `links`).
    pub primary: Option<usize>,
}

impl PlanBond {
    /// The engine's bond over one direction of the members (`forward`: `a -> b`).
    pub fn config(&self, forward: bool) -> BondConfig {
        let members = self
            .links
            .iter()
            .map(|&i| {
                let (f, r) = crate::build::link_ids(i);
                if forward {
                    f
                } else {
                    r
                }
            })
            .collect::<Vec<LinkId>>();
        let mode = match self.mode {
            BondModeSpec::BalanceRr => BondMode::RoundRobin,
            BondModeSpec::BalanceXor => BondMode::Xor,
            BondModeSpec::Ieee8023ad => BondMode::Lacp,
            BondModeSpec::ActiveBackup => BondMode::ActiveBackup {
                primary: self.primary,
            },
        };
        BondConfig {
            name: format!("{}{}", self.name, if forward { "" } else { ".rev" }),
            members,
            mode,
            miimon: self.miimon,
            updelay: self.updelay,
            downdelay: self.downdelay,
        }
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
        crate::validate::check_name(r, "bonds", &f("name"), &b.name)?;
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
                let (a, z): (&PlanLink, &PlanLink) = (&links[first], &links[l]);
                if a.a != z.a || a.b != z.b {
                    let msg = format!(
                        "link `{name}` does not join the same ends as `{}` (same `a` and `b`)",
                        a.name
                    );
                    return Err(r.at("bonds", field, name, msg));
                }
            }
            member_of[l] = Some(i);
            idx.push(l);
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

/// The capacity a route hop over directed link `k` offers while `up`/`rate` describe the
/// links: a bonded hop is up while any member is; `balance-rr` adds the members' rates up,
/// the other modes give one flow one member (the fastest up).
pub(crate) fn hop_capacity(bonds: &[PlanBond], k: usize, up: &[bool], rate: &[f64]) -> Option<f64> {
    let link = k / 2;
    let forward = k % 2 == 0;
    let Some(b) = bonds.iter().find(|b| b.links.contains(&link)) else {
        return up[k].then_some(rate[k]);
    };
    let dir = |i: usize| 2 * i + usize::from(!forward);
    let rates = b
        .links
        .iter()
        .map(|&i| dir(i))
        .filter(|&d| up[d])
        .map(|d| rate[d]);
    let cap = match b.mode {
        BondModeSpec::BalanceRr => rates.sum::<f64>(),
        _ => rates.fold(0.0, f64::max),
    };
    (cap > 0.0).then_some(cap)
}
