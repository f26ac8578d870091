//! Path managers: which subflows a connection opens.
//!
//! Contract: after every event the connection asks [`PathManager::next_subflow`] with a
//! read-only [`PmView`] of its local and remote addresses and its subflows; the path manager
//! returns the `(local index, remote index)` pair to open a subflow on next, or `None`.
//! One file per policy behind the closed enum [`AnyPathManager`].

pub mod fullmesh;
pub mod inkernel;
pub mod ndiffports;

pub use fullmesh::FullMesh;
pub use inkernel::InKernel;
pub use ndiffports::NDiffPorts;

/// What a path manager sees of one local address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PmLocal {
    /// The interface is up and its endpoint exists (not deleted).
    pub up: bool,
    /// In-kernel `subflow` flag: open a subflow from it to the peer's initial address.
    pub subflow: bool,
    /// In-kernel `fullmesh` flag: open subflows from it to every accepted peer address.
    pub fullmesh: bool,
}

impl PmLocal {
    /// An address that is up, without endpoint flags.
    pub const UP: PmLocal = PmLocal {
        up: true,
        subflow: false,
        fullmesh: false,
    };
}

/// What a path manager sees of one remote address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PmRemote {
    /// Subflows may be opened to it: not removed by the peer (REMOVE_ADDR), and not the
    /// initial address when the peer's MP_CAPABLE set the `C` flag (RFC 8684 §3.1).
    pub joinable: bool,
}

/// What a path manager sees of one subflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PmSubflow {
    /// Index of its local address.
    pub local: usize,
    /// Index of its remote address.
    pub remote: usize,
    /// Joining, established or potentially failed: it occupies its address pair.
    pub active: bool,
    /// Refused or timed out while joining: do not retry the pair (until the local
    /// interface goes down and up again, which the connection reports by clearing it).
    pub refused: bool,
}

/// The read-only input of a path manager.
#[derive(Clone, Copy, Debug)]
pub struct PmView<'a> {
    /// This end opens subflows (the MPTCP initiator).
    pub initiator: bool,
    /// The connection is fully established (joins are possible).
    pub fully_established: bool,
    /// Local addresses (index = address id).
    pub locals: &'a [PmLocal],
    /// Known remote addresses (index 0 is the one the connection was opened to; the others
    /// in the order the peer announced them).
    pub remotes: &'a [PmRemote],
    /// Every subflow so far.
    pub subflows: &'a [PmSubflow],
}

/// A path-management policy.
pub trait PathManager {
    /// The next `(local, remote)` pair to open a subflow on, if any.
    fn next_subflow(&mut self, view: &PmView<'_>) -> Option<(usize, usize)>;
}

/// Which path manager a connection uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathManagerKind {
    /// A subflow per (local address, remote address) pair, at most `max_subflows` active.
    FullMesh {
        /// Most active subflows (Linux `max_subflows`-like; default 8).
        max_subflows: u8,
    },
    /// `subflows` subflows in all over the initial address pair (different source ports).
    NDiffPorts {
        /// Subflows in all, the initial one included.
        subflows: u8,
    },
    /// The upstream Linux in-kernel path manager (endpoints with flags, limits).
    InKernel(InKernel),
}

impl Default for PathManagerKind {
    fn default() -> Self {
        PathManagerKind::FullMesh { max_subflows: 8 }
    }
}

/// A path manager of one of the supported kinds, dispatched by `match`.
#[derive(Clone, Debug)]
pub enum AnyPathManager {
    /// Full mesh.
    FullMesh(FullMesh),
    /// ndiffports.
    NDiffPorts(NDiffPorts),
    /// In-kernel.
    InKernel(InKernel),
}

impl AnyPathManager {
    /// A path manager of `kind`.
    pub fn new(kind: PathManagerKind) -> Self {
        match kind {
            PathManagerKind::FullMesh { max_subflows } => {
                AnyPathManager::FullMesh(FullMesh { max_subflows })
            }
            PathManagerKind::NDiffPorts { subflows } => {
                AnyPathManager::NDiffPorts(NDiffPorts { subflows })
            }
            PathManagerKind::InKernel(p) => AnyPathManager::InKernel(p),
        }
    }
}

impl PathManager for AnyPathManager {
    fn next_subflow(&mut self, view: &PmView<'_>) -> Option<(usize, usize)> {
        match self {
            AnyPathManager::FullMesh(p) => p.next_subflow(view),
            AnyPathManager::NDiffPorts(p) => p.next_subflow(view),
            AnyPathManager::InKernel(p) => p.next_subflow(view),
        }
    }
}
