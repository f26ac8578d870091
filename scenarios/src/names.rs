//! Name tables of a scenario's hosts, interfaces and routers, and the resolution of the names
//! written in links, routes and flows (`host.iface`, `host`, a router) into the plan's typed
//! indices. Duplicate names and addresses are reported here, pointing at the duplicate.

use crate::error::{Reporter, ScenarioError};
use crate::plan::{End, FlowEnd, HostIndex, IfaceIndex, PlanHost, PlanIface, RouterIndex};
use crate::schema::Scenario;
use sim_core::Addr;
use std::collections::BTreeMap;

/// Name tables of hosts, interfaces and routers.
pub(crate) struct Names {
    pub(crate) hosts: Vec<PlanHost>,
    host_idx: BTreeMap<String, usize>,
    router_idx: BTreeMap<String, usize>,
}

impl Names {
    pub(crate) fn collect(r: &Reporter<'_>, sc: &Scenario) -> Result<Names, ScenarioError> {
        let mut hosts = Vec::new();
        let mut host_idx = BTreeMap::new();
        let mut addrs: BTreeMap<Addr, String> = BTreeMap::new();
        // Every `name:` of the hosts section in document order, to point at a duplicate.
        let mut written: Vec<&str> = Vec::new();
        let nth = |written: &[&str], name: &str| written.iter().filter(|n| **n == name).count();
        if sc.hosts.is_empty() {
            return Err(r.at(
                "hosts",
                "hosts".into(),
                "",
                "at least one host is needed".into(),
            ));
        }
        for (i, h) in sc.hosts.iter().enumerate() {
            let field = format!("hosts[{i}].name");
            check_name(r, "hosts", &field, &h.name)?;
            if host_idx.insert(h.name.clone(), i).is_some() {
                let n = nth(&written, &h.name);
                let msg = format!("duplicate host name `{}`", h.name);
                return Err(r.at_nth("hosts", "name", &h.name, n, field, msg));
            }
            written.push(&h.name);
            if h.interfaces.is_empty() {
                return Err(r.at(
                    "hosts",
                    format!("hosts[{i}].interfaces"),
                    &h.name,
                    "a host needs at least one interface".into(),
                ));
            }
            let mut ifaces: Vec<PlanIface> = Vec::new();
            for (j, itf) in h.interfaces.iter().enumerate() {
                let f = format!("hosts[{i}].interfaces[{j}]");
                check_name(r, "hosts", &format!("{f}.name"), &itf.name)?;
                if ifaces.iter().any(|x| x.name == itf.name) {
                    let n = nth(&written, &itf.name);
                    let msg = format!("duplicate interface `{}` on host `{}`", itf.name, h.name);
                    return Err(r.at_nth("hosts", "name", &itf.name, n, format!("{f}.name"), msg));
                }
                written.push(&itf.name);
                let addr: Addr = itf.addr.parse().map_err(|()| {
                    r.at(
                        "hosts",
                        format!("{f}.addr"),
                        &itf.addr,
                        format!("`{}` is not an IPv4 address", itf.addr),
                    )
                })?;
                if let Some(other) = addrs.insert(addr, format!("{}.{}", h.name, itf.name)) {
                    let n = (h.interfaces.iter().take(j))
                        .chain(sc.hosts[..i].iter().flat_map(|h| &h.interfaces))
                        .filter(|x| x.addr == itf.addr)
                        .count();
                    let msg = format!("address {addr} is already used by `{other}`");
                    return Err(r.at_nth("hosts", "addr", &itf.addr, n, format!("{f}.addr"), msg));
                }
                ifaces.push(PlanIface {
                    name: itf.name.clone(),
                    addr,
                });
            }
            hosts.push(PlanHost {
                name: h.name.clone(),
                ifaces,
            });
        }
        let mut router_idx = BTreeMap::new();
        for (i, name) in sc.routers.iter().enumerate() {
            let field = format!("routers[{i}]");
            check_name(r, "routers", &field, name)?;
            if host_idx.contains_key(name) || router_idx.insert(name.clone(), i).is_some() {
                let n = sc.routers[..i].iter().filter(|x| *x == name).count();
                let msg = format!("duplicate node name `{name}`");
                return Err(r.at_nth("routers", "", name, n, field, msg));
            }
        }
        Ok(Names {
            hosts,
            host_idx,
            router_idx,
        })
    }

    /// Resolves `host.iface`, `host` (single interface) or a router name.
    pub(crate) fn end(&self, spec: &str) -> Result<End, String> {
        if let Some(&i) = self.router_idx.get(spec) {
            return Ok(End::Router(RouterIndex(i as u32)));
        }
        let (host, iface) = match spec.split_once('.') {
            Some((h, i)) => (h, Some(i)),
            None => (spec, None),
        };
        let Some(&h) = self.host_idx.get(host) else {
            return Err(format!(
                "unknown node `{spec}` (hosts: {}; routers: {})",
                list(self.host_idx.keys()),
                list(self.router_idx.keys())
            ));
        };
        let ifaces = &self.hosts[h].ifaces;
        let at = |nth: usize| {
            End::Iface(IfaceIndex {
                host: HostIndex(h as u32),
                nth: nth as u32,
            })
        };
        match iface {
            Some(name) => match ifaces.iter().position(|x| x.name == name) {
                Some(j) => Ok(at(j)),
                None => Err(format!(
                    "host `{host}` has no interface `{name}` (it has: {})",
                    list(ifaces.iter().map(|x| &x.name))
                )),
            },
            None if ifaces.len() == 1 => Ok(at(0)),
            None => Err(format!(
                "host `{host}` has several interfaces; name one as `{host}.<iface>` ({})",
                list(ifaces.iter().map(|x| &x.name))
            )),
        }
    }

    pub(crate) fn flow_end(&self, spec: &str) -> Result<FlowEnd, String> {
        self.flow_end_of(spec, false)
    }

    /// Resolves a flow end; with `any_iface`, a multi-homed host named alone means its first
    /// interface (MPTCP uses them all).
    pub(crate) fn flow_end_of(&self, spec: &str, any_iface: bool) -> Result<FlowEnd, String> {
        let end = match self.end(spec) {
            Err(e) if any_iface && !spec.contains('.') => match self.host_idx.get(spec) {
                Some(&h) => End::Iface(IfaceIndex {
                    host: HostIndex(h as u32),
                    nth: 0,
                }),
                None => return Err(e),
            },
            other => other?,
        };
        match end {
            End::Iface(iface) => Ok(FlowEnd {
                iface,
                addr: self.iface(iface).addr,
            }),
            End::Router(_) => Err(format!(
                "`{spec}` is a router; flows run between host interfaces"
            )),
        }
    }
}

pub(crate) fn list<'a>(it: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = it.map(String::as_str).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

pub(crate) fn check_name(
    r: &Reporter<'_>,
    section: &str,
    field: &str,
    name: &str,
) -> Result<(), ScenarioError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(r.at(
            section,
            field.into(),
            name,
            format!("`{name}` is not a valid name (use letters, digits, `-` and `_`)"),
        ))
    }
}

impl Names {
    /// Interface `i`.
    pub(crate) fn iface(&self, i: IfaceIndex) -> &PlanIface {
        &self.hosts[i.host.0 as usize].ifaces[i.nth as usize]
    }

    /// Interface `i` as the scenario names it: `host.iface`.
    pub(crate) fn iface_label(&self, i: IfaceIndex) -> String {
        format!(
            "{}.{}",
            self.hosts[i.host.0 as usize].name,
            self.iface(i).name
        )
    }

    /// A link end as the scenario names it.
    pub(crate) fn end_name(&self, e: End) -> String {
        match e {
            End::Iface(i) => self.iface_label(i),
            End::Router(i) => self
                .router_idx
                .iter()
                .find(|(_, &v)| v == i.0 as usize)
                .map_or_else(String::new, |(k, _)| k.clone()),
        }
    }
}
