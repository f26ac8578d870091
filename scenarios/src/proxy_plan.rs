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
//!
//! At validation the flow's MPTCP connection is resolved with the converter as its listening
//! end ([`crate::plan::PlanMptcp::listener`], `remote` on the converter's port) and the
//! converter itself into a [`PlanProxy`]; the builder hands both to the hosts, and
//! [`crate::build::FlowHandle`]'s `leg_sender`/`leg_receiver` name the MPTCP connection's
//! hosts for the probes and the summary.

use crate::error::{Reporter, ScenarioError};
use crate::names::Names;
use crate::plan::{FlowEnd, PlanFlow, PlanMptcp, PlanProxy};
use crate::schema::ProxySpec;
use crate::transport::{resolve_tcp, server_port};
use mptcp_model::app::BulkSender;
use mptcp_model::host::{FlowId, HostStack, Role};
use mptcp_model::tcp::SocketAddr;
use mptcp_model::wire::convert::ConvertMsg;

/// Checks flow `i`'s proxy: an MPTCP flow, a converter host other than both ends, a bulk
/// application, a buffer of at least one packet. `server` is the end that does not open the
/// MPTCP connection.
pub(crate) fn resolve(
    r: &Reporter<'_>,
    i: usize,
    p: &ProxySpec,
    names: &Names,
    (ends, server): ((FlowEnd, FlowEnd), FlowEnd),
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
    if end.host() == ends.0.host() || end.host() == ends.1.host() {
        let msg = "the converter must be a host other than the flow's ends".into();
        return Err(at("host", &p.host, msg));
    }
    if p.buffer.0 < 1500 {
        return Err(at("buffer", "", "must hold at least 1500B".into()));
    }
    let server_at = SocketAddr::new(server.addr, server_port(i));
    Ok(PlanProxy {
        end,
        port: p.port,
        buffer: p.buffer.0,
        tcp: resolve_tcp(i, end, server, &p.tcp).config,
        server,
        server_at,
    })
}

/// Sets up flow `f`'s converter and its unmodified TCP server (`host` gives a plan end's
/// position in `hosts`); the MPTCP connection `m` opens to the converter, which listens
/// with [`Role::Relay`]. `client_role` is what the opening end does: it receives (the
/// server sends a download) or sends (the server receives an upload).
pub(crate) fn add_proxy(
    hosts: &mut [HostStack],
    host: impl Fn(FlowEnd) -> usize,
    (id, f): (FlowId, &PlanFlow),
    p: &PlanProxy,
    m: &PlanMptcp,
    client_role: &Role,
) {
    hosts[host(p.end)].add_converter(id, m.remote, p.server_at, p.tcp, p.buffer);
    let msg = ConvertMsg::connect(p.server_at.addr, p.server_at.port);
    hosts[host(m.opener)].set_convert(id, msg);
    match client_role {
        Role::Send(_) => hosts[host(p.server)].add_listener(id, p.server_at, p.tcp),
        _ => {
            let app = BulkSender { total: f.bytes };
            hosts[host(p.server)].add_sending_listener(id, p.server_at, p.tcp, app);
        }
    }
}
