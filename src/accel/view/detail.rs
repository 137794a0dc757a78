//! The device cursor of the Nodes drill-down. While a node is drilled into, ↑/↓, PageUp/PageDown
//! and Home/End move a cursor over that node's devices (the rows of the drill-down's device
//! list) instead of the node selection; Enter on a node starts it at the first device, and a
//! cursor left from another node reads as the first device. `y` copies the selected device's
//! identity: its UUID when dcgm-exporter labels one (what `nvidia-smi -i`, DCGM and the device
//! plugin's logs name a GPU by; npu-exporter's `vdie_id` for a chip), else `<node> <device>`.
//!
//! The cursor lives in `state.ui.detail_cursor` as (node name, device index) and is clamped
//! against the node's current device list on every move and when drawn.
//!
//! What the device list shows of each device beyond its readings (the pod holding it, an Ascend
//! chip's health and error code) is worked out here for the drilled node only: on every refresh
//! (`refresh_facts`), and after every key or action that may change which node is drilled
//! (`sync`), so the pane only draws `AccelView::drilled`.

use crate::accel::derive::health::npu_error_hex;
use crate::accel::derive::inventory::NodeAccel;
use crate::accel::derive::labels::AscendCm;
use crate::accel::derive::staleness::Freshness;
use crate::accel::derive::telemetry::{DeviceTelemetry, Field, Telemetry, Vendor};
use crate::accel::derive::xid::{PodAttribution, attribute};
use crate::contract::action::Action;
use crate::contract::effect::Effect;
use crate::contract::event::NoticeLevel;
use crate::state::AppState;
use crate::state::ui::Pane;

/// The devices of a node's drill-down list, in the order drawn (none without telemetry).
pub fn devices(n: &NodeAccel) -> &[DeviceTelemetry] {
    match &n.telemetry {
        Telemetry::Present(t) => &t.devices,
        Telemetry::Missing(_) => &[],
    }
}

/// The drilled node's name and inventory entry (`None` for the entry of a node without
/// accelerators), when the Nodes drill-down is open on a row.
pub fn drilled(state: &AppState) -> Option<(&str, Option<&NodeAccel>)> {
    if !state.ui.drilled(Pane::Nodes) {
        return None;
    }
    let row = super::selected_row(state)?;
    Some((row.name.as_str(), state.accel.node(row)))
}

/// The selected device index of node `name` with `count` devices, clamped (`None`: no devices).
pub fn cursor(state: &AppState, name: &str, count: usize) -> Option<usize> {
    let last = count.checked_sub(1)?;
    Some(state.ui.detail_cursor(Pane::Nodes, name).min(last))
}

/// What `copy_text` copies for `d`, in words: its UUID (an Ascend chip's `vdie_id`), or its name.
pub fn copy_what(d: &DeviceTelemetry) -> &'static str {
    match (&d.uuid, d.vendor) {
        (Some(_), Vendor::Nvidia) => "UUID",
        (Some(_), Vendor::Ascend) => "vdie_id",
        (None, _) => "name",
    }
}

/// What `y` copies for device `d` of `node`.
pub fn copy_text(node: &str, d: &DeviceTelemetry) -> String {
    d.uuid
        .clone()
        .unwrap_or_else(|| format!("{node} {}", d.label()))
}

/// What the drill-down's device list shows of one device beyond its readings.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceFacts {
    /// The pod holding the device, as shown: the pod its series are labelled with, `<pod>
    /// (only)` when it is the only accelerator pod on the node, else `-`.
    pub pod: String,
    /// An Ascend chip's health (`Some(true)`: unhealthy, because the deviceinfo ConfigMap lists
    /// it or its `health_status` is not 1); `None` for other devices.
    pub chip_unhealthy: Option<bool>,
    /// The device's row is marked bad: an unhealthy chip, or a health flag of the node names it.
    pub flagged: bool,
    /// A non-zero `npu_chip_info_error_code`, in hex (`0x80E01801`).
    pub error_hex: Option<String>,
    /// The device's readings are stale at the refresh (`staleness`): shown with their age.
    pub stale: Option<crate::accel::derive::staleness::Stale>,
}

impl DeviceFacts {
    /// Facts of a device nothing is known about (no pod, no chip health, no error).
    pub fn unknown() -> DeviceFacts {
        DeviceFacts {
            pod: "-".to_string(),
            chip_unhealthy: None,
            flagged: false,
            error_hex: None,
            stale: None,
        }
    }
}

/// The device facts of the drilled node, in the order of its device list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DrilledFacts {
    /// The drilled row's name.
    pub node: String,
    /// One entry per device of `devices(node)` (none for a node without accelerators).
    pub devices: Vec<DeviceFacts>,
}

/// The pod holding a device, as shown.
fn pod_of(n: &NodeAccel, d: &DeviceTelemetry) -> String {
    let labelled = d
        .pod
        .as_ref()
        .map(|(ns, p, c)| (ns.as_str(), p.as_str(), c.as_str()));
    match attribute(labelled, &n.pods) {
        PodAttribution::Labelled { pod, .. } => pod,
        PodAttribution::OnlyPodOnNode { pod, .. } => format!("{pod} (only)"),
        PodAttribution::Unknown(_) => "-".to_string(),
    }
}

/// An Ascend chip's health: unhealthy when the deviceinfo ConfigMap lists it or its
/// `health_status` is not 1 (`None` for other devices).
fn chip_bad(n: &NodeAccel, d: &DeviceTelemetry) -> Option<bool> {
    if d.vendor != Vendor::Ascend {
        return None;
    }
    let suffix = format!("-{}", d.key.index);
    let listed = match n.ascend.as_ref().map(|a| &a.device_info) {
        Some(AscendCm::Found(info)) => info.unhealthy.iter().any(|c| c.ends_with(&suffix)),
        _ => false,
    };
    let status = d.value(Field::NpuHealth);
    Some(listed || status.is_some_and(|s| s != 1.0))
}

/// The facts of device `d` of node `n`.
pub fn facts_of(n: &NodeAccel, d: &DeviceTelemetry) -> DeviceFacts {
    let chip_unhealthy = chip_bad(n, d);
    let prefix = format!("{}:", d.label());
    let flagged =
        chip_unhealthy == Some(true) || n.flags.iter().any(|f| f.to_string().starts_with(&prefix));
    let error_hex = d
        .value(Field::NpuErrorCode)
        .filter(|v| *v > 0.0)
        .map(|v| npu_error_hex(v as u64));
    DeviceFacts {
        pod: pod_of(n, d),
        chip_unhealthy,
        flagged,
        error_hex,
        stale: None,
    }
}

/// The facts of the node drilled into now, if one is.
fn current_facts(state: &AppState) -> Option<DrilledFacts> {
    let (name, n) = drilled(state)?;
    let (store, now) = (&state.world.metrics, state.accel.at_ms);
    Some(DrilledFacts {
        node: name.to_string(),
        devices: n.map_or_else(Vec::new, |n| {
            let fresh = Freshness::of(n, store, now);
            let with_age = |d: &DeviceTelemetry| DeviceFacts {
                stale: fresh.stale(d),
                ..facts_of(n, d)
            };
            devices(n).iter().map(with_age).collect()
        }),
    })
}

/// Recompute the drilled node's device facts (on refresh: the world may have changed).
pub fn refresh_facts(state: &mut AppState) {
    state.accel.drilled = current_facts(state);
}

/// Recompute the device facts when the drill-down now shows another node than they were worked
/// out for (opened, closed, or another row selected by a sort or a filter); cheap otherwise.
pub fn sync(state: &mut AppState) {
    let now = drilled(state).map(|(name, _)| name);
    if now != state.accel.drilled.as_ref().map(|f| f.node.as_str()) {
        refresh_facts(state);
    }
}

/// A moved cursor: `cur` by `action` over `count` devices (`page`: rows per page).
fn moved(cur: usize, count: usize, page: usize, action: Action) -> usize {
    let last = count.saturating_sub(1);
    match action {
        Action::Up => cur.saturating_sub(1),
        Action::Down => cur + 1,
        Action::PageUp => cur.saturating_sub(page),
        Action::PageDown => cur + page,
        Action::Top => 0,
        _ => last,
    }
    .min(last)
}

/// Handle an action for the drill-down's device list; `None` leaves it to the pane.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let open = state.ui.drilled(Pane::Nodes);
    match action {
        // a fresh drill-down starts at the first device
        Action::Select if !open => {
            state.ui.detail_cursor.remove(&Pane::Nodes);
            None
        }
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom
            if open =>
        {
            let page = (state.ui.height as usize / 2).max(5);
            let Some((name, n)) = drilled(state) else {
                // nothing drawn to move over; the node selection stays where it is
                return Some(Vec::new());
            };
            let count = n.map_or(0, |n| devices(n).len());
            let name = name.to_string();
            if let Some(cur) = cursor(state, &name, count) {
                let to = moved(cur, count, page, action);
                state.ui.detail_cursor.insert(Pane::Nodes, (name, to));
            }
            Some(Vec::new())
        }
        Action::Copy if open => {
            let (name, n) = drilled(state)?;
            let list = devices(n?);
            let d = list.get(cursor(state, name, list.len())?)?;
            let text = copy_text(name, d);
            let note = format!("{} of {} on {name} copied: {text}", copy_what(d), d.label());
            let at = state.now_ms;
            state.ui.notify(NoticeLevel::Info, note, at);
            Some(vec![Effect::CopyToClipboard(text)])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_stay_inside_the_list() {
        assert_eq!(moved(0, 5, 10, Action::Up), 0);
        assert_eq!(moved(0, 5, 10, Action::Down), 1);
        assert_eq!(moved(4, 5, 10, Action::Down), 4);
        assert_eq!(moved(1, 40, 10, Action::PageDown), 11);
        assert_eq!(moved(35, 40, 10, Action::PageDown), 39);
        assert_eq!(moved(3, 40, 10, Action::PageUp), 0);
        assert_eq!(moved(17, 40, 10, Action::Top), 0);
        assert_eq!(moved(0, 40, 10, Action::Bottom), 39);
    }
}
