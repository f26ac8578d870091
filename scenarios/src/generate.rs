//! Topology and traffic generators: a scenario's `topology` (`FatTree`, `LeafSpine`) and
//! `traffic` (`Permutation`, `Random`, `AllToAll`, `Incast`) expand into ordinary hosts,
//! routers, links and flows before validation, so everything downstream (validation, the
//! builder, outputs) sees a plain scenario.
//!
//! ```ron
//! topology: FatTree(k: 8, link: Fabric(rate: "100Mbps", delay: "10us", queue: Packets(100))),
//! traffic: [Traffic(matrix: Permutation, size: Unlimited,
//!                   transport: Mptcp(cc: Lia, path_manager: NDiffPorts(subflows: 8)))],
//! ```
//!
//! Generated names and addresses (one interface `eth0` per host):
//! - `FatTree(k)` (Al-Fares, Loukissas and Vahdat, "A Scalable, Commodity Data Center Network
//!   Architecture", SIGCOMM 2008, §3): `k` pods of `k/2` edge switches `edge{p}-{e}` and `k/2`
//!   aggregation switches `agg{p}-{a}`; `(k/2)^2` core switches `core{a}-{i}`, core `(a, i)`
//!   joined to aggregation switch `a` of every pod; `k/2` hosts `h{p}-{e}-{h}` per edge switch,
//!   address `10.p.e.(h+2)` as in the paper. `k^3/4` hosts, `5k^2/4` switches, `3k^3/4` links;
//!   `(k/2)^2` equal-cost paths between pods, `k/2` between edge switches of one pod.
//! - `LeafSpine(..)`: `leaves` leaf switches `leaf{l}`, each joined to every spine `spine{s}`,
//!   `hosts_per_leaf` hosts `h{l}-{i}` per leaf at `10.(l/256).(l%256).(i+2)`; `spines`
//!   equal-cost paths between leaves.
//!
//! Traffic matrices run over every host of the scenario (written and generated, in order).
//! Randomness comes from the run's seed, one stream per traffic entry (`traffic[k]/matrix`
//! for the pairs, `traffic[k]/size` for the flow sizes), so a matrix is the same for every
//! transport swept over it. Flows are named `t{k}-{i}`.

use crate::error::{Reporter, ScenarioError};
use crate::schema::{
    AppSpec, FabricLink, FlowSpec, HostSpec, InterfaceSpec, LinkSpec, Matrix, Opener, Scenario,
    SizeSpec, TopologySpec,
};
use crate::units::Bytes;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_distr::{Distribution, Exp, Pareto};
use sim_core::rng::stream;
use std::borrow::Cow;

/// `sc` with its generators expanded (borrowed unchanged when it has none).
pub fn expand<'a>(r: &Reporter<'_>, sc: &'a Scenario) -> Result<Cow<'a, Scenario>, ScenarioError> {
    if sc.topology.is_none() && sc.traffic.is_empty() {
        return Ok(Cow::Borrowed(sc));
    }
    let mut out = sc.clone();
    let err = |field: &str, msg: String| r.at("topology", field.into(), "", msg);
    match &sc.topology {
        Some(TopologySpec::FatTree { k, link }) => {
            if *k < 2 || *k > 64 || k % 2 != 0 {
                return Err(err("topology.k", format!("k = {k}: must be even, 2..=64")));
            }
            fat_tree(&mut out, *k, link);
        }
        Some(TopologySpec::LeafSpine {
            leaves,
            spines,
            hosts_per_leaf,
            host_link,
            fabric_link,
        }) => {
            if !(1..=65_536).contains(leaves) || *spines == 0 || !(1..=253).contains(hosts_per_leaf)
            {
                let msg = format!(
                    "{leaves} leaves, {spines} spines, {hosts_per_leaf} hosts per leaf: need \
                     1..=65536 leaves, at least 1 spine, 1..=253 hosts per leaf"
                );
                return Err(err("topology", msg));
            }
            leaf_spine(
                &mut out,
                [*leaves, *spines, *hosts_per_leaf],
                host_link,
                fabric_link,
            );
        }
        None => {}
    }
    let hosts: Vec<String> = out.hosts.iter().map(|h| h.name.clone()).collect();
    for (k, t) in sc.traffic.iter().enumerate() {
        let field = |f: &str| format!("traffic[{k}].{f}");
        let pairs = matrix_pairs(sc.seed, k, t.matrix, hosts.len())
            .map_err(|m| r.at("traffic", field("matrix"), "", m))?;
        let mut sizes = stream(sc.seed, &format!("traffic[{k}]/size"));
        for (i, (s, d)) in pairs.into_iter().enumerate() {
            let bytes =
                flow_size(t.size, &mut sizes).map_err(|m| r.at("traffic", field("size"), "", m))?;
            out.flows.push(FlowSpec {
                name: format!("t{k}-{i}"),
                from: hosts[s].clone(),
                to: hosts[d].clone(),
                start: t.start,
                opener: Opener::Sender,
                transport: t.transport.clone(),
                app: AppSpec::Bulk { bytes },
                proxy: None,
                abort_at: None,
                via: None,
            });
        }
    }
    if out.flows.len() > MAX_FLOWS {
        let msg = format!(
            "{} flows; at most {MAX_FLOWS} fit the port plan (flow i connects from port 40000 + i)",
            out.flows.len()
        );
        return Err(r.at("traffic", "traffic".into(), "", msg));
    }
    Ok(Cow::Owned(out))
}

/// Flows a scenario can hold: flow `i` uses client port `40000 + i` (see
/// [`crate::transport::client_port`]).
const MAX_FLOWS: usize = (u16::MAX - 40_000) as usize + 1;

fn host(name: String, a: [u32; 4]) -> HostSpec {
    HostSpec {
        name,
        interfaces: vec![InterfaceSpec {
            name: "eth0".into(),
            addr: format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
        }],
    }
}

fn link(name: String, a: String, b: String, l: &FabricLink) -> LinkSpec {
    LinkSpec {
        name,
        a,
        b,
        rate: Some(l.rate),
        trace: None,
        delay: l.delay,
        jitter: l.jitter,
        queue: l.queue,
        loss: Default::default(),
        framing: l.framing,
        reverse: None,
    }
}

/// Appends a k-ary fat tree (hosts, switches, links) to `sc`.
fn fat_tree(sc: &mut Scenario, k: u32, l: &FabricLink) {
    let half = k / 2;
    for a in 0..half {
        for i in 0..half {
            sc.routers.push(format!("core{a}-{i}"));
        }
    }
    for p in 0..k {
        for a in 0..half {
            let agg = format!("agg{p}-{a}");
            sc.routers.push(agg.clone());
            for i in 0..half {
                let core = format!("core{a}-{i}");
                sc.links
                    .push(link(format!("{agg}-{core}"), agg.clone(), core, l));
            }
        }
        for e in 0..half {
            let edge = format!("edge{p}-{e}");
            sc.routers.push(edge.clone());
            for a in 0..half {
                let agg = format!("agg{p}-{a}");
                sc.links
                    .push(link(format!("{edge}-{agg}"), edge.clone(), agg, l));
            }
            for h in 0..half {
                let name = format!("h{p}-{e}-{h}");
                sc.hosts.push(host(name.clone(), [10, p, e, h + 2]));
                sc.links.push(link(name.clone(), name, edge.clone(), l));
            }
        }
    }
}

/// Appends a leaf-spine fabric (`[leaves, spines, hosts_per_leaf]`) to `sc`.
fn leaf_spine(
    sc: &mut Scenario,
    [leaves, spines, per_leaf]: [u32; 3],
    h: &FabricLink,
    f: &FabricLink,
) {
    for s in 0..spines {
        sc.routers.push(format!("spine{s}"));
    }
    for leaf in 0..leaves {
        let name = format!("leaf{leaf}");
        sc.routers.push(name.clone());
        for s in 0..spines {
            sc.links.push(link(
                format!("{name}-spine{s}"),
                name.clone(),
                format!("spine{s}"),
                f,
            ));
        }
        for i in 0..per_leaf {
            let hn = format!("h{leaf}-{i}");
            sc.hosts
                .push(host(hn.clone(), [10, leaf / 256, leaf % 256, i + 2]));
            sc.links.push(link(hn.clone(), hn, name.clone(), h));
        }
    }
}

/// The (sender, receiver) host indices of traffic entry `k`.
fn matrix_pairs(seed: u64, k: usize, m: Matrix, n: usize) -> Result<Vec<(usize, usize)>, String> {
    if n < 2 {
        return Err(format!(
            "a traffic matrix needs at least 2 hosts; the scenario has {n}"
        ));
    }
    let mut rng = stream(seed, &format!("traffic[{k}]/matrix"));
    Ok(match m {
        Matrix::Permutation => {
            // Uniform over derangements: shuffle until no host sends to itself (expected e
            // shuffles).
            let mut to: Vec<usize> = (0..n).collect();
            loop {
                to.shuffle(&mut rng);
                if to.iter().enumerate().all(|(s, &d)| s != d) {
                    break;
                }
            }
            to.into_iter().enumerate().collect()
        }
        Matrix::Random => (0..n)
            .map(|s| {
                let d = rng.random_range(0..n - 1);
                (s, if d >= s { d + 1 } else { d })
            })
            .collect(),
        Matrix::AllToAll => (0..n)
            .flat_map(|s| (0..n).filter(move |&d| d != s).map(move |d| (s, d)))
            .collect(),
        Matrix::Incast(senders) => {
            let senders = senders as usize;
            if senders == 0 || senders > n - 1 {
                return Err(format!("Incast({senders}): needs 1..={} senders", n - 1));
            }
            let mut others: Vec<usize> = (1..n).collect();
            others.shuffle(&mut rng);
            others.truncate(senders);
            others.sort_unstable();
            others.into_iter().map(|s| (s, 0)).collect()
        }
    })
}

/// One flow's size: `None` for unlimited.
fn flow_size(size: SizeSpec, rng: &mut sim_core::RngStream) -> Result<Option<Bytes>, String> {
    let whole = |x: f64| Some(Bytes((x.round() as u64).max(1)));
    Ok(match size {
        SizeSpec::Unlimited => None,
        SizeSpec::Fixed(b) => Some(b),
        SizeSpec::Uniform { min, max } => {
            if min > max || min.0 == 0 {
                return Err(format!(
                    "Uniform: need 0 < min <= max (min {min}, max {max})"
                ));
            }
            Some(Bytes(rng.random_range(min.0..=max.0)))
        }
        SizeSpec::Exponential { mean } => {
            let d =
                Exp::new(1.0 / mean.0 as f64).map_err(|_| format!("mean {mean} must be > 0"))?;
            whole(d.sample(rng))
        }
        SizeSpec::Pareto { mean, shape } => {
            if shape.is_nan() || shape <= 1.0 || mean.0 == 0 {
                return Err(format!(
                    "Pareto: need mean > 0 and shape > 1 (shape {shape})"
                ));
            }
            let scale = mean.0 as f64 * (shape - 1.0) / shape;
            let d = Pareto::new(scale, shape).map_err(|e| e.to_string())?;
            whole(d.sample(rng))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_derangements_and_seeded() {
        let p = matrix_pairs(1, 0, Matrix::Permutation, 128).unwrap();
        assert_eq!(p.len(), 128);
        let mut dst: Vec<usize> = p.iter().map(|&(_, d)| d).collect();
        assert!(p.iter().all(|&(s, d)| s != d));
        dst.sort_unstable();
        assert_eq!(dst, (0..128).collect::<Vec<_>>(), "everyone receives once");
        assert_eq!(p, matrix_pairs(1, 0, Matrix::Permutation, 128).unwrap());
        assert_ne!(p, matrix_pairs(2, 0, Matrix::Permutation, 128).unwrap());
        assert_ne!(p, matrix_pairs(1, 1, Matrix::Permutation, 128).unwrap());
    }

    #[test]
    fn other_matrices() {
        let r = matrix_pairs(3, 0, Matrix::Random, 10).unwrap();
        assert_eq!(r.len(), 10);
        assert!(r
            .iter()
            .enumerate()
            .all(|(i, &(s, d))| s == i && d != s && d < 10));
        assert_eq!(matrix_pairs(3, 0, Matrix::AllToAll, 4).unwrap().len(), 12);
        let inc = matrix_pairs(3, 0, Matrix::Incast(5), 10).unwrap();
        assert_eq!(inc.len(), 5);
        assert!(inc.iter().all(|&(s, d)| d == 0 && s != 0));
        assert!(matrix_pairs(3, 0, Matrix::Incast(10), 10).is_err());
        assert!(matrix_pairs(3, 0, Matrix::Permutation, 1).is_err());
    }

    /// Means of 20,000 draws: the sample mean's sd is sigma / sqrt(n); exponential: sigma =
    /// mean, so 5 sd = 3.5 %; uniform on 1..=999: sigma = 288, 5 sd = 10.2 bytes.
    #[test]
    fn flow_sizes_follow_their_distribution() {
        let mut rng = stream(1, "t");
        let n = 20_000;
        let mean = |s: SizeSpec, rng: &mut sim_core::RngStream| {
            (0..n)
                .map(|_| flow_size(s, rng).unwrap().unwrap().0 as f64)
                .sum::<f64>()
                / f64::from(n)
        };
        let e = mean(
            SizeSpec::Exponential {
                mean: Bytes(100_000),
            },
            &mut rng,
        );
        assert!((e - 100_000.0).abs() < 3_500.0, "{e}");
        let u = mean(
            SizeSpec::Uniform {
                min: Bytes(1),
                max: Bytes(999),
            },
            &mut rng,
        );
        assert!((u - 500.0).abs() < 10.2, "{u}");
        let p = flow_size(
            SizeSpec::Pareto {
                mean: Bytes(1000),
                shape: 1.5,
            },
            &mut rng,
        )
        .unwrap()
        .unwrap();
        assert!(p.0 >= 333, "Pareto draws are at least the scale: {p}");
        assert_eq!(flow_size(SizeSpec::Unlimited, &mut rng), Ok(None));
        assert!(flow_size(
            SizeSpec::Pareto {
                mean: Bytes(1000),
                shape: 1.0
            },
            &mut rng
        )
        .is_err());
    }
}
