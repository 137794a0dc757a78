//! The Nodes pane: the cluster's accelerators. Head lines (`nodes_summary`): totals per resource
//! class, pods waiting for accelerators, the newest XID. Then every node sorted by the pane's
//! sort column with an allocation bar, utilisation, memory, temperature, power and health tags —
//! or the reason there is no telemetry. Enter opens the node's drill-down (`node_detail`).
//! Reads only `state.accel`, computed at refresh.

pub mod detail;
pub mod devices;
pub mod mig;
pub mod summary;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::accel::view::NodeRow;
use crate::domain::severity::Severity;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::ui::widgets::spark::bar;
use crate::ui::widgets::table::{self, keep_columns};
use crate::ui::widgets::text::{Needle, age, highlighted};

const HEADERS: &[&str] = &[
    "NODE", "KIND", "ALLOC", "UTIL", "MEM", "TEMP", "POWER", "HEALTH",
];
/// Columns dropped first when the pane is narrow.
const DROPPABLE: &[usize] = &[6, 1, 4, 5];
const BAR: usize = 6;

pub use crate::accel::view::{selected_row, visible_rows};

/// Style for a severity (`None`: fine).
fn name_style(theme: &Theme, s: Option<Severity>) -> Style {
    match s {
        Some(Severity::Critical | Severity::Warning) => theme.severity_or_ok(s),
        _ => theme.base,
    }
}

/// `12` or `1.5`: counts without a needless `.0`.
pub fn qty(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn alloc_text(r: &NodeRow) -> String {
    let Some(frac) = r.alloc_frac() else {
        return "-".to_string();
    };
    let mut s = format!(
        "{} {}/{}",
        bar(frac, BAR),
        qty(r.requested),
        qty(r.allocatable)
    );
    if r.allocatable < r.capacity {
        s.push_str(&format!(" of {}", qty(r.capacity)));
    }
    s
}

fn pct(v: Option<f64>, mark: bool) -> String {
    v.map_or("-".to_string(), |x| {
        format!("{x:.0}%{}", if mark { "*" } else { "" })
    })
}

fn power_text(w: Option<f64>) -> String {
    match w {
        Some(w) if w >= 1000.0 => format!("{:.1}kW", w / 1000.0),
        Some(w) => format!("{w:.0}W"),
        None => "-".to_string(),
    }
}

fn kind_text(r: &NodeRow) -> String {
    match (r.kind.label(), r.product.as_str()) {
        (k, "") => k.to_string(),
        (k, p) => format!("{k} {p}"),
    }
}

fn health_line(r: &NodeRow, theme: &Theme) -> Line<'static> {
    let mut spans: Vec<Span> = Vec::new();
    for (i, t) in r.tags.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(", ", theme.dim));
        }
        spans.push(Span::styled(t.text.clone(), theme.severity(t.severity)));
    }
    if let Some(note) = &r.note {
        if !spans.is_empty() {
            spans.push(Span::styled(" · ", theme.dim));
        }
        let style = if r.devices == 0 && r.class.is_some() {
            theme.warn
        } else {
            theme.dim
        };
        spans.push(Span::styled(note.clone(), style));
    }
    if spans.is_empty() {
        spans.push(Span::styled(if r.ready { "ok" } else { "" }, theme.ok));
    }
    Line::from(spans)
}

/// The cells of one row, in `HEADERS` order (the health cell aside); stale readings read
/// `stale 12m` (the age of the newest sample at `now`) in place of their numbers.
fn row_texts(r: &NodeRow, now: i64) -> [String; 7] {
    let head = [r.name.clone(), kind_text(r), alloc_text(r)];
    let [name, kind, alloc] = head;
    if let Some(s) = r.stale {
        let aged = format!("stale {}", age(now, Some(s.since)));
        let dash = || "stale".to_string();
        return [name, kind, alloc, aged, dash(), dash(), dash()];
    }
    [
        name,
        kind,
        alloc,
        pct(r.util, r.util_from_gr),
        pct(r.mem_pct, false),
        r.temp.map_or("-".to_string(), |t| format!("{t:.0}°C")),
        power_text(r.power),
    ]
}

/// Column widths fitted to the visible rows' texts.
fn column_widths(texts: &[[String; 7]]) -> Vec<Constraint> {
    let col = |i: usize, min: u16, max: u16| table::fitted(HEADERS, texts.iter(), i, min, max);
    vec![
        col(0, 6, 28),
        col(1, 4, 20),
        col(2, 5, 20),
        col(3, 4, 9),
        col(4, 3, 5),
        col(5, 4, 5),
        col(6, 5, 6),
        Constraint::Fill(1),
    ]
}

/// The cells of one row, styled (the filter's matches highlighted).
fn row_cells(
    r: &NodeRow,
    t: [String; 7],
    hot_c: f64,
    needle: Option<&Needle>,
    theme: &Theme,
) -> Vec<Cell<'static>> {
    let hl = |s: String, base: Style| highlighted(s, needle, base, theme.highlight);
    let [name, kind, alloc, util, mem, temp, power] = t;
    let alloc_style = if r.allocatable < r.capacity || r.requested > r.allocatable {
        theme.crit
    } else {
        theme.gauge
    };
    let hot = r.temp.is_some_and(|t| t > hot_c);
    let (value, temp_style) = match r.stale {
        Some(_) => (theme.warn, theme.warn),
        None if hot => (theme.base, theme.crit),
        None => (theme.base, theme.base),
    };
    vec![
        Cell::from(hl(name, name_style(theme, r.worst))),
        Cell::from(hl(kind, theme.base)),
        Cell::from(alloc).style(alloc_style),
        Cell::from(util).style(value),
        Cell::from(mem).style(value),
        Cell::from(temp).style(temp_style),
        Cell::from(power).style(value),
        Cell::from(health_line(r, theme)),
    ]
}

/// The items of `items` whose column `keep` keeps (all when `keep` is shorter).
fn kept<T>(items: impl IntoIterator<Item = T>, keep: &[bool]) -> Vec<T> {
    items
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.get(*i).copied().unwrap_or(true))
        .map(|(_, c)| c)
        .collect()
}

/// The node table in `body`: the visible window of `rows` around the selection, with the
/// columns that fit.
fn draw_table(frame: &mut Frame, body: Rect, state: &AppState, theme: &Theme, rows: &[&NodeRow]) {
    let pane = Pane::Nodes;
    let needle = Needle::new(state.ui.filter(pane));
    let win = table::window(
        state.ui.selected(pane),
        rows.len(),
        body.height.saturating_sub(1) as usize,
    );
    let visible = &rows[win.offset..win.offset + win.len];
    let texts: Vec<[String; 7]> = visible
        .iter()
        .map(|r| row_texts(r, state.accel.at_ms))
        .collect();
    let widths = column_widths(&texts);
    let keep = keep_columns(&widths, DROPPABLE, body.width);
    let hot_c = state.accel.settings.thresholds.gpu_temp_c;
    let table_rows: Vec<Row> = visible
        .iter()
        .zip(texts)
        .map(|(r, t)| Row::new(kept(row_cells(r, t, hot_c, needle.as_ref(), theme), &keep)))
        .collect();
    let header =
        Row::new(kept(HEADERS.iter().map(|h| Line::from(*h)), &keep)).style(theme.table_header);
    let selected = (state.ui.focus == pane)
        .then(|| win.selected.and_then(|s| s.checked_sub(win.offset)))
        .flatten();
    let t = Table::new(table_rows, kept(widths, &keep))
        .header(header)
        .style(theme.base)
        .column_spacing(1)
        .row_highlight_style(theme.selected);
    let mut ts = TableState::default().with_selected(selected);
    frame.render_stateful_widget(t, body, &mut ts);
}

/// Why no row is listed: no nodes yet (or why NVML gave none), or no match for the filter.
fn empty_text(state: &AppState) -> String {
    let v = &state.accel;
    if v.rows.is_empty() {
        // with NVML the only source (`--local`), say why it gave nothing
        v.nvml_unavailable
            .clone()
            .unwrap_or_else(|| "no nodes seen yet".to_string())
    } else {
        format!("no match for /{}", state.ui.filter(Pane::Nodes))
    }
}

/// Draw the Nodes pane (or the drilled node's drill-down) into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if state.ui.drilled(Pane::Nodes)
        && let Some(row) = selected_row(state)
    {
        crate::accel::pane::detail::draw(frame, area, state, theme, row);
        return;
    }
    let pane = Pane::Nodes;
    let rows = visible_rows(state);
    let v = &state.accel;
    let dir = if v.sorted_by.reverse { "▲" } else { "▼" };
    let block = table::pane_block(state, theme, pane, Some((rows.len(), v.rows.len()))).title_top(
        Line::from(Span::styled(
            format!(" sort: {}{dir} ", v.sort_label()),
            theme.dim,
        ))
        .right_aligned(),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let head = crate::accel::pane::summary::header_lines(state, theme, inner.height < 16);
    let head_h = (head.len() as u16).min(inner.height.saturating_sub(2) / 2);
    let [top, body] =
        Layout::vertical([Constraint::Length(head_h), Constraint::Fill(1)]).areas(inner);
    frame.render_widget(Paragraph::new(head), top);
    if rows.is_empty() {
        let text = Span::styled(empty_text(state), theme.dim);
        frame.render_widget(Paragraph::new(text), body);
        return;
    }
    draw_table(frame, body, state, theme, &rows);
}
