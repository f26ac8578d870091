//! ndiffports (the out-of-tree kernel's `ndiffports` path manager, `mptcp_ndiffports.c`):
//! the initiator opens `subflows` subflows in all over the address pair of the initial
//! subflow, each from a different source port (the owner picks a free port per subflow),
//! so that ECMP hashing may spread them over different paths. It stops for good on that
//! pair after a refused join. The listener opens nothing.

use super::{PathManager, PmView};

/// The ndiffports path manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NDiffPorts {
    /// Subflows in all, the initial one included (kernel parameter `num_subflows`, default 2).
    pub subflows: u8,
}

impl PathManager for NDiffPorts {
    fn next_subflow(&mut self, v: &PmView<'_>) -> Option<(usize, usize)> {
        if !v.initiator || !v.fully_established {
            return None;
        }
        let first = v.subflows.first()?;
        let (l, r) = (first.local, first.remote);
        if !v.locals.get(l)?.up || !v.remotes.get(r)?.joinable {
            return None;
        }
        let on_pair = v.subflows.iter().filter(|s| s.local == l && s.remote == r);
        let (mut active, mut refused) = (0, false);
        for s in on_pair {
            active += usize::from(s.active);
            refused |= s.refused;
        }
        (!refused && active < usize::from(self.subflows)).then_some((l, r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mptcp::pm::{PmLocal, PmRemote, PmSubflow};

    #[test]
    fn n_subflows_on_the_initial_pair() {
        let up = PmLocal::UP;
        let locals = [up, up];
        let remotes = [PmRemote { joinable: true }; 2];
        let sf = |active, refused| PmSubflow {
            local: 0,
            remote: 0,
            active,
            refused,
        };
        let mut pm = NDiffPorts { subflows: 3 };
        let subs = [sf(true, false)];
        let mut v = PmView {
            initiator: true,
            fully_established: true,
            locals: &locals,
            remotes: &remotes,
            subflows: &subs,
        };
        assert_eq!(pm.next_subflow(&v), Some((0, 0)), "never the other address");
        let subs2 = [sf(true, false), sf(true, false), sf(true, false)];
        v.subflows = &subs2;
        assert_eq!(pm.next_subflow(&v), None);
        let subs3 = [sf(true, false), sf(false, false), sf(true, false)];
        v.subflows = &subs3;
        assert_eq!(
            pm.next_subflow(&v),
            Some((0, 0)),
            "a failed one is replaced"
        );
        let subs4 = [sf(true, false), sf(false, true)];
        v.subflows = &subs4;
        assert_eq!(pm.next_subflow(&v), None, "refused: stop");
    }
}
