//! The embedded `gpu-health` scenario: reproducible from the generator byte for byte, and the
//! accelerator inventory replayed from it says what the story says — XID 79 attributed to the
//! rank's pod, a crash-looping device plugin with allocatable 0, a failed MIG reconfiguration,
//! an unhealthy Ascend chip, and pods pending for resources no node has free or offers.

use aicockpit::accel::derive::inventory::ResourceClass;
use aicockpit::accel::derive::xid::PodAttribution;
use aicockpit::contract::event::Msg;
use aicockpit::contract::scenario::Scenario;
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::generator;
use aicockpit::state::{AppState, Mode, update};

/// Replay up to `until_ms` of scenario time and refresh the views at that instant.
fn replay_until(s: &Scenario, until_ms: i64) -> AppState {
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("embedded keymap"));
    let batch = s
        .events
        .iter()
        .take_while(|l| l.t_ms <= until_ms)
        .map(|l| aicockpit::contract::event::TimedEvent {
            at_ms: s.start_ms + l.t_ms,
            ev: l.ev.clone(),
        })
        .collect();
    update(&mut st, Msg::Source(batch));
    update(
        &mut st,
        Msg::Tick {
            now_ms: s.start_ms + until_ms,
        },
    );
    st
}

fn flag_ids(st: &AppState, node: &str) -> Vec<&'static str> {
    st.accel
        .inventory
        .node(node)
        .map(|n| n.flags.iter().map(|f| f.id()).collect())
        .unwrap_or_default()
}

#[test]
fn generator_gives_a_five_minute_scenario() {
    // The asset's byte-for-byte match with the generator is checked for every built-in
    // scenario in tests/scenario_story.rs.
    let s = generator::generate("gpu-health").expect("known scenario");
    assert_eq!(s.duration_ms(), 300_000);
}

#[test]
fn inventory_at_the_end() {
    let s = generator::generate("gpu-health").expect("known");
    let st = replay_until(&s, s.duration_ms());
    let inv = &st.accel.inventory;
    assert_eq!(inv.nodes.len(), 7, "3 H100 + 2 A100 + 2 Ascend");
    let gpu = inv.by_class[&ResourceClass::Gpu];
    // 3 nodes x 8; h100-02 lost one GPU, h100-03 all eight
    assert_eq!(
        (gpu.capacity, gpu.allocatable, gpu.unhealthy),
        (24.0, 15.0, 9.0)
    );
    assert_eq!(gpu.requested, 16.0);
    assert_eq!(
        gpu.over_allocated, 1.0,
        "the failed rank still holds 8 of 7"
    );
    let npu = inv.by_class[&ResourceClass::Npu];
    assert_eq!((npu.capacity, npu.allocatable), (16.0, 15.0));
    let mig = inv.by_class[&ResourceClass::Mig];
    assert_eq!((mig.capacity, mig.requested), (64.0, 3.0));

    let xid = flag_ids(&st, "gpu-h100-02");
    assert!(
        xid.contains(&"gpu.xid") && xid.contains(&"devices.unhealthy"),
        "{xid:?}"
    );
    let plugin = flag_ids(&st, "gpu-h100-03");
    for want in [
        "plugin.not_running",
        "exporter.not_running",
        "devices.unhealthy",
    ] {
        assert!(plugin.contains(&want), "{want} missing from {plugin:?}");
    }
    assert!(flag_ids(&st, "gpu-a100-02").contains(&"mig.reconfig_failed"));
    let npu_flags = flag_ids(&st, "npu-910-02");
    assert!(npu_flags.contains(&"npu.unhealthy") && npu_flags.contains(&"npu.chip_unhealthy"));
    assert!(
        flag_ids(&st, "gpu-h100-01").is_empty(),
        "{:?}",
        flag_ids(&st, "gpu-h100-01")
    );
    assert!(flag_ids(&st, "npu-910-01").is_empty());
}

#[test]
fn xid_is_decoded_and_attributed_to_the_rank() {
    let s = generator::generate("gpu-health").expect("known");
    let st = replay_until(&s, s.duration_ms());
    let x = st.accel.xids.first().expect("an XID");
    assert_eq!(
        (x.node.as_str(), x.device.as_str(), x.xid),
        ("gpu-h100-02", "gpu5", 79)
    );
    assert_eq!(x.info.map(|i| i.name), Some("GPU has fallen off the bus"));
    assert!(matches!(&x.pod, PodAttribution::Labelled { pod, .. } if pod == "llama-ft-worker-1"));
    assert_eq!(st.accel.xids.len(), 1);
}

#[test]
fn nothing_is_wrong_before_the_story_starts() {
    let s = generator::generate("gpu-health").expect("known");
    let st = replay_until(&s, 10_000);
    for n in &st.accel.inventory.nodes {
        let ids: Vec<_> = n.flags.iter().map(|f| f.id()).collect();
        assert!(ids.is_empty(), "{}: {ids:?}", n.name);
    }
    assert!(st.accel.xids.is_empty());
    assert!(st.accel.pending.is_empty());
    // mid-story the MIG reconfiguration is pending, not yet failed
    let mid = replay_until(&s, 60_000);
    assert!(flag_ids(&mid, "gpu-a100-02").contains(&"mig.reconfig_pending"));
}

#[test]
fn pending_pods_say_whether_any_node_offers_the_resource() {
    let s = generator::generate("gpu-health").expect("known");
    let st = replay_until(&s, s.duration_ms());
    let p: Vec<_> = st
        .accel
        .pending
        .iter()
        .map(|p| (p.name.as_str(), p.resource.as_str(), p.offered_by, p.free))
        .collect();
    assert!(
        p.contains(&("batch-infer-0", "nvidia.com/gpu", 3, 0.0)),
        "{p:?}"
    );
    assert!(
        p.contains(&("finetune-7b-0", "nvidia.com/mig-7g.80gb", 0, 0.0)),
        "{p:?}"
    );
}

#[test]
fn mig_layouts_observed_and_inferred() {
    let s = generator::generate("gpu-health").expect("known");
    let st = replay_until(&s, s.duration_ms());
    let seen = &st.accel.mig["gpu-a100-01"];
    assert!(!seen.inferred);
    assert_eq!(seen.gpus.len(), 8);
    let g0 = &seen.gpus[0];
    let profiles: Vec<_> = g0.slices.iter().map(|x| x.profile.as_str()).collect();
    assert_eq!(profiles, ["3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"]);
    assert_eq!(g0.used_g(), 7);
    assert_eq!(g0.slices[0].pod.as_deref(), Some("research/notebook-bob-0"));
    assert!(g0.slices[0].util_pct.is_some_and(|u| u > 0.0));
    let guessed = &st.accel.mig["gpu-a100-02"];
    assert!(guessed.inferred);
    let slices: usize = guessed.gpus.iter().map(|g| g.slices.len()).sum();
    assert_eq!(slices, 32, "16 x 1g + 8 x 2g + 8 x 3g");
}

#[test]
fn gpu_that_fell_off_the_bus_is_not_averaged_or_alerted() {
    let s = generator::generate("gpu-health").expect("known");
    let st = replay_until(&s, s.duration_ms());
    let row = st
        .accel
        .rows
        .iter()
        .find(|r| r.name == "gpu-h100-02")
        .expect("row");
    // the other seven GPUs are idle: a stale 99 % from gpu5 must not lift the mean
    assert!(row.util.is_some_and(|u| u < 5.0), "{:?}", row.util);
    assert!(
        row.note
            .as_deref()
            .is_some_and(|n| n.contains("stopped reporting"))
    );
    let breaches = st.accel.breaches.get("gpu-h100-02");
    assert!(
        breaches.is_none_or(|b| b.iter().all(|x| !x.text.starts_with("gpu5"))),
        "{breaches:?}"
    );
}

#[test]
fn header_counts_physical_devices_and_what_the_inventory_flags() {
    let s = generator::generate("gpu-health").expect("known");
    // 3 H100 + 2 A100 (MIG slices are not extra devices) + 2 Ascend nodes, 8 devices each
    let before = replay_until(&s, 10_000);
    assert_eq!(before.accel.device_counts, Some((56, 56)));
    // then: GPU 5 of gpu-h100-02 falls off the bus (withheld and XID 79: one device, not two),
    // gpu-h100-03 loses its device plugin (all 8 withheld), one Ascend chip goes unhealthy
    let end = replay_until(&s, s.duration_ms());
    assert_eq!(end.accel.device_counts, Some((56 - 1 - 8 - 1, 56)));
}
