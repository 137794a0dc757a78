//! Derived view state for the Triage pane: the attention list (default), the ranked findings of
//! "what's wrong?" (`W`), one playbook walked on a finding's subject (Enter; `h`/`l` move along
//! the path, `y` copies the selected fix) and the 10-minute walkthrough (`T`; `T` again or
//! ctrl-s finishes it and writes the incident report and the evidence scenario). Recomputed by
//! `refresh` on a tick after the world changed (never per frame); fixes are only ever copied or
//! exported, never run.

use crate::contract::action::Action;
use crate::contract::effect::Effect;
use crate::contract::event::NoticeLevel;
use crate::domain::Millis;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::triage::engine::context::Ctx;
use crate::triage::engine::findings::{Finding, whats_wrong};
use crate::triage::engine::report;
use crate::triage::engine::walk::{Walk, walk};
use crate::triage::engine::walkthrough::Walkthrough;

/// What the pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TriageMode {
    #[default]
    Attention,
    Findings,
    Playbook,
    Walkthrough,
}

/// A playbook walked on one subject.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaybookRun {
    pub finding: Finding,
    pub walk: Walk,
    /// Position along the path: 0..path.len() are steps, path.len() is the conclusion.
    pub cursor: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriageView {
    pub mode: TriageMode,
    pub findings: Vec<Finding>,
    /// When "what's wrong?" last ran (event time); `None` until `W`.
    pub findings_at: Option<Millis>,
    pub run: Option<PlaybookRun>,
    pub walkthrough: Option<Walkthrough>,
    /// Why triage is unavailable (the rule data failed to load), shown instead of results.
    pub error: Option<String>,
}

fn run_findings(state: &mut AppState) {
    match state.rules() {
        Ok(p) => {
            state.triage.findings = whats_wrong(p, &state.world, state.now_ms);
            state.triage.findings_at = Some(state.now_ms);
            state.triage.error = None;
        }
        Err(e) => state.triage.error = Some(format!("unavailable: {e}")),
    }
}

fn probe_walkthrough(state: &mut AppState) {
    let Ok(p) = state.rules() else { return };
    let now = state.now_ms;
    if let Some(w) = state.triage.walkthrough.as_mut()
        && w.finished_ms.is_none()
    {
        w.probe(p, &state.world, now);
    }
}

/// Recompute the view from `state.world`.
pub fn refresh(state: &mut AppState) {
    if state.triage.findings_at.is_some() {
        run_findings(state);
    }
    probe_walkthrough(state);
}

fn start_run(state: &mut AppState) {
    let sel = state.ui.selected(Pane::Triage);
    let Some(f) = state.triage.findings.get(sel).cloned() else {
        return;
    };
    let Ok(rules) = state.rules() else { return };
    let Some(pb) = rules.playbooks.get(&f.playbook) else {
        return;
    };
    let ctx = Ctx::new(&state.world, state.now_ms, rules);
    let w = walk(&ctx, pb, &f.bindings);
    let cursor = w.path.len();
    state.triage.run = Some(PlaybookRun {
        finding: f,
        walk: w,
        cursor,
    });
    state.triage.mode = TriageMode::Playbook;
    state.ui.selected.insert(Pane::Triage, 0);
}

fn stamp(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

fn finish_walkthrough(state: &mut AppState) -> Vec<Effect> {
    probe_walkthrough(state);
    let now = state.now_ms;
    let name = state
        .replay
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_else(|| "live".into());
    let findings = match state.rules() {
        Ok(r) => whats_wrong(r, &state.world, now),
        Err(_) => Vec::new(),
    };
    let Some(w) = state.triage.walkthrough.as_mut() else {
        return Vec::new();
    };
    let base = format!("aicockpit-{name}-{}", stamp(now));
    let (md_path, ev_path) = (
        format!("{base}-report.md"),
        format!("{base}-evidence.jsonl"),
    );
    w.finish(now, &[md_path.clone(), ev_path.clone()]);
    let md = report::incident_markdown(&name, &findings, Some(w), now);
    let ev = report::evidence_scenario(&state.world, &findings, &name, now);
    vec![
        Effect::WriteFile {
            path: md_path,
            contents: md,
        },
        Effect::WriteFile {
            path: ev_path,
            contents: ev,
        },
    ]
}

/// The shell wrote `path` (or could not): the walkthrough's evidence check passes only once
/// its files are written.
pub fn on_written(state: &mut AppState, path: &str, result: Result<(), String>) {
    if let Some(w) = state.triage.walkthrough.as_mut()
        && w.written(path, result)
    {
        state.dirty = true;
    }
}

/// The fix command the selection points at, if any.
pub fn selected_fix(state: &AppState) -> Option<String> {
    let t = &state.triage;
    let sel = state.ui.selected(Pane::Triage);
    match t.mode {
        TriageMode::Findings => t
            .findings
            .get(sel)
            .and_then(|f| f.fixes.first())
            .map(|x| x.command.clone()),
        TriageMode::Playbook => {
            let r = t.run.as_ref()?;
            let fixes = &r.finding.fixes;
            fixes
                .get(sel.min(fixes.len().saturating_sub(1)))
                .map(|x| x.command.clone())
        }
        TriageMode::Walkthrough => t
            .walkthrough
            .as_ref()
            .and_then(|w| w.root_cause.as_ref())
            .and_then(|f| f.fixes.first())
            .map(|x| x.command.clone()),
        TriageMode::Attention => None,
    }
}

/// Handle an action while this pane has focus; `None` leaves it to the generic handling.
pub fn on_action(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let mode = state.triage.mode;
    match action {
        Action::WhatsWrong => {
            run_findings(state);
            state.triage.mode = TriageMode::Findings;
            state.ui.selected.insert(Pane::Triage, 0);
            Some(Vec::new())
        }
        Action::Walkthrough | Action::Save if mode == TriageMode::Walkthrough => {
            let done = state
                .triage
                .walkthrough
                .as_ref()
                .is_some_and(|w| w.finished_ms.is_some());
            if done {
                state.triage.walkthrough = Some(Walkthrough::start(state.now_ms));
                probe_walkthrough(state);
                return Some(Vec::new());
            }
            Some(finish_walkthrough(state))
        }
        Action::Walkthrough => {
            state.triage.walkthrough = Some(Walkthrough::start(state.now_ms));
            probe_walkthrough(state);
            state.triage.mode = TriageMode::Walkthrough;
            Some(Vec::new())
        }
        Action::Select if mode == TriageMode::Findings => {
            start_run(state);
            Some(Vec::new())
        }
        Action::HistoryBack | Action::HistoryForward if mode == TriageMode::Playbook => {
            if let Some(r) = state.triage.run.as_mut() {
                r.cursor = match action {
                    Action::HistoryBack => r.cursor.saturating_sub(1),
                    _ => (r.cursor + 1).min(r.walk.path.len()),
                };
            }
            Some(Vec::new())
        }
        Action::Copy if mode != TriageMode::Attention => Some(match selected_fix(state) {
            Some(cmd) => {
                state
                    .ui
                    .notify(NoticeLevel::Info, "fix copied (not run)", state.now_ms);
                vec![Effect::CopyToClipboard(cmd)]
            }
            None => Vec::new(),
        }),
        Action::Back if mode != TriageMode::Attention && !state.ui.help => {
            state.triage.mode = match mode {
                TriageMode::Playbook => TriageMode::Findings,
                _ => TriageMode::Attention,
            };
            state.ui.selected.insert(Pane::Triage, 0);
            Some(Vec::new())
        }
        _ => None,
    }
}
