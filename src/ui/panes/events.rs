//! The Events pane: Kubernetes events, newest first, Warnings marked.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

use crate::domain::KEvent;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, age, highlighted};

const HEADERS: &[&str] = &["AGE", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"];

fn object(e: &KEvent) -> String {
    format!("{}/{}", e.object_kind.to_ascii_lowercase(), e.object_name)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Events;
    let needle = Needle::new(state.ui.filter(pane));
    let events = &state.world.events;
    let newest_first = events.iter().rev();
    let matched: Vec<&KEvent> = match &needle {
        None => newest_first.collect(),
        Some(n) => newest_first
            .filter(|e| {
                n.any(&[
                    &e.type_,
                    &e.reason,
                    &e.object_kind,
                    &e.object_name,
                    &e.message,
                ])
            })
            .collect(),
    };
    let win = table::window(
        state.ui.selected(pane),
        matched.len(),
        table::body_height(area),
    );
    let visible = &matched[win.offset..win.offset + win.len];
    let objects: Vec<String> = visible.iter().map(|e| object(e)).collect();
    let widths = vec![
        Constraint::Length(4),
        Constraint::Length(7),
        Constraint::Length(table::fit(
            HEADERS[2],
            visible.iter().map(|e| e.reason.as_str()),
            6,
            24,
        )),
        Constraint::Length(table::fit(
            HEADERS[3],
            objects.iter().map(String::as_str),
            6,
            36,
        )),
        Constraint::Length(5),
        Constraint::Fill(1),
    ];
    let rows = visible
        .iter()
        .zip(objects)
        .map(|(e, obj)| {
            let warn = e.type_ == "Warning";
            let hl = |s: String, base| highlighted(s, needle.as_ref(), base, theme.highlight);
            vec![
                Cell::from(age(state.now_ms, e.last_ms)).style(theme.dim),
                Cell::from(hl(
                    e.type_.clone(),
                    if warn { theme.warn } else { theme.dim },
                )),
                Cell::from(hl(
                    e.reason.clone(),
                    if warn { theme.warn } else { theme.base },
                )),
                Cell::from(hl(obj, theme.base)),
                Cell::from(e.count.to_string()),
                Cell::from(hl(e.message.clone(), theme.base)),
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
            droppable: &[4],
        },
        Visible {
            rows,
            window: win,
            shown: matched.len(),
            total: events.len(),
            empty: "no events seen yet".into(),
        },
    );
}
