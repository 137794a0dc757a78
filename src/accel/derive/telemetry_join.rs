//! Joining exporter series to inventory nodes: host label -> node, device labels -> device, then
//! the notes that explain gaps, the telemetry-derived health flags (XID, ECC DBE, row-remap
//! failure, throttling, NPU chip health and links). XID events attributed to pods are in
//! `xid_events`.

use std::collections::BTreeMap;

use crate::accel::derive::health::HealthFlag;
use crate::accel::derive::inventory::{DaemonState, NodeAccel};
use crate::accel::derive::join_plan::{DevicePlan, Entry, JoinPlan};
use crate::accel::derive::telemetry::{DeviceTelemetry, Field, NodeTelemetry, Telemetry, Vendor};
use crate::domain::AccelKind;
use crate::domain::Millis;
use crate::world::World;
use crate::world::metrics::MetricStore;

/// Labels that name the host a series was scraped from, in order of trust.
pub const HOST_LABELS: &[&str] = &[
    "Hostname",
    "hostname",
    "node",
    "kubernetes_node",
    "nodename",
    "instance",
];

pub(crate) fn host_of(labels: &BTreeMap<String, String>) -> Option<&str> {
    HOST_LABELS.iter().find_map(|k| {
        let v = labels.get(*k)?.as_str();
        let v = if *k == "instance" {
            v.rsplit_once(':').map_or(v, |(h, _)| h)
        } else {
            v
        };
        (!v.is_empty()).then_some(v)
    })
}

fn nonempty(labels: &BTreeMap<String, String>, k: &str) -> Option<String> {
    labels.get(k).filter(|v| !v.is_empty()).cloned()
}

/// The device a series belongs to, as borrowed label values: (index, MIG instance).
pub(crate) fn device_ref(
    vendor: Vendor,
    labels: &BTreeMap<String, String>,
) -> Option<(&str, Option<&str>)> {
    let get = |k: &str| labels.get(k).map(String::as_str).filter(|v| !v.is_empty());
    match vendor {
        Vendor::Nvidia => Some((get("gpu").or_else(|| get("UUID"))?, get("GPU_I_ID"))),
        Vendor::Ascend => Some((get("id")?, None)),
    }
}

fn fill_identity(d: &mut DeviceTelemetry, labels: &BTreeMap<String, String>) {
    if d.uuid.is_none() {
        d.uuid = nonempty(labels, "UUID").or_else(|| nonempty(labels, "vdie_id"));
    }
    if d.model.is_none() {
        d.model = nonempty(labels, "modelName").or_else(|| nonempty(labels, "model_name"));
    }
    if d.mig_profile.is_none() && d.key.mig_instance.is_some() {
        d.mig_profile = nonempty(labels, "GPU_I_PROFILE");
    }
}

/// Point `d.pod` at the pod a series sampled at `at` is mapped to, unless a series at least as
/// new already did (all fields of one scrape share a time); clones only when the pod changed.
fn update_pod(d: &mut DeviceTelemetry, labels: &BTreeMap<String, String>, at: Millis) {
    if d.pod_seen_ms.is_some_and(|t| t >= at) {
        return;
    }
    d.pod_seen_ms = Some(at);
    let get = |k: &str| labels.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(pod) = get("pod").or_else(|| get("pod_name")) else {
        // the newest scrape maps the device to no pod: it was released
        d.pod = None;
        return;
    };
    let ns = get("namespace").unwrap_or_default();
    let c = get("container")
        .or_else(|| get("container_name"))
        .unwrap_or_default();
    let same = d
        .pod
        .as_ref()
        .is_some_and(|(pn, pp, pc)| pp == pod && pn == ns && pc == c);
    if !same {
        d.pod = Some((ns.to_string(), pod.to_string(), c.to_string()));
    }
}

fn util_notes(d: &mut DeviceTelemetry) {
    if d.vendor != Vendor::Nvidia || d.latest.contains_key(&Field::GpuUtil) {
        return;
    }
    let mig = d.key.mig_instance.is_some();
    let note = match (mig, d.latest.contains_key(&Field::GrEngineActive)) {
        (true, true) => "MIG instance: DCGM_FI_DEV_GPU_UTIL is not reported for MIG; \
                         utilisation is DCGM_FI_PROF_GR_ENGINE_ACTIVE"
            .to_string(),
        (true, false) => "MIG instance: no utilisation; DCGM_FI_DEV_GPU_UTIL is not reported for \
                          MIG and DCGM_FI_PROF_GR_ENGINE_ACTIVE is not collected (profiling \
                          metrics off or unsupported)"
            .to_string(),
        (false, true) => "DCGM_FI_DEV_GPU_UTIL absent (GPU in MIG mode or field off); \
                          utilisation is DCGM_FI_PROF_GR_ENGINE_ACTIVE"
            .to_string(),
        (false, false) => "no utilisation series for this GPU".to_string(),
    };
    d.notes.push(note);
}

fn missing_reason(n: &NodeAccel) -> String {
    let (exporter, base) = match n.kind {
        AccelKind::AscendNpu => ("npu-exporter", "no telemetry: npu-exporter not scraped"),
        _ => ("dcgm-exporter", "no telemetry: dcgm-exporter not scraped"),
    };
    match &n.exporter {
        DaemonState::Missing { .. } => format!("{base} (no {exporter} pod on this node)"),
        DaemonState::NotRunning(p) => {
            format!("{base} ({exporter} pod {} is {})", p.name, p.status)
        }
        _ => base.to_string(),
    }
}

fn counter_rise(d: &DeviceTelemetry, world: &World, f: Field) -> f64 {
    d.history(&world.metrics, f)
        .and_then(|s| Some(s.points.back()?.1 - s.points.front()?.1))
        .filter(|v| v.is_finite())
        .unwrap_or(0.0)
}

/// DCGM clock-throttle reason bits that mean real slowdown (not the normal power cap).
const THROTTLE_BITS: &[(u64, &str)] = &[
    (0x8, "hw slowdown"),
    (0x20, "sw thermal"),
    (0x40, "hw thermal"),
    (0x80, "hw power brake"),
];

fn device_flags(d: &DeviceTelemetry, world: &World, flags: &mut Vec<HealthFlag>) {
    // the label is built only when a flag needs it
    let device = || d.label();
    if let Some(x) = d.value(Field::Xid).filter(|v| *v > 0.0) {
        flags.push(HealthFlag::Xid {
            device: device(),
            xid: x as u32,
        });
    }
    let vol = d.value(Field::EccDbeVol).unwrap_or(0.0);
    let agg = d.value(Field::EccDbeAgg).unwrap_or(0.0);
    if vol > 0.0 || agg > 0.0 {
        flags.push(HealthFlag::EccDbe {
            device: device(),
            volatile: vol,
            aggregate: agg,
        });
    }
    if d.value(Field::RowRemapFailure).is_some_and(|v| v > 0.0) {
        flags.push(HealthFlag::RowRemapFailure { device: device() });
    }
    let mut reasons = Vec::new();
    for (f, what) in [
        (Field::ThermalViolation, "thermal"),
        (Field::PowerViolation, "power"),
    ] {
        let rise = counter_rise(d, world, f);
        if rise > 0.0 {
            reasons.push(format!("{what} violation +{:.1}s", rise / 1e9));
        }
    }
    if let Some(bits) = d.value(Field::ThrottleReasons).filter(|v| *v >= 0.0) {
        let bits = bits as u64;
        reasons.extend(
            THROTTLE_BITS
                .iter()
                .filter(|(b, _)| bits & b != 0)
                .map(|(_, w)| w.to_string()),
        );
    }
    if !reasons.is_empty() {
        flags.push(HealthFlag::Throttling {
            device: device(),
            reason: reasons.join(", "),
        });
    }
    if let Some(h) = d.value(Field::NpuHealth).filter(|v| *v != 1.0) {
        flags.push(HealthFlag::NpuChipUnhealthy {
            chip: device(),
            status: h,
        });
    }
    if d.value(Field::NpuLinkStatus) == Some(0.0) {
        flags.push(HealthFlag::NpuLinkDown { chip: device() });
    }
    if let Some(code) = d.value(Field::NpuErrorCode).filter(|v| *v > 0.0) {
        flags.push(HealthFlag::NpuErrorCode {
            chip: device(),
            code: code as u64,
            unhealthy: d.value(Field::NpuHealth).is_some_and(|h| h != 1.0),
        });
    }
}

/// Apply one series' newest point to its device (`e.first`: the first series of its label set,
/// which fills the device's identity). False when the series is of another vendor than the
/// device.
///
/// `settled`: the device kept its identity and holder from the last refresh and one label set
/// feeds it, so its labels cannot say anything new; only the time the holder was read moves.
fn absorb(
    d: &mut DeviceTelemetry,
    store: &MetricStore,
    e: &Entry,
    last: (Millis, f64),
    settled: bool,
) -> bool {
    if d.vendor != e.field.vendor() {
        return false;
    }
    let labels = if settled {
        None
    } else {
        let Some(key) = store.key(e.id) else {
            return false;
        };
        Some(&key.labels)
    };
    if e.first
        && let Some(l) = labels
    {
        fill_identity(d, l);
    }
    let field = e.field;
    let newer = d.latest.get(&field).is_none_or(|(t, _)| last.0 >= *t);
    if newer {
        d.latest.insert(field, last);
        if let Some(prev) = d.series.insert(field, e.id) {
            d.older.push((field, prev));
        }
        // the newest series tells who holds the device now
        match labels {
            Some(l) => update_pod(d, l, last.0),
            None => d.pod_seen_ms = Some(d.pod_seen_ms.map_or(last.0, |t| t.max(last.0))),
        }
    } else {
        d.older.push((field, e.id));
    }
    true
}

/// Fill one device from its plan. A device kept from the last refresh (`kept`: `d` already
/// carries its identity and holder) has only its values reset and re-read. Returns the series
/// that did not apply.
fn fill(d: &mut DeviceTelemetry, plan: &DevicePlan, store: &MetricStore, kept: bool) -> usize {
    let settled = kept && plan.single_set();
    d.latest.clear();
    d.series.clear();
    d.older.clear();
    d.notes.clear();
    d.pod_seen_ms = None;
    let mut unjoined = 0;
    for e in &plan.entries {
        let Some(last) = store.last(e.id) else {
            continue;
        };
        unjoined += usize::from(!absorb(d, store, e, last, settled));
    }
    unjoined
}

/// Set every node's `telemetry` from `plan` and append the telemetry-derived flags (each
/// node's `flags` must hold only its static flags on entry). Where `keep[i]` is true, node
/// `i`'s devices are those of the same plan generation from the last refresh and are updated in
/// place. Returns how many series named a host that is not an inventory node (or no host, or no
/// device), so callers can say so rather than drop them quietly.
pub fn apply(plan: &JoinPlan, world: &World, nodes: &mut [NodeAccel], keep: &[bool]) -> usize {
    let store = &world.metrics;
    let mut unjoined = plan.unresolved;
    for (i, n) in nodes.iter_mut().enumerate() {
        let devs = plan.nodes.get(i).map_or(&[][..], Vec::as_slice);
        if devs.is_empty() {
            n.telemetry = Telemetry::Missing(missing_reason(n));
            continue;
        }
        let old = std::mem::replace(&mut n.telemetry, Telemetry::Missing(String::new()));
        let mut kept = false;
        let mut devices = match old {
            Telemetry::Present(t)
                if keep.get(i).copied().unwrap_or(false) && t.devices.len() == devs.len() =>
            {
                kept = true;
                t.devices
            }
            _ => devs
                .iter()
                .map(|p| DeviceTelemetry::new(p.key.clone(), p.vendor))
                .collect(),
        };
        let mut flags = Vec::new();
        let mut last_ms = Millis::MIN;
        for (d, p) in devices.iter_mut().zip(devs) {
            unjoined += fill(d, p, store, kept);
            util_notes(d);
            device_flags(d, world, &mut flags);
            last_ms = d
                .latest
                .values()
                .map(|(t, _)| *t)
                .fold(last_ms, Millis::max);
        }
        // series arrive, so an exporter is scraped even if its pod goes by another name
        n.flags
            .retain(|f| !matches!(f, HealthFlag::ExporterMissing { .. }));
        n.flags.extend(flags);
        n.telemetry = Telemetry::Present(NodeTelemetry { devices, last_ms });
    }
    unjoined
}

/// Join every exporter series in `world.metrics` to the nodes' devices; set each node's
/// `telemetry` and append telemetry-derived flags. Returns how many series did not join.
pub fn join(world: &World, nodes: &mut [NodeAccel]) -> usize {
    let mut plan = JoinPlan::default();
    plan.update(world, nodes);
    apply(&plan, world, nodes, &[])
}
