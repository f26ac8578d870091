//! Validation of the `flows` section: endpoints, transport settings, applications.

use crate::error::{Reporter, ScenarioError};
use crate::names::{check_name, Names};
use crate::plan::{End, IfaceIndex, PlanFlow, PlanTransport};
use crate::schema::{AppSpec, FlowSpec, Opener, Scenario, TransportSpec};
use crate::transport::{mptcp_cc_label, resolve_mptcp, resolve_tcp, tcp_cc_label};
use sim_core::{Duration, Instant};
use std::collections::HashSet;

/// Checks every flow and resolves its endpoints.
pub(crate) fn resolve_flows(
    r: &Reporter<'_>,
    sc: &Scenario,
    names: &Names,
) -> Result<Vec<PlanFlow>, ScenarioError> {
    if sc.flows.is_empty() {
        return Err(r.at(
            "flows",
            "flows".into(),
            "",
            "at least one flow is needed".into(),
        ));
    }
    let mut out: Vec<PlanFlow> = Vec::new();
    // The names met so far (a set: the check stays linear with thousands of flows).
    let mut seen: HashSet<&str> = HashSet::with_capacity(sc.flows.len());
    for (i, fl) in sc.flows.iter().enumerate() {
        let f = |s: &str| format!("flows[{i}].{s}");
        check_name(r, "flows", &f("name"), &fl.name)?;
        if !seen.insert(&fl.name) {
            let n = out.iter().filter(|o| o.name == fl.name).count();
            let msg = format!("duplicate flow name `{}`", fl.name);
            return Err(r.at_nth("flows", "name", &fl.name, n, f("name"), msg));
        }
        let mptcp = matches!(fl.transport, TransportSpec::Mptcp(_));
        // MPTCP and SCTP flows may name a multihomed host alone (every interface).
        let multi = mptcp || matches!(fl.transport, TransportSpec::Sctp(_));
        let src = names
            .flow_end_of(&fl.from, multi)
            .map_err(|m| r.at("flows", f("from"), &fl.from, m))?;
        let dst = names
            .flow_end_of(&fl.to, multi)
            .map_err(|m| r.at("flows", f("to"), &fl.to, m))?;
        if src.host() == dst.host() {
            let msg = "a flow must join two different hosts".into();
            return Err(r.at("flows", f("to"), &fl.to, msg));
        }
        if fl.start.0 >= sc.duration.0 {
            let msg = format!("starts at {} but the run ends at {}", fl.start, sc.duration);
            return Err(r.at("flows", f("start"), "", msg));
        }
        let (mss, init_cwnd, bufs) = match &fl.transport {
            TransportSpec::Tcp(t) => (t.mss, t.init_cwnd, [t.rcv_buf.0, t.snd_buf.0]),
            TransportSpec::Sctp(s) => {
                crate::sctp_plan::check(r, i, s)?;
                // Checked above in SCTP's own terms; these pass the TCP checks below.
                (1460, 1, [s.rcv_buf.0.max(2920), s.snd_buf.0.max(2920)])
            }
            TransportSpec::Mptcp(m) => (
                m.subflow.mss,
                m.subflow.init_cwnd,
                [m.rcv_buf.0, m.snd_buf.0],
            ),
        };
        let sub = if mptcp {
            "transport.subflow"
        } else {
            "transport"
        };
        if !(64..=9000).contains(&mss) {
            let msg = format!("mss {mss} is outside 64..=9000");
            return Err(r.at("flows", f(&format!("{sub}.mss")), "", msg));
        }
        if init_cwnd == 0 {
            let msg = "must be at least 1".into();
            return Err(r.at("flows", f(&format!("{sub}.init_cwnd")), "", msg));
        }
        if let Some((field, msg)) = tcp_settings_error(&fl.transport) {
            return Err(r.at("flows", f(&format!("{sub}.{field}")), "", msg.into()));
        }
        if bufs
            .iter()
            .any(|&b| b < u64::from(mss) * 2 || b > u64::from(u32::MAX))
        {
            let msg =
                "rcv_buf and snd_buf must hold at least two segments and at most 4 GiB".into();
            return Err(r.at("flows", f("transport"), "", msg));
        }
        let opener_host = match fl.opener {
            Opener::Sender => src.host(),
            Opener::Receiver => dst.host(),
        };
        if !multi && fl.opener == Opener::Receiver {
            let msg = "single-path TCP flows are opened by their sender; `opener: Receiver` needs \
                       Mptcp or Sctp"
                .into();
            return Err(r.at("flows", f("opener"), "", msg));
        }
        let mut backup: Vec<IfaceIndex> = Vec::new();
        if let TransportSpec::Mptcp(m) = &fl.transport {
            if let crate::schema::PathManagerSpec::FullMesh { max_subflows: 0 }
            | crate::schema::PathManagerSpec::NDiffPorts { subflows: 0 } = m.path_manager
            {
                let msg = "the subflow limit must be at least 1".into();
                return Err(r.at("flows", f("transport.path_manager"), "", msg));
            }
            if let Some(crate::schema::ServiceMode::LoadBalancing { first_percent }) = m.mode {
                if first_percent > 100 {
                    let msg = format!("first_percent {first_percent} is more than 100");
                    return Err(r.at("flows", f("transport.mode"), "", msg));
                }
            }
            if m.fail_after_rtos == 0 {
                let msg = "must be at least 1".into();
                return Err(r.at("flows", f("transport.fail_after_rtos"), "", msg));
            }
            if let crate::schema::PathManagerSpec::InKernel { endpoints, .. } = &m.path_manager {
                for (k, e) in endpoints.iter().enumerate() {
                    let field = f(&format!("transport.path_manager.endpoints[{k}].iface"));
                    match names.end(&e.iface) {
                        Ok(End::Iface(x)) if x.host == src.host() || x.host == dst.host() => {}
                        Ok(_) => {
                            let msg = format!("`{}` is not an interface of either end", e.iface);
                            return Err(r.at("flows", field, &e.iface, msg));
                        }
                        Err(m) => return Err(r.at("flows", field, &e.iface, m)),
                    }
                }
            }
            for (k, b) in m.backup.iter().enumerate() {
                let field = f(&format!("transport.backup[{k}]"));
                match names.end(b) {
                    Ok(End::Iface(x)) if x.host == opener_host => backup.push(x),
                    Ok(_) => {
                        let msg = format!(
                            "`{b}` is not an interface of `{}`, the host that opens the connection",
                            names.hosts[opener_host.0 as usize].name
                        );
                        return Err(r.at("flows", field, b, msg));
                    }
                    Err(m) => return Err(r.at("flows", field, b, m)),
                }
            }
        }
        let (bytes, paced) = match paced_app(&fl.app) {
            Ok(p) => p,
            Err(msg) => return Err(r.at("flows", f("app"), "", msg)),
        };
        if paced.is_some() && !mptcp {
            let msg = "paced applications need an Mptcp transport".into();
            return Err(r.at("flows", f("app"), "", msg));
        }
        if fl.proxy.is_some() && fl.via.is_some() {
            let msg = "a flow goes through a Transport Converter or a load balancer, not both";
            return Err(r.at("flows", f("proxy"), "", msg.into()));
        }
        let (opener_end, server) = match fl.opener {
            Opener::Sender => (src, dst),
            Opener::Receiver => (dst, src),
        };
        let proxy = match &fl.proxy {
            Some(p) => {
                use crate::proxy_plan::resolve;
                let ends = ((src, dst), server);
                Some(resolve(r, i, p, names, ends, mptcp, paced.is_some())?)
            }
            None => None,
        };
        let (transport, cc_label) = match &fl.transport {
            TransportSpec::Tcp(t) => (
                PlanTransport::Tcp(resolve_tcp(i, src, dst, t)),
                tcp_cc_label(t),
            ),
            TransportSpec::Mptcp(m) => {
                // Through a converter, the MPTCP connection ends at the converter's port.
                let ends = match (&proxy, fl.opener) {
                    (Some(p), Opener::Sender) => (opener_end, p.end),
                    (Some(p), Opener::Receiver) => (p.end, opener_end),
                    (None, _) => (src, dst),
                };
                let mut plan = resolve_mptcp(names, i, ends, fl.opener, m, &backup);
                if let Some(p) = &proxy {
                    plan.remote.port = p.port;
                }
                (PlanTransport::Mptcp(plan), mptcp_cc_label(m))
            }
            TransportSpec::Sctp(s) => (
                PlanTransport::Sctp(crate::sctp_plan::resolve_sctp(
                    names,
                    i,
                    (src, dst),
                    fl.opener,
                    s,
                )),
                crate::sctp_plan::sctp_label(s),
            ),
        };
        let abort = abort_time(fl, sc.duration.0)
            .map_err(|(v, msg)| r.at("flows", f("abort_at"), &v, msg))?;
        out.push(PlanFlow {
            name: fl.name.clone(),
            src,
            dst,
            start: Instant::ZERO + fl.start.0,
            transport,
            cc_label,
            bytes,
            paced,
            abort,
            via: None,
            proxy,
        });
    }
    Ok(out)
}

/// When flow `fl`'s sender aborts (MP_FASTCLOSE), checked: MPTCP only, between its start
/// and `end`. Errors give the offending text and the message.
fn abort_time(fl: &FlowSpec, end: Duration) -> Result<Option<Instant>, (String, String)> {
    let mptcp = matches!(fl.transport, TransportSpec::Mptcp(_));
    match fl.abort_at {
        Some(t) if !mptcp => Err((
            t.to_string(),
            "an abort (MP_FASTCLOSE) needs an Mptcp transport".into(),
        )),
        Some(t) if t.0 >= end || t.0 < fl.start.0 => Err((
            t.to_string(),
            format!("{t} is not between the flow's start and the end of the run"),
        )),
        t => Ok(t.map(|t| Instant::ZERO + t.0)),
    }
}

/// The bytes of a bulk application, or the schedule of a paced one.
fn paced_app(app: &AppSpec) -> Result<(Option<u64>, Option<mptcp_model::app::Paced>), String> {
    use mptcp_model::app::Paced;
    use sim_core::Duration;
    Ok(match app {
        AppSpec::Bulk { bytes: Some(b) } if b.0 == 0 => {
            return Err(
                "`bytes: \"0B\"` sends nothing; leave `bytes` out for an unlimited flow".into(),
            )
        }
        AppSpec::Bulk { bytes } => (bytes.map(|b| b.0), None),
        AppSpec::ConstantBitRate {
            rate,
            frame,
            on,
            off,
            bytes,
        } => {
            let chunk = (u128::from(rate.0.as_bps()) * u128::from(frame.0.as_nanos())
                / 8_000_000_000) as u64;
            if chunk == 0 || frame.0.is_zero() {
                return Err("rate × frame must be at least one byte".into());
            }
            let off = off.map_or(Duration::ZERO, |t| t.0);
            let on = on.map_or(Duration::ZERO, |t| t.0);
            if !off.is_zero() && on.is_zero() {
                return Err("`off` needs a nonzero `on`".into());
            }
            if off.is_zero() && !on.is_zero() {
                return Err("`on` needs a nonzero `off` (leave both out for always on)".into());
            }
            let total = bytes.map(|b| b.0);
            let p = Paced {
                chunk,
                period: frame.0,
                on,
                off,
                total,
            };
            (total, Some(p))
        }
        AppSpec::RequestResponse { size, every, count } => {
            if size.0 == 0 || every.0.is_zero() || *count == 0 {
                return Err("size, every and count must be nonzero".into());
            }
            let total = size
                .0
                .checked_mul(u64::from(*count))
                .ok_or("size × count is more bytes than can be counted")?;
            let p = Paced {
                chunk: size.0,
                period: every.0,
                on: Duration::ZERO,
                off: Duration::ZERO,
                total: Some(total),
            };
            (Some(total), Some(p))
        }
    })
}

/// TCP settings that cannot apply to the flow's transport: an initial ssthresh below two
/// segments (RFC 5681 §3.1), HyStart variants without CUBIC, per-ACK growth without Reno.
/// Returns the field and the message.
fn tcp_settings_error(t: &TransportSpec) -> Option<(&'static str, &'static str)> {
    use crate::schema::{CcName, MptcpCcName, RenoGrowthName, SlowStartName};
    let (ssthresh, slow_start, cubic) = match t {
        TransportSpec::Tcp(t) => {
            if t.reno_growth != RenoGrowthName::ByteCounting && t.cc != CcName::Reno {
                return Some(("reno_growth", "applies to `cc: Reno` only"));
            }
            (t.initial_ssthresh, t.slow_start, t.cc == CcName::Cubic)
        }
        TransportSpec::Mptcp(m) => (
            m.subflow.initial_ssthresh,
            m.subflow.slow_start,
            m.cc == MptcpCcName::UncoupledCubic,
        ),
        // SCTP's own settings are checked in `sctp_plan::check`.
        TransportSpec::Sctp(_) => return None,
    };
    if ssthresh.is_some_and(|s| s < 2) {
        return Some(("initial_ssthresh", "must be at least 2 segments"));
    }
    if slow_start != SlowStartName::HyStart && !cubic {
        return Some((
            "slow_start",
            "applies to CUBIC only (`cc: Cubic`, or `UncoupledCubic` for MPTCP)",
        ));
    }
    None
}
