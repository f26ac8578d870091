//! # mptcp-model — sans-IO TCP (and, later, Multipath TCP) endpoints for mpsim
//!
//! placeholder
#![deny(unsafe_code)]

pub mod cc;
pub mod wire;
