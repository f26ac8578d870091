//! MPTCP counters as Linux keeps them in its `MPTcpExt` MIB (`net/mptcp/mib.c`, read with
//! `nstat`): one [`MptcpMib`] per connection, summed per host by
//! [`crate::host::HostStack::mptcp_mib`], so a scenario can be checked the way the upstream
//! selftests (`tools/testing/selftests/net/mptcp/mptcp_join.sh`) check the kernel.
//!
//! Each counter has the kernel's name and is incremented where the kernel increments it
//! (the field docs say where); counters for mechanisms the model does not have (syncookies,
//! ports in ADD_ADDR, TCP Fast Open, memory pressure) are left out. Plain `u64`s in a fixed
//! array: incrementing costs one add, nothing is allocated.

use core::fmt;

macro_rules! mib_fields {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// One counter of the `MPTcpExt` MIB (the kernel's name is [`MibField::name`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum MibField {
            $($(#[$doc])* $variant,)*
        }

        impl MibField {
            /// Every counter, in the kernel's `mptcp_snmp_list` order.
            pub const ALL: &'static [MibField] = &[$(MibField::$variant,)*];

            /// The counter's name as `nstat` prints it after the `MPTcpExt` prefix.
            pub const fn name(self) -> &'static str {
                match self {
                    $(MibField::$variant => $name,)*
                }
            }
        }
    };
}

mib_fields! {
    /// A SYN with MP_CAPABLE was received (once per connection request).
    MpCapableSynRx = "MPCapableSYNRX",
    /// A SYN with MP_CAPABLE was sent (each transmission).
    MpCapableSynTx = "MPCapableSYNTX",
    /// A SYN-ACK with MP_CAPABLE was received.
    MpCapableSynAckRx = "MPCapableSYNACKRX",
    /// The third ACK with MP_CAPABLE was received.
    MpCapableAckRx = "MPCapableACKRX",
    /// The listener fell back to TCP during the handshake (third ACK without MP_CAPABLE).
    MpCapableFallbackAck = "MPCapableFallbackACK",
    /// The initiator fell back to TCP during the handshake (SYN-ACK without MP_CAPABLE).
    MpCapableFallbackSynAck = "MPCapableFallbackSYNACK",
    /// Segments retransmitted at the MPTCP level (reinjected on another subflow).
    MpTcpRetrans = "MPTCPRetrans",
    /// An MP_JOIN SYN carried a token no connection has.
    MpJoinNoTokenFound = "MPJoinNoTokenFound",
    /// A SYN with MP_JOIN was received.
    MpJoinSynRx = "MPJoinSynRx",
    /// ... with the backup flag.
    MpJoinSynBackupRx = "MPJoinSynBackupRx",
    /// A SYN-ACK with MP_JOIN was received.
    MpJoinSynAckRx = "MPJoinSynAckRx",
    /// ... with the backup flag.
    MpJoinSynAckBackupRx = "MPJoinSynAckBackupRx",
    /// The HMAC of a join's SYN-ACK was wrong.
    MpJoinSynAckHmacFailure = "MPJoinSynAckHMacFailure",
    /// The third ACK of a join (with MP_JOIN) was received and accepted.
    MpJoinAckRx = "MPJoinAckRx",
    /// The HMAC of a join's third ACK was wrong.
    MpJoinAckHmacFailure = "MPJoinAckHMacFailure",
    /// A join was refused at its third ACK for the `subflows` limit (the kernel's newer
    /// `MPJoinRejected`; older kernels count it as `MPJoinAckHMacFailure`).
    MpJoinRejected = "MPJoinRejected",
    /// A SYN with MP_JOIN was sent (once per join attempt).
    MpJoinSynTx = "MPJoinSynTx",
    /// A new mapping did not match the previous one.
    DssNotMatching = "DSSNotMatching",
    /// An infinite mapping was sent.
    InfiniteMapTx = "InfiniteMapTx",
    /// An infinite mapping was received.
    InfiniteMapRx = "InfiniteMapRx",
    /// A DSS mapping did not cover the segment's TCP sequence numbers.
    DssNoMatchTcp = "DSSNoMatchTCP",
    /// The DSS checksum of received data was wrong.
    DataCsumErr = "DataCsumErr",
    /// Segments whose data were all already received at the data level.
    DuplicateData = "DuplicateData",
    /// An ADD_ADDR (echo flag 0) was received and accepted.
    AddAddr = "AddAddr",
    /// An ADD_ADDR (echo flag 0) was sent (each transmission).
    AddAddrTx = "AddAddrTx",
    /// An ADD_ADDR echo was received.
    EchoAdd = "EchoAdd",
    /// An ADD_ADDR echo was sent.
    EchoAddTx = "EchoAddTx",
    /// An incoming ADD_ADDR was dropped (here: its HMAC did not verify).
    AddAddrDrop = "AddAddrDrop",
    /// An address id of a received REMOVE_ADDR was processed.
    RmAddr = "RmAddr",
    /// A REMOVE_ADDR was sent.
    RmAddrTx = "RmAddrTx",
    /// A subflow was closed because its local address was removed.
    RmSubflow = "RmSubflow",
    /// An MP_PRIO was sent.
    MpPrioTx = "MPPrioTx",
    /// An MP_PRIO was received.
    MpPrioRx = "MPPrioRx",
    /// An MP_FAIL was sent.
    MpFailTx = "MPFailTx",
    /// An MP_FAIL was received.
    MpFailRx = "MPFailRx",
    /// An MP_FASTCLOSE was sent.
    MpFastcloseTx = "MPFastcloseTx",
    /// An MP_FASTCLOSE was received.
    MpFastcloseRx = "MPFastcloseRx",
    /// A RST with MP_TCPRST was sent.
    MpRstTx = "MPRstTx",
    /// A RST with MP_TCPRST was received.
    MpRstRx = "MPRstRx",
    /// A subflow became stale (potentially failed after consecutive RTOs).
    SubflowStale = "SubflowStale",
    /// A stale subflow became active again.
    SubflowRecover = "SubflowRecover",
}

/// The `MPTcpExt` counters of one connection or one host.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MptcpMib([u64; MibField::ALL.len()]);

impl Default for MptcpMib {
    fn default() -> Self {
        MptcpMib([0; MibField::ALL.len()])
    }
}

impl MptcpMib {
    /// All counters zero.
    pub fn new() -> Self {
        MptcpMib::default()
    }

    /// Adds one to `f`.
    #[inline]
    pub fn inc(&mut self, f: MibField) {
        self.0[f as usize] += 1;
    }

    /// The value of `f`.
    pub fn get(&self, f: MibField) -> u64 {
        self.0[f as usize]
    }

    /// Adds every counter of `other`.
    pub fn add(&mut self, other: &MptcpMib) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// `(name, value)` of every counter, in the kernel's order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        MibField::ALL.iter().map(|&f| (f.name(), self.get(f)))
    }

    /// `(name, value)` of the counters that are not zero (as `nstat` prints without `-z`).
    pub fn nonzero(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.iter().filter(|&(_, v)| v != 0)
    }
}

impl fmt::Debug for MptcpMib {
    /// The nonzero counters, like `nstat`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.nonzero()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_order_and_sums() {
        assert_eq!(MibField::ALL[0].name(), "MPCapableSYNRX");
        assert_eq!(
            MibField::MpJoinAckHmacFailure.name(),
            "MPJoinAckHMacFailure"
        );
        assert_eq!(MibField::DssNoMatchTcp.name(), "DSSNoMatchTCP");
        let mut a = MptcpMib::new();
        a.inc(MibField::RmAddr);
        a.inc(MibField::RmAddr);
        let mut b = MptcpMib::new();
        b.inc(MibField::MpFailTx);
        b.add(&a);
        assert_eq!(
            b.nonzero().collect::<Vec<_>>(),
            [("RmAddr", 2), ("MPFailTx", 1)]
        );
        assert_eq!(format!("{b:?}"), r#"{"RmAddr": 2, "MPFailTx": 1}"#);
    }
}
