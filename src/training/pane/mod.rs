//! The Training pane: the list of distributed training jobs (kind, phase as the pods show it and
//! since when, ranks running, restarts, NCCL transport, worst finding). Enter drills into the job's rank grid (`training_ranks`), and
//! from there into the log viewer (`logview`). Reads `state.training`, refreshed on tick.

pub mod log_viewer;
pub mod ranks;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

use crate::domain::Millis;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::training::derive::health::JobHealth;
use crate::training::log_intel::Transport;
use crate::training::view::Level;
use crate::training::view::rows::JobRow;
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, age, highlighted};

const HEADERS: &[&str] = &[
    "JOB",
    "NAMESPACE",
    "KIND",
    "PHASE",
    "SINCE",
    "RANKS",
    "RESTARTS",
    "NCCL",
    "FINDING",
];

/// The NCCL summary of a job: transports in use, fallback, warnings.
pub fn job_nccl(j: &JobRow) -> (String, Option<bool>) {
    let socket = j
        .ranks
        .iter()
        .any(|r| r.nccl.transport == Some(Transport::Socket));
    let ib = j
        .ranks
        .iter()
        .any(|r| r.nccl.transport == Some(Transport::Ib));
    let fell = j.ranks.iter().any(|r| r.nccl.fell_back);
    let warns: u32 = j.ranks.iter().map(|r| r.nccl.warns).sum();
    let mut s = match (ib, socket) {
        (true, true) => "IB+Socket".to_string(),
        (true, false) => "IB".to_string(),
        (false, true) => "Socket".to_string(),
        (false, false) => "-".to_string(),
    };
    if fell {
        s.push_str(" ←IB");
    }
    if warns > 0 {
        s.push_str(&format!(" · {warns} WARN"));
    }
    let sev = (fell || warns > 0 || (socket && !ib)).then_some(false);
    (s, sev)
}

/// Theme style of a finding severity.
/// `running/total`, and the commonest status of the ranks that are not running.
fn ranks_text(j: &JobRow) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in j.ranks.iter().filter(|r| r.status != "Running") {
        *counts.entry(r.status.as_str()).or_default() += 1;
    }
    let base = format!("{}/{}", j.running(), j.ranks.len());
    match counts.into_iter().max_by_key(|(_, n)| *n) {
        Some((status, n)) => format!("{base} · {n} {status}"),
        None => base,
    }
}

/// The phase's trouble level; a job the header counts failing or stuck is shown so.
fn phase_trouble(j: &JobRow) -> Option<bool> {
    match (j.health, j.phase.as_str()) {
        (JobHealth::Failing, _) | (_, "Failed" | "Failing" | "Restarting" | "Cancelled") => {
            Some(true)
        }
        (JobHealth::Stuck, _) | (_, "Pending" | "Preparing" | "Suspended" | "Created") => {
            Some(false)
        }
        _ => None,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    match state.training.level {
        Level::Jobs => draw_jobs(frame, area, state, theme),
        Level::Ranks => ranks::draw(frame, area, state, theme),
        Level::Logs => log_viewer::draw(frame, area, state, theme),
    }
}

/// The cells of one job, in `HEADERS` order.
fn job_texts(j: &JobRow, now_ms: Millis) -> [String; 9] {
    let phase = if j.noncanonical {
        format!("{} (not in state machine)", j.phase)
    } else {
        j.phase.clone()
    };
    [
        j.name.clone(),
        j.namespace.clone(),
        j.kind.clone(),
        phase,
        age(now_ms, j.since_ms),
        ranks_text(j),
        j.restarts().to_string(),
        job_nccl(j).0,
        j.worst().map(|f| f.0.clone()).unwrap_or_default(),
    ]
}

/// Column widths fitted to the visible jobs' texts.
fn job_widths(texts: &[[String; 9]]) -> Vec<Constraint> {
    let col = |i: usize, min: u16, max: u16| table::fitted(HEADERS, texts.iter(), i, min, max);
    vec![
        col(0, 3, 28),
        col(1, 9, 16),
        col(2, 4, 13),
        col(3, 5, 20),
        col(4, 5, 5),
        col(5, 5, 24),
        col(6, 8, 8),
        col(7, 4, 34),
        Constraint::Fill(1),
    ]
}

/// The cells of one job, styled (the filter's matches highlighted).
fn job_cells(
    j: &JobRow,
    t: [String; 9],
    needle: Option<&Needle>,
    theme: &Theme,
) -> Vec<Cell<'static>> {
    let [name, ns, kind, phase, since, ranks, rs, nccl, finding] = t;
    let hl = |s: String, base| highlighted(s, needle, base, theme.highlight);
    let ph = table::severity_style(theme, phase_trouble(j), theme.ok);
    let all_up = j.running() == j.ranks.len() && !j.ranks.is_empty();
    let rk = if all_up { theme.ok } else { theme.warn };
    let rst = if j.restarts() > 0 {
        theme.warn
    } else {
        theme.base
    };
    let nc = table::severity_style(theme, job_nccl(j).1, theme.base);
    let fs = j.worst().map_or(theme.dim, |f| theme.severity(f.1));
    vec![
        Cell::from(hl(name, theme.title)),
        Cell::from(hl(ns, theme.base)),
        Cell::from(hl(kind, theme.base)),
        Cell::from(hl(phase, ph)),
        Cell::from(since).style(theme.dim),
        Cell::from(ranks).style(rk),
        Cell::from(rs).style(rst),
        Cell::from(nccl).style(nc),
        Cell::from(finding).style(fs),
    ]
}

/// The jobs list: every training job passing the filter, around the selection.
fn draw_jobs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Training;
    let jobs = &state.training.jobs;
    let needle = Needle::new(state.ui.filter(pane));
    let matched: Vec<&JobRow> = jobs
        .iter()
        .filter(|j| {
            needle
                .as_ref()
                .is_none_or(|n| n.any(&[&j.name, &j.namespace, &j.kind, &j.phase]))
        })
        .collect();
    let win = table::window(
        state.ui.selected(pane),
        matched.len(),
        table::body_height(area),
    );
    let visible = &matched[win.offset..win.offset + win.len];
    let texts: Vec<[String; 9]> = visible.iter().map(|j| job_texts(j, state.now_ms)).collect();
    let widths = job_widths(&texts);
    let rows = visible
        .iter()
        .zip(texts)
        .map(|(j, t)| job_cells(j, t, needle.as_ref(), theme))
        .collect();
    let columns = Columns {
        headers: HEADERS,
        widths,
        droppable: &[1, 6, 2, 4],
    };
    let visible = Visible {
        rows,
        window: win,
        shown: matched.len(),
        total: jobs.len(),
        empty: "no training jobs seen (Kubeflow, JobSet, Volcano, AscendJob, FineTuningJob, \
                Jobs labelled training=distributed)"
            .into(),
    };
    table::draw_table(frame, area, state, theme, pane, columns, visible);
}
