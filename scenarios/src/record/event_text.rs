//! How an event is written as a row of `events.csv`: its name and the columns that describe
//! it. Every event fills `event`; the other columns are empty where they do not apply:
//!
//! | event | target | detail | numbers |
//! |---|---|---|---|
//! | `link` (a scheduled event) | link | action (`down`, `rate 5Mbps`, `backup true`, ...) | |
//! | `established`, `closed` (TCP level) | | `closed`: the error (`reset`, `refused`, `timed_out`) | |
//! | `rto_fired` | | `data` or `handshake` | `rto_ms` (before back-off doubles it), `backoff` |
//! | `recovery_entered`, `recovery_left` | | `fast` or `timeout` | `cwnd_bytes`, `ssthresh_bytes` (entered) |
//! | `subflow_opened`, `subflow_established`, `subflow_recovered`, `connection_established`, `completed` | | | |
//! | `mp_capable_sent`/`_received`, `mp_join_sent`/`_received` | | step: `syn`, `syn_ack`, `ack` | |
//! | `mp_join_accepted` | | | |
//! | `subflow_refused`, `mp_join_rejected` | rejected: `remote->local` | reason (`unknown_token`, `bad_hmac`, ...) | |
//! | `add_addr_sent`/`_received` | the address | `id N`, `id N echo` | |
//! | `remove_addr_received` | | `ids N M ...` | |
//! | `mp_prio_sent`/`_received` | | `backup` or `regular` | |
//! | `subflow_failed` | | `interface_down` or `retransmission_timeouts` | |
//! | `subflow_closed` | | `fin` or `reset` | |
//! | `reinjected` | | `failure` or `opportunistic` | `bytes`, `dsn`, `from_subflow` |
//! | `data_fin_sent`/`_received` | | | `dsn` |

use mptcp_model::event::{Event, MptcpEventKind, TcpEvent};
use mptcp_model::mptcp::event::Handshake;
use mptcp_model::tcp::RecoveryKind;
use sim_core::Duration;
use std::borrow::Cow;
use std::fmt::Debug;

/// The header of `events.csv`.
pub const HEADER: &str = "time_s,host,flow,subflow,event,target,detail,bytes,dsn,from_subflow,\
                          rto_ms,backoff,cwnd_bytes,ssthresh_bytes";

/// The columns after `subflow` of one event.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventColumns {
    /// `event`.
    pub event: &'static str,
    /// `target`.
    pub target: Cow<'static, str>,
    /// `detail` (a fixed word for the frequent events: nothing to allocate).
    pub detail: Cow<'static, str>,
    /// `bytes`, `dsn`, `from_subflow`.
    pub bytes: Option<u64>,
    /// The data sequence number.
    pub dsn: Option<u64>,
    /// The subflow data came from.
    pub from_subflow: Option<u32>,
    /// `rto_ms`.
    pub rto: Option<Duration>,
    /// `backoff`.
    pub backoff: Option<u32>,
    /// `cwnd_bytes`.
    pub cwnd: Option<u64>,
    /// `ssthresh_bytes`.
    pub ssthresh: Option<u64>,
}

/// A `CamelCase` name (of a `Debug` value) as `snake_case`.
/// A `CamelCase` name (its `Debug` text) as `snake_case`.
pub(crate) fn snake(v: impl Debug) -> String {
    let mut out = String::new();
    for (i, c) in format!("{v:?}").chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn step(h: Handshake) -> String {
    snake(h)
}

fn named(event: &'static str, detail: impl Into<Cow<'static, str>>) -> EventColumns {
    EventColumns {
        event,
        detail: detail.into(),
        ..EventColumns::default()
    }
}

/// The columns of a model event.
pub fn columns(e: &Event) -> EventColumns {
    match *e {
        Event::Tcp(t) => tcp_columns(t),
        Event::Mptcp(m) => mptcp_columns(m),
    }
}

/// The kind of a recovery, as [`snake`] names it (written out: recovery events are the
/// most frequent ones, and `snake` goes through the formatter).
fn kind(k: RecoveryKind) -> &'static str {
    match k {
        RecoveryKind::Fast => "fast",
        RecoveryKind::Timeout => "timeout",
    }
}

fn tcp_columns(e: TcpEvent) -> EventColumns {
    match e {
        TcpEvent::Established => named("established", ""),
        TcpEvent::RtoFired {
            rto,
            backoff,
            handshake,
        } => EventColumns {
            rto: Some(rto),
            backoff: Some(backoff),
            ..named("rto_fired", if handshake { "handshake" } else { "data" })
        },
        TcpEvent::RecoveryEntered {
            kind: k,
            cwnd,
            ssthresh,
        } => EventColumns {
            cwnd: Some(cwnd),
            ssthresh: Some(ssthresh),
            ..named("recovery_entered", kind(k))
        },
        TcpEvent::RecoveryLeft { kind: k, cwnd } => EventColumns {
            cwnd: Some(cwnd),
            ..named("recovery_left", kind(k))
        },
        TcpEvent::Closed { error } => named("closed", error.map(snake).unwrap_or_default()),
    }
}

fn mptcp_columns(e: MptcpEventKind) -> EventColumns {
    use MptcpEventKind as K;
    match e {
        K::SubflowOpened => named("subflow_opened", ""),
        K::CapableSent(h) => named("mp_capable_sent", step(h)),
        K::CapableReceived(h) => named("mp_capable_received", step(h)),
        K::JoinSent(h) => named("mp_join_sent", step(h)),
        K::JoinReceived(h) => named("mp_join_received", step(h)),
        K::JoinAccepted => named("mp_join_accepted", ""),
        K::SubflowRefused(r) => named("subflow_refused", snake(r)),
        K::JoinRejected {
            reason,
            local,
            remote,
        } => EventColumns {
            target: format!("{remote}->{local}").into(),
            ..named("mp_join_rejected", snake(reason))
        },
        K::ConnectionEstablished => named("connection_established", ""),
        K::SubflowEstablished => named("subflow_established", ""),
        K::AddAddrSent { id, addr, echo } | K::AddAddrReceived { id, addr, echo } => {
            let event = match e {
                K::AddAddrSent { .. } => "add_addr_sent",
                _ => "add_addr_received",
            };
            let detail = if echo {
                format!("id {id} echo")
            } else {
                format!("id {id}")
            };
            EventColumns {
                target: addr.to_string().into(),
                ..named(event, detail)
            }
        }
        K::AddAddrDropped { id, addr } => EventColumns {
            target: addr.to_string().into(),
            ..named("add_addr_dropped", format!("id {id}"))
        },
        K::RemoveAddrSent(r) | K::RemoveAddrReceived(r) => {
            let event = match e {
                K::RemoveAddrSent(_) => "remove_addr_sent",
                _ => "remove_addr_received",
            };
            let ids: Vec<String> = r.ids().iter().map(u8::to_string).collect();
            named(event, format!("ids {}", ids.join(" ")))
        }
        K::ResetSent { reason } => named("reset_sent", snake(reason)),
        K::ResetReceived { reason } => {
            named("reset_received", reason.map(snake).unwrap_or_default())
        }
        K::PrioSent { backup } => named("mp_prio_sent", prio(backup)),
        K::PrioReceived { backup } => named("mp_prio_received", prio(backup)),
        K::SubflowFailed(r) => named("subflow_failed", snake(r)),
        K::SubflowRecovered => named("subflow_recovered", ""),
        K::SubflowClosed { reset } => named("subflow_closed", if reset { "reset" } else { "fin" }),
        K::Reinjected {
            dsn,
            bytes,
            from,
            opportunistic,
        } => EventColumns {
            bytes: Some(bytes),
            dsn: Some(dsn),
            from_subflow: from,
            ..named(
                "reinjected",
                if opportunistic {
                    "opportunistic"
                } else {
                    "failure"
                },
            )
        },
        K::DataFinSent { dsn } => EventColumns {
            dsn: Some(dsn),
            ..named("data_fin_sent", "")
        },
        K::DataFinReceived { dsn } => EventColumns {
            dsn: Some(dsn),
            ..named("data_fin_received", "")
        },
        K::Completed => named("completed", ""),
        K::FellBack(r) => named("fell_back", snake(r)),
        K::ChecksumFailed { dsn } => EventColumns {
            dsn: Some(dsn),
            ..named("checksum_failed", "")
        },
        K::FailSent { dsn } => EventColumns {
            dsn: Some(dsn),
            ..named("mp_fail_sent", "")
        },
        K::FailReceived { dsn } => EventColumns {
            dsn: Some(dsn),
            ..named("mp_fail_received", "")
        },
        K::InfiniteMappingSent => named("infinite_mapping_sent", ""),
        K::InfiniteMappingReceived => named("infinite_mapping_received", ""),
        K::FastCloseSent => named("mp_fastclose_sent", ""),
        K::FastCloseReceived => named("mp_fastclose_received", ""),
        K::FastClosed {
            by_peer,
            close_timeout,
        } => {
            let why = match (by_peer, close_timeout) {
                (true, _) => "peer",
                (false, true) => "close_timeout",
                (false, false) => "abort",
            };
            named("fast_closed", why)
        }
    }
}

fn prio(backup: bool) -> &'static str {
    if backup {
        "backup"
    } else {
        "regular"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_snake_case() {
        assert_eq!(snake(Handshake::SynAck), "syn_ack");
        let e = Event::Tcp(TcpEvent::RtoFired {
            rto: Duration::from_millis(200),
            backoff: 2,
            handshake: false,
        });
        let c = columns(&e);
        assert_eq!((c.event, &*c.detail), ("rto_fired", "data"));
        assert_eq!(
            (c.rto, c.backoff),
            (Some(Duration::from_millis(200)), Some(2))
        );
        for k in [RecoveryKind::Fast, RecoveryKind::Timeout] {
            assert_eq!(kind(k), snake(k));
        }
    }
}
