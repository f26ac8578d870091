//! Fuzzes `mptcp_model::wire::fuzz::mptcp_options` (see its documentation for what is checked).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mptcp_model::wire::fuzz::mptcp_options(data));
