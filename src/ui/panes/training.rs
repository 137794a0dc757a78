//! The Training pane: pods of distributed training jobs, grouped by job and ordered by role and
//! rank, with node, status, restarts, age and each pod's last log line (from the world's
//! ingest-time index, never a scan of the log buffer).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

use crate::analysis::workloads::pod_trouble;
use crate::domain::PodInfo;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::state::world::World;
use crate::theme::Theme;
use crate::ui::widgets::table::{self, Columns, Visible};
use crate::ui::widgets::text::{Needle, age, highlighted};

const HEADERS: &[&str] = &[
    "JOB",
    "ROLE/RANK",
    "POD",
    "NODE",
    "STATUS",
    "RESTARTS",
    "AGE",
    "LAST LOG",
];

type JobId = (String, String);
type RankId = (String, u32, String);

/// A pod by namespace and name.
pub fn pod<'a>(w: &'a World, ns: &str, name: &str) -> Option<&'a PodInfo> {
    w.pods.get(&(ns.to_string(), name.to_string()))
}

fn role_rank(role: &str, rank: u32) -> String {
    let role = if role.is_empty() { "-" } else { role };
    if rank == u32::MAX {
        role.to_string()
    } else {
        format!("{role}/{rank}")
    }
}

fn row_matches(w: &World, n: &Needle, job: &JobId, r: &RankId) -> bool {
    if n.any(&[&job.1, &r.0, &r.2]) {
        return true;
    }
    pod(w, &job.0, &r.2)
        .is_some_and(|p| n.matches(&p.status) || p.node.as_deref().is_some_and(|x| n.matches(x)))
}

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let pane = Pane::Training;
    let w = &state.world;
    let needle = Needle::new(state.ui.filter(pane));
    let total: usize = w.index.jobs.values().map(|e| e.pods.len()).sum();
    let height = table::body_height(area);
    let (shown, win, visible): (usize, _, Vec<(&JobId, &RankId)>) = match &needle {
        None => {
            // No filter: skip whole jobs by their size, take only the window.
            let win = table::window(state.ui.selected(pane), total, height);
            let mut skip = win.offset;
            let mut rows = Vec::with_capacity(win.len);
            for (job, entry) in &w.index.jobs {
                if rows.len() >= win.len {
                    break;
                }
                if skip >= entry.pods.len() {
                    skip -= entry.pods.len();
                    continue;
                }
                let want = win.len - rows.len();
                rows.extend(entry.pods.iter().skip(skip).take(want).map(|r| (job, r)));
                skip = 0;
            }
            (total, win, rows)
        }
        Some(n) => {
            let matched: Vec<(&JobId, &RankId)> = w
                .index
                .jobs
                .iter()
                .flat_map(|(j, e)| e.pods.iter().map(move |r| (j, r)))
                .filter(|(j, r)| row_matches(w, n, j, r))
                .collect();
            let win = table::window(state.ui.selected(pane), matched.len(), height);
            let rows = matched[win.offset..win.offset + win.len].to_vec();
            (matched.len(), win, rows)
        }
    };
    let texts: Vec<[String; 8]> = visible
        .iter()
        .enumerate()
        .map(|(i, (job, r))| {
            let first = i == 0 || visible[i - 1].0 != *job;
            let p = pod(w, &job.0, &r.2);
            let last = w.index.last_line(&job.0, &r.2);
            [
                if first { job.1.clone() } else { String::new() },
                role_rank(&r.0, r.1),
                r.2.clone(),
                p.and_then(|p| p.node.clone()).unwrap_or_else(|| "-".into()),
                p.map_or_else(|| "?".into(), |p| p.status.clone()),
                p.map_or(0, |p| p.restarts).to_string(),
                age(state.now_ms, p.and_then(|p| p.created_ms)),
                last.map_or_else(String::new, |l| l.line.clone()),
            ]
        })
        .collect();
    let col = |i: usize, min: u16, max: u16| table::fitted(HEADERS, texts.iter(), i, min, max);
    let widths = vec![
        col(0, 3, 24),
        col(1, 9, 12),
        col(2, 8, 32),
        col(3, 4, 20),
        col(4, 6, 18),
        col(5, 8, 8),
        col(6, 3, 4),
        Constraint::Fill(1),
    ];
    let rows = visible
        .iter()
        .zip(texts)
        .map(|((job, r), t)| {
            let p = pod(w, &job.0, &r.2);
            let sev = p.and_then(|p| pod_trouble(&p.status, &p.phase));
            let st = table::severity_style(theme, sev, theme.ok);
            let restarts = if p.is_some_and(|p| p.restarts > 0) {
                theme.warn
            } else {
                theme.base
            };
            let [job_t, rr, name, node, status, rs, ag, log] = t;
            let hl = |s: String, base| highlighted(s, needle.as_ref(), base, theme.highlight);
            vec![
                Cell::from(hl(job_t, theme.title)),
                Cell::from(hl(rr, theme.base)),
                Cell::from(hl(name, theme.base)),
                Cell::from(hl(node, theme.base)),
                Cell::from(hl(status, st)),
                Cell::from(rs).style(restarts),
                Cell::from(ag).style(theme.dim),
                Cell::from(log).style(theme.dim),
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
            droppable: &[6, 5, 1],
        },
        Visible {
            rows,
            window: win,
            shown,
            total,
            empty: "no training job pods seen (Kubeflow labels, PyTorchJob/MPIJob owners)".into(),
        },
    );
}
