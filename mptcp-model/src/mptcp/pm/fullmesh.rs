//! Full mesh (Linux `fullmesh` path manager of the out-of-tree kernel): the initiator opens
//! a subflow for every (local address, remote address) pair, local addresses in order, then
//! remote addresses in order, as long as fewer than `max_subflows` are active. Addresses on
//! a down interface are skipped; a pair that has an active subflow, or whose join was
//! refused, is skipped. The listener opens nothing (it announces addresses instead).

use super::{PathManager, PmView};

/// The full-mesh path manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FullMesh {
    /// Most active subflows.
    pub max_subflows: u8,
}

impl PathManager for FullMesh {
    fn next_subflow(&mut self, v: &PmView<'_>) -> Option<(usize, usize)> {
        if !v.initiator || !v.fully_established {
            return None;
        }
        let active = v.subflows.iter().filter(|s| s.active).count();
        if active >= usize::from(self.max_subflows) {
            return None;
        }
        for (l, local) in v.locals.iter().enumerate() {
            if !local.up {
                continue;
            }
            for r in 0..v.remotes {
                let taken = v
                    .subflows
                    .iter()
                    .any(|s| s.local == l && s.remote == r && (s.active || s.refused));
                if !taken {
                    return Some((l, r));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mptcp::pm::{PmLocal, PmSubflow};

    #[test]
    fn pairs_in_order_limit_and_refusals() {
        let up = PmLocal { up: true };
        let locals = [up, PmLocal { up: false }, up];
        let sf = |local, remote, active, refused| PmSubflow {
            local,
            remote,
            active,
            refused,
        };
        let subs = [sf(0, 0, true, false)];
        let mut pm = FullMesh { max_subflows: 8 };
        let mut view = PmView {
            initiator: true,
            fully_established: true,
            locals: &locals,
            remotes: 2,
            subflows: &subs,
        };
        assert_eq!(pm.next_subflow(&view), Some((0, 1)));
        let subs2 = [sf(0, 0, true, false), sf(0, 1, false, true)];
        view.subflows = &subs2;
        assert_eq!(pm.next_subflow(&view), Some((2, 0)), "local 1 is down");
        // A failed (inactive, not refused) subflow frees its pair for a new one.
        let subs3 = [sf(0, 0, false, false), sf(0, 1, true, false)];
        view.subflows = &subs3;
        assert_eq!(pm.next_subflow(&view), Some((0, 0)));
        pm.max_subflows = 1;
        assert_eq!(pm.next_subflow(&view), None);
        view.initiator = false;
        pm.max_subflows = 8;
        assert_eq!(pm.next_subflow(&view), None);
    }
}
