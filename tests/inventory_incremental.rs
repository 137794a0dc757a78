//! The incremental inventory (`InventoryCache`) always equals a fresh `inventory::build` of the
//! same world: replaying every built-in scenario and a synthetic cluster step by step, and after
//! each kind of change on its own (new scrape, a device's pod labels changing, a pod leaving, a
//! node relabelled or deleted, the device-info ConfigMap, a replaced world, another config).
//! It also checks that it redoes only what changed, and that the Nodes view refreshed step by
//! step (layouts kept for settled nodes) equals one computed from nothing.

use std::collections::BTreeMap;

use aicockpit::accel::derive::inventory::{Inventory, InventoryConfig, build};
use aicockpit::accel::derive::inventory_cache::InventoryCache;
use aicockpit::accel::derive::telemetry::Telemetry;
use aicockpit::accel::view::{self, AccelView};
use aicockpit::contract::event::{Msg, SourceEvent, TimedEvent};
use aicockpit::contract::scenario::Scenario;
use aicockpit::domain::AccelKind;
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::generator::{self, SyntheticOpts, synthetic};
use aicockpit::state::{AppState, Mode, update};
use aicockpit::world::World;
use serde_json::json;

struct Incremental {
    world: World,
    cache: InventoryCache,
    inv: Inventory,
    cfg: InventoryConfig,
}

impl Incremental {
    fn new() -> Self {
        Incremental {
            world: World::default(),
            cache: InventoryCache::default(),
            inv: Inventory::default(),
            cfg: InventoryConfig::default(),
        }
    }

    fn apply(&mut self, at_ms: i64, ev: SourceEvent) {
        self.world.apply(&TimedEvent { at_ms, ev });
    }

    /// Refresh incrementally and compare with a fresh build; `what` names the step.
    fn check(&mut self, what: &str) {
        let prev = std::mem::take(&mut self.inv);
        self.inv = self.cache.refresh(prev, &self.world, &self.cfg);
        let fresh = build(&self.world, &self.cfg);
        assert_eq!(
            self.inv.nodes.len(),
            fresh.nodes.len(),
            "{what}: node count"
        );
        for (a, b) in self.inv.nodes.iter().zip(&fresh.nodes) {
            assert_eq!(a, b, "{what}: node {}", a.name);
        }
        assert_eq!(self.inv, fresh, "{what}");
    }
}

fn replay_in_steps(s: &Scenario, steps: usize, what: &str) -> Incremental {
    let mut inc = Incremental::new();
    let chunk = (s.events.len() / steps).max(1);
    for (i, part) in s.events.chunks(chunk).enumerate() {
        for l in part {
            inc.apply(s.start_ms + l.t_ms, l.ev.clone());
        }
        inc.check(&format!("{what}, step {i}"));
    }
    inc
}

#[test]
fn every_builtin_scenario_replayed_in_steps_equals_a_fresh_build() {
    for name in generator::builtin_names() {
        let s = generator::generate(name).expect("built-in scenario");
        let inc = replay_in_steps(&s, 40, name);
        assert!(
            inc.cache.stats.kept_nodes + inc.cache.stats.rebuilt_nodes == inc.inv.nodes.len(),
            "{name}: every node is either kept or rebuilt"
        );
    }
}

#[test]
fn a_synthetic_cluster_replayed_in_steps_equals_a_fresh_build() {
    let s = synthetic(&SyntheticOpts {
        nodes: 200,
        pods: 1_000,
        gpus_per_node: 4,
        duration_s: 60,
        seed: 7,
    });
    let inc = replay_in_steps(&s, 25, "synthetic");
    let kinds: std::collections::BTreeSet<_> = inc.inv.nodes.iter().map(|n| n.kind).collect();
    assert_eq!(kinds.len(), 3, "GPU, MIG and Ascend nodes: {kinds:?}");
}

/// The gpu-health story at its end, with a cache that has seen it.
fn gpu_health() -> (Incremental, i64) {
    let s = generator::generate("gpu-health").expect("gpu-health");
    let inc = replay_in_steps(&s, 5, "gpu-health");
    let end = s.start_ms + s.duration_ms();
    (inc, end)
}

/// A DCGM series with a pod label, its labels and value.
fn a_pod_series(w: &World) -> (String, BTreeMap<String, String>) {
    let id = w
        .metrics
        .ids_by_name("DCGM_FI_DEV_GPU_UTIL")
        .iter()
        .copied()
        .find(|id| {
            w.metrics
                .key(*id)
                .is_some_and(|k| k.labels.get("pod").is_some_and(|p| !p.is_empty()))
        })
        .expect("a GPU held by a pod");
    let k = w.metrics.key(id).expect("key");
    (k.name.clone(), (*k.labels).clone())
}

#[test]
fn a_scrape_alone_rebuilds_no_node_and_updates_devices_in_place() {
    let (mut inc, end) = gpu_health();
    let (name, labels) = a_pod_series(&inc.world);
    let node = labels.get("Hostname").cloned().expect("Hostname label");
    inc.apply(
        end + 15_000,
        SourceEvent::Metric {
            name,
            labels,
            value: 42.0,
        },
    );
    inc.check("one new sample");
    assert_eq!(inc.cache.stats.rebuilt_nodes, 0);
    assert_eq!(inc.cache.stats.kept_nodes, inc.inv.nodes.len());
    assert_eq!(inc.cache.stats.devices_kept, inc.inv.nodes.len());
    let n = inc.inv.node(&node).expect("node");
    let Telemetry::Present(t) = &n.telemetry else {
        panic!("telemetry present");
    };
    assert_eq!(t.last_ms, end + 15_000, "the new point is read");
}

#[test]
fn a_device_changing_hands_merges_the_two_label_sets() {
    let (mut inc, end) = gpu_health();
    let (name, mut labels) = a_pod_series(&inc.world);
    labels.insert("pod".into(), "next-holder-0".into());
    inc.apply(
        end + 15_000,
        SourceEvent::Metric {
            name,
            labels,
            value: 7.0,
        },
    );
    inc.check("device with a new pod label set");
    let holders: Vec<_> = inc
        .inv
        .nodes
        .iter()
        .filter_map(|n| match &n.telemetry {
            Telemetry::Present(t) => Some(t.devices.iter()),
            Telemetry::Missing(_) => None,
        })
        .flatten()
        .filter_map(|d| d.pod.as_ref().map(|p| p.1.clone()))
        .collect();
    assert!(holders.contains(&"next-holder-0".to_string()));
}

#[test]
fn pod_node_configmap_and_world_changes_each_equal_a_fresh_build() {
    let (mut inc, end) = gpu_health();
    // a pod bound to an accelerator node goes away: only that node is rebuilt
    let (ns, pod, node) = inc
        .world
        .pods
        .values()
        .find(|p| p.node.is_some() && !p.accel_requests.is_empty())
        .map(|p| (p.namespace.clone(), p.name.clone(), p.node.clone()))
        .expect("a pod holding devices");
    let node = node.expect("bound");
    inc.apply(
        end + 1,
        SourceEvent::Delete {
            object_kind: "Pod".into(),
            namespace: Some(ns),
            name: pod.clone(),
            api_version: "v1".into(),
        },
    );
    inc.check("pod deleted");
    assert_eq!(inc.cache.stats.rebuilt_nodes, 1);
    assert!(
        !inc.inv
            .node(&node)
            .expect("node")
            .pods
            .iter()
            .any(|p| p.1 == pod),
        "the deleted pod no longer holds devices"
    );

    // the node is relabelled with another hostname: the join plan is rebuilt
    let raw = json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": node, "labels": {"kubernetes.io/hostname": "renamed-host"}},
        "status": {"capacity": {"nvidia.com/gpu": "8"}, "allocatable": {"nvidia.com/gpu": "8"}}});
    inc.apply(end + 2, SourceEvent::Upsert { object: raw });
    inc.check("node relabelled");

    // an Ascend device-info ConfigMap changes
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": format!("mindx-dl-deviceinfo-{node}"), "namespace": "kube-system"},
        "data": {"DeviceInfoCfg": "{}"}});
    inc.apply(end + 3, SourceEvent::Upsert { object: cm });
    inc.check("device-info ConfigMap");

    // the node is deleted
    inc.apply(
        end + 4,
        SourceEvent::Delete {
            object_kind: "Node".into(),
            namespace: None,
            name: node.clone(),
            api_version: "v1".into(),
        },
    );
    inc.check("node deleted");
    assert!(inc.inv.node(&node).is_none());

    // another inventory config (only Huawei resources count) is not served stale
    inc.cfg.matcher =
        aicockpit::accel::derive::inventory::ResourceMatcher::from_prefixes(["huawei.com/"]);
    inc.check("config changed");

    // the world is replaced by a fresh replay: the old stamps and label sets are not reused
    let fresh = gpu_health().0;
    inc.world = fresh.world;
    inc.cfg = InventoryConfig::default();
    inc.check("world replaced");
}

/// The Nodes view of `st` computed from nothing (no cache, no previous layouts).
fn fresh_view(st: &AppState) -> AccelView {
    let mut c = st.clone();
    c.accel = AccelView {
        settings: st.accel.settings.clone(),
        ..AccelView::default()
    };
    view::refresh(&mut c);
    c.accel
}

fn assert_same_view(a: &AccelView, b: &AccelView, what: &str) {
    assert_eq!(a.inventory, b.inventory, "{what}: inventory");
    assert_eq!(a.rows, b.rows, "{what}: rows");
    assert_eq!(a.mig, b.mig, "{what}: MIG layouts");
    assert_eq!(a.pending, b.pending, "{what}: pending pods");
    assert_eq!(a.xids, b.xids, "{what}: XIDs");
    assert_eq!(a.breaches, b.breaches, "{what}: breaches");
    assert_eq!(a.summary, b.summary, "{what}: summary");
}

#[test]
fn the_nodes_view_refreshed_in_steps_equals_one_made_from_nothing() {
    let s = generator::generate("gpu-health").expect("gpu-health");
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    let chunk = (s.events.len() / 10).max(1);
    for (i, part) in s.events.chunks(chunk).enumerate() {
        let batch = part
            .iter()
            .map(|l| TimedEvent {
                at_ms: s.start_ms + l.t_ms,
                ev: l.ev.clone(),
            })
            .collect();
        update(&mut st, Msg::Source(batch));
        let now_ms = st.world.last_event_ms;
        update(&mut st, Msg::Tick { now_ms });
        assert_same_view(&st.accel, &fresh_view(&st), &format!("step {i}"));
    }
    // an observed MIG instance read twice with its own labels: the second refresh keeps the
    // node's layout and must still show the new utilisation
    let store = &st.world.metrics;
    let (node, gpu, inst, labels) = store
        .ids_by_name("DCGM_FI_PROF_GR_ENGINE_ACTIVE")
        .iter()
        .filter_map(|id| store.key(*id))
        .find_map(|k| {
            let l = &k.labels;
            let node = l.get("Hostname")?;
            let n = st.accel.inventory.node(node)?;
            let i = st
                .accel
                .inventory
                .nodes
                .iter()
                .position(|m| m.name == n.name)?;
            if n.kind != AccelKind::NvidiaMig || !st.accel.cache.settled(i) {
                return None;
            }
            let gpu = l.get("gpu")?.clone();
            let inst = l.get("GPU_I_ID")?.clone();
            Some((node.clone(), gpu, inst, (**l).clone()))
        })
        .expect("an observed MIG instance on a settled MIG node");
    let end = st.world.last_event_ms;
    for (k, util) in [(1, 0.25), (2, 0.75)] {
        let batch = vec![TimedEvent {
            at_ms: end + k * 15_000,
            ev: SourceEvent::Metric {
                name: "DCGM_FI_PROF_GR_ENGINE_ACTIVE".into(),
                labels: labels.clone(),
                value: util,
            },
        }];
        update(&mut st, Msg::Source(batch));
        update(
            &mut st,
            Msg::Tick {
                now_ms: end + k * 15_000,
            },
        );
        assert_same_view(&st.accel, &fresh_view(&st), &format!("MIG scrape {k}"));
    }
    let i = st.accel.inventory.nodes.iter().position(|n| n.name == node);
    assert!(
        st.accel.cache.settled(i.expect("node")),
        "the layout was kept"
    );
    let slice = st.accel.mig[&node]
        .gpus
        .iter()
        .filter(|g| g.gpu == gpu)
        .flat_map(|g| &g.slices)
        .find(|s| s.instance.as_deref() == Some(inst.as_str()))
        .and_then(|s| s.util_pct);
    assert_eq!(
        slice,
        Some(75.0),
        "the kept layout shows the newest reading"
    );
}

#[test]
fn the_local_machine_read_through_nvml_refreshes_like_a_fresh_build() {
    let s = aicockpit::contract::scenario::parse(
        include_str!("fixtures/h100-local.jsonl"),
        "h100-local.jsonl",
    )
    .expect("fixture parses");
    let inc = replay_in_steps(&s, 12, "h100-local");
    let n = inc.inv.node("vm").expect("the local node");
    assert_eq!(n.telemetry.devices().len(), 1, "one H100");
    assert_eq!(inc.cache.stats.rebuilt_nodes, 1, "made anew each time");
}
