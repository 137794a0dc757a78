//! The table every list pane uses: a bordered block titled with the pane's key, name and
//! `filtered n/N`, a header row, and only the visible rows. Scrolling is stateless: the offset is
//! derived from the selection and the height each frame, and the selection is clamped here.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::contract::action::Action;
use crate::settings::keymap::Keymap;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;

/// Which rows of a list are visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Index of the first visible row.
    pub offset: usize,
    /// How many rows are visible (never more than there are).
    pub len: usize,
    /// The selected row, clamped into range (`None` when there are no rows).
    pub selected: Option<usize>,
}

/// The visible window for `total` rows in `height` lines with `selected` wanted.
pub fn window(selected: usize, total: usize, height: usize) -> Window {
    if total == 0 || height == 0 {
        return Window {
            offset: 0,
            len: 0,
            selected: total.checked_sub(1).map(|last| selected.min(last)),
        };
    }
    let sel = selected.min(total - 1);
    let offset = (sel + 1).saturating_sub(height);
    Window {
        offset,
        len: height.min(total - offset),
        selected: Some(sel),
    }
}

fn focus_action(pane: Pane) -> Action {
    match pane {
        Pane::Nodes => Action::FocusNodes,
        Pane::Training => Action::FocusTraining,
        Pane::Serving => Action::FocusServing,
        Pane::Triage => Action::FocusTriage,
        Pane::Events => Action::FocusEvents,
        Pane::Log => Action::FocusLog,
    }
}

/// The bordered block of a pane: `[key] Title count` (the key from the keymap), focus styling.
/// `counts` is `(shown, total)`; the title says `filtered n/N` while a filter is set.
pub fn pane_block(
    state: &AppState,
    theme: &Theme,
    pane: Pane,
    counts: Option<(usize, usize)>,
) -> Block<'static> {
    let focused = state.ui.focus == pane;
    let mut spans = vec![Span::raw(" ")];
    if let Some(b) = state.keymap.binding(focus_action(pane))
        && !b.keys.is_empty()
    {
        spans.push(Span::styled(
            format!("[{}] ", Keymap::keys_label(b)),
            theme.key,
        ));
    }
    spans.push(Span::styled(pane.title(), theme.title));
    let filter = state.ui.filter(pane);
    match counts {
        Some((n, total)) if !filter.is_empty() => {
            spans.push(Span::styled(
                format!(" filtered {n}/{total} "),
                theme.highlight,
            ));
            spans.push(Span::styled(format!("/{filter}"), theme.dim));
        }
        Some((_, total)) => spans.push(Span::styled(format!(" {total}"), theme.dim)),
        None => {}
    }
    spans.push(Span::raw(" "));
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(Line::from(spans))
}

/// A table's columns: header labels and width constraints (same length), and the columns that
/// may be left out, first one first, when the pane is too narrow for all of them.
pub struct Columns<'a> {
    pub headers: &'a [&'a str],
    pub widths: Vec<Constraint>,
    pub droppable: &'a [usize],
}

/// Width a `Fill` column is counted as when deciding whether columns fit.
const FILL_MIN: u16 = 14;

/// Which columns to keep so that they fit in `width` (dropping `droppable` in order).
pub fn keep_columns(widths: &[Constraint], droppable: &[usize], width: u16) -> Vec<bool> {
    let mut keep = vec![true; widths.len()];
    let need = |keep: &[bool]| -> u32 {
        let cols: Vec<u32> = widths
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| match c {
                Constraint::Length(n) | Constraint::Min(n) => u32::from(*n),
                _ => u32::from(FILL_MIN),
            })
            .collect();
        cols.iter().sum::<u32>() + cols.len().saturating_sub(1) as u32
    };
    for &i in droppable {
        if need(&keep) <= u32::from(width) {
            break;
        }
        if let Some(k) = keep.get_mut(i) {
            *k = false;
        }
    }
    keep
}

/// Rows one table shows this frame (one cell per column).
pub struct Visible<'a> {
    pub rows: Vec<Vec<Cell<'a>>>,
    pub window: Window,
    /// Matching rows and all rows, for the title.
    pub shown: usize,
    pub total: usize,
    /// What to say when there is nothing to show.
    pub empty: String,
}

/// Lines available for rows in a table pane of `area` (borders and header taken off).
pub fn body_height(area: Rect) -> usize {
    area.height.saturating_sub(3) as usize
}

/// Draw a pane's table into `area`.
pub fn draw_table(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    theme: &Theme,
    pane: Pane,
    cols: Columns,
    vis: Visible,
) {
    let block = pane_block(state, theme, pane, Some((vis.shown, vis.total)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if vis.shown > 0 && vis.rows.is_empty() {
        // Rows exist but there is no room for any below the header.
        return;
    }
    if vis.rows.is_empty() {
        let text = if vis.total > 0 {
            format!("no match for /{}", state.ui.filter(pane))
        } else {
            vis.empty
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim)), inner);
        return;
    }
    let keep = keep_columns(&cols.widths, cols.droppable, inner.width);
    let pick = |i: usize| keep.get(i).copied().unwrap_or(true);
    let header = Row::new(
        cols.headers
            .iter()
            .enumerate()
            .filter(|(i, _)| pick(*i))
            .map(|(_, h)| Line::from(*h)),
    )
    .style(theme.table_header);
    let widths: Vec<Constraint> = cols
        .widths
        .iter()
        .enumerate()
        .filter(|(i, _)| pick(*i))
        .map(|(_, w)| *w)
        .collect();
    let rows: Vec<Row> = vis
        .rows
        .into_iter()
        .map(|cells| {
            Row::new(
                cells
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| pick(*i))
                    .map(|(_, c)| c),
            )
        })
        .collect();
    let selected = if state.ui.focus == pane {
        vis.window
            .selected
            .and_then(|s| s.checked_sub(vis.window.offset))
    } else {
        None
    };
    let table = Table::new(rows, widths)
        .header(header)
        .style(theme.base)
        .column_spacing(1)
        .row_highlight_style(theme.selected);
    let mut ts = TableState::default().with_selected(selected);
    frame.render_stateful_widget(table, inner, &mut ts);
}

/// Width for a column: the widest of the header and `cells`, clamped to `[min, max]`.
pub fn fit<'a>(header: &str, cells: impl Iterator<Item = &'a str>, min: u16, max: u16) -> u16 {
    let widest = cells
        .map(|c| c.chars().count())
        .chain(std::iter::once(header.len()))
        .max()
        .unwrap_or(0);
    (widest as u16).clamp(min, max.max(min))
}

/// Column `i` as a fixed width fitted to its header and the visible rows' text, within
/// `min..=max` (see `fit`).
pub fn fitted<'a, const N: usize>(
    headers: &[&str],
    rows: impl Iterator<Item = &'a [String; N]>,
    i: usize,
    min: u16,
    max: u16,
) -> Constraint {
    let header = headers.get(i).copied().unwrap_or("");
    Constraint::Length(fit(header, rows.map(|r| r[i].as_str()), min, max))
}

/// A style picked by severity: `Some(true)` critical, `Some(false)` warning, `None` ok.
pub fn severity_style(theme: &Theme, sev: Option<bool>, ok: Style) -> Style {
    match sev {
        Some(true) => theme.crit,
        Some(false) => theme.warn,
        None => ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_follows_selection_and_clamps() {
        assert_eq!(
            window(0, 100, 10),
            Window {
                offset: 0,
                len: 10,
                selected: Some(0)
            }
        );
        assert_eq!(window(25, 100, 10).offset, 16);
        let w = window(500, 100, 10);
        assert_eq!((w.offset, w.len, w.selected), (90, 10, Some(99)));
        assert_eq!(
            window(3, 2, 10),
            Window {
                offset: 0,
                len: 2,
                selected: Some(1)
            }
        );
        assert_eq!(window(3, 0, 10).selected, None);
        assert_eq!(window(3, 5, 0).len, 0);
    }

    #[test]
    fn narrow_tables_drop_columns_in_order() {
        let w = [
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Fill(1),
        ];
        assert_eq!(keep_columns(&w, &[1, 0], 80), [true, true, true]);
        assert_eq!(keep_columns(&w, &[1, 0], 30), [true, false, true]);
        assert_eq!(keep_columns(&w, &[1, 0], 10), [false, false, true]);
    }
}
