//! One numbering of each flow's subflows for both of its ends.
//!
//! Each end of a connection numbers its own subflows (creation order from 0); the two
//! numberings need not agree (a join the listener refused is a subflow only at the
//! opener). The records use the opening end's numbers ([`SubflowKey`]): a subflow the
//! listener reports is matched to the opener's subflow with the same addresses and ports
//! (the latest one, should a port pair be used again). A plain TCP connection is number 0 at
//! both ends. Each subflow is announced once as a [`SubflowRecord`] the first time anything
//! names it; memory is O(subflows).

use super::sample::{SubflowKey, SubflowRecord};
use crate::build::Handles;
use crate::plan::{FlowIndex, HostIndex, IfaceIndex, Plan, PlanFlow};
use mptcp_model::event::SubflowId;
use sim_core::{Addr, HostId, Instant};
use std::collections::BTreeMap;

/// The numbering of one flow's subflows.
#[derive(Debug)]
struct FlowPaths {
    /// The opening end's host.
    opener: HostId,
    /// Whether the opening end is the data sender.
    opener_sends: bool,
    /// The opener's subflow ids, by number (`None`: not met yet).
    known: Vec<Option<SubflowId>>,
    /// The listener's numbers that were matched, and to which.
    listener: BTreeMap<u32, u32>,
}

/// The numbering of every flow's subflows.
#[derive(Debug)]
pub struct Paths {
    flows: Vec<FlowPaths>,
    iface_by_addr: BTreeMap<Addr, IfaceIndex>,
}

impl Paths {
    /// The numbering of the flows of `plan` (engine ids `handles`), none met yet.
    pub fn new(plan: &Plan, handles: &Handles) -> Paths {
        let flows = (plan.flows_indexed())
            .map(|(i, f)| {
                let h = handles.flow(i);
                let (opener, opener_sends) = match f.mptcp() {
                    Some(m) if m.opener != f.src => (handles.host(m.opener.host()), false),
                    _ => (h.sender, true),
                };
                FlowPaths {
                    opener,
                    opener_sends,
                    known: Vec::new(),
                    listener: BTreeMap::new(),
                }
            })
            .collect();
        let iface_by_addr = (plan.host_indices())
            .flat_map(|h| plan.iface_indices(h))
            .map(|i| (plan.iface(i).addr, i))
            .collect();
        Paths {
            flows,
            iface_by_addr,
        }
    }

    /// The number of subflow `id` that host `host` reports for flow `f` at `at`; a subflow
    /// met for the first time is appended to `new`.
    pub fn key(
        &mut self,
        plan: &Plan,
        (f, host): (FlowIndex, HostId),
        id: SubflowId,
        at: Instant,
        new: &mut Vec<SubflowRecord>,
    ) -> SubflowKey {
        let fp = &mut self.flows[f.0 as usize];
        if host == fp.opener {
            let n = id.number as usize;
            if fp.known.len() <= n {
                fp.known.resize(n + 1, None);
            }
            if fp.known[n].is_none() {
                fp.known[n] = Some(id);
                new.push(self.record(plan, f, id, at));
            }
            return SubflowKey(id.number);
        }
        if let Some(&k) = fp.listener.get(&id.number) {
            return SubflowKey(k);
        }
        let matched = (fp.known.iter().rev().flatten())
            .find(|o| o.local == id.remote && o.remote == id.local)
            .map(|o| o.number);
        let k = match matched {
            Some(k) => k,
            None => {
                // Not met at the opener (its records always come first): numbered after
                // the opener's, seen from the opener.
                let k = fp.known.len() as u32;
                let mirror = SubflowId {
                    number: k,
                    local: id.remote,
                    remote: id.local,
                    recreated_from: None,
                };
                fp.known.push(Some(mirror));
                new.push(self.record(plan, f, mirror, at));
                k
            }
        };
        self.flows[f.0 as usize].listener.insert(id.number, k);
        SubflowKey(k)
    }

    /// The records' number of subflow `number` of host `host` in flow `f`, if met.
    pub fn number(&self, f: FlowIndex, host: HostId, number: u32) -> Option<u32> {
        let fp = &self.flows[f.0 as usize];
        if host == fp.opener {
            return Some(number);
        }
        fp.listener.get(&number).copied()
    }

    /// The record of the opener's subflow `id` of flow `f`.
    fn record(&self, plan: &Plan, f: FlowIndex, id: SubflowId, at: Instant) -> SubflowRecord {
        let fp = &self.flows[f.0 as usize];
        let (sender, receiver) = if fp.opener_sends {
            (id.local, id.remote)
        } else {
            (id.remote, id.local)
        };
        SubflowRecord {
            flow: f,
            key: SubflowKey(id.number),
            label: subflow_label(plan, plan.flow(f), sender.addr, receiver.addr),
            sender,
            receiver,
            sender_iface: self.iface_by_addr.get(&sender.addr).copied(),
            receiver_iface: self.iface_by_addr.get(&receiver.addr).copied(),
            recreated_from: id.recreated_from,
            opened: at,
        }
    }
}

/// The interface name of `addr` on the hosts of `plan`, looked for first on host `near`
/// (the host it is expected on: addresses are unique, so the answer is the same, and a fat
/// tree's thousands of subflows no longer scan every host's interfaces each).
fn iface_name(plan: &Plan, near: HostIndex, addr: Addr) -> String {
    fn on(h: &crate::plan::PlanHost, addr: Addr) -> Option<&crate::plan::PlanIface> {
        h.ifaces.iter().find(|i| i.addr == addr)
    }
    on(plan.host(near), addr)
        .or_else(|| plan.hosts.iter().find_map(|h| on(h, addr)))
        .map_or_else(|| addr.to_string(), |i| i.name.clone())
}

/// A subflow's label: the opening host's interface name, followed by the listening host's
/// when that host has several interfaces (`wifi`, or `wifi-eth1`).
pub fn subflow_label(plan: &Plan, f: &PlanFlow, local: Addr, remote: Addr) -> String {
    // `local` / `remote` are seen from the data sender.
    let (opener, listener) = match &f.transport {
        crate::plan::PlanTransport::Mptcp(m) => (m.opener, m.listener),
        crate::plan::PlanTransport::Sctp(s) => (s.opener, s.listener),
        crate::plan::PlanTransport::Tcp(_) => return iface_name(plan, f.src.host(), local),
    };
    let (open, listen) = if opener == f.src {
        (local, remote)
    } else {
        (remote, local)
    };
    let mut label = iface_name(plan, opener.host(), open);
    if plan.host(listener.host()).ifaces.len() > 1 {
        label = format!("{label}-{}", iface_name(plan, listener.host(), listen));
    }
    label
}
