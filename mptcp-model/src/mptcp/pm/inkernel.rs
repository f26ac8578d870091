//! The upstream Linux in-kernel path manager (`net/mptcp/pm_netlink.c` / `pm_kernel.c`,
//! configured with `ip mptcp endpoint` and `ip mptcp limits`), at the initiator:
//!
//! - every local endpoint with the `subflow` flag (other than the initial subflow's
//!   address) opens a subflow to the peer's initial address — to every accepted peer
//!   address too when it also has `fullmesh` (`mptcp_pm_create_subflow_or_signal_addr`);
//!   none to the initial address when the peer's MP_CAPABLE set the `C` flag
//!   (`remote_deny_join_id0`);
//! - each address the peer announces with ADD_ADDR, up to `add_addr_accepted` of them
//!   (in order of arrival, removed ones not counted), gets a subflow from every local
//!   `fullmesh` endpoint, or from the initial subflow's address when there is none
//!   (`mptcp_pm_nl_add_addr_received`, `fill_local_addresses_vec`);
//! - at most `subflows` subflows besides the initial one are active;
//! - an address that returns is joined again, the initial subflow's one included: the host
//!   deletes an interface's endpoint when its link goes down and adds it back when it comes
//!   up, as NetworkManager and mptcpd do, and the kernel then treats the initial address as
//!   an additional subflow's (the selftest "delete and re-add").
//!
//! `signal` endpoints are what the listener announces with ADD_ADDR and `backup` endpoints
//! join as backups; both are set up by the owner (the address list and
//! [`crate::mptcp::LocalAddr::backup`]). The `subflow` and `fullmesh` flags arrive per local
//! address in the [`PmView`]; the masks here are their initial values (bit k = local address
//! k; addresses from index 8 on start without flags), which the connection copies.

use super::{PathManager, PmView};

/// The in-kernel path manager.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct InKernel {
    /// `ip mptcp limits subflows` (default 2): subflows besides the initial one.
    pub subflows: u8,
    /// `ip mptcp limits add_addr_accepted` (default 0): peer addresses used.
    pub add_addr_accepted: u8,
    /// Local addresses with the `subflow` flag.
    pub subflow_mask: u8,
    /// Local addresses with the `fullmesh` flag.
    pub fullmesh_mask: u8,
}

impl InKernel {
    /// The initial `(subflow, fullmesh)` flags of local address `k`.
    pub fn initial_flags(&self, k: usize) -> (bool, bool) {
        let bit = |mask: u8| k < 8 && mask & (1 << k) != 0;
        (bit(self.subflow_mask), bit(self.fullmesh_mask))
    }
}

impl PathManager for InKernel {
    fn next_subflow(&mut self, v: &PmView<'_>) -> Option<(usize, usize)> {
        if !v.initiator || !v.fully_established {
            return None;
        }
        let l0 = v.subflows.first()?.local;
        let active = v.subflows.iter().filter(|s| s.active).count();
        if active > usize::from(self.subflows) {
            return None;
        }
        let taken = |l: usize, r: usize| {
            v.subflows
                .iter()
                .any(|s| s.local == l && s.remote == r && (s.active || s.refused))
        };
        let up = |l: usize| v.locals.get(l).is_some_and(|x| x.up);
        let joinable = |r: usize| v.remotes.get(r).is_some_and(|x| x.joinable);
        // The accepted peer addresses: the initial one and the first `add_addr_accepted`
        // announced ones still in place.
        let accepted = (1..v.remotes.len())
            .filter(|&r| joinable(r))
            .take(usize::from(self.add_addr_accepted));
        let accepted = core::iter::once(0).chain(accepted);
        // The initial address, back after its subflow died.
        let l0_idle = !v.subflows.iter().any(|s| s.local == l0 && s.active);
        if up(l0) && l0_idle && joinable(0) && !taken(l0, 0) {
            return Some((l0, 0));
        }
        for (l, local) in v.locals.iter().enumerate() {
            if l == l0 || !local.up || !local.subflow {
                continue;
            }
            let pick = if local.fullmesh {
                accepted.clone().find(|&r| joinable(r) && !taken(l, r))
            } else {
                (joinable(0) && !taken(l, 0)).then_some(0)
            };
            if let Some(r) = pick {
                return Some((l, r));
            }
        }
        let any_fullmesh = v.locals.iter().any(|x| x.up && x.fullmesh);
        for r in accepted.skip(1) {
            if !any_fullmesh {
                if up(l0) && !taken(l0, r) {
                    return Some((l0, r));
                }
            } else if let Some(l) = (0..v.locals.len())
                .find(|&l| v.locals[l].up && v.locals[l].fullmesh && !taken(l, r))
            {
                return Some((l, r));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mptcp::pm::{PmLocal, PmRemote, PmSubflow};

    fn sf(local: usize, remote: usize) -> PmSubflow {
        PmSubflow {
            local,
            remote,
            active: true,
            refused: false,
        }
    }

    fn locals(pm: &InKernel) -> Vec<PmLocal> {
        (0..3)
            .map(|k| {
                let (subflow, fullmesh) = pm.initial_flags(k);
                PmLocal {
                    up: true,
                    subflow,
                    fullmesh,
                }
            })
            .collect()
    }

    #[test]
    fn endpoints_flags_and_limits() {
        let remotes = [PmRemote { joinable: true }; 2];
        let subs = [sf(0, 0)];
        // No endpoint flags, no accepted ADD_ADDR: nothing (the Linux defaults).
        let mut pm = InKernel {
            subflows: 2,
            ..InKernel::default()
        };
        let view = |mut pm: InKernel, subflows: &'_ [PmSubflow]| -> Option<(usize, usize)> {
            let locals = locals(&pm);
            let v = PmView {
                initiator: true,
                fully_established: true,
                locals: &locals,
                remotes: &remotes,
                subflows,
            };
            pm.next_subflow(&v)
        };
        assert_eq!(view(pm, &subs), None);
        // A `subflow` endpoint: to the initial remote only.
        pm.subflow_mask = 0b010;
        assert_eq!(view(pm, &subs), Some((1, 0)));
        let subs2 = [sf(0, 0), sf(1, 0)];
        assert_eq!(view(pm, &subs2), None, "remote 1 not accepted");
        // One ADD_ADDR accepted: from the initial address.
        pm.add_addr_accepted = 1;
        assert_eq!(view(pm, &subs2), Some((0, 1)));
        // Fullmesh endpoints take over the announced address.
        pm.fullmesh_mask = 0b110;
        assert_eq!(view(pm, &subs2), Some((1, 1)));
        // The limit: 2 subflows besides the initial.
        let subs3 = [sf(0, 0), sf(1, 0), sf(1, 1)];
        assert_eq!(view(pm, &subs3), None);
    }

    #[test]
    fn the_initial_address_is_joined_again_and_c_flag_is_honoured() {
        let mut pm = InKernel {
            subflows: 2,
            add_addr_accepted: 1,
            subflow_mask: 0b010,
            fullmesh_mask: 0,
        };
        let l = locals(&pm);
        let dead0 = PmSubflow {
            active: false,
            ..sf(0, 0)
        };
        let subs = [dead0, sf(1, 0)];
        let remotes = [PmRemote { joinable: true }; 2];
        let mut v = PmView {
            initiator: true,
            fully_established: true,
            locals: &l,
            remotes: &remotes,
            subflows: &subs,
        };
        assert_eq!(
            pm.next_subflow(&v),
            Some((0, 0)),
            "the first address returns"
        );
        // The peer set `C`: nothing to its initial address, the announced one instead.
        let denied = [PmRemote { joinable: false }, PmRemote { joinable: true }];
        v.remotes = &denied;
        let subs = [sf(0, 0)];
        v.subflows = &subs;
        assert_eq!(pm.next_subflow(&v), Some((0, 1)));
    }
}
