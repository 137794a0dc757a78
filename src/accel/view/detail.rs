//! The device cursor of the Nodes drill-down. While a node is drilled into, ↑/↓, PageUp/PageDown
//! and Home/End move a cursor over that node's devices (the rows of the drill-down's device
//! list) instead of the node selection; Enter on a node starts it at the first device, and a
//! cursor left from another node reads as the first device. `y` copies the selected device's
//! identity: its UUID when dcgm-exporter labels one (what `nvidia-smi -i`, DCGM and the device
//! plugin's logs name a GPU by; npu-exporter's `vdie_id` for a chip), else `<node> <device>`.
//!
//! The cursor lives in `state.ui.detail_cursor` as (node name, device index) and is clamped
//! against the node's current device list on every move and when drawn.

use crate::accel::derive::inventory::NodeAccel;
use crate::accel::derive::telemetry::{DeviceTelemetry, Telemetry, Vendor};
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
