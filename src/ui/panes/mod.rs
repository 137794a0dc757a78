//! One file per pane. Each exposes `draw(frame, area, &AppState, &Theme)`, formats only its
//! visible rows, and reads the pane's filter and selection from `state.ui`.

pub mod events;
pub mod program_log;

use ratatui::Frame;
use ratatui::layout::Rect;

use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;

/// Draw one pane into `area`.
pub fn draw(frame: &mut Frame, area: Rect, pane: Pane, state: &AppState, theme: &Theme) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    match pane {
        Pane::Nodes => crate::accel::pane::draw(frame, area, state, theme),
        Pane::Training => crate::training::pane::draw(frame, area, state, theme),
        Pane::Serving => crate::serving::pane::draw(frame, area, state, theme),
        Pane::Triage => crate::triage::pane::draw(frame, area, state, theme),
        Pane::Events => events::draw(frame, area, state, theme),
        Pane::Log => program_log::draw(frame, area, state, theme),
    }
}
