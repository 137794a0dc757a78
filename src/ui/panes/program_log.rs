//! The Log pane: the cockpit's own tracing output, through tui-logger's widget (the subscriber
//! layer is installed by the application at start).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_logger::{TuiLoggerLevelOutput, TuiLoggerWidget};

use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::ui::widgets::table::pane_block;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = pane_block(state, theme, Pane::Log, None)
        .title_bottom(Line::from(Span::styled(" aicockpit's own log ", theme.dim)).right_aligned());
    let widget = TuiLoggerWidget::default()
        .block(block)
        .style(theme.base)
        .style_error(theme.crit)
        .style_warn(theme.warn)
        .style_info(theme.info)
        .style_debug(theme.dim)
        .style_trace(theme.dim)
        .output_separator(' ')
        .output_timestamp(Some("%H:%M:%S".to_string()))
        .output_level(Some(TuiLoggerLevelOutput::Abbreviated))
        .output_target(true)
        .output_file(false)
        .output_line(false);
    frame.render_widget(widget, area);
}
