//! This machine's GPUs in the accelerator view: NVML snapshots folded into the world become
//! DCGM-named device series (history for the sparklines) and, when the host is no Kubernetes
//! node, one local inventory node — with the real H100's readings, no invented allocation and
//! no "plugin missing"; a MIG GPU shows its instances and profiles; a host that is a Kubernetes
//! node gets the series on that node instead of a duplicate.

#[path = "local_support/mod.rs"]
mod local;

use aicockpit::accel::derive::health::HealthFlag;
use aicockpit::accel::derive::inventory::{self, DaemonState, InventoryConfig};
use aicockpit::accel::derive::inventory_local;
use aicockpit::accel::derive::telemetry::{Field, Telemetry};
use aicockpit::contract::event::{Msg, SourceEvent, TimedEvent};
use aicockpit::domain::AccelKind;
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::nvml;
use aicockpit::state::{self, AppState, Mode};
use aicockpit::world::World;
use local::{HOST, MODEL, UUID};

fn world_of(events: &[TimedEvent]) -> World {
    let mut w = World::default();
    for e in events {
        w.apply(e);
    }
    w
}

fn state_of(events: Vec<TimedEvent>) -> AppState {
    let now = events.iter().map(|e| e.at_ms).max().unwrap_or(0);
    let mut st = AppState::new(
        Mode::Live {
            context: format!("local mode · {HOST} · NVML only"),
            read_only: true,
        },
        Keymap::embedded().expect("keymap"),
    );
    state::update(&mut st, Msg::Source(events));
    state::update(&mut st, Msg::Tick { now_ms: now });
    st
}

#[test]
fn the_h100_becomes_one_local_node_with_its_readings_and_history() {
    let s = local::h100();
    let events = local::events(&s);
    let last = local::last_reading(&s);
    let w = world_of(&events);
    let inv = inventory::build(&w, &InventoryConfig::default());
    assert_eq!(inv.nodes.len(), 1, "{:?}", inv.nodes);
    let n = &inv.nodes[0];
    assert_eq!(n.name, HOST);
    assert_eq!(n.kind, AccelKind::NvidiaGpu);
    assert_eq!(n.product.as_deref(), Some(MODEL));
    assert_eq!(n.physical_devices, Some(1.0));
    assert!(n.resources.is_empty(), "no Kubernetes allocation invented");
    assert_eq!(n.device_plugin, DaemonState::NotApplicable);
    assert_eq!(n.exporter, DaemonState::NotApplicable);
    assert_eq!(inv.unjoined_series, 0);
    // SW power cap (reason 4) is the normal cap under load, not a slowdown
    assert!(
        !n.flags.iter().any(|f| matches!(
            f,
            HealthFlag::PluginMissing { .. }
                | HealthFlag::ExporterMissing { .. }
                | HealthFlag::Throttling { .. }
        )),
        "{:?}",
        n.flags
    );
    let Telemetry::Present(t) = &n.telemetry else {
        panic!("no telemetry: {:?}", n.telemetry)
    };
    assert_eq!(t.devices.len(), 1);
    let d = &t.devices[0];
    assert_eq!(d.uuid.as_deref(), Some(UUID));
    assert_eq!(d.model.as_deref(), Some(MODEL));
    assert_eq!(d.value(Field::GpuUtil), last.gpu_util);
    assert_eq!(d.value(Field::FbUsed), last.fb_used_mib);
    assert_eq!(d.value(Field::GpuTemp), last.temp_c);
    assert_eq!(d.value(Field::Power), last.power_w);
    assert_eq!(d.value(Field::SmClock), last.sm_clock_mhz);
    let total = last.fb_total_mib.expect("total");
    let used = last.fb_used_mib.expect("used");
    assert_eq!(d.fb_used_pct(), Some(used / total * 100.0));
    // one point per snapshot, in event time, with the fixture's own values
    let hist = d.util_history(&w.metrics);
    assert_eq!(hist.len(), events.len());
    assert_eq!(hist.first().map(|p| p.0), events.first().map(|e| e.at_ms));
    let utils: Vec<f64> = s
        .events
        .iter()
        .filter_map(|l| match &l.ev {
            SourceEvent::Nvml { snapshot } => snapshot.devices[0].gpu_util,
            _ => None,
        })
        .collect();
    assert_eq!(hist.iter().map(|p| p.1).collect::<Vec<_>>(), utils);
}

#[test]
fn the_local_row_shows_the_readings_without_allocation() {
    let s = local::h100();
    let last = local::last_reading(&s);
    let st = state_of(local::events(&s));
    assert_eq!(st.accel.rows.len(), 1);
    let r = &st.accel.rows[0];
    assert_eq!(r.name, HOST);
    assert_eq!(r.devices, 1);
    assert_eq!(r.util, last.gpu_util);
    assert_eq!(r.temp, last.temp_c);
    assert_eq!(r.power, last.power_w);
    assert_eq!(
        r.alloc_frac(),
        None,
        "no allocation on a machine outside Kubernetes"
    );
    assert!(r.tags.iter().any(|t| t.text == "local"), "{:?}", r.tags);
    assert!(inventory_local::is_local(&st.world, HOST));
}

#[test]
fn a_mig_gpu_shows_both_instances_with_their_profiles() {
    let st = state_of(local::events(&local::mig_variant()));
    let n = st.accel.inventory.node(HOST).expect("local node");
    assert_eq!(n.kind, AccelKind::NvidiaMig);
    assert_eq!(n.physical_devices, Some(1.0), "instances are not GPUs");
    let layout = st.accel.mig.get(HOST).expect("MIG layout");
    assert!(!layout.inferred, "observed from NVML: {layout:?}");
    assert_eq!(layout.gpus.len(), 1);
    let slices: Vec<(&str, Option<&str>)> = layout.gpus[0]
        .slices
        .iter()
        .map(|s| (s.profile.as_str(), s.instance.as_deref()))
        .collect();
    assert_eq!(
        slices,
        [("3g.40gb", Some("0")), ("4g.40gb", Some("1"))],
        "{layout:?}"
    );
    let devs = n.telemetry.devices();
    assert_eq!(devs.len(), 3, "the GPU and its two instances");
    for d in devs.iter().filter(|d| d.key.mig_instance.is_some()) {
        assert_eq!(d.util_pct(), None, "NVML reports no MIG utilisation");
        assert!(
            d.notes
                .iter()
                .any(|n| n.starts_with("MIG instance: no utilisation")),
            "{:?}",
            d.notes
        );
        assert_eq!(
            d.value(Field::FbFree)
                .map(|f| f + d.value(Field::FbUsed).unwrap_or(0.0)),
            Some(local::MIG_MIB)
        );
    }
    let row = &st.accel.rows[0];
    assert!(
        row.note
            .as_deref()
            .is_some_and(|n| n.contains("no MIG utilisation")),
        "{row:?}"
    );
}

#[test]
fn a_host_that_is_a_kubernetes_node_gets_the_series_not_a_twin() {
    let node = serde_json::json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": HOST, "labels": {
            "kubernetes.io/hostname": HOST,
            "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
            "nvidia.com/gpu.count": "1"
        }},
        "status": {
            "capacity": {"nvidia.com/gpu": "1"},
            "allocatable": {"nvidia.com/gpu": "1"},
            "conditions": [{"type": "Ready", "status": "True"}]
        }
    });
    let s = local::h100();
    let mut events = vec![TimedEvent {
        at_ms: s.start_ms,
        ev: SourceEvent::Upsert { object: node },
    }];
    events.extend(local::events(&s));
    let w = world_of(&events);
    assert!(!inventory_local::is_local(&w, HOST));
    let inv = inventory::build(&w, &InventoryConfig::default());
    assert_eq!(inv.nodes.len(), 1, "no duplicate local node");
    let n = &inv.nodes[0];
    assert_eq!(n.line("nvidia.com/gpu").map(|l| l.capacity), Some(1.0));
    let d = n
        .telemetry
        .device("0", None)
        .expect("the NVML series joined");
    assert_eq!(d.uuid.as_deref(), Some(UUID));
    assert_eq!(d.util_history(&w.metrics).len(), s.events.len());
    assert_eq!(inv.unjoined_series, 0);
}

#[test]
fn a_snapshot_without_a_host_makes_no_node_and_no_series() {
    let mut events = local::events(&local::h100());
    for e in &mut events {
        if let SourceEvent::Nvml { snapshot } = &mut e.ev {
            snapshot.hostname.clear();
        }
    }
    let w = world_of(&events);
    assert!(w.nvml.is_some(), "the snapshot itself is kept");
    assert!(w.metrics.is_empty());
    assert!(
        inventory::build(&w, &InventoryConfig::default())
            .nodes
            .is_empty()
    );
}

#[test]
fn nvml_absence_is_reported_under_the_name_the_view_reads() {
    assert_eq!(nvml::SOURCE, inventory_local::HEALTH_SOURCE);
    let mut w = World::default();
    w.apply(&nvml::unavailable(
        1,
        "libnvidia-ml.so.1: cannot open shared object file",
    ));
    assert_eq!(
        inventory_local::nvml_unavailable(&w),
        Some("NVML not available: libnvidia-ml.so.1: cannot open shared object file")
    );
}
