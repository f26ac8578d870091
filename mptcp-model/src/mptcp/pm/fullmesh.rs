//! Full mesh (Linux `fullmesh` path manager of the out-of-tree kernel): the initiator opens
//! a subflow for every (local address, remote address) pair, local addresses in order, then
//! remote addresses in order, as long as fewer than `max_subflows` are active. Addresses on
//! a down interface (or a deleted endpoint) are skipped, and so are remote addresses that
//! are not joinable (removed, or the initial one under the peer's `C` flag); a pair that has
//! an active subflow, or whose join was refused, is skipped. The listener opens nothing (it announces addresses instead).

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
            for (r, remote) in v.remotes.iter().enumerate() {
                if !remote.joinable {
                    continue;
                }
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
    use crate::mptcp::pm::{PmLocal, PmRemote, PmSubflow};

    #[test]
    fn pairs_in_order_limit_and_refusals() {
        let up = PmLocal::UP;
        let locals = [up, PmLocal::default(), up];
        let remotes = [PmRemote { joinable: true }; 2];
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
            remotes: &remotes,
            subflows: &subs,
        };
        assert_eq!(pm.next_subflow(&view), Some((0, 1)));
        let denied = [PmRemote { joinable: true }, PmRemote { joinable: false }];
        view.remotes = &denied;
        assert_eq!(
            pm.next_subflow(&view),
            Some((2, 0)),
            "remote 1 is not joinable"
        );
        view.remotes = &remotes;
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
