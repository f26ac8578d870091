//! Benchmarks live in `benches/mpsim.rs`.
