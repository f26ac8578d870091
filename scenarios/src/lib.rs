//! # scenarios — scenario files, the runner and the `mpsim` command line
//!
//! A scenario is a RON file ([`schema`]) with units in its values ([`units`]). [`load()`]
//! parses and validates it into a [`Plan`] whose every name is resolved; errors name the file,
//! line and column or the field ([`ScenarioError`]).
//!
//! ```
//! use std::path::Path;
//! let text = r#"Scenario(
//!     duration: "1s",
//!     hosts: [
//!         Host(name: "a", interfaces: [Interface(name: "eth0", addr: "10.0.0.1")]),
//!         Host(name: "b", interfaces: [Interface(name: "eth0", addr: "10.0.0.2")]),
//!     ],
//!     links: [Link(name: "l", a: "a", b: "b", rate: "10Mbps", delay: "5ms")],
//!     flows: [Flow(name: "f", from: "a", to: "b")],
//! )"#;
//! let plan = scenarios::load_str(Path::new("doc.ron"), text, None).unwrap();
//! assert_eq!(plan.flows[0].name, "f");
//! ```
#![deny(unsafe_code)]

pub mod bonds;
mod checks;
pub mod error;
mod flows;
pub mod fuzz;
pub mod generate;
pub mod huge_pages;
pub mod load;
pub mod manifest;
pub mod metrics;
pub mod middlebox;
mod names;
pub mod plan;
pub mod probe;
pub mod proxy_plan;
pub mod record;
pub mod schema;
pub mod sctp_plan;
pub mod summarize;
pub mod summary;
pub mod transport;
pub mod units;
pub mod validate;

pub use error::ScenarioError;
pub use load::{load, load_str};
pub use plan::Plan;
pub mod batch;
pub mod build;
pub mod cli;
pub mod compare;
pub mod engine;
pub mod output;
pub mod run;
