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

/// The events passing the filter, newest first (the rows the pane lists).
pub fn matched<'a>(state: &'a AppState, needle: Option<&Needle>) -> Vec<&'a KEvent> {
    let newest_first = state.world.events.iter().rev();
    match needle {
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
    }
}

/// Column widths fitted to the visible events' reasons and objects.
fn widths(visible: &[&KEvent], objects: &[String]) -> Vec<Constraint> {
    vec![
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
    ]
}

/// The cells of one event, styled (Warnings marked, the filter's matches highlighted).
fn cells(
    e: &KEvent,
    obj: String,
    now_ms: i64,
    needle: Option<&Needle>,
    theme: &Theme,
) -> Vec<Cell<'static>> {
    let warn = e.type_ == "Warning";
    let hl = |s: String, base| highlighted(s, needle, base, theme.highlight);
    vec![
        Cell::from(age(now_ms, e.last_ms)).style(theme.dim),
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
}

/// Draw the Events pane into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Events;
    let needle = Needle::new(state.ui.filter(pane));
    let matched = matched(state, needle.as_ref());
    let win = table::window(
        state.ui.selected(pane),
        matched.len(),
        table::body_height(area),
    );
    let visible = &matched[win.offset..win.offset + win.len];
    let objects: Vec<String> = visible.iter().map(|e| object(e)).collect();
    let widths = widths(visible, &objects);
    let rows = visible
        .iter()
        .zip(objects)
        .map(|(e, obj)| cells(e, obj, state.now_ms, needle.as_ref(), theme))
        .collect();
    let columns = Columns {
        headers: HEADERS,
        widths,
        droppable: &[4],
    };
    let visible = Visible {
        rows,
        window: win,
        shown: matched.len(),
        total: state.world.events.len(),
        empty: "no events seen yet".into(),
    };
    table::draw_table(frame, area, state, theme, pane, columns, visible);
}
