//! Fuzzes `mptcp_model::wire::fuzz::tcp_header` (see its documentation for what is checked).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mptcp_model::wire::fuzz::tcp_header(data));
