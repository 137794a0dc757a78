//! Derived view state for the Training pane: jobs (with their phase as the pods show it), each
//! job's rank grid (global ranks, NCCL state, key env and cross-rank correlation) and the log
//! viewer. Recomputed by `refresh` on a tick after the world changed, or once a waiting pod
//! reaches the Stuck threshold (never per frame); the log classification is incremental.
//! Pane-specific actions arrive through `on_action` while the pane has focus, `:grep` through
//! `on_command`.
//!
//! Levels: the jobs list; Enter opens the selected job's rank grid; there Enter opens the
//! selected rank's log and `f` all ranks merged in arrival order; Esc goes back one level.

pub mod correlation;
pub mod log_lens;
pub mod log_viewer;
pub mod rows;

use crate::contract::action::Action;
use crate::contract::effect::Effect;
use crate::contract::event::NoticeLevel;
use crate::domain::Millis;
use crate::settings::config::Config;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::training::log_intel::LogIntel;
use crate::training::view::log_viewer::{LogViewer, Pattern, search_regex};
use crate::training::view::rows::{JobRow, SpecCache, build};

/// Which level of the pane is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    #[default]
    Jobs,
    Ranks,
    Logs,
}

/// What config.toml tunes in this view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrainingSettings {
    /// `[training] stuck_after`: how long a job's pod may wait or crash-loop before the job is
    /// Stuck or Failing; `None` (the embedded file unreadable) turns the rule off.
    pub stuck_after_ms: Option<Millis>,
}

impl TrainingSettings {
    /// From a loaded configuration's `training.stuck_after` (milliseconds).
    pub fn tuned(stuck_after_ms: u64) -> TrainingSettings {
        TrainingSettings {
            stuck_after_ms: Some(Millis::try_from(stuck_after_ms).unwrap_or(Millis::MAX)),
        }
    }
}

impl Default for TrainingSettings {
    /// The embedded `assets/config.toml` value.
    fn default() -> Self {
        match Config::embedded() {
            Ok(c) => TrainingSettings::tuned(c.training.stuck_after_ms),
            Err(_) => TrainingSettings {
                stuck_after_ms: None,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainingView {
    pub jobs: Vec<JobRow>,
    pub settings: TrainingSettings,
    /// The next event time at which a job may turn Stuck or Failing with no new event (a
    /// waiting or crashing pod reaching `stuck_after`): the reducer refreshes then.
    pub due_ms: Option<Millis>,
    pub level: Level,
    /// The job whose ranks are shown: (namespace, name).
    pub job: Option<(String, String)>,
    job_sel: usize,
    rank_sel: usize,
    pub intel: LogIntel,
    pub viewer: Option<LogViewer>,
    cache: SpecCache,
}

impl TrainingView {
    /// The job the rank grid shows.
    pub fn open_job(&self) -> Option<&JobRow> {
        let (ns, name) = self.job.as_ref()?;
        self.jobs
            .iter()
            .find(|j| &j.namespace == ns && &j.name == name)
    }
}

/// Recompute the view from `state.world`.
pub fn refresh(state: &mut AppState) {
    let signatures = state.rules().map(|r| &r.signatures);
    let v = &mut state.training;
    v.intel.ingest(&state.world.logs, signatures);
    // Forget the log state of pods that are gone once they pile up (pod churn).
    if v.intel.pods.len() > state.world.pods.len() + 256 {
        let pods = &state.world.pods;
        v.intel.pods.retain(|k, _| pods.contains_key(k));
    }
    let stuck_after = v.settings.stuck_after_ms;
    v.jobs = build(
        &state.world,
        &v.intel,
        &mut v.cache,
        state.now_ms,
        stuck_after,
    );
    v.due_ms = next_due(&v.jobs, state.now_ms, stuck_after);
    if let Some(viewer) = &mut v.viewer {
        viewer.extend(&state.world.logs, &v.intel);
    }
    if v.level != Level::Jobs && v.open_job().is_none() && v.viewer.is_none() {
        v.level = Level::Jobs;
        v.job = None;
    }
}

/// The earliest time after `now_ms` at which a pod's condition reaches `stuck_after`.
fn next_due(jobs: &[JobRow], now_ms: Millis, stuck_after: Option<Millis>) -> Option<Millis> {
    let after = stuck_after?;
    let pods = jobs.iter().flat_map(|j| {
        j.ranks
            .iter()
            .filter(|r| r.waiting || r.trouble == Some(true))
            .map(|r| r.since_ms)
    });
    let pod_less = jobs
        .iter()
        .filter(|j| j.ranks.is_empty())
        .map(|j| j.since_ms);
    pods.chain(pod_less)
        .flatten()
        .map(|s| s.saturating_add(after))
        .filter(|&due| due > now_ms)
        .min()
}

fn notify(state: &mut AppState, level: NoticeLevel, text: String) {
    state.ui.notify(level, text, state.now_ms);
}

fn open_logs(state: &mut AppState, merged: bool) {
    let v = &mut state.training;
    let Some(job) = v.open_job() else { return };
    let sel = state.ui.selected(Pane::Training);
    let pods: Vec<(String, String)> = if merged {
        job.ranks
            .iter()
            .map(|r| (job.namespace.clone(), r.pod.clone()))
            .collect()
    } else {
        match job.ranks.get(sel.min(job.ranks.len().saturating_sub(1))) {
            Some(r) => vec![(job.namespace.clone(), r.pod.clone())],
            None => return,
        }
    };
    let title = if merged {
        format!("{} · all {} ranks", job.name, pods.len())
    } else {
        pods.first().map(|p| p.1.clone()).unwrap_or_default()
    };
    v.rank_sel = sel;
    v.viewer = Some(LogViewer::new(title, &pods, &state.world.logs, &v.intel));
    state.training.level = Level::Logs;
}

/// Open the log of the training rank running pod `ns/name` (Enter on it elsewhere): focus the
/// Training pane on its job's rank grid with the rank selected, and its log viewer open.
/// Returns false when no job's rank runs in that pod.
pub fn open_pod(state: &mut AppState, ns: &str, name: &str) -> bool {
    let v = &mut state.training;
    let at = v.jobs.iter().enumerate().find_map(|(j, job)| {
        let r = job.ranks.iter().position(|r| r.pod == name);
        r.filter(|_| job.namespace == ns).map(|r| (j, r))
    });
    let Some((j, r)) = at else { return false };
    open_at(state, j, r);
    open_logs(state, false);
    true
}

/// Open the rank grid of job `ns/name` (Enter on it elsewhere). False when it is not a job.
pub fn open_job(state: &mut AppState, ns: &str, name: &str) -> bool {
    let v = &state.training;
    let at = v
        .jobs
        .iter()
        .position(|j| j.namespace == ns && j.name == name);
    at.map(|j| open_at(state, j, 0)).is_some()
}

fn open_at(state: &mut AppState, j: usize, r: usize) {
    let v = &mut state.training;
    let Some(job) = v.jobs.get(j) else { return };
    v.job = Some((job.namespace.clone(), job.name.clone()));
    v.job_sel = j;
    v.level = Level::Ranks;
    state.ui.filters.remove(&Pane::Training);
    state.ui.selected.insert(Pane::Training, r);
    state.ui.focus = Pane::Training;
}

/// Handle an action while this pane has focus; `None` leaves it to the generic handling.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    if state.ui.help {
        return None;
    }
    match state.training.level {
        Level::Jobs => match action {
            Action::Select => {
                let sel = state.ui.selected(Pane::Training);
                let v = &mut state.training;
                let job = v.jobs.get(sel.min(v.jobs.len().saturating_sub(1)))?;
                v.job = Some((job.namespace.clone(), job.name.clone()));
                v.job_sel = sel;
                v.level = Level::Ranks;
                state.ui.selected.insert(Pane::Training, 0);
                state.ui.filters.remove(&Pane::Training);
                Some(Vec::new())
            }
            _ => None,
        },
        Level::Ranks => match action {
            Action::Select => {
                open_logs(state, false);
                Some(Vec::new())
            }
            Action::Follow => {
                open_logs(state, true);
                Some(Vec::new())
            }
            Action::Back if !state.ui.filter(Pane::Training).is_empty() => {
                state.ui.filters.remove(&Pane::Training);
                Some(Vec::new())
            }
            Action::Back => {
                let v = &mut state.training;
                v.level = Level::Jobs;
                v.job = None;
                state.ui.selected.insert(Pane::Training, v.job_sel);
                Some(Vec::new())
            }
            _ => None,
        },
        Level::Logs => logs_action(state, action),
    }
}

fn logs_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let page = (state.ui.height as isize / 2).max(5);
    let store = &state.world.logs;
    let intel = &state.training.intel;
    let needle = search_regex(state.ui.filter(Pane::Training));
    let v = state.training.viewer.as_mut()?;
    match action {
        Action::Up => v.move_by(-1),
        Action::Down => v.move_by(1),
        Action::PageUp => v.move_by(-page),
        Action::PageDown => v.move_by(page),
        Action::Top => v.to_top(),
        Action::Bottom => v.to_bottom(),
        Action::Follow => {
            v.follow = !v.follow;
            if v.follow {
                v.to_bottom();
            }
        }
        Action::Wrap => v.wrap = !v.wrap,
        Action::Timestamps => v.timestamps = !v.timestamps,
        Action::SearchNext | Action::SearchPrev => {
            let Some(re) = needle else {
                notify(
                    state,
                    NoticeLevel::Info,
                    "type / and a search text first".into(),
                );
                return Some(Vec::new());
            };
            let found = v.search(store, &re, action == Action::SearchNext);
            if let Some(h) = v.hit.as_mut() {
                h.needle = state.ui.filter(Pane::Training).to_string();
            }
            if !found {
                let text = format!("no more matches: no line matches {:?}", re.as_str());
                notify(state, NoticeLevel::Info, text);
            } else if let Some(h) = v.hit.as_ref().filter(|h| h.wrapped) {
                let end = if action == Action::SearchNext {
                    "first"
                } else {
                    "last"
                };
                let text = format!(
                    "no more matches: back at the {end} ({}/{})",
                    h.index, h.count
                );
                notify(state, NoticeLevel::Info, text);
            }
        }
        Action::JumpError => {
            if !v.jump_first_error(intel) {
                notify(state, NoticeLevel::Info, "no error or warning line".into());
            }
        }
        Action::Save => {
            let name: String = v
                .title
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = format!("aicockpit-{name}-{}.log", state.now_ms / 1000);
            return Some(vec![Effect::WriteFile {
                path,
                contents: v.text(store),
            }]);
        }
        Action::Copy => {
            let line = v.line(store, v.cursor)?.line.clone();
            return Some(vec![Effect::CopyToClipboard(line)]);
        }
        Action::Back if !state.ui.filter(Pane::Training).is_empty() => {
            state.ui.filters.remove(&Pane::Training);
        }
        Action::Back => {
            state.training.viewer = None;
            state.training.level = Level::Ranks;
            state
                .ui
                .selected
                .insert(Pane::Training, state.training.rank_sel);
        }
        Action::Select | Action::Sort | Action::SortReverse => {}
        _ => return None,
    }
    Some(Vec::new())
}

/// Pane commands: `:grep REGEX` keeps only matching lines in the log viewer, `:grep -v REGEX`
/// hides matching lines, `:grep` alone clears both; `:fold` shows or hides `-> N` lines.
/// Returns whether the command was this pane's.
pub fn on_command(state: &mut AppState, word: &str, arg: &str) -> bool {
    if !matches!(word, "grep" | "fold") {
        return false;
    }
    let Some(v) = state.training.viewer.as_mut() else {
        notify(
            state,
            NoticeLevel::Warn,
            format!(":{word} works in the log viewer (Enter on a rank)"),
        );
        return true;
    };
    let arg = arg.trim();
    if word == "fold" {
        v.fold = !v.fold;
    } else if arg.is_empty() {
        v.include = None;
        v.exclude = None;
    } else {
        let (exclude, pat) = match arg.strip_prefix("-v ") {
            Some(p) => (true, p.trim()),
            None => (false, arg),
        };
        match Pattern::new(pat) {
            Ok(p) if exclude => v.exclude = Some(p),
            Ok(p) => v.include = Some(p),
            Err(e) => {
                notify(state, NoticeLevel::Warn, e.to_string());
                return true;
            }
        }
    }
    v.rebuild(&state.world.logs, &state.training.intel);
    true
}
