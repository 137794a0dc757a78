//! One file per pane. Each exposes `draw(frame, area, &AppState, &Theme)`, formats only its
//! visible rows, and reads the pane's filter and selection from `state.ui`.

pub mod endpoint_detail;
pub mod endpoint_lists;
pub mod events;
pub mod log;
pub mod logview;
pub mod node_detail;
pub mod node_devices;
pub mod node_mig;
pub mod nodes;
pub mod nodes_summary;
pub mod serving;
pub mod training;
pub mod training_ranks;
pub mod triage;
pub mod triage_detail;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::state::AppState;
use crate::state::ui::Pane;
use crate::theme::Theme;

/// Draw one pane into `area`.
pub fn draw(frame: &mut Frame, area: Rect, pane: Pane, state: &AppState, theme: &Theme) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    match pane {
        Pane::Nodes => nodes::draw(frame, area, state, theme),
        Pane::Training => training::draw(frame, area, state, theme),
        Pane::Serving => serving::draw(frame, area, state, theme),
        Pane::Triage => triage::draw(frame, area, state, theme),
        Pane::Events => events::draw(frame, area, state, theme),
        Pane::Log => log::draw(frame, area, state, theme),
    }
}
