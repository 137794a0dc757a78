//! One row of the Nodes table, computed at refresh: the node's main accelerator resource
//! (capacity / allocatable / requested), device telemetry folded per node (mean utilisation and
//! memory, hottest device, total power), short health tags with their severity, and the note
//! that replaces a silent zero (no exporter scraped, MIG utilisation from GR_ENGINE_ACTIVE).

use crate::accel::derive::health::HealthFlag;
use crate::accel::derive::inventory::{NodeAccel, ResourceClass};
use crate::accel::derive::staleness::{Freshness, Stale};
use crate::accel::derive::telemetry::{Field, Telemetry};
use crate::accel::derive::thresholds::{Breach, ThresholdRule};
use crate::domain::severity::Severity;
use crate::domain::{AccelKind, Millis, NodeInfo};
use crate::world::metrics::MetricStore;

use super::{device_mem_pct, device_stale, device_util};

/// A short health label and how bad it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub text: String,
    pub severity: Severity,
}

/// One node as the table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub name: String,
    /// Index into the inventory's nodes (`None`: no accelerators).
    pub inv: Option<usize>,
    pub kind: AccelKind,
    pub product: String,
    pub ready: bool,
    /// The class the allocation bar counts (whole GPUs, shared replicas, MIG slices, NPUs).
    pub class: Option<ResourceClass>,
    pub capacity: f64,
    pub allocatable: f64,
    pub requested: f64,
    /// Devices with series.
    pub devices: usize,
    /// Mean over devices, percent.
    pub util: Option<f64>,
    /// Some device's utilisation came from DCGM_FI_PROF_GR_ENGINE_ACTIVE (MIG).
    pub util_from_gr: bool,
    pub mem_pct: Option<f64>,
    /// Hottest device, °C.
    pub temp: Option<f64>,
    /// Sum over devices, W.
    pub power: Option<f64>,
    pub tags: Vec<Tag>,
    pub worst: Option<Severity>,
    /// Why telemetry is missing or derived.
    pub note: Option<String>,
    /// Every device's readings are stale: the newest sample's time and why (UTIL, MEM, TEMP
    /// and POWER are then `None`, never the last values).
    pub stale: Option<Stale>,
}

impl NodeRow {
    /// Requested over allocatable (over 1 when over-allocated); `None` without accelerators.
    pub fn alloc_frac(&self) -> Option<f64> {
        self.class?;
        if self.allocatable > 0.0 {
            Some(self.requested / self.allocatable)
        } else if self.capacity > 0.0 || self.requested > 0.0 {
            Some(0.0)
        } else {
            None
        }
    }

    /// The text a filter is matched against.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        [self.name.as_str(), self.kind.label(), self.product.as_str()]
            .into_iter()
            .chain(self.tags.iter().map(|t| t.text.as_str()))
            .chain(self.note.as_deref())
    }
}

/// `H100-80GB-HBM3` for `NVIDIA-H100-80GB-HBM3`.
pub fn short_product(p: &str) -> String {
    p.strip_prefix("NVIDIA-")
        .or_else(|| p.strip_prefix("NVIDIA "))
        .unwrap_or(p)
        .to_string()
}

fn tag_text(f: &HealthFlag) -> String {
    use HealthFlag::*;
    match f {
        NotReady => "NotReady".into(),
        Cordoned => "cordoned".into(),
        Condition(c) => c.clone(),
        PluginMissing { .. } => "plugin missing".into(),
        PluginNotRunning { status, .. } => {
            format!("plugin {}", status.split(' ').next().unwrap_or(status))
        }
        ExporterMissing { .. } => "no exporter".into(),
        ExporterNotRunning { status, .. } => {
            format!("exporter {}", status.split(' ').next().unwrap_or(status))
        }
        DevicesUnhealthy {
            capacity,
            allocatable,
            ..
        } => format!("{} unhealthy", capacity - allocatable),
        DevicesMissing { .. } => "GPUs missing".into(),
        OverAllocated { .. } => "over-allocated".into(),
        MigReconfigPending { state } => format!("MIG {state}"),
        MigReconfigFailed { .. } => "MIG reconfig failed".into(),
        NpuUnhealthy { chips } => format!("NPU unhealthy x{}", chips.len()),
        NpuNetworkUnhealthy { chips } => format!("NPU net x{}", chips.len()),
        NpuSeparated { chips } => format!("NPU separated x{}", chips.len()),
        NpuDeviceInfoUnreadable(_) => "deviceinfo unreadable".into(),
        Xid { xid, .. } => format!("XID {xid}"),
        EccDbe { .. } => "ECC DBE".into(),
        Throttling { .. } => "throttled".into(),
        RowRemapFailure { .. } => "row-remap failed".into(),
        NpuChipUnhealthy { .. } => "NPU chip unhealthy".into(),
        NpuLinkDown { .. } => "NPU link down".into(),
        NpuErrorCode { .. } => "NPU error code".into(),
    }
}

fn breach_text(b: &Breach) -> &'static str {
    match b.rule {
        ThresholdRule::GpuHot => "hot",
        ThresholdRule::GpuBusy => "util>95%",
        ThresholdRule::FbFull => "mem full",
        ThresholdRule::IdleAllocated => "idle",
        ThresholdRule::NpuMemFull => "NPU mem full",
    }
}

fn push_tag(tags: &mut Vec<Tag>, text: String, severity: Severity) {
    match tags.iter_mut().find(|t| t.text == text) {
        Some(t) => t.severity = t.severity.max(severity),
        None => tags.push(Tag { text, severity }),
    }
}

fn main_class(n: &NodeAccel) -> Option<ResourceClass> {
    let want = match n.kind {
        AccelKind::NvidiaMig => ResourceClass::Mig,
        AccelKind::AscendNpu => ResourceClass::Npu,
        _ => ResourceClass::Gpu,
    };
    let has = |c: ResourceClass| n.resources.iter().any(|l| l.class == c);
    if has(want) {
        Some(want)
    } else {
        n.resources.first().map(|l| l.class)
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn fold_telemetry(row: &mut NodeRow, n: &NodeAccel, fresh: &Freshness) {
    let t = match &n.telemetry {
        Telemetry::Missing(why) => {
            row.note = Some(why.clone());
            return;
        }
        Telemetry::Present(t) => t,
    };
    // MIG instances share their parent's temperature and power: count those once per GPU.
    let (mut util, mut mem, mut temp, mut power) = (Vec::new(), Vec::new(), None, Vec::new());
    let (mut stale, mut aged) = (0, 0);
    let mut newest: Option<Stale> = None;
    for d in &t.devices {
        if device_stale(d, t.last_ms).is_some() {
            stale += 1;
            continue;
        }
        if let Some(s) = fresh.stale(d) {
            aged += 1;
            newest = Some(newest.map_or(s, |x| if s.since > x.since { s } else { x }));
            continue;
        }
        if let Some((u, gr)) = device_util(d) {
            util.push(u);
            row.util_from_gr |= gr;
        }
        if let Some(m) = device_mem_pct(d, n.gfd.memory_mib) {
            mem.push(m);
        }
        if d.key.mig_instance.is_none() {
            if let Some(c) = d.value(Field::GpuTemp).or(d.value(Field::NpuTemp)) {
                temp = Some(temp.map_or(c, |x: f64| x.max(c)));
            }
            if let Some(w) = d.value(Field::Power).or(d.value(Field::NpuPower)) {
                power.push(w);
            }
        }
    }
    row.devices = t.devices.len();
    row.util = mean(&util);
    row.mem_pct = mean(&mem);
    row.temp = temp;
    row.power = (!power.is_empty()).then(|| power.iter().sum());
    let all_stale = aged > 0 && stale + aged == t.devices.len();
    row.stale = newest.filter(|_| all_stale);
    row.note = if let Some(s) = row.stale {
        Some(format!("values stale: {}", s.why.label()))
    } else if stale + aged > 0 {
        let stale = stale + aged;
        Some(format!("{stale} device(s) stopped reporting"))
    } else if row.util_from_gr {
        Some("util* = GR_ENGINE_ACTIVE (MIG has no GPU_UTIL)".into())
    } else if util.is_empty() && n.kind == AccelKind::NvidiaMig {
        Some("no MIG utilisation: no per-instance DCGM_FI_PROF_GR_ENGINE_ACTIVE series".into())
    } else if util.is_empty() {
        t.devices.iter().find_map(|d| d.notes.first().cloned())
    } else {
        None
    };
}

/// The row of one node; `inv`/`node` its inventory entry when it has accelerators.
///
/// `store` and `now` (the refresh's event time) judge which readings are still current.
pub fn row_for(
    info: &NodeInfo,
    inv: Option<usize>,
    node: Option<&NodeAccel>,
    breaches: &[Breach],
    (store, now): (&MetricStore, Millis),
) -> NodeRow {
    let mut row = NodeRow {
        name: info.name.clone(),
        inv,
        kind: node.map_or(AccelKind::None, |n| n.kind),
        product: node
            .and_then(|n| n.product.as_deref())
            .map(short_product)
            .unwrap_or_default(),
        ready: info.ready,
        class: None,
        capacity: 0.0,
        allocatable: 0.0,
        requested: 0.0,
        devices: 0,
        util: None,
        util_from_gr: false,
        mem_pct: None,
        temp: None,
        power: None,
        tags: Vec::new(),
        worst: None,
        note: None,
        stale: None,
    };
    let mut tags = Vec::new();
    match node {
        None => {
            if !info.ready {
                push_tag(&mut tags, "NotReady".into(), Severity::Critical);
            }
            if info.unschedulable {
                push_tag(&mut tags, "cordoned".into(), Severity::Info);
            }
            for p in &info.problems {
                push_tag(&mut tags, p.clone(), Severity::Warning);
            }
        }
        Some(n) => {
            row.class = main_class(n);
            for l in n.resources.iter().filter(|l| Some(l.class) == row.class) {
                row.capacity += l.capacity;
                row.allocatable += l.allocatable;
                row.requested += l.requested;
            }
            fold_telemetry(&mut row, n, &Freshness::of(n, store, now));
            for f in &n.flags {
                push_tag(&mut tags, tag_text(f), f.severity());
            }
            for b in breaches {
                push_tag(&mut tags, breach_text(b).to_string(), b.severity);
            }
        }
    }
    // worst first, then in the order found
    tags.sort_by_key(|t| std::cmp::Reverse(t.severity));
    row.worst = tags.iter().map(|t| t.severity).max();
    row.tags = tags;
    row
}

/// The row of an inventory node that has no Kubernetes object (this machine, read through
/// NVML), tagged `local`.
pub fn local_row(
    n: &NodeAccel,
    inv: usize,
    breaches: &[Breach],
    at: (&MetricStore, Millis),
) -> NodeRow {
    let info = crate::accel::derive::inventory_local::node_info(n);
    let mut row = row_for(&info, Some(inv), Some(n), breaches, at);
    push_tag(&mut row.tags, "local".into(), Severity::Info);
    row.worst = row.worst.max(Some(Severity::Info));
    row
}
