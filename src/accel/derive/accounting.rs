//! The accelerator arithmetic every count is made from: per resource line of a node, per
//! resource class of the cluster, and the physical devices behind each class that the header
//! counts. The Nodes pane's summary head, its drill-down and the header all read these numbers,
//! so they agree at every refresh.
//!
//! Per resource line (a class sums its lines):
//! - **total**: the units the node has: `max(capacity, allocatable)`, plus, on its whole-GPU
//!   line, the GPUs GFD counts but the device plugin does not advertise (`devices.missing`).
//! - **unhealthy**: units no pod can be given. On a node that is not Ready, all of them.
//!   Otherwise the units the device plugin withholds (capacity above allocatable) and the
//!   missing ones, raised to the units of the devices a critical device-level flag names (XID
//!   79, 48 ..., an ECC double-bit error, a row-remap failure, an NPU chip unhealthy or its link
//!   down, the chips the Ascend device-info ConfigMap lists unhealthy). Withheld and flagged
//!   devices are usually the same ones, so the larger count is taken, never their sum. MIG
//!   slices are withheld slice by slice by the plugin; a flag on a MIG GPU counts against its
//!   physical device (`devices_unhealthy`), not against slices, since which slices it carries is
//!   the layout's business.
//! - **used**: units requested by the node's live pods, up to the healthy units
//!   (`total - unhealthy`): what is allocated to pods on healthy capacity.
//! - **free**: healthy units no pod requests: `total - unhealthy - used`.
//!
//! So `used + free + unhealthy = total`, and none of them is negative. Requests beyond the
//! healthy units stay visible as `requested` (as reported) and, beyond allocatable, as
//! `over_allocated`: the node's pods ask for more than it allocates, which real clusters report
//! transiently; it is flagged `devices.over_allocated` and never shows as negative free or as
//! used above total.
//!
//! Physical devices per class (what the header's `accelerators healthy/total` sums): whole GPUs
//! and NPUs are their own units; shared GPUs are units over the replicas per GPU; the MIG class
//! counts the node's GFD GPU count less its whole GPUs, unhealthy when the node is not Ready,
//! when the plugin withholds every slice, or when a critical flag names the GPU.

use std::collections::BTreeMap;

use crate::accel::derive::health::HealthFlag;
use crate::accel::derive::inventory::{NodeAccel, ResourceClass, ResourceLine};
use crate::accel::derive::inventory_pods::DaemonState;
use crate::domain::severity::Severity;

/// Totals of one resource class over the accelerator nodes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    pub nodes: u32,
    /// Nodes carrying at least one warning or critical flag.
    pub flagged_nodes: u32,
    /// As the nodes report them: summed `status.capacity`, `status.allocatable`, and the
    /// requests of their live pods.
    pub capacity: f64,
    pub allocatable: f64,
    pub requested: f64,
    /// `used + free + unhealthy` (see the module documentation for each).
    pub total: f64,
    pub used: f64,
    pub free: f64,
    pub unhealthy: f64,
    pub over_allocated: f64,
    /// Physical devices behind the class, and those of them not healthy.
    pub devices: f64,
    pub devices_unhealthy: f64,
}

/// Critical device-level flags of a node, as physical devices.
#[derive(Debug, Default)]
struct Broken {
    /// GPUs named plainly (`gpu5`).
    gpus: usize,
    /// GPUs named through a MIG instance (`gpu3/mig13 (1g.5gb)`).
    mig_gpus: usize,
    npus: usize,
}

/// The physical device a critical device-level flag is about (`gpu3` for `gpu3/mig13
/// (1g.5gb)`), with whether it is an NPU and whether it was named through a MIG instance.
fn broken_device(f: &HealthFlag) -> Option<(&str, bool, bool)> {
    use HealthFlag::*;
    let (d, npu) = match f {
        Xid { device, .. } | EccDbe { device, .. } | RowRemapFailure { device } => (device, false),
        NpuChipUnhealthy { chip, .. } | NpuLinkDown { chip } => (chip, true),
        _ => return None,
    };
    if f.severity() != Severity::Critical {
        return None;
    }
    let physical = d.split('/').next().unwrap_or(d);
    Some((physical, npu, physical.len() < d.len()))
}

impl Broken {
    fn of(flags: &[HealthFlag]) -> Broken {
        let mut named: Vec<(&str, bool, bool)> = flags.iter().filter_map(broken_device).collect();
        named.sort_unstable();
        named.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let in_cm: usize = flags
            .iter()
            .map(|f| match f {
                HealthFlag::NpuUnhealthy { chips } => chips.len(),
                _ => 0,
            })
            .sum();
        let count = |npu: bool, mig: bool| {
            named
                .iter()
                .filter(|(_, n, m)| *n == npu && (npu || *m == mig))
                .count()
        };
        Broken {
            gpus: count(false, false),
            mig_gpus: count(false, true),
            npus: count(true, false).max(in_cm),
        }
    }
}

/// GPUs GFD counts that the device plugin does not advertise (`devices.missing`).
fn missing_devices(flags: &[HealthFlag]) -> f64 {
    flags
        .iter()
        .map(|f| match f {
            HealthFlag::DevicesMissing {
                expected,
                advertised,
            } => (f64::from(*expected) - advertised).max(0.0),
            _ => 0.0,
        })
        .sum()
}

fn replicas(n: &NodeAccel) -> f64 {
    f64::from(n.gfd.shared_replicas().unwrap_or(1).max(1))
}

/// Give each line of `n` its total, unhealthy, used and free units from what the node reports,
/// its readiness and its flags (see the module documentation). Idempotent: it reads only
/// capacity, allocatable and requested, so it is run again once telemetry has added its flags.
pub fn settle(n: &mut NodeAccel) {
    let broken = Broken::of(&n.flags);
    let replicas = replicas(n);
    let missing = missing_devices(&n.flags);
    let gpu_line = n
        .resources
        .iter()
        .position(|l| matches!(l.class, ResourceClass::Gpu | ResourceClass::GpuShared));
    for (i, l) in n.resources.iter_mut().enumerate() {
        let lost = match (gpu_line == Some(i), l.class) {
            (true, ResourceClass::GpuShared) => missing * replicas,
            (true, _) => missing,
            _ => 0.0,
        };
        l.total = l.capacity.max(l.allocatable).max(0.0) + lost;
        l.unhealthy = if n.ready {
            (l.total - l.allocatable.max(0.0)).max(0.0)
        } else {
            l.total
        };
    }
    if n.ready {
        let whole_gpus = broken.gpus
            + if n.resources.iter().any(|l| l.class == ResourceClass::Mig) {
                0
            } else {
                broken.mig_gpus
            };
        for (class, units) in [
            (ResourceClass::Gpu, whole_gpus as f64),
            (ResourceClass::GpuShared, whole_gpus as f64 * replicas),
            (ResourceClass::Npu, broken.npus as f64),
        ] {
            raise_unhealthy(&mut n.resources, class, units);
        }
    }
    for l in &mut n.resources {
        let healthy = l.total - l.unhealthy;
        l.used = l.requested.max(0.0).min(healthy);
        l.free = healthy - l.used;
        l.over_allocated = (l.requested - l.allocatable.max(0.0)).max(0.0);
    }
}

/// Raise the unhealthy units of the `class` lines to at least `units`, line by line.
fn raise_unhealthy(lines: &mut [ResourceLine], class: ResourceClass, units: f64) {
    let already: f64 = lines
        .iter()
        .filter(|l| l.class == class)
        .map(|l| l.unhealthy)
        .sum();
    let mut extra = units - already;
    for l in lines.iter_mut().filter(|l| l.class == class) {
        if extra <= 0.0 {
            break;
        }
        let take = extra.min(l.total - l.unhealthy);
        l.unhealthy += take;
        extra -= take;
    }
}

/// (devices, unhealthy devices) of the `class` lines of a settled node.
fn devices(n: &NodeAccel, class: ResourceClass) -> (f64, f64) {
    let sum = |c: ResourceClass| -> (f64, f64) {
        n.resources
            .iter()
            .filter(|l| l.class == c)
            .fold((0.0, 0.0), |(t, u), l| (t + l.total, u + l.unhealthy))
    };
    match class {
        ResourceClass::Gpu | ResourceClass::Npu => sum(class),
        ResourceClass::GpuShared => {
            let (t, u) = sum(class);
            let r = replicas(n);
            (t / r, u / r)
        }
        ResourceClass::Mig => {
            let whole = sum(ResourceClass::Gpu).0 + devices(n, ResourceClass::GpuShared).0;
            let gpus = (n.physical_devices.unwrap_or(0.0) - whole).max(0.0);
            let slices = || n.resources.iter().filter(|l| l.class == ResourceClass::Mig);
            let all_withheld = slices().all(|l| l.allocatable <= 0.0) && sum(class).0 > 0.0;
            let b = Broken::of(&n.flags);
            let flagged = b.mig_gpus
                + if sum(ResourceClass::Gpu).0 > 0.0 {
                    0
                } else {
                    b.gpus
                };
            let off = if !n.ready || all_withheld {
                gpus
            } else {
                (flagged as f64).min(gpus)
            };
            (gpus, off)
        }
    }
}

/// A node outside Kubernetes (this machine read through NVML): no device plugin, so no
/// resource line lists its devices; the header counts them apart, as (healthy, total).
pub fn unlisted_devices(n: &NodeAccel) -> Option<(f64, f64)> {
    if !n.resources.is_empty() || n.device_plugin != DaemonState::NotApplicable {
        return None;
    }
    let total = n.physical_devices.unwrap_or(0.0).max(0.0);
    let b = Broken::of(&n.flags);
    let off = if n.ready {
        ((b.gpus + b.mig_gpus + b.npus) as f64).min(total)
    } else {
        total
    };
    Some((total - off, total))
}

/// Settle every node (`settle`) and sum its lines into per-class totals.
pub fn finish(nodes: &mut [NodeAccel]) -> BTreeMap<ResourceClass, Totals> {
    nodes.iter_mut().for_each(settle);
    summarize(nodes)
}

/// Sum the lines of settled nodes into per-class totals.
pub fn summarize(nodes: &[NodeAccel]) -> BTreeMap<ResourceClass, Totals> {
    let mut out: BTreeMap<ResourceClass, Totals> = BTreeMap::new();
    for n in nodes {
        let flagged = n.worst().is_some_and(|s| s >= Severity::Warning);
        let mut seen: Vec<ResourceClass> = Vec::new();
        for l in &n.resources {
            let t = out.entry(l.class).or_default();
            if !seen.contains(&l.class) {
                seen.push(l.class);
                t.nodes += 1;
                t.flagged_nodes += u32::from(flagged);
                let (d, du) = devices(n, l.class);
                t.devices += d;
                t.devices_unhealthy += du;
            }
            t.capacity += l.capacity;
            t.allocatable += l.allocatable;
            t.requested += l.requested;
            t.total += l.total;
            t.used += l.used;
            t.free += l.free;
            t.unhealthy += l.unhealthy;
            t.over_allocated += l.over_allocated;
        }
    }
    out
}
