//! Rendering: `draw(frame, &AppState, &Theme)` is a pure view of the state. The screen is a
//! header (badge, clock, headline counts), the replay timeline, the pane grid (or the focused
//! pane zoomed), a notice line and a footer of keymap hints; `?` lays the help overlay on top.
//! Feature panes live in their features (`accel/pane`, `training/pane`, `serving/pane`,
//! `triage/pane`); `panes/` dispatches to them and holds the Events and program-log panes;
//! reusable pieces are in `widgets/`.

pub mod footer;
pub mod header;
pub mod health;
pub mod help;
pub mod panes;
pub mod timeline;
pub mod widgets;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;

/// Draw the whole cockpit.
pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let roomy = area.height >= 12;
    let header_h = if roomy { 2 } else { 1 };
    let timeline_h = u16::from(roomy && state.replay.is_some());
    let notice_h = u16::from(roomy);
    let footer_h = u16::from(area.height >= 3);
    let [header, timeline, main, notice, footer] = Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Length(timeline_h),
        Constraint::Fill(1),
        Constraint::Length(notice_h),
        Constraint::Length(footer_h),
    ])
    .areas(area);
    header::draw(frame, header, state, theme);
    timeline::draw(frame, timeline, state, theme);
    draw_main(frame, main, state, theme);
    if notice.height > 0 {
        footer::draw_notice(frame, notice, state, theme);
    }
    if footer.height > 0 {
        footer::draw(frame, footer, state, theme);
    }
    if state.ui.help {
        help::draw(frame, area, state, theme);
    }
}

/// Where each pane goes in the grid (the zoomed pane gets all of `area`). Log is shown only when
/// focused, as a strip along the bottom.
pub fn pane_areas(area: Rect, state: &AppState) -> Vec<(Pane, Rect)> {
    let focus = state.ui.focus;
    if state.ui.zoom {
        return vec![(focus, area)];
    }
    let mut out = Vec::with_capacity(6);
    let grid = if focus == Pane::Log {
        let log_h = (area.height / 3).max(5);
        let [grid, log] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(log_h)]).areas(area);
        out.push((Pane::Log, log));
        grid
    } else {
        area
    };
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Percentage(36),
        Constraint::Percentage(32),
        Constraint::Fill(1),
    ])
    .areas(grid);
    let [nodes, triage] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(top);
    let [serving, events] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Fill(1)]).areas(bottom);
    out.extend([
        (Pane::Nodes, nodes),
        (Pane::Triage, triage),
        (Pane::Training, middle),
        (Pane::Serving, serving),
        (Pane::Events, events),
    ]);
    out
}

fn draw_main(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    for (pane, rect) in pane_areas(area, state) {
        panes::draw(frame, rect, pane, state, theme);
    }
}
