//! MPTCP flows through a Transport Converter (RFC 8803), as operators deploy MPTCP for
//! phones (KT's GiGA path, hybrid access gateways): the flow's `proxy`.
//!
//! ```ron
//! Flow(name: "download", from: "server", to: "phone", opener: Receiver,
//!      transport: Mptcp(cc: Lia),
//!      proxy: Convert(host: "converter", buffer: "2MB")),
//! ```
//!
//! The end that opens the MPTCP connection (the phone) connects to the converter's address
//! (`host.iface`, or its first interface) and port (default 5124), with a Convert message
//! naming the other end (the server, on its flow port) in its SYN; the converter connects to
//! the server over single-path TCP (`tcp`, Linux defaults) and relays with `buffer` octets per
//! direction. The server is an unmodified TCP server: it sends (a download) or receives (an
//! upload) on the connection the converter opens. The summary's MPTCP figures (subflows,
//! reinjections, head-of-line delay) are those of the phone–converter leg; goodput is end to
//! end.

use crate::build::server_port;
use crate::error::{Reporter, ScenarioError};
use crate::schema::{Opener, TcpSpec};
use crate::units::Bytes;
use crate::validate::{FlowEnd, Names, PlanFlow};
use mptcp_model::app::BulkSender;
use mptcp_model::host::{FlowId, HostStack, Role};
use mptcp_model::tcp::SocketAddr;
use mptcp_model::wire::convert::ConvertMsg;
use serde::{Deserialize, Serialize};

/// A Transport Converter on a flow's path.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename = "Convert")]
pub struct ProxySpec {
    /// The converter host (`host` or `host.iface`: the address clients connect to).
    pub host: String,
    /// Its port (RFC 8803 §8.1: 5124).
    #[serde(default = "default_port")]
    pub port: u16,
    /// Relay buffer in each direction.
    #[serde(default = "default_buffer")]
    pub buffer: Bytes,
    /// TCP settings of the converter's connection to the server.
    #[serde(default)]
    pub tcp: TcpSpec,
}

fn default_port() -> u16 {
    mptcp_model::wire::convert::PORT
}

fn default_buffer() -> Bytes {
    Bytes(1 << 20)
}

/// A resolved converter.
#[derive(Clone, Debug)]
pub struct PlanProxy {
    /// The converter's address (host, interface, address).
    pub end: FlowEnd,
    /// Its port.
    pub port: u16,
    /// Relay buffer per direction.
    pub buffer: u64,
    /// TCP settings toward the server.
    pub tcp: TcpSpec,
}

/// Checks flow `i`'s proxy: an MPTCP flow, a converter host other than both ends, a bulk
/// application, a buffer of at least one packet.
pub(crate) fn resolve(
    r: &Reporter<'_>,
    i: usize,
    p: &ProxySpec,
    names: &Names,
    ends: (FlowEnd, FlowEnd),
    mptcp: bool,
    paced: bool,
) -> Result<PlanProxy, ScenarioError> {
    let at = |field: &str, value: &str, msg: String| {
        r.at("flows", format!("flows[{i}].proxy.{field}"), value, msg)
    };
    if !mptcp {
        let msg = "a Transport Converter serves MPTCP flows (`transport: Mptcp(..)`)".into();
        return Err(at("host", &p.host, msg));
    }
    if paced {
        let msg = "the converter relays bulk transfers only (`app: Bulk(..)`)".into();
        return Err(at("host", &p.host, msg));
    }
    let end = names
        .flow_end_of(&p.host, true)
        .map_err(|m| at("host", &p.host, m))?;
    if end.host == ends.0.host || end.host == ends.1.host {
        let msg = "the converter must be a host other than the flow's ends".into();
        return Err(at("host", &p.host, msg));
    }
    if p.buffer.0 < 1500 {
        return Err(at("buffer", "", "must hold at least 1500B".into()));
    }
    Ok(PlanProxy {
        end,
        port: p.port,
        buffer: p.buffer.0,
        tcp: p.tcp.clone(),
    })
}

/// The hosts of a flow's MPTCP leg: `(data sender, data receiver)` of the MPTCP connection
/// (the converter stands in for the server end when there is one).
pub fn mptcp_hosts(f: &PlanFlow) -> (usize, usize) {
    match (&f.proxy, f.opener) {
        (Some(p), Opener::Receiver) => (p.end.host, f.dst.host),
        (Some(p), Opener::Sender) => (f.src.host, p.end.host),
        (None, _) => (f.src.host, f.dst.host),
    }
}

/// Sets up flow `i`'s converter (listening at `converter`) and its unmodified TCP server; the
/// caller adds the MPTCP listener (role [`Role::Relay`]) and client. `client_role` is what
/// the opening end does: it receives (the server sends a download) or sends (the server
/// receives an upload).
pub(crate) fn add_proxy(
    hosts: &mut [HostStack],
    i: usize,
    f: &PlanFlow,
    p: &PlanProxy,
    converter: SocketAddr,
    client_role: &Role,
) {
    let id = FlowId(i as u32);
    let (open, server) = match f.opener {
        Opener::Sender => (f.src, f.dst),
        Opener::Receiver => (f.dst, f.src),
    };
    let tcp = crate::build::tcp_config(&p.tcp);
    let at = SocketAddr::new(server.addr, server_port(i));
    hosts[p.end.host].add_converter(id, converter, at, tcp, p.buffer);
    hosts[open.host].set_convert(id, ConvertMsg::connect(at.addr, at.port));
    match client_role {
        Role::Send(_) => hosts[server.host].add_listener(id, at, tcp),
        _ => {
            let app = BulkSender { total: f.bytes };
            hosts[server.host].add_sending_listener(id, at, tcp, app);
        }
    }
}
