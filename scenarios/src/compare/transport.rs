//! Transport variants of `mpsim compare --transport`: the same network and events, with the
//! compared flows carried by MPTCP (full mesh, or with the opener's other interfaces as
//! backups), SCTP (RFC 9260 or Linux parameters), single-path TCP, or single-path TCP over a
//! Linux bond of the multihomed host's parallel links.
//!
//! A variant rewrites the parsed scenario (after the seed is set, before validation):
//! - `as-written`: nothing (the flows as the file has them: a service mode, a converter);
//! - `mptcp`: the flows' transport is MPTCP (their own MPTCP settings if they have them)
//!   without service mode or backups; `mptcp-backup`: the same with every interface of the
//!   opening host but the opening one marked backup (RFC 8684 §3.3.8's MP_PRIO "B" bit);
//!   `mptcp-single`: the same with one subflow (the opening interface's; full mesh of at
//!   most one), for applications only MPTCP connections carry (request/response);
//! - `sctp` / `sctp-linux`: SCTP with RFC 9260's or Linux's parameters; the ends as written
//!   (a multihomed host named alone takes part with every address);
//! - `tcp`: single-path TCP (Linux defaults, CUBIC) from the sender over the opening
//!   interface (TCP is opened by its sender);
//! - `bond-rr`, `bond-xor`, `bond-lacp`, `bond-ab`: the multihomed end's links that join the
//!   same far end become members of a bond (`balance-rr`, `balance-xor`, `802.3ad`,
//!   `active-backup` with the first link primary, MII monitoring every 100 ms); its
//!   interfaces on them become one interface `bond0` with the first one's address; the flows
//!   are single-path TCP over it.

use crate::bonds::{BondModeSpec, BondSpec};
use crate::schema::{
    InterfaceSpec, MptcpSpec, Opener, PathManagerSpec, Scenario, TcpSpec, TransportSpec,
};
use crate::schema::{SctpDefaults, SctpSpec};
use crate::units::Time;

/// What a transport variant carries the compared flows with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKind {
    /// The flows as written.
    AsWritten,
    /// MPTCP, every path regular.
    Mptcp,
    /// MPTCP with the opener's other interfaces as backups.
    MptcpBackup,
    /// MPTCP with a single subflow.
    MptcpSingle,
    /// SCTP with multihoming.
    Sctp(SctpDefaults),
    /// Single-path TCP.
    Tcp,
    /// Single-path TCP over a bond.
    Bond(BondModeSpec),
}

/// The names `--transport` accepts and what they mean, in the order tables list them.
pub const TRANSPORT_NAMES: [(&str, TransportKind); 11] = [
    ("as-written", TransportKind::AsWritten),
    ("mptcp", TransportKind::Mptcp),
    ("mptcp-backup", TransportKind::MptcpBackup),
    ("mptcp-single", TransportKind::MptcpSingle),
    ("sctp", TransportKind::Sctp(SctpDefaults::Rfc9260)),
    ("sctp-linux", TransportKind::Sctp(SctpDefaults::Linux)),
    ("bond-ab", TransportKind::Bond(BondModeSpec::ActiveBackup)),
    ("bond-rr", TransportKind::Bond(BondModeSpec::BalanceRr)),
    ("bond-xor", TransportKind::Bond(BondModeSpec::BalanceXor)),
    ("bond-lacp", TransportKind::Bond(BondModeSpec::Ieee8023ad)),
    ("tcp", TransportKind::Tcp),
];

/// The kind `name` names (case-insensitive).
pub fn parse_transport(name: &str) -> Result<TransportKind, String> {
    let key = name.trim().to_ascii_lowercase();
    TRANSPORT_NAMES
        .iter()
        .find(|(n, _)| *n == key)
        .map(|&(_, k)| k)
        .ok_or_else(|| {
            let known: Vec<&str> = TRANSPORT_NAMES.iter().map(|(n, _)| *n).collect();
            format!("unknown transport `{name}` (known: {})", known.join(", "))
        })
}

/// The host part of a flow end (`host` or `host.iface`) and its interface, if named.
fn split(end: &str) -> (&str, Option<&str>) {
    match end.split_once('.') {
        Some((h, i)) => (h, Some(i)),
        None => (end, None),
    }
}

/// The interfaces of host `host` in `sc`.
fn ifaces<'a>(sc: &'a Scenario, host: &str) -> Result<&'a [InterfaceSpec], String> {
    sc.hosts
        .iter()
        .find(|h| h.name == host)
        .map(|h| h.interfaces.as_slice())
        .ok_or_else(|| format!("unknown host `{host}`"))
}

/// Rewrites flows `flows` of `sc` to be carried by `kind`.
pub fn apply(sc: &mut Scenario, kind: TransportKind, flows: &[usize]) -> Result<(), String> {
    if kind == TransportKind::AsWritten {
        return Ok(());
    }
    if let TransportKind::Bond(mode) = kind {
        bond_hosts(sc, mode, flows)?;
    }
    for &i in flows {
        let f = sc
            .flows
            .get(i)
            .ok_or_else(|| format!("no flow {i}"))?
            .clone();
        let mptcp = match &f.transport {
            TransportSpec::Mptcp(m) => m.clone(),
            _ => MptcpSpec::default(),
        };
        let opener_end = match f.opener {
            Opener::Sender => &f.from,
            Opener::Receiver => &f.to,
        };
        let (opener_host, opener_iface) = split(opener_end);
        let opener_ifaces: Vec<String> = ifaces(sc, opener_host)?
            .iter()
            .map(|x| x.name.clone())
            .collect();
        let opening = opener_iface
            .or_else(|| opener_ifaces.first().map(String::as_str))
            .unwrap_or_default()
            .to_owned();
        let flow = &mut sc.flows[i];
        match kind {
            TransportKind::AsWritten => {}
            TransportKind::Mptcp | TransportKind::MptcpBackup | TransportKind::MptcpSingle => {
                let backup = if kind == TransportKind::MptcpBackup {
                    (opener_ifaces.iter())
                        .filter(|x| **x != opening)
                        .map(|x| format!("{opener_host}.{x}"))
                        .collect()
                } else {
                    Vec::new()
                };
                let path_manager = if kind == TransportKind::MptcpSingle {
                    PathManagerSpec::FullMesh { max_subflows: 1 }
                } else {
                    mptcp.path_manager.clone()
                };
                flow.transport = TransportSpec::Mptcp(MptcpSpec {
                    mode: None,
                    backup,
                    path_manager,
                    ..mptcp
                });
            }
            TransportKind::Sctp(defaults) => {
                flow.proxy = None;
                flow.transport = TransportSpec::Sctp(SctpSpec {
                    defaults,
                    ..SctpSpec::default()
                });
            }
            TransportKind::Tcp | TransportKind::Bond(_) => {
                // The opening interface carries the single path (on a bond: the bond).
                let iface = if matches!(kind, TransportKind::Bond(_)) {
                    "bond0".to_owned()
                } else {
                    opening
                };
                let pin = |end: &str| {
                    let (h, i) = split(end);
                    if h == opener_host {
                        format!("{h}.{iface}")
                    } else {
                        i.map_or_else(|| h.to_owned(), |i| format!("{h}.{i}"))
                    }
                };
                flow.from = pin(&flow.from);
                flow.to = pin(&flow.to);
                flow.opener = Opener::Sender;
                // Directly to the server: a converter serves MPTCP only.
                flow.proxy = None;
                flow.transport = TransportSpec::Tcp(TcpSpec::default());
            }
        }
    }
    Ok(())
}

/// Bonds the parallel links of the compared flows' multihomed end (see the module docs).
fn bond_hosts(sc: &mut Scenario, mode: BondModeSpec, flows: &[usize]) -> Result<(), String> {
    let Some(&i) = flows.first() else {
        return Ok(());
    };
    let f = sc.flows.get(i).ok_or_else(|| format!("no flow {i}"))?;
    let hosts = [split(&f.from).0.to_owned(), split(&f.to).0.to_owned()];
    let host = hosts
        .iter()
        .find(|h| ifaces(sc, h).is_ok_and(|x| x.len() > 1))
        .cloned()
        .ok_or("bonding needs a flow end with two or more interfaces")?;
    // The host's links and their far ends, keyed by the far end.
    let mut groups: Vec<(String, Vec<(usize, String)>)> = Vec::new();
    for (k, l) in sc.links.iter().enumerate() {
        let (ha, ia) = split(&l.a);
        if ha != host {
            continue;
        }
        let Some(ia) = ia else { continue };
        match groups.iter_mut().find(|g| g.0 == l.b) {
            Some(g) => g.1.push((k, ia.to_owned())),
            None => groups.push((l.b.clone(), vec![(k, ia.to_owned())])),
        }
    }
    let (_, members) = groups.into_iter().find(|g| g.1.len() > 1).ok_or_else(|| {
        format!("bonding needs two or more links from `{host}.<iface>` (as `a`) to one far end")
    })?;
    if sc
        .routes
        .iter()
        .any(|r| split(&r.from).0 == host || split(&r.to).0 == host)
    {
        return Err(format!(
            "explicit routes of `{host}` cannot be rewritten for a bond"
        ));
    }
    let bonded: Vec<String> = members.iter().map(|m| m.1.clone()).collect();
    let h = sc
        .hosts
        .iter_mut()
        .find(|h| h.name == host)
        .ok_or_else(|| format!("unknown host `{host}`"))?;
    let addr = (h.interfaces.iter())
        .find(|x| x.name == bonded[0])
        .map(|x| x.addr.clone())
        .unwrap_or_default();
    h.interfaces.retain(|x| !bonded.contains(&x.name));
    h.interfaces.insert(
        0,
        InterfaceSpec {
            name: "bond0".into(),
            addr,
        },
    );
    for &(k, _) in &members {
        sc.links[k].a = format!("{host}.bond0");
    }
    let links: Vec<String> = members
        .iter()
        .map(|&(k, _)| sc.links[k].name.clone())
        .collect();
    sc.bonds.push(BondSpec {
        name: "bond0".into(),
        primary: (mode == BondModeSpec::ActiveBackup).then(|| links[0].clone()),
        links,
        mode,
        miimon: Time(sim_core::Duration::from_millis(100)),
        updelay: Time(sim_core::Duration::ZERO),
        downdelay: Time(sim_core::Duration::ZERO),
    });
    Ok(())
}
