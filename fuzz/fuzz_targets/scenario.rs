//! Fuzzes `scenarios::fuzz::scenario_file` (see its documentation for what is checked).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| scenarios::fuzz::scenario_file(data));
