//! No allocation per packet: once a run has reached its steady state (every buffer grown to
//! the size the run needs), simulating more packets allocates nothing. The heap is counted by
//! a global allocator that wraps the system's (this test binary only); the run is driven
//! through the engine as the runner drives it, its hosts' event queues drained every 100 ms.
//! Release builds only (the README's test command): with debug assertions the model checks
//! its promises on clones of its state, which allocate.

use scenarios::build::{build, Built};
use scenarios::Plan;
use sim_core::{Duration, Instant};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The system allocator, counting the calls that take memory (alloc, zeroed alloc, realloc).
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// The workspace denies unsafe code; a global allocator cannot be written without it. This
// one only counts, and forwards every call unchanged to `System`, which upholds the contract.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as the caller's contract for `GlobalAlloc::alloc`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as the caller's contract for `GlobalAlloc::alloc_zeroed`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as the caller's contract for `GlobalAlloc::realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as the caller's contract for `GlobalAlloc::dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Held by each test while it counts: the count is process-wide, and the test harness runs
/// tests on several threads.
static COUNTING: Mutex<()> = Mutex::new(());

fn plan_of(file: &str) -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    scenarios::load(&path, None).expect("shipped scenario loads")
}

fn plan_str(text: &str) -> Plan {
    scenarios::load_str(Path::new("alloc.ron"), text, None).expect("valid scenario")
}

/// Packets the links have sent so far.
fn link_packets(built: &Built) -> u64 {
    let links = built.sim.network().link_count();
    (0..links)
        .map(|l| built.sim.link_stats(sim_core::LinkId(l as u32)).tx_packets)
        .sum()
}

/// Runs `built` from its current time to `until` in 100 ms steps, draining the hosts' event
/// queues after each step (as the runner's recorder does).
fn run_to(built: &mut Built, until: Instant) {
    let step = Duration::from_millis(100);
    while built.sim.now() < until {
        let t = (built.sim.now() + step).min(until);
        built.sim.run_until(t);
        for h in 0..built.sim.hosts().len() {
            let host = built.sim.host_mut(sim_core::HostId(h as u32));
            while host.poll_event().is_some() {}
            while host.poll_captured().is_some() {}
        }
    }
}

/// Runs `plan` to `warm`, then to `end`: returns the packets the links sent and the
/// allocations made between the two.
fn steady(plan: &Plan, warm: Instant, end: Instant) -> (u64, u64) {
    let _alone = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let mut built = build(plan).expect("builds");
    run_to(&mut built, warm);
    let (p0, a0) = (link_packets(&built), ALLOCATIONS.load(Ordering::Relaxed));
    run_to(&mut built, end);
    let (p1, a1) = (link_packets(&built), ALLOCATIONS.load(Ordering::Relaxed));
    (p1 - p0, a1 - a0)
}

fn pair(flows: &str, duration: &str) -> Plan {
    plan_str(&format!(
        r#"Scenario(duration: "{duration}",
            hosts: [Host(name: "a", interfaces: [Interface(name: "e", addr: "10.0.0.1")]),
                    Host(name: "b", interfaces: [Interface(name: "e", addr: "10.0.0.2")])],
            links: [Link(name: "l", a: "a", b: "b", rate: "1Gbps", delay: "1ms",
                         queue: Packets(1000))],
            flows: [{flows}],
            output: Output(timeseries: false, plots: false))"#
    ))
}

/// The whole model (MPTCP with two paths, 32 subflows of one connection, a fat tree with
/// ECMP): not a single allocation in a window of hundreds of thousands of packets.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "debug builds run self-checks that allocate (an idle poll replayed on a clone of the socket)"
)]
fn steady_state_runs_allocate_nothing() {
    let secs = Instant::from_secs;
    let cases = [
        ("two-path.ron", plan_of("two-path.ron"), secs(20), secs(40)),
        (
            "32 subflows",
            pair(
                r#"Flow(name: "mp", from: "a", to: "b",
                        transport: Mptcp(cc: Lia, path_manager: NDiffPorts(subflows: 32),
                                         rcv_buf: "16MiB", snd_buf: "16MiB"))"#,
                "20s",
            ),
            secs(10),
            secs(20),
        ),
    ];
    for (name, plan, warm, end) in cases {
        let (packets, allocations) = steady(&plan, warm, end);
        eprintln!("{name}: {packets} packets, {allocations} allocations");
        assert!(packets > 300_000, "{name}: {packets} packets");
        assert_eq!(allocations, 0, "{name}: {allocations} allocations");
    }
}

/// Many connections: what allocates is a buffer growing to a new high-water mark (a window,
/// a SACK scoreboard or retransmission record larger than any before on that connection),
/// amortised over the run and fading as it goes on, never an allocation per packet: 1000 TCP
/// flows on one host pair from 8 s to 16 s, and a k = 4 fat tree under a permutation with
/// MPTCP (4 subflows each over ECMP) in its second second, fewer than one allocation per
/// 10,000 packets, and the later, twice as long, window of the 1000 flows no more than the
/// one before.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "debug builds run self-checks that allocate (an idle poll replayed on a clone of the socket)"
)]
fn many_connections_allocate_only_to_grow() {
    let secs = Instant::from_secs;
    let flows: String = (0..1000)
        .map(|i| format!(r#"Flow(name: "f{i}", from: "a", to: "b", transport: Tcp(cc: Reno)),"#))
        .collect();
    let thousand = pair(&flows, "16s");
    let (p1, a1) = steady(&thousand, secs(4), secs(8));
    let (p2, a2) = steady(&thousand, secs(8), secs(16));
    eprintln!("1000 flows: 4..8 s {p1} packets, {a1} allocations; 8..16 s {p2}, {a2}");
    assert!(p2 > 1_000_000, "{p2} packets");
    assert!(a2 * 10_000 < p2, "{a2} allocations for {p2} packets");
    assert!(a2 <= a1, "allocations grew: {a1} then {a2}");
    let fat_tree = plan_str(
        r#"Scenario(duration: "2s", seed: 1,
            topology: FatTree(k: 4, link: Fabric(rate: "100Mbps", delay: "10us",
                                                 queue: Packets(100))),
            traffic: [Traffic(matrix: Permutation,
                              transport: Mptcp(cc: Lia, path_manager: NDiffPorts(subflows: 4)),
                              size: Unlimited)],
            output: Output(timeseries: false, plots: false))"#,
    );
    let (p, a) = steady(&fat_tree, secs(1), secs(2));
    eprintln!("k = 4 fat tree: {p} packets, {a} allocations");
    assert!(p > 500_000, "{p} packets");
    assert!(a * 10_000 < p, "{a} allocations for {p} packets");
}
