//! The Triage pane: the attention list (see `analysis::attention`), most severe first, one row
//! per problem with a severity glyph, what, where and since when.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

use crate::analysis::attention::{Item, Severity};
use crate::analysis::attention_rank::Ranked;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::theme::Theme;
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, age, highlighted};

const HEADERS: &[&str] = &["", "WHAT", "WHERE", "SINCE"];

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Triage;
    let needle = Needle::new(state.ui.filter(pane));
    let world = &state.world;
    // Without a filter only the rows on screen are resolved; a filter needs every row's text.
    let matched: Vec<&Ranked> = match &needle {
        None => state.attention.iter().collect(),
        Some(n) => state
            .attention
            .iter()
            .filter(|r| {
                r.item(world)
                    .is_some_and(|i| n.matches(&i.what()) || n.matches(&i.place()))
            })
            .collect(),
    };
    let win = table::window(
        state.ui.selected(pane),
        matched.len(),
        table::body_height(area),
    );
    let visible: Vec<Item> = matched[win.offset..win.offset + win.len]
        .iter()
        .filter_map(|r| r.item(world))
        .collect();
    let texts: Vec<(String, String)> = visible.iter().map(|i| (i.what(), i.place())).collect();
    let place_w = table::fit(HEADERS[2], texts.iter().map(|t| t.1.as_str()), 8, 40);
    let widths = vec![
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(place_w),
        Constraint::Length(5),
    ];
    let rows = visible
        .iter()
        .zip(texts)
        .map(|(i, (what, place))| {
            let sev = match i.severity {
                Severity::Crit => theme.crit,
                Severity::Warn => theme.warn,
                Severity::Info => theme.info,
            };
            let hl = |s: String| highlighted(s, needle.as_ref(), theme.base, theme.highlight);
            vec![
                Cell::from(i.severity.glyph()).style(sev),
                Cell::from(hl(what)),
                Cell::from(hl(place)),
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
            total: state.attention.len(),
            empty: "nothing needs attention".into(),
        },
    );
}
