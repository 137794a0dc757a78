//! Derived view state for the Triage pane: the attention list (default; ranked here into
//! `state.attention`), the ranked findings of "what's wrong?" (`W`), one playbook walked on a
//! finding's subject (Enter; `h`/`l` move along the path, `y` copies the selected fix) and the
//! 10-minute walkthrough (`T`; `T` again or ctrl-s finishes it and writes the incident report
//! and the evidence scenario). Recomputed by `refresh` on a tick after the world changed (never
//! per frame). "What's wrong?" is kept current without `W`: it runs again on a refresh once
//! `FINDINGS_EVERY_MS` of event time has passed since it last ran (a tick runs one held back),
//! so a big cluster pays for it at most that often. What the list cannot vouch for is
//! recomputed whenever the replay clock moves (`on_status`). Fixes are only ever copied or
//! exported, never run.

use crate::contract::action::Action;
use crate::contract::effect::Effect;
use crate::contract::event::NoticeLevel;
use crate::contract::event::WriteError;
use crate::contract::scenario;
use crate::domain::Millis;
use crate::settings::rules::Rules;
use crate::sources::redact;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::triage::attention::Inputs;
use crate::triage::attention_rank::{lead_with, rank};
use crate::triage::coverage::{Unknown, unknowns};
use crate::triage::engine::context::Ctx;
use crate::triage::engine::findings::{Finding, whats_wrong};
use crate::triage::engine::report;
use crate::triage::engine::report_evidence::evidence;
use crate::triage::engine::walk::{Walk, walk};
use crate::triage::engine::walkthrough::Walkthrough;
use crate::world::World;

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

/// While the world keeps changing, "what's wrong?" runs again at most this often (event time).
pub const FINDINGS_EVERY_MS: Millis = 15_000;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriageView {
    pub mode: TriageMode,
    /// The ranked findings of "what's wrong?", kept current (see `FINDINGS_EVERY_MS`).
    pub findings: Vec<Finding>,
    /// When "what's wrong?" last ran (event time); `None` before the first refresh.
    pub findings_at: Option<Millis>,
    /// The world changed since "what's wrong?" last ran.
    pub findings_stale: bool,
    /// What the attention list cannot vouch for (it leads `state.attention`).
    pub unknown: Vec<Unknown>,
    /// When the attention list was last ranked (event time); `None` before the first time.
    pub ranked_at: Option<Millis>,
    pub run: Option<PlaybookRun>,
    pub walkthrough: Option<Walkthrough>,
    /// Why triage is unavailable (the rule data failed to load), shown instead of results.
    pub error: Option<String>,
}

fn run_findings(state: &mut AppState) {
    state.triage.findings_at = Some(state.now_ms);
    state.triage.findings_stale = false;
    match state.rules() {
        Ok(p) => {
            state.triage.findings = whats_wrong(p, &state.world, state.now_ms);
            state.triage.error = None;
        }
        Err(e) => state.triage.error = Some(format!("unavailable: {e}")),
    }
}

/// "What's wrong?" should run again: the world changed, and it never ran, or ran at least
/// `FINDINGS_EVERY_MS` ago (or later than now: a replay started over).
fn findings_due(t: &TriageView, now: Millis) -> bool {
    t.findings_stale
        && t.findings_at
            .is_none_or(|at| now < at || now - at >= FINDINGS_EVERY_MS)
}

/// Rank the attention list: what is not known, then the world's symptoms, the serving alerts
/// and the root causes found.
fn rank_attention(state: &mut AppState) {
    state.triage.unknown = unknowns(state);
    let inputs = Inputs {
        unknown: &state.triage.unknown,
        alerts: &state.serving.alerts,
        findings: &state.triage.findings,
    };
    state.attention = rank(&state.world, inputs);
    state.triage.ranked_at = Some(state.now_ms);
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

/// Recompute the view from `state.world` (after the Serving view: the list reads its alerts).
pub fn refresh(state: &mut AppState) {
    state.triage.findings_stale = true;
    if findings_due(&state.triage, state.now_ms) {
        run_findings(state);
    }
    probe_walkthrough(state);
    rank_attention(state);
}

/// A tick that found the world unchanged: run "what's wrong?" if a refresh held it back and its
/// time has come. Says whether anything changed.
pub fn on_tick(state: &mut AppState) -> bool {
    if !findings_due(&state.triage, state.now_ms) {
        return false;
    }
    run_findings(state);
    rank_attention(state);
    true
}

/// The replay clock moved: say again what is not known, without ranking the list again.
pub fn on_status(state: &mut AppState) {
    let now = unknowns(state);
    if now != state.triage.unknown {
        lead_with(&mut state.attention, &now);
        state.triage.unknown = now;
    }
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

/// Open the playbook view of the finding behind a root cause on the attention list (Enter on
/// it): the findings list with it selected, and its playbook walked. A notice when the finding
/// has gone since the list was ranked.
pub fn open_cause(state: &mut AppState, conclusion: &str, subject: &str) {
    let at = state
        .triage
        .findings
        .iter()
        .position(|f| f.conclusion == conclusion && f.subject == subject);
    let Some(i) = at else {
        let text = format!("no view for {conclusion} on {subject}: it is no longer found");
        state.ui.notify(NoticeLevel::Info, text, state.now_ms);
        return;
    };
    state.triage.mode = TriageMode::Findings;
    state.ui.filters.remove(&Pane::Triage);
    state.ui.selected.insert(Pane::Triage, i);
    start_run(state);
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
    let rules = state.rules().ok();
    let Some(w) = state.triage.walkthrough.as_mut() else {
        return Vec::new();
    };
    let base = format!("aicockpit-{name}-{}", stamp(now));
    let (md_path, ev_path) = (
        format!("{base}-report.md"),
        format!("{base}-evidence.jsonl"),
    );
    let Some(rules) = rules else {
        w.finish(now, std::slice::from_ref(&md_path));
        return vec![Effect::WriteFile {
            path: md_path,
            contents: report::incident_markdown(&name, &[], Some(&*w), None, now),
        }];
    };
    let findings = whats_wrong(rules, &state.world, now);
    w.finish(now, &[md_path.clone(), ev_path.clone()]);
    let (md, ev) = incident_files(&state.world, rules, &findings, Some(&*w), &name, now);
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

/// The incident report and the evidence file beside it, as the walkthrough and
/// `aicockpit triage --out` write them: the evidence redacted as `aicockpit record` redacts
/// (`sources::redact`: Secret data, environment values, token-like text), the report describing
/// that file and its text redacted the same way. Returns (report, evidence).
pub fn incident_files(
    world: &World,
    rules: &Rules,
    findings: &[Finding],
    wt: Option<&Walkthrough>,
    name: &str,
    now: Millis,
) -> (String, String) {
    let mut ev = evidence(world, rules, findings, name, now);
    for l in &mut ev.scenario.events {
        redact::event(&mut l.ev);
    }
    let md = report::incident_markdown(name, findings, wt, Some(&ev.summary), now);
    (redact::text(&md), scenario::to_text(&ev.scenario))
}

/// The shell wrote `path` (or could not): the walkthrough's evidence check passes only once
/// its files are written.
pub fn on_written(state: &mut AppState, path: &str, result: Result<(), WriteError>) {
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
            rank_attention(state);
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
        Action::Select if mode == TriageMode::Attention => {
            crate::state::open::attention(state);
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
