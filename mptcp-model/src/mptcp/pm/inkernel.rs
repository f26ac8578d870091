//! The upstream Linux in-kernel path manager (`net/mptcp/pm_netlink.c` / `pm_kernel.c`,
//! configured with `ip mptcp endpoint` and `ip mptcp limits`), at the initiator:
//!
//! - every local endpoint with the `subflow` flag (other than the initial subflow's
//!   address) opens a subflow to the peer's initial address — to every accepted peer
//!   address too when it also has `fullmesh` (`mptcp_pm_create_subflow_or_signal_addr`);
//! - each address the peer announces with ADD_ADDR, up to `add_addr_accepted` of them
//!   (in order of arrival), gets a subflow from every local `fullmesh` endpoint, or from
//!   the initial subflow's address when there is none (`mptcp_pm_nl_add_addr_received`,
//!   `fill_local_addresses_vec`);
//! - at most `subflows` subflows besides the initial one are active.
//!
//! `signal` endpoints are what the listener announces with ADD_ADDR and `backup` endpoints
//! join as backups; both are set up by the owner (the address list and
//! [`crate::mptcp::LocalAddr::backup`]). Flags are bit masks over local address indexes
//! (bit k = local address k; addresses from index 8 on cannot carry flags).

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

fn bit(mask: u8, k: usize) -> bool {
    k < 8 && mask & (1 << k) != 0
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
        let accepted = v.remotes.min(1 + usize::from(self.add_addr_accepted));
        for l in (0..v.locals.len()).filter(|&l| l != l0 && up(l) && bit(self.subflow_mask, l)) {
            let remotes = if bit(self.fullmesh_mask, l) {
                accepted
            } else {
                1
            };
            if let Some(r) = (0..remotes).find(|&r| !taken(l, r)) {
                return Some((l, r));
            }
        }
        let fullmesh: Vec<usize> = (0..v.locals.len())
            .filter(|&l| up(l) && bit(self.fullmesh_mask, l))
            .collect();
        for r in 1..accepted {
            if fullmesh.is_empty() {
                if up(l0) && !taken(l0, r) {
                    return Some((l0, r));
                }
            } else if let Some(&l) = fullmesh.iter().find(|&&l| !taken(l, r)) {
                return Some((l, r));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mptcp::pm::{PmLocal, PmSubflow};

    fn sf(local: usize, remote: usize) -> PmSubflow {
        PmSubflow {
            local,
            remote,
            active: true,
            refused: false,
        }
    }

    #[test]
    fn endpoints_flags_and_limits() {
        let up = PmLocal { up: true };
        let locals = [up, up, up];
        let subs = [sf(0, 0)];
        let mut v = PmView {
            initiator: true,
            fully_established: true,
            locals: &locals,
            remotes: 2,
            subflows: &subs,
        };
        // No endpoint flags, no accepted ADD_ADDR: nothing (the Linux defaults).
        let mut pm = InKernel {
            subflows: 2,
            ..InKernel::default()
        };
        assert_eq!(pm.next_subflow(&v), None);
        // A `subflow` endpoint: to the initial remote only.
        pm.subflow_mask = 0b010;
        assert_eq!(pm.next_subflow(&v), Some((1, 0)));
        let subs2 = [sf(0, 0), sf(1, 0)];
        v.subflows = &subs2;
        assert_eq!(pm.next_subflow(&v), None, "remote 1 not accepted");
        // One ADD_ADDR accepted: from the initial address.
        pm.add_addr_accepted = 1;
        assert_eq!(pm.next_subflow(&v), Some((0, 1)));
        // Fullmesh endpoints take over the announced address.
        pm.fullmesh_mask = 0b110;
        assert_eq!(pm.next_subflow(&v), Some((1, 1)));
        // The limit: 2 subflows besides the initial.
        let subs3 = [sf(0, 0), sf(1, 0), sf(1, 1)];
        v.subflows = &subs3;
        assert_eq!(pm.next_subflow(&v), None);
    }
}
