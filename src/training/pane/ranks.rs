//! The rank grid of one training job: global rank, replica, pod, node, devices, status,
//! restarts, since when the status holds, NCCL state (init, transport, fallback, warnings,
//! worst finding), key env differing from the seeds/004 reference, `/dev/shm`, last log line;
//! below it the selected rank's env against the reference and the cross-rank correlation
//! (first failure, watchdog laggard, peer → pod), each naming rank, pod and replica.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Wrap};

use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::training::view::rows::{JobRow, RankRow};
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, age, highlighted};

const HEADERS: &[&str] = &[
    "RANK", "REPLICA", "POD", "NODE", "DEVICES", "STATUS", "RESTARTS", "SINCE", "NCCL", "ENV",
    "SHM", "LAST LOG",
];

fn short_env(name: &str) -> &str {
    name.strip_prefix("NCCL_").unwrap_or(name)
}

/// NCCL state of a rank as one cell, and whether it needs a look.
fn nccl_cell(r: &RankRow) -> (String, Option<bool>) {
    let n = &r.nccl;
    let mut parts = Vec::new();
    if n.init_started && !n.init_complete {
        parts.push("init…".to_string());
    }
    match n.transport {
        Some(t) if n.fell_back => parts.push(format!("{}←IB", t.label())),
        Some(t) => parts.push(t.label().to_string()),
        None if !n.init_started => parts.push("-".into()),
        None => {}
    }
    if n.warns > 0 {
        parts.push(format!("{}W", n.warns));
    }
    if let Some((id, _)) = &r.finding {
        parts.push(id.strip_prefix("nccl.").unwrap_or(id).to_string());
        if r.more_findings > 0 {
            parts.push(format!("+{}", r.more_findings));
        }
    }
    let sev = match &r.finding {
        Some((_, s)) if *s == crate::domain::severity::Severity::Critical => Some(true),
        _ if n.fell_back || n.warns > 0 || r.finding.is_some() => Some(false),
        _ => None,
    };
    (parts.join(" "), sev)
}

fn env_cell(r: &RankRow) -> (String, Option<bool>) {
    let diffs: Vec<String> = r
        .env
        .iter()
        .filter(|e| e.differs())
        .map(|e| match &e.value {
            Some(v) => format!("{}={v}", short_env(e.name)),
            None => format!("{} unset", short_env(e.name)),
        })
        .collect();
    let risky = r.env.iter().any(|e| e.risky());
    if diffs.is_empty() {
        ("= ref".into(), None)
    } else {
        (diffs.join(" "), Some(risky))
    }
}

fn detail_lines(job: &JobRow, sel: Option<&RankRow>, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if let Some(r) = sel {
        let mut spans = vec![Span::styled(
            format!("{} env vs reference values: ", r.pod),
            theme.dim,
        )];
        for e in &r.env {
            let v = e.value.clone().unwrap_or_else(|| "unset".into());
            let (text, style) = match e.reference {
                Some(rf) if e.differs() => (
                    format!("{}={v} (ref {rf})  ", e.name),
                    if e.risky() { theme.crit } else { theme.warn },
                ),
                Some(_) => (format!("{}={v} ✓  ", e.name), theme.ok),
                None => (format!("{}={v}  ", e.name), theme.base),
            };
            spans.push(Span::styled(text, style));
        }
        let shm_style = if r.shm_default {
            theme.warn
        } else {
            theme.base
        };
        let shm = if r.shm_default {
            "/dev/shm not mounted (64 MiB runtime default)".to_string()
        } else {
            format!("/dev/shm {}", r.shm)
        };
        spans.push(Span::styled(shm, shm_style));
        out.push(Line::from(spans));
    }
    let c = &job.correlation;
    if let Some((who, id)) = &c.first_failure {
        out.push(Line::from(vec![
            Span::styled("first failure: ", theme.dim),
            Span::styled(format!("{} {id}", who.label()), theme.crit),
        ]));
    }
    if let Some(reason) = &c.laggard_reason {
        let who = if c.laggards.is_empty() {
            "no single laggard".to_string()
        } else {
            let named: Vec<String> = c.laggards.iter().map(|l| l.label()).collect();
            format!("laggard {}", named.join(", "))
        };
        out.push(Line::from(vec![
            Span::styled("watchdog: ", theme.dim),
            Span::styled(who, theme.warn),
            Span::styled(format!(" — {reason}"), theme.base),
        ]));
    }
    for p in c.peers.iter().take(3) {
        let who = match p.who.pod {
            Some(_) => p.who.label(),
            None => "no pod with this IP".into(),
        };
        out.push(Line::from(vec![
            Span::styled("peer ", theme.dim),
            Span::styled(format!("{} → {who}", p.ip), theme.warn),
            Span::styled(format!(" ({})", p.finding), theme.dim),
        ]));
    }
    out.push(Line::from(Span::styled(
        "Enter: rank log · f: all ranks merged · Esc: jobs",
        theme.dim,
    )));
    out
}

/// The cells of one rank, in `HEADERS` order.
fn rank_texts(r: &RankRow, now_ms: i64) -> [String; 12] {
    [
        r.global.label(),
        r.replica(),
        r.pod.clone(),
        r.node.clone(),
        r.devices.clone(),
        r.status.clone(),
        r.restarts.to_string(),
        age(now_ms, r.since_ms),
        nccl_cell(r).0,
        env_cell(r).0,
        if r.shm_default {
            "default".into()
        } else {
            r.shm.clone()
        },
        r.last_line.clone(),
    ]
}

/// Column widths fitted to the visible ranks' texts.
fn rank_widths(texts: &[[String; 12]]) -> Vec<Constraint> {
    let col = |i: usize, min: u16, max: u16| table::fitted(HEADERS, texts.iter(), i, min, max);
    vec![
        col(0, 4, 8),
        col(1, 7, 12),
        col(2, 3, 28),
        col(3, 4, 16),
        col(4, 7, 14),
        col(5, 6, 17),
        col(6, 8, 8),
        col(7, 5, 5),
        col(8, 4, 34),
        col(9, 3, 26),
        col(10, 3, 8),
        Constraint::Fill(1),
    ]
}

/// The cells of one rank, styled (the filter's matches highlighted).
fn rank_cells(
    r: &RankRow,
    t: [String; 12],
    needle: Option<&Needle>,
    theme: &Theme,
) -> Vec<Cell<'static>> {
    let [
        rank,
        replica,
        pod,
        node,
        dev,
        status,
        rs,
        ag,
        nccl,
        env,
        shm,
        last,
    ] = t;
    let hl = |s: String, base| highlighted(s, needle, base, theme.highlight);
    let st = table::severity_style(theme, r.trouble, theme.ok);
    let rst = if r.restarts > 0 {
        theme.warn
    } else {
        theme.base
    };
    let nc = match &r.finding {
        Some((_, s)) if nccl_cell(r).1 == Some(true) => theme.severity(*s),
        _ => table::severity_style(theme, nccl_cell(r).1, theme.base),
    };
    let en = table::severity_style(theme, env_cell(r).1, theme.ok);
    let sh = if r.shm_default {
        theme.warn
    } else {
        theme.base
    };
    vec![
        Cell::from(rank),
        Cell::from(replica).style(theme.dim),
        Cell::from(hl(pod, theme.base)),
        Cell::from(hl(node, theme.base)),
        Cell::from(dev),
        Cell::from(hl(status, st)),
        Cell::from(rs).style(rst),
        Cell::from(ag).style(theme.dim),
        Cell::from(nccl).style(nc),
        Cell::from(env).style(en),
        Cell::from(shm).style(sh),
        Cell::from(last).style(theme.dim),
    ]
}

/// The selected rank's details in a box titled with the job.
fn draw_details(
    frame: &mut Frame,
    area: Rect,
    job: &JobRow,
    details: Vec<Line<'static>>,
    theme: &Theme,
) {
    let title = format!(
        " {} {}/{} · {} ",
        job.kind, job.namespace, job.name, job.phase
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(title, theme.title));
    frame.render_widget(
        Paragraph::new(details)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// Draw the open job's rank grid, the selected rank's details under it.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Training;
    let Some(job) = state.training.open_job() else {
        return;
    };
    let needle = Needle::new(state.ui.filter(pane));
    let matched: Vec<&RankRow> = job
        .ranks
        .iter()
        .filter(|r| {
            needle
                .as_ref()
                .is_none_or(|n| n.any(&[&r.pod, &r.node, &r.status]))
        })
        .collect();
    let sel_idx = state.ui.selected(pane).min(matched.len().saturating_sub(1));
    let details = detail_lines(job, matched.get(sel_idx).copied(), theme);
    let detail_h = (details.len() as u16 + 2).min(area.height / 2);
    let table_h = (matched.len() as u16 + 3).max(area.height.saturating_sub(detail_h).min(6));
    let [top, bottom] =
        Layout::vertical([Constraint::Length(table_h), Constraint::Min(detail_h)]).areas(area);
    let win = table::window(
        state.ui.selected(pane),
        matched.len(),
        table::body_height(top),
    );
    let visible = &matched[win.offset..win.offset + win.len];
    let texts: Vec<[String; 12]> = visible
        .iter()
        .map(|r| rank_texts(r, state.now_ms))
        .collect();
    let widths = rank_widths(&texts);
    let rows = visible
        .iter()
        .zip(texts)
        .map(|(r, t)| rank_cells(r, t, needle.as_ref(), theme))
        .collect();
    let columns = Columns {
        headers: HEADERS,
        widths,
        droppable: &[10, 1, 6, 7, 4, 3],
    };
    let empty = format!(
        "{} {} has no pods yet (phase {})",
        job.kind, job.name, job.phase
    );
    let visible = Visible {
        rows,
        window: win,
        shown: matched.len(),
        total: job.ranks.len(),
        empty,
    };
    table::draw_table(frame, top, state, theme, pane, columns, visible);
    draw_details(frame, bottom, job, details, theme);
}
