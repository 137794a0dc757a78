//! Rendering: `draw(frame, &AppState, &Theme)` is a pure view of the state. Panes live in
//! `panes/` (one file each), reusable pieces in `widgets/`.

use ratatui::Frame;
use ratatui::widgets::Paragraph;

use crate::state::AppState;
use crate::theme::Theme;

/// Draw the whole cockpit.
pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let text = format!(
        "aicockpit — {} nodes, {} pods",
        state.world.nodes.len(),
        state.world.pods.len()
    );
    frame.render_widget(Paragraph::new(text).style(theme.base), frame.area());
}
