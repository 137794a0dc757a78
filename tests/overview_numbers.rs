//! The overview never lies: replaying every embedded scenario, a small synthetic cluster and
//! the `--local` NVML recording through the reducer, with the views refreshed after each batch
//! (at most `BATCH` events of one instant, so a sync is seen half done), at every step:
//! - per resource class of the Nodes pane's summary head, used + free + unhealthy = total, none
//!   negative, used never above total, and allocatable = used + free;
//! - each class is the sum of its nodes' resource lines (what the drill-down shows), and each
//!   line keeps the same identity;
//! - the header's accelerator count is the sum of the classes' devices (whole GPUs and NPUs
//!   being their own units), and its node count is the pane's rows, Ready ones and all.

use aicockpit::accel::derive::accounting::unlisted_devices;
use aicockpit::accel::derive::inventory::{ResourceClass, ResourceLine};
use aicockpit::contract::event::{Msg, TimedEvent};
use aicockpit::contract::scenario::{self, Scenario};
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::embedded;
use aicockpit::sources::generator::{SyntheticOpts, synthetic};
use aicockpit::state::{AppState, Mode, update};

/// Most events handed to the reducer at once.
const BATCH: usize = 64;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

/// Every identity at one step; `what` names the step. Returns the failures.
fn check(st: &AppState, what: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let v = &st.accel;
    for c in &v.summary {
        let c_name = format!("{what}: {:?}", c.class);
        let sum = c.allocated + c.free + c.unhealthy;
        if !close(sum, c.total) {
            bad.push(format!(
                "{c_name}: used {} + free {} + unhealthy {} = {sum}, total {}",
                c.allocated, c.free, c.unhealthy, c.total
            ));
        }
        if [c.allocated, c.free, c.unhealthy].iter().any(|x| *x < 0.0) || c.allocated > c.total {
            bad.push(format!("{c_name}: out of range {c:?}"));
        }
        if !close(c.allocatable, c.allocated + c.free) {
            bad.push(format!(
                "{c_name}: allocatable {} is not used + free",
                c.allocatable
            ));
        }
        let lines: Vec<&ResourceLine> = v
            .inventory
            .nodes
            .iter()
            .flat_map(|n| &n.resources)
            .filter(|l| l.class == c.class)
            .collect();
        let of = |f: fn(&ResourceLine) -> f64| lines.iter().map(|l| f(l)).sum::<f64>();
        let from_lines = (
            of(|l| l.total),
            of(|l| l.used),
            of(|l| l.free),
            of(|l| l.unhealthy),
        );
        if from_lines != (c.total, c.allocated, c.free, c.unhealthy) {
            bad.push(format!(
                "{c_name}: node lines sum to {from_lines:?}, the summary says {c:?}"
            ));
        }
        for l in lines {
            if !close(l.used + l.free + l.unhealthy, l.total) || l.free < 0.0 || l.used < 0.0 {
                bad.push(format!("{c_name}: line {l:?}"));
            }
        }
        let whole = matches!(c.class, ResourceClass::Gpu | ResourceClass::Npu);
        if whole && (c.devices, c.devices_unhealthy) != (c.total, c.unhealthy) {
            bad.push(format!("{c_name}: devices differ from units: {c:?}"));
        }
    }
    let (mut healthy, mut total) = (0.0, 0.0);
    for c in &v.summary {
        total += c.devices;
        healthy += c.devices - c.devices_unhealthy;
    }
    for (h, t) in v.inventory.nodes.iter().filter_map(unlisted_devices) {
        healthy += h;
        total += t;
    }
    let pane = (healthy.round() as u64, total.round() as u64);
    let header = (st.summary.accel_healthy, st.summary.accel_total);
    if header != pane {
        bad.push(format!(
            "{what}: header accelerators {header:?}, pane {pane:?}"
        ));
    }
    let rows = (v.rows.iter().filter(|r| r.ready).count(), v.rows.len());
    let header = (st.summary.nodes_ready, st.summary.nodes_total);
    if header != rows {
        bad.push(format!(
            "{what}: header nodes {header:?}, pane rows {rows:?}"
        ));
    }
    bad
}

/// Replay `s` in batches of one instant (at most `BATCH` events), refreshing and checking after
/// each; returns the failures and the steps checked.
fn replay_checked(s: &Scenario, name: &str) -> (Vec<String>, usize) {
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("embedded keymap"));
    let (mut bad, mut steps, mut i) = (Vec::new(), 0, 0);
    while i < s.events.len() {
        let t = s.events[i].t_ms;
        let n = s.events[i..]
            .iter()
            .take(BATCH)
            .take_while(|l| l.t_ms == t)
            .count();
        let batch = s.events[i..i + n]
            .iter()
            .map(|l| TimedEvent {
                at_ms: s.start_ms + l.t_ms,
                ev: l.ev.clone(),
            })
            .collect();
        i += n;
        update(&mut st, Msg::Source(batch));
        update(
            &mut st,
            Msg::Tick {
                now_ms: s.start_ms + t,
            },
        );
        steps += 1;
        bad.extend(check(&st, &format!("{name} at {t} ms, event {i}")));
    }
    (bad, steps)
}

fn assert_holds(s: &Scenario, name: &str) {
    let (bad, steps) = replay_checked(s, name);
    assert!(steps > 1, "{name}: {steps} steps");
    assert!(
        bad.is_empty(),
        "{name}: {} failures over {steps} steps, the first: {:#?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
}

#[test]
fn every_embedded_scenario_at_every_step() {
    let list = embedded::list();
    assert!(list.len() >= 7, "{} embedded scenarios", list.len());
    for info in list {
        let s = embedded::load(info.name).expect("embedded scenario loads");
        assert_holds(&s, info.name);
    }
}

#[test]
fn a_small_synthetic_cluster_at_every_step() {
    let s = synthetic(&SyntheticOpts {
        nodes: 40,
        pods: 2_000,
        gpus_per_node: 8,
        duration_s: 60,
        seed: 5,
    });
    assert_holds(&s, "synthetic");
}

#[test]
fn this_machine_read_through_nvml_at_every_step() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/h100-local.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    let s = scenario::parse(&text, "h100-local.jsonl").expect("fixture parses");
    assert_holds(&s, "h100-local");
}

#[test]
fn gpu_health_counts_agree_at_the_end() {
    let s = embedded::load("gpu-health").expect("gpu-health");
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("embedded keymap"));
    let batch = s
        .events
        .iter()
        .map(|l| TimedEvent {
            at_ms: s.start_ms + l.t_ms,
            ev: l.ev.clone(),
        })
        .collect();
    update(&mut st, Msg::Source(batch));
    update(
        &mut st,
        Msg::Tick {
            now_ms: s.start_ms + s.duration_ms(),
        },
    );
    let class = |c: ResourceClass| {
        let s = st
            .accel
            .summary
            .iter()
            .find(|s| s.class == c)
            .expect("class");
        (s.total, s.allocated, s.free, s.unhealthy, s.over_allocated)
    };
    // h100-01: 8 used; h100-02: 7 of 8 allocatable, the failed rank still holds 8 (one over);
    // h100-03: the device plugin withholds all 8
    assert_eq!(class(ResourceClass::Gpu), (24.0, 15.0, 0.0, 9.0, 1.0));
    // npu-910-02: chip 3 unhealthy, 7 of 8 allocatable, its pod still holds 8
    assert_eq!(class(ResourceClass::Npu), (16.0, 15.0, 0.0, 1.0, 1.0));
    assert_eq!(class(ResourceClass::Mig), (64.0, 3.0, 61.0, 0.0, 0.0));
    // 24 GPUs + 16 MIG-partitioned GPUs + 16 NPUs; 9 + 0 + 1 of them unhealthy
    assert_eq!((st.summary.accel_healthy, st.summary.accel_total), (46, 56));
}
