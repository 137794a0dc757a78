//! The Triage pane: the attention list (see `analysis::attention`), most severe first, one row
//! per problem with a severity glyph, what, where and since when.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

use crate::analysis::attention::{Item, Severity, attention};
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::theme::Theme;
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, age, highlighted};

const HEADERS: &[&str] = &["", "WHAT", "WHERE", "SINCE"];

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Triage;
    let needle = Needle::new(state.ui.filter(pane));
    let items = attention(&state.world);
    let matched: Vec<&Item> = items
        .iter()
        .filter(|i| needle.as_ref().is_none_or(|n| n.any(&[&i.what, &i.place])))
        .collect();
    let win = table::window(
        state.ui.selected(pane),
        matched.len(),
        table::body_height(area),
    );
    let visible = &matched[win.offset..win.offset + win.len];
    let place_w = table::fit(HEADERS[2], visible.iter().map(|i| i.place.as_str()), 8, 40);
    let widths = vec![
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(place_w),
        Constraint::Length(5),
    ];
    let rows = visible
        .iter()
        .map(|i| {
            let sev = match i.severity {
                Severity::Crit => theme.crit,
                Severity::Warn => theme.warn,
                Severity::Info => theme.info,
            };
            let hl =
                |s: &str| highlighted(s.to_string(), needle.as_ref(), theme.base, theme.highlight);
            vec![
                Cell::from(i.severity.glyph()).style(sev),
                Cell::from(hl(&i.what)),
                Cell::from(hl(&i.place)),
                Cell::from(age(state.now_ms, i.since_ms)).style(theme.dim),
            ]
        })
        .collect();
    table::draw_table(
        frame,
        area,
        state,
        theme,
        pane,
        Columns {
            headers: HEADERS,
            widths,
            droppable: &[],
        },
        Visible {
            rows,
            window: win,
            shown: matched.len(),
            total: items.len(),
            empty: "nothing needs attention".into(),
        },
    );
}
