//! Derived view state for the Nodes pane (accelerator inventory joined with telemetry, per-node device history, drill-down and MIG layout).
//! Recomputed by `refresh` on a tick after the world changed (never per frame); pane-specific
//! actions arrive through `on_action` while the pane has focus. Rows are kept sorted by the
//! pane's sort spec, so a frame only filters and formats the visible ones.

pub mod derive;
pub mod detail;
pub mod rows;

use std::collections::BTreeMap;

use crate::accel::derive::inventory::{Inventory, InventoryConfig, NodeAccel, ResourceClass};
use crate::accel::derive::inventory_local::{local_snapshot, nvml_unavailable};
use crate::accel::derive::mig_layout::MigLayout;
use crate::accel::derive::telemetry::{Field, UtilSource, XidEvent, xid_events};
use crate::accel::derive::thresholds::{Breach, Thresholds};
use crate::contract::action::Action;
use crate::contract::effect::Effect;
use crate::state::AppState;
use crate::state::filter::Needle;
use crate::state::ui::{Pane, SortSpec};

pub use crate::accel::view::rows::{NodeRow, Tag, row_for, short_product};

/// The columns the node table sorts by (`s` cycles, `S` reverses).
pub const SORT_COLUMNS: &[&str] = &["health", "name", "alloc", "util", "mem", "temp", "power"];

/// What the inventory looks for and the device thresholds it applies.
#[derive(Debug, Clone, PartialEq)]
pub struct AccelSettings {
    pub inventory: InventoryConfig,
    pub thresholds: Thresholds,
}

impl Default for AccelSettings {
    /// The embedded `assets/config.toml` thresholds (the seeds' alert rules).
    fn default() -> Self {
        AccelSettings {
            inventory: InventoryConfig::default(),
            thresholds: Thresholds::embedded(),
        }
    }
}

/// The device thresholds of a loaded configuration: every `[thresholds.*]` value, direction,
/// duration and severity.
pub fn thresholds_from(c: &crate::settings::config::Thresholds) -> Thresholds {
    Thresholds::from_config(c)
}

/// Totals of one resource class, for the summary lines: the inventory's class totals, so
/// `allocated + free + unhealthy = total` (each defined in `accel::derive::accounting`) and the
/// header's accelerator count is the sum of the classes' `devices` (`summary::accel_counts`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassSummary {
    pub class: ResourceClass,
    pub nodes: u32,
    pub flagged_nodes: u32,
    pub total: f64,
    /// The healthy units, `allocated + free`: the nodes' allocatable less what is flagged
    /// broken, missing or on a node not Ready.
    pub allocatable: f64,
    /// Used: requested by pods on healthy capacity, never above `allocatable`.
    pub allocated: f64,
    pub free: f64,
    pub unhealthy: f64,
    /// What the pods ask for, as reported (may exceed `allocated`).
    pub requested: f64,
    /// Units requested beyond the nodes' allocatable (clamped out of `allocated`; the nodes are
    /// flagged `devices.over_allocated`): a note for the summary head when above zero.
    pub over_allocated: f64,
    /// Physical devices behind the class and those of them not healthy (for whole GPUs and
    /// NPUs the same as `total` and `unhealthy`).
    pub devices: f64,
    pub devices_unhealthy: f64,
}

/// A pod waiting to be scheduled that asks for an accelerator resource.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingPod {
    pub namespace: String,
    pub name: String,
    pub resource: String,
    pub quantity: f64,
    /// Nodes whose capacity lists the resource at all.
    pub offered_by: usize,
    /// Free units of it over all nodes.
    pub free: f64,
}

/// This machine, when NVML described its GPUs and it is no Kubernetes node (`--local`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LocalMachine {
    /// The host name NVML reported (the local node's name).
    pub host: String,
    pub driver_version: String,
    pub cuda_version: String,
    /// Physical GPUs (MIG devices not counted).
    pub gpus: usize,
}

/// The Nodes pane's view.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccelView {
    pub settings: AccelSettings,
    pub inventory: Inventory,
    /// Every node (accelerator nodes and the rest), sorted by `sorted_by`.
    pub rows: Vec<NodeRow>,
    pub summary: Vec<ClassSummary>,
    /// Nodes without accelerators (listed too, so a NotReady CPU node is not hidden).
    pub plain_nodes: usize,
    /// Non-zero XIDs, newest first, decoded and attributed to pods.
    pub xids: Vec<XidEvent>,
    /// Threshold breaches per node (by name).
    pub breaches: BTreeMap<String, Vec<Breach>>,
    /// Unscheduled pods asking for accelerators.
    pub pending: Vec<PendingPod>,
    /// MIG layout per MIG node (by name).
    pub mig: BTreeMap<String, MigLayout>,
    pub sorted_by: SortSpec,
    /// Event time of the refresh.
    pub at_ms: crate::domain::Millis,
    /// (healthy, total) physical accelerator devices for the header (`summary::accel_counts`);
    /// `None` before the first refresh.
    pub device_counts: Option<(u64, u64)>,
    /// What the last inventory was built from, so a refresh rebuilds only what changed.
    pub cache: crate::accel::derive::inventory_cache::InventoryCache,
    /// This machine read through NVML, when it is no Kubernetes node.
    pub local: Option<LocalMachine>,
    /// Why NVML gave nothing, when it said so (its source health is `Unavailable`).
    pub nvml_unavailable: Option<String>,
    /// The device facts of the node drilled into (`detail::sync` keeps them to the drilled row).
    pub drilled: Option<detail::DrilledFacts>,
}

impl AccelView {
    /// The inventory entry of a row, if the node has accelerators.
    pub fn node(&self, row: &NodeRow) -> Option<&NodeAccel> {
        row.inv.and_then(|i| self.inventory.nodes.get(i))
    }

    /// The facts of the devices of `node` in its drill-down (empty unless it is the drilled one).
    pub fn device_facts(&self, node: &str) -> &[detail::DeviceFacts] {
        match &self.drilled {
            Some(f) if f.node == node => &f.devices,
            _ => &[],
        }
    }

    /// Name of the current sort column.
    pub fn sort_label(&self) -> &'static str {
        SORT_COLUMNS[self.sorted_by.column % SORT_COLUMNS.len()]
    }
}

fn summarize(inv: &Inventory) -> Vec<ClassSummary> {
    inv.by_class
        .iter()
        .map(|(class, t)| ClassSummary {
            class: *class,
            nodes: t.nodes,
            flagged_nodes: t.flagged_nodes,
            total: t.total,
            allocatable: t.used + t.free,
            allocated: t.used,
            free: t.free,
            unhealthy: t.unhealthy,
            requested: t.requested,
            over_allocated: t.over_allocated,
            devices: t.devices,
            devices_unhealthy: t.devices_unhealthy,
        })
        .collect()
}

fn sort_rows(rows: &mut [NodeRow], spec: SortSpec) {
    let col = spec.column % SORT_COLUMNS.len();
    let num = |v: Option<f64>| v.unwrap_or(f64::NEG_INFINITY);
    rows.sort_by(|a, b| {
        let ord = match col {
            // worst first; among equals, accelerator nodes before plain ones
            0 => b
                .worst
                .cmp(&a.worst)
                .then_with(|| b.inv.is_some().cmp(&a.inv.is_some())),
            1 => std::cmp::Ordering::Equal,
            2 => num(b.alloc_frac()).total_cmp(&num(a.alloc_frac())),
            3 => num(b.util).total_cmp(&num(a.util)),
            4 => num(b.mem_pct).total_cmp(&num(a.mem_pct)),
            5 => num(b.temp).total_cmp(&num(a.temp)),
            _ => num(b.power).total_cmp(&num(a.power)),
        };
        ord.then_with(|| a.name.cmp(&b.name))
    });
    if spec.reverse {
        rows.reverse();
    }
}

/// Recompute the view from `state.world`.
pub fn refresh(state: &mut AppState) {
    let world = &state.world;
    let view = &mut state.accel;
    let now = state.now_ms.max(world.last_event_ms);
    let prev = std::mem::take(&mut view.inventory);
    let inv = view.cache.refresh(prev, world, &view.settings.inventory);
    let mut breaches = BTreeMap::new();
    for n in &inv.nodes {
        let b = derive::node_breaches(n, world, &view.settings.thresholds, now);
        if !b.is_empty() {
            breaches.insert(n.name.clone(), b);
        }
    }
    let mut rows: Vec<NodeRow> = Vec::with_capacity(world.nodes.len());
    let mut plain = 0;
    for info in world.nodes.values() {
        let inv_i = inv
            .nodes
            .binary_search_by(|n| n.name.as_str().cmp(&info.name))
            .ok();
        plain += usize::from(inv_i.is_none());
        let node = inv_i.map(|i| &inv.nodes[i]);
        let b = breaches.get(&info.name).map_or(&[][..], Vec::as_slice);
        rows.push(row_for(info, inv_i, node, b, (&world.metrics, now)));
    }
    // an inventory node that is no Kubernetes node: this machine, read through NVML
    for (i, n) in inv.nodes.iter().enumerate() {
        if !world.nodes.contains_key(&n.name) {
            let b = breaches.get(&n.name).map_or(&[][..], Vec::as_slice);
            rows.push(rows::local_row(n, i, b, (&world.metrics, now)));
        }
    }
    let spec = state.ui.sort(Pane::Nodes);
    sort_rows(&mut rows, spec);
    view.xids = xid_events(&inv);
    view.pending = derive::pending_pods(world, &inv, &view.settings.inventory);
    let before = std::mem::take(&mut view.mig);
    view.mig = derive::mig_layouts(&inv, world, |i| view.cache.settled(i), before);
    view.summary = summarize(&inv);
    view.device_counts = Some(crate::triage::summary::accel_counts(&inv));
    view.inventory = inv;
    view.rows = rows;
    view.plain_nodes = plain;
    view.breaches = breaches;
    view.sorted_by = spec;
    view.at_ms = now;
    view.local = local_snapshot(world).map(|(host, s)| LocalMachine {
        host: host.to_string(),
        driver_version: s.driver_version.clone(),
        cuda_version: s.cuda_version.clone(),
        gpus: s.devices.iter().filter(|d| d.parent_uuid.is_none()).count(),
    });
    view.nvml_unavailable = nvml_unavailable(world).map(str::to_string);
    detail::refresh_facts(state);
}

/// The rows passing the pane's filter, in the view's sort order.
pub fn visible_rows(state: &AppState) -> Vec<&NodeRow> {
    match Needle::new(state.ui.filter(Pane::Nodes)) {
        None => state.accel.rows.iter().collect(),
        Some(n) => state
            .accel
            .rows
            .iter()
            .filter(|r| r.fields().any(|f| n.matches(f)))
            .collect(),
    }
}

/// The row the selection points at (clamped), if any.
pub fn selected_row(state: &AppState) -> Option<&NodeRow> {
    let rows = visible_rows(state);
    let sel = state
        .ui
        .selected(Pane::Nodes)
        .min(rows.len().checked_sub(1)?);
    rows.get(sel).copied()
}

/// Handle an action while this pane has focus; `None` leaves it to the generic handling.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    if let Some(effects) = detail::on_action(state, action) {
        return Some(effects);
    }
    match action {
        Action::Sort | Action::SortReverse => {
            let spec = state.ui.sort.entry(Pane::Nodes).or_default();
            if action == Action::Sort {
                spec.column = (spec.column + 1) % SORT_COLUMNS.len();
            } else {
                spec.reverse = !spec.reverse;
            }
            let spec = *spec;
            sort_rows(&mut state.accel.rows, spec);
            state.accel.sorted_by = spec;
            Some(Vec::new())
        }
        _ => None,
    }
}

/// A device whose newest reading (XID aside) is this much older than its node's is stale.
pub const STALE_MS: crate::domain::Millis = 60_000;

/// The time of a device's newest reading when it is stale (older than `STALE_MS` before
/// `node_last_ms`): a GPU that fell off the bus stops reporting but its last values remain.
pub fn device_stale(
    d: &crate::accel::derive::telemetry::DeviceTelemetry,
    node_last_ms: crate::domain::Millis,
) -> Option<crate::domain::Millis> {
    let newest = d
        .latest
        .iter()
        .filter(|(f, _)| **f != Field::Xid)
        .map(|(_, (t, _))| *t)
        .max()?;
    (newest < node_last_ms.saturating_sub(STALE_MS)).then_some(newest)
}

/// Utilisation of a device in percent and whether it came from GR_ENGINE_ACTIVE.
pub fn device_util(d: &crate::accel::derive::telemetry::DeviceTelemetry) -> Option<(f64, bool)> {
    d.util_pct()
        .map(|(v, src)| (v, src == UtilSource::GrEngineActive))
}

/// Memory used in percent: FB used / (used + free), else FB used / the GFD memory label, else
/// NPU HBM (or DDR) used / total.
pub fn device_mem_pct(
    d: &crate::accel::derive::telemetry::DeviceTelemetry,
    gfd_memory_mib: Option<u64>,
) -> Option<f64> {
    d.fb_used_pct()
        .or_else(|| {
            let used = d.value(Field::FbUsed)?;
            let total = gfd_memory_mib.filter(|m| *m > 0)? as f64;
            Some(used / total * 100.0)
        })
        .or_else(|| d.npu_mem_pct())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::config::Config;

    #[test]
    fn settings_default_to_the_embedded_config() {
        use crate::domain::severity::Severity;
        use crate::settings::config::Direction;
        let t = AccelSettings::default().thresholds;
        let l = |l: crate::accel::derive::thresholds::Limit| (l.when, l.value, l.for_s, l.severity);
        let above = Direction::Above;
        assert_eq!(l(t.gpu_temp), (above, 80.0, 120, Severity::Critical));
        assert_eq!(l(t.gpu_util), (above, 95.0, 300, Severity::Warning));
        assert_eq!(l(t.fb_used), (above, 90.0, 180, Severity::Warning));
        assert_eq!(l(t.idle), (Direction::Below, 20.0, 900, Severity::Warning));
        assert_eq!(l(t.npu_mem), (above, 85.0, 300, Severity::Critical));
        assert_eq!(t.gpu_temp_c, 80.0);
    }

    #[test]
    fn user_config_overrides_a_threshold() {
        let c = Config::from_user_toml(
            "[thresholds.gpu_temp]\nvalue = 75.0\nfor = \"1m\"\n",
            "test.toml",
        )
        .expect("valid config");
        let t = thresholds_from(&c.thresholds);
        assert_eq!(
            (t.gpu_temp_c, t.gpu_temp.value, t.gpu_temp.for_s),
            (75.0, 75.0, 60)
        );
        assert_eq!(t.npu_mem.value, 85.0);
    }
}
