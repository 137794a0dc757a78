//! The log viewer of the Training pane: one rank's log, or every rank of a job merged in arrival
//! order. Only the visible window is formatted. The NCCL lens colours lines by level (theme roles)
//! and NCCL subsystems (`NET/IB`, `Bootstrap` ...) by the key role; `-> N` return-code chains are
//! folded under the WARN they follow with the `ncclResult_t` decoded; InfiniBand completion
//! statuses are decoded; lines where a classifier finding starts get its id and explanation
//! beneath. The `/` filter text is the search: matches are highlighted, `n`/`N` jump.

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
use crate::training::derive::nccl::codes;
use crate::training::derive::nccl::line::{self, parse_retcode};
use crate::training::logs::{LineKind, LineMeta, LogIntel};
use crate::training::view::log_viewer::{LogViewer, search_regex, stamp};
use crate::ui::widgets::table::pane_block;
use crate::world::log_store::LogStore;

/// Most lines looked at after a WARN for its return-code chain.
const CHAIN_LOOKAHEAD: u64 = 64;

fn kind_style(theme: &Theme, k: LineKind) -> Style {
    match k {
        LineKind::Plain => theme.base,
        LineKind::Info | LineKind::Trace | LineKind::RetCode => theme.dim,
        LineKind::Warn => theme.warn,
        LineKind::Error => theme.crit,
    }
}

/// Style segments covering `text`: the NCCL level word and subsystem get their own roles.
fn segments(text: &str, base: Style, theme: &Theme) -> Vec<(usize, usize, Style)> {
    let mut out = Vec::new();
    let body_at = text.len() - line::strip_prefixes(text).body.len();
    let body = &text[body_at..];
    if let Some(n) = line::parse_nccl(body)
        && let Some(lvl) = memchr::memmem::find(body.as_bytes(), b" NCCL ")
    {
        let lvl_start = body_at + lvl + 1;
        let msg_start = text.len() - n.msg.len();
        out.push((0, lvl_start, theme.dim));
        let lvl_style = match n.level {
            line::NcclLevel::Warn => theme.warn,
            line::NcclLevel::Abort => theme.crit,
            _ => theme.info,
        };
        out.push((lvl_start, msg_start, lvl_style));
        if let Some(sub) = n.subsys {
            out.push((msg_start, msg_start + sub.len(), theme.key));
            out.push((msg_start + sub.len(), text.len(), base));
        } else {
            out.push((msg_start, text.len(), base));
        }
        return out;
    }
    out.push((0, text.len(), base));
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

fn retcode_chain(store: &LogStore, intel: &LogIntel, seq: u64, pod: &str) -> Vec<(String, u32)> {
    let mut chain = Vec::new();
    for s in seq + 1..seq + 1 + CHAIN_LOOKAHEAD {
        let Some(l) = store
            .lines()
            .get(usize::try_from(s.saturating_sub(store.dropped)).unwrap_or(usize::MAX))
        else {
            break;
        };
        if l.pod != pod {
            continue;
        }
        if intel.meta(s).map(|m| m.kind) != Some(LineKind::RetCode) {
            break;
        }
        let body = line::strip_prefixes(&l.line).body;
        if let Some(rc) = line::parse_nccl(body).and_then(|n| parse_retcode(n.msg)) {
            chain.push((rc.at.to_string(), rc.code));
        }
    }
    chain
}

/// The rows one entry draws: the line itself, then folded chains and explanations.
fn entry_rows(
    v: &LogViewer,
    state: &AppState,
    theme: &Theme,
    seq: u64,
    l: &LogLine,
    meta: LineMeta,
    hl: Option<&Regex>,
) -> Vec<Line<'static>> {
    let intel = &state.training.intel;
    let mut head = Vec::new();
    if v.timestamps {
        head.push(Span::styled(format!("{} ", stamp(l.at_ms)), theme.dim));
    }
    if v.pods.values().map(|p| p.len()).sum::<usize>() > 1 {
        head.push(Span::styled(format!("{} │ ", l.pod), theme.title));
    }
    let base = kind_style(theme, meta.kind);
    head.extend(spans(
        &l.line,
        &segments(&l.line, base, theme),
        hl,
        theme.highlight,
    ));
    let mut rows = vec![Line::from(head)];
    let indent = "    ↳ ";
    if meta.kind == LineKind::Warn && v.fold {
        let chain = retcode_chain(&state.world.logs, intel, seq, &l.pod);
        if let Some(&(_, code)) = chain.last() {
            let links: Vec<String> = chain.iter().map(|(a, c)| format!("{a} -> {c}")).collect();
            let meaning = codes::nccl_result(code)
                .map(|(n, m)| format!(" · {n}: {m}"))
                .unwrap_or_default();
            rows.push(Line::from(Span::styled(
                format!("{indent}{}{meaning}", links.join(", ")),
                theme.dim,
            )));
        }
    }
    if let Some(i) = l.line.find("status=") {
        let n: String = l.line[i + 7..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Some((name, m)) = n.parse().ok().and_then(codes::ibv_wc_status)
            && name != "IBV_WC_SUCCESS"
        {
            rows.push(Line::from(Span::styled(
                format!("{indent}status={n} is {name}: {m}"),
                theme.warn,
            )));
        }
    }
    if meta.rule > 0
        && let Some(p) = intel.pod(&l.namespace, &l.pod)
        && let Ok(i) = p.findings.binary_search_by_key(&(seq + 1), |f| f.line_no)
        && let Some(f) = p.findings.get(i)
    {
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

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let Some(v) = &state.training.viewer else {
        return;
    };
    let store = &state.world.logs;
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
    if let Some(p) = &v.include {
        title.push_str(&format!("· grep /{}/ ", p.text));
    }
    if let Some(p) = &v.exclude {
        title.push_str(&format!("· grep -v /{}/ ", p.text));
    }
    if store.dropped > 0 {
        title.push_str(&format!("· {} older lines dropped ", store.dropped));
    }
    let block = pane_block(state, theme, Pane::Training, None)
        .title_bottom(Line::from(Span::styled(title, theme.dim)).right_aligned());
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
    let height = inner.height as usize;
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
    // Following: the cursor's entry sits at the bottom. Otherwise a third of the way down, with
    // the lines after it below; fill upwards again when the end of the log leaves room.
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
        used += rows_height(&rows, inner.width, v.wrap);
        blocks.push_front(rows);
        i -= 1;
    }
    let mut j = v.cursor + 1;
    while used < height && j < v.entries.len() {
        let rows = build(j);
        used += rows_height(&rows, inner.width, v.wrap);
        blocks.push_back(rows);
        last_up = false;
        j += 1;
    }
    while i >= 0 && used < height {
        let rows = build(i as usize);
        used += rows_height(&rows, inner.width, v.wrap);
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
    let mut lines: Vec<Line<'static>> = blocks.into_iter().flatten().collect();
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
