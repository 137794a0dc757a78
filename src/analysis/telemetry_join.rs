//! Joining exporter series to inventory nodes: host label -> node, device labels -> device, then
//! the notes that explain gaps, the telemetry-derived health flags (XID, ECC DBE, row-remap
//! failure, throttling, NPU chip health and links). XID events attributed to pods are in
//! `xid_events`.

use std::collections::{BTreeMap, HashMap};

use crate::analysis::accel_health::HealthFlag;
use crate::analysis::inventory::{DaemonState, NodeAccel};
use crate::analysis::telemetry::{
    DeviceKey, DeviceTelemetry, Field, NodeTelemetry, Telemetry, Vendor,
};
use crate::domain::AccelKind;
use crate::event::Millis;
use crate::state::metrics::MetricStore;
use crate::state::world::World;

/// Labels that name the host a series was scraped from, in order of trust.
pub const HOST_LABELS: &[&str] = &[
    "Hostname",
    "hostname",
    "node",
    "kubernetes_node",
    "nodename",
    "instance",
];

fn host_of(labels: &BTreeMap<String, String>) -> Option<&str> {
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
fn device_ref(vendor: Vendor, labels: &BTreeMap<String, String>) -> Option<(&str, Option<&str>)> {
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
}

/// The (node, device) slot a label set belongs to, creating the device on first sight.
fn resolve(
    host_index: &HashMap<&str, usize>,
    per_node: &mut [Vec<DeviceTelemetry>],
    vendor: Vendor,
    labels: &BTreeMap<String, String>,
) -> Option<(usize, usize)> {
    let host = host_of(labels)?;
    let ni = *host_index
        .get(host)
        .or_else(|| host_index.get(host.split('.').next()?))?;
    let (index, mig) = device_ref(vendor, labels)?;
    let devs = &mut per_node[ni];
    let pos = devs.iter().position(|d| {
        d.vendor == vendor && d.key.index == index && d.key.mig_instance.as_deref() == mig
    });
    let di = pos.unwrap_or_else(|| {
        let k = DeviceKey {
            index: index.to_string(),
            mig_instance: mig.map(str::to_string),
        };
        devs.push(DeviceTelemetry::new(k, vendor));
        devs.len() - 1
    });
    Some((ni, di))
}

/// A (node, device) index pair, or `None` when a label set names no inventory node or device.
type Slot = Option<(usize, usize)>;

/// One exporter series to apply: its field-major rank, field, id, latest point and label set.
#[derive(Debug, Clone, Copy)]
struct Entry {
    rank: u64,
    field: Field,
    id: usize,
    last: (Millis, f64),
    set: usize,
}

/// Apply one series to its device (`first`: the first series of its label set, which fills the
/// device's identity). False when the series is of another vendor than the device.
fn absorb(d: &mut DeviceTelemetry, store: &MetricStore, e: &Entry, first: bool) -> bool {
    if d.vendor != e.field.vendor() {
        return false;
    }
    let Some(key) = store.key(e.id) else {
        return false;
    };
    if first {
        fill_identity(d, &key.labels);
    }
    let (field, last) = (e.field, e.last);
    let newer = d.latest.get(&field).is_none_or(|(t, _)| last.0 >= *t);
    if newer {
        d.latest.insert(field, last);
        if let Some(prev) = d.series.insert(field, e.id) {
            d.older.push((field, prev));
        }
        // the newest series tells who holds the device now
        update_pod(d, &key.labels, last.0);
    } else {
        d.older.push((field, e.id));
    }
    true
}

/// Join every exporter series in `world.metrics` to the nodes' devices; set each node's
/// `telemetry` and append telemetry-derived flags. Returns how many series named a host that is
/// not an inventory node (or no host at all), so callers can say so rather than drop them quietly.
pub fn join(world: &World, nodes: &mut [NodeAccel]) -> usize {
    let mut host_index: HashMap<&str, usize> = HashMap::with_capacity(nodes.len() * 2);
    for (i, n) in nodes.iter().enumerate() {
        host_index.insert(n.name.as_str(), i);
        if let Some(h) = world
            .nodes
            .get(&n.name)
            .and_then(|ni| ni.labels.get("kubernetes.io/hostname"))
        {
            host_index.entry(h.as_str()).or_insert(i);
        }
    }
    let store = &world.metrics;
    // Each series' place in the field-major order (field, then metric name, then id) in which
    // a device's series are applied: ties and first sightings resolve the same way whatever
    // order the store holds them in.
    let mut field_of: Vec<Option<(u64, Field)>> = vec![None; store.len()];
    for (rank, (field, name)) in Field::ALL
        .iter()
        .flat_map(|f| f.names().iter().map(move |n| (*f, *n)))
        .enumerate()
    {
        for &id in store.ids_by_name(name) {
            if let Some(slot) = field_of.get_mut(id) {
                *slot = Some((((rank as u64) << 32) | id as u64, field));
            }
        }
    }
    // Walk label set by label set (one device's series are adjacent), so each device is
    // resolved once and its telemetry stays in cache while its dozen fields are written.
    // A node holds few devices: a linear scan over borrowed label values beats hashing an owned key.
    let mut per_node: Vec<Vec<DeviceTelemetry>> = vec![Vec::new(); nodes.len()];
    // label sets joined to each device; a device fed by several (its pod labels changed) has
    // its series merged in field-major order below
    let mut sets_of: Vec<Vec<u32>> = vec![Vec::new(); nodes.len()];
    let mut entries: Vec<Entry> = Vec::new();
    // per label set with telemetry: its entries (start, end) and the (node, device) it joined
    let mut sets: Vec<(usize, usize, Slot)> = Vec::new();
    for set in 0..store.label_set_count() {
        let start = entries.len();
        for &id in store.set_series(set) {
            let Some(Some((rank, field))) = field_of.get(id).copied() else {
                continue;
            };
            let Some(last) = store.last(id) else {
                continue;
            };
            entries.push(Entry {
                rank,
                field,
                id,
                last,
                set,
            });
        }
        let mine = &mut entries[start..];
        if mine.is_empty() {
            continue;
        }
        mine.sort_unstable_by_key(|e| e.rank);
        let vendor = mine[0].field.vendor();
        let slot = store
            .key(mine[0].id)
            .and_then(|k| resolve(&host_index, &mut per_node, vendor, &k.labels));
        if let Some((ni, di)) = slot {
            let counts = &mut sets_of[ni];
            if counts.len() <= di {
                counts.resize(di + 1, 0);
            }
            counts[di] += 1;
        }
        sets.push((start, entries.len(), slot));
    }
    let mut unjoined = 0;
    let mut merged: Vec<(usize, usize, Entry)> = Vec::new();
    for &(start, end, slot) in &sets {
        let Some((ni, di)) = slot else {
            unjoined += end - start;
            continue;
        };
        if sets_of[ni][di] > 1 {
            merged.extend(entries[start..end].iter().map(|e| (ni, di, *e)));
            continue;
        }
        let d = &mut per_node[ni][di];
        for (i, e) in entries[start..end].iter().enumerate() {
            unjoined += usize::from(!absorb(d, store, e, i == 0));
        }
    }
    merged.sort_unstable_by_key(|(ni, di, e)| (*ni, *di, e.rank));
    let mut filled = vec![false; store.label_set_count()];
    for (ni, di, e) in &merged {
        let first = filled.get(e.set).is_some_and(|f| !f);
        if let Some(f) = filled.get_mut(e.set) {
            *f = true;
        }
        unjoined += usize::from(!absorb(&mut per_node[*ni][*di], store, e, first));
    }
    for (n, devs) in nodes.iter_mut().zip(per_node) {
        if devs.is_empty() {
            n.telemetry = Telemetry::Missing(missing_reason(n));
            continue;
        }
        let mut devices = devs;
        devices.sort_by(|a, b| (a.vendor, &a.key).cmp(&(b.vendor, &b.key)));
        let mut flags = Vec::new();
        let mut last_ms = Millis::MIN;
        for d in &mut devices {
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
