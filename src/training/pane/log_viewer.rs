//! The log viewer of the Training pane: one rank's log, or every rank of a job merged in arrival
//! order. Only the visible window is formatted. The NCCL lens colours lines by level (theme roles)
//! and NCCL subsystems (`NET/IB`, `Bootstrap` ...) by the key role; `-> N` return-code chains are
//! folded under the WARN they follow with the `ncclResult_t` decoded; InfiniBand completion
//! statuses are decoded; lines where a classifier finding starts get its id and explanation
//! beneath. The `/` filter text is the search: matches are highlighted, `n`/`N` jump. What a
//! line means comes from the view's lens (`training::view::log_lens`); this only styles it.

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use regex::Regex;

use crate::domain::LogLine;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::training::derive::nccl::line::NcclLevel;
use crate::training::log_intel::{LineKind, LineMeta};
use crate::training::view::log_lens::{LineLens, NcclSegments, explain};
use crate::training::view::log_viewer::{LogViewer, search_regex, stamp};
use crate::ui::widgets::table::pane_block;
use crate::world::log_store::LogStore;

fn kind_style(theme: &Theme, k: LineKind) -> Style {
    match k {
        LineKind::Plain => theme.base,
        LineKind::Info | LineKind::Trace | LineKind::RetCode => theme.dim,
        LineKind::Warn => theme.warn,
        LineKind::Error => theme.crit,
    }
}

/// Style segments covering `text` (`len` bytes): the NCCL level word and subsystem the lens
/// found get their own roles.
fn segments(
    len: usize,
    nccl: Option<NcclSegments>,
    base: Style,
    theme: &Theme,
) -> Vec<(usize, usize, Style)> {
    let Some(n) = nccl else {
        return vec![(0, len, base)];
    };
    let lvl_style = match n.level {
        NcclLevel::Warn => theme.warn,
        NcclLevel::Abort => theme.crit,
        _ => theme.info,
    };
    let mut out = vec![
        (0, n.level_at, theme.dim),
        (n.level_at, n.msg_at, lvl_style),
    ];
    if let Some(end) = n.subsys_end {
        out.push((n.msg_at, end, theme.key));
        out.push((end, len, base));
    } else {
        out.push((n.msg_at, len, base));
    }
    out
}

/// Spans for `text` with `segs` styles and every `hl` match in `hl_style`.
fn spans(
    text: &str,
    segs: &[(usize, usize, Style)],
    hl: Option<&Regex>,
    hl_style: Style,
) -> Vec<Span<'static>> {
    let matches: Vec<(usize, usize)> = hl
        .map(|re| {
            re.find_iter(text)
                .filter(|m| !m.is_empty())
                .map(|m| (m.start(), m.end()))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Vec::new();
    for &(s, e, style) in segs {
        let mut at = s;
        for &(ms, me) in &matches {
            if me <= at || ms >= e {
                continue;
            }
            let (ms, me) = (ms.max(at), me.min(e));
            if ms > at {
                out.push(Span::styled(text[at..ms].to_string(), style));
            }
            out.push(Span::styled(text[ms..me].to_string(), hl_style));
            at = me;
        }
        if at < e {
            out.push(Span::styled(text[at..e].to_string(), style));
        }
    }
    out
}

/// The rows one entry draws: the line itself, then what the lens adds under it (the folded
/// return-code chain, the decoded completion status, the finding that starts there).
fn entry_rows(
    v: &LogViewer,
    state: &AppState,
    theme: &Theme,
    seq: u64,
    l: &LogLine,
    meta: LineMeta,
    hl: Option<&Regex>,
) -> Vec<Line<'static>> {
    let lens = explain(
        &state.world.logs,
        &state.training.intel,
        seq,
        l,
        meta,
        v.fold,
    );
    let mut head = Vec::new();
    if v.timestamps {
        head.push(Span::styled(format!("{} ", stamp(l.at_ms)), theme.dim));
    }
    if v.pods.values().map(|p| p.len()).sum::<usize>() > 1 {
        head.push(Span::styled(format!("{} │ ", l.pod), theme.title));
    }
    let base = kind_style(theme, meta.kind);
    let segs = segments(l.line.len(), lens.nccl, base, theme);
    head.extend(spans(&l.line, &segs, hl, theme.highlight));
    let mut rows = vec![Line::from(head)];
    rows.extend(lens_rows(&lens, theme));
    rows
}

/// The rows the lens adds under a line.
fn lens_rows(lens: &LineLens, theme: &Theme) -> Vec<Line<'static>> {
    let indent = "    ↳ ";
    let mut rows = Vec::new();
    if let Some(chain) = &lens.chain {
        rows.push(Line::from(Span::styled(
            format!("{indent}{chain}"),
            theme.dim,
        )));
    }
    if let Some(status) = &lens.ibv_status {
        rows.push(Line::from(Span::styled(
            format!("{indent}{status}"),
            theme.warn,
        )));
    }
    if let Some(f) = lens.finding {
        let mut s = vec![
            Span::styled(indent.to_string(), theme.dim),
            Span::styled(format!("{} ", f.id), theme.severity(f.severity)),
            Span::styled(f.explanation.clone(), theme.base),
        ];
        if let Some(r) = f.fields.get("nccl_result") {
            s.push(Span::styled(format!(" [{r}]"), theme.dim));
        }
        rows.push(Line::from(s));
    }
    rows
}

fn rows_height(rows: &[Line<'_>], width: u16, wrap: bool) -> usize {
    if !wrap || width == 0 {
        return rows.len();
    }
    rows.iter()
        .map(|r| r.width().div_ceil(width as usize).max(1))
        .sum()
}

/// The viewer's title: what it shows, the cursor, its switches and filters, dropped lines.
fn title(v: &LogViewer, store: &LogStore, needle: &str) -> String {
    let mut flags = vec![if v.follow { "follow" } else { "paused" }];
    if v.wrap {
        flags.push("wrap");
    }
    if v.timestamps {
        flags.push("time");
    }
    if !v.fold {
        flags.push("unfolded");
    }
    let mut title = format!(
        " {} · {}/{} · {} ",
        v.title,
        (v.cursor + 1).min(v.entries.len()),
        v.entries.len(),
        flags.join(" ")
    );
    if let Some(h) = v.hit.as_ref().filter(|h| h.needle == needle) {
        title.push_str(&format!("· match {}/{} ", h.index, h.count));
    }
    if let Some(p) = &v.include {
        title.push_str(&format!("· grep /{}/ ", p.text));
    }
    if let Some(p) = &v.exclude {
        title.push_str(&format!("· grep -v /{}/ ", p.text));
    }
    if store.dropped > 0 {
        title.push_str(&format!("· {} older lines dropped ", store.dropped));
    }
    title
}

/// The lines shown `height` rows high, and how many rows of them scroll off the top.
/// Following: the cursor's entry sits at the bottom. Otherwise a third of the way down, with
/// the lines after it below; fill upwards again when the end of the log leaves room.
fn window(
    v: &LogViewer,
    height: usize,
    width: u16,
    build: impl Fn(usize) -> Vec<Line<'static>>,
) -> (Vec<Line<'static>>, usize) {
    let up_budget = if v.follow {
        height
    } else {
        (height / 3).max(1)
    };
    let mut blocks: VecDeque<Vec<Line<'static>>> = VecDeque::new();
    let mut used = 0;
    let mut last_up = true;
    let mut i = v.cursor as isize;
    while i >= 0 && used < up_budget {
        let rows = build(i as usize);
        used += rows_height(&rows, width, v.wrap);
        blocks.push_front(rows);
        i -= 1;
    }
    let mut j = v.cursor + 1;
    while used < height && j < v.entries.len() {
        let rows = build(j);
        used += rows_height(&rows, width, v.wrap);
        blocks.push_back(rows);
        last_up = false;
        j += 1;
    }
    while i >= 0 && used < height {
        let rows = build(i as usize);
        used += rows_height(&rows, width, v.wrap);
        blocks.push_front(rows);
        last_up = true;
        i -= 1;
    }
    // An entry taller than the room left was cut at the top.
    let scroll = if last_up {
        used.saturating_sub(height)
    } else {
        0
    };
    (blocks.into_iter().flatten().collect(), scroll)
}

/// Draw the log viewer into `area`: the lines around the cursor, styled as the lens says.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(v) = &state.training.viewer else {
        return;
    };
    let store = &state.world.logs;
    let needle = state.ui.filter(Pane::Training);
    let block = pane_block(state, theme, Pane::Training, None)
        .title_bottom(Line::from(Span::styled(title(v, store, needle), theme.dim)).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if v.entries.is_empty() {
        let why = if v.include.is_some() || v.exclude.is_some() {
            "no line passes the :grep filter (:grep alone clears it)"
        } else {
            "no log lines from this pod yet"
        };
        frame.render_widget(Paragraph::new(Span::styled(why, theme.dim)), inner);
        return;
    }
    let hl = search_regex(state.ui.filter(Pane::Training));
    let build = |i: usize| -> Vec<Line<'static>> {
        let (Some(&seq), Some(l)) = (v.entries.get(i), v.line(store, i)) else {
            return Vec::new();
        };
        let meta = state.training.intel.meta(seq).unwrap_or_default();
        let mut rows = entry_rows(v, state, theme, seq, l, meta, hl.as_ref());
        if i == v.cursor
            && let Some(first) = rows.first_mut()
        {
            *first = std::mem::take(first).patch_style(theme.selected);
        }
        rows
    };
    let (mut lines, scroll) = window(v, inner.height as usize, inner.width, build);
    if !v.wrap && scroll > 0 {
        lines.drain(..scroll.min(lines.len()));
    }
    let mut p = Paragraph::new(lines);
    if v.wrap {
        p = p
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(u16::MAX as usize) as u16, 0));
    }
    frame.render_widget(p, inner);
}
