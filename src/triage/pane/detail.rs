//! The Triage pane's detail views: a playbook walked on one subject (the path taken, the step
//! under the cursor with its question, verdict and evidence, and the conclusion with fixes, risk
//! and rollback) and the 10-minute walkthrough (countdown on event time, the seven checks with
//! pending / pass / warn / fail and evidence, the root cause and its MTTR target). Fixes are
//! shown to be copied (`y`), never run.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::settings::playbooks::model::Risk;
use crate::settings::theme::Theme;
use crate::state::AppState;
use crate::state::ui::Pane;
use crate::triage::engine::findings::Finding;
use crate::triage::engine::walkthrough::Status;
use crate::triage::probes::{Evidence, Verdict};
use crate::ui::widgets::table::pane_block;
use crate::ui::widgets::text::utc;

fn verdict_style(v: Verdict, theme: &Theme) -> Style {
    match v {
        Verdict::Yes => theme.warn,
        Verdict::No => theme.ok,
        Verdict::Unknown => theme.dim,
    }
}

fn evidence_lines(ev: &[Evidence], theme: &Theme, max: usize) -> Vec<Line<'static>> {
    ev.iter()
        .take(max)
        .map(|e| {
            let at = e.at_ms.map(|t| format!("{} ", utc(t))).unwrap_or_default();
            Line::from(vec![
                Span::styled(format!("  {} ", e.kind), theme.dim),
                Span::styled(at, theme.dim),
                Span::styled(format!("{}: ", e.subject), theme.key),
                Span::styled(e.detail.clone(), theme.base),
            ])
        })
        .collect()
}

/// Conclusion, fixes (the selected one marked), risk and rollback.
pub fn conclusion_lines(
    f: &Finding,
    selected: usize,
    theme: &Theme,
    read_only: bool,
) -> Vec<Line<'static>> {
    let mut l = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", f.severity.as_str().to_uppercase()),
                theme.severity(f.severity),
            ),
            Span::styled(f.conclusion.clone(), theme.title),
            Span::styled(format!("  {}", f.subject), theme.dim),
        ]),
        Line::from(Span::styled(f.root_cause.clone(), theme.base)),
    ];
    if let Some(m) = f.mttr_minutes {
        l.push(Line::from(Span::styled(
            format!(
                "MTTR target ({}): {m} min",
                f.failure_type.as_deref().unwrap_or("?")
            ),
            theme.dim,
        )));
    }
    l.push(Line::from(Span::styled(
        if read_only {
            "Fixes (read-only mode: y copies, nothing is run)"
        } else {
            "Fixes (y copies; the cockpit never runs them)"
        },
        theme.header,
    )));
    let sel = selected.min(f.fixes.len().saturating_sub(1));
    for (i, x) in f.fixes.iter().enumerate() {
        let risk = match x.risk {
            Risk::High => theme.crit,
            Risk::Medium => theme.warn,
            Risk::Low => theme.ok,
        };
        let mark = if i == sel { "▶ " } else { "  " };
        l.push(Line::from(vec![
            Span::styled(mark.to_string(), theme.key),
            Span::styled(format!("[{}] ", x.risk.as_str()), risk),
            Span::styled(
                if x.mutates { "mutates " } else { "read-only " }.to_string(),
                theme.dim,
            ),
            Span::styled(
                x.title.clone(),
                if i == sel { theme.selected } else { theme.base },
            ),
        ]));
        l.push(Line::from(Span::styled(
            format!("    $ {}", x.command),
            theme.highlight,
        )));
        l.push(Line::from(Span::styled(
            format!("    rollback: {}", x.rollback),
            theme.dim,
        )));
        if let Some(note) = &x.note {
            l.push(Line::from(Span::styled(
                format!("    Note: {note}"),
                theme.warn,
            )));
        }
    }
    l
}

pub fn draw_run(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = pane_block(state, theme, Pane::Triage, None);
    let Some(r) = &state.triage.run else {
        frame.render_widget(Paragraph::new("no playbook running").block(block), area);
        return;
    };
    let mut l = vec![Line::from(vec![
        Span::styled("Playbook ", theme.dim),
        Span::styled(r.finding.title.clone(), theme.title),
        Span::styled(
            format!(" ({})  h/l step  ↑↓ fix  y copy  Esc back", r.walk.playbook),
            theme.dim,
        ),
    ])];
    // The path, the cursor's step highlighted.
    let mut path = vec![Span::styled("Path: ", theme.dim)];
    for (i, s) in r.walk.path.iter().enumerate() {
        let st = if i == r.cursor {
            theme.selected
        } else {
            verdict_style(s.outcome.verdict, theme)
        };
        path.push(Span::styled(
            format!("{}={}", s.step, s.outcome.verdict.as_str()),
            st,
        ));
        path.push(Span::styled(" → ", theme.dim));
    }
    let end_style = if r.cursor == r.walk.path.len() {
        theme.selected
    } else {
        theme.title
    };
    path.push(Span::styled(r.finding.conclusion.clone(), end_style));
    l.push(Line::from(path));
    match r.walk.path.get(r.cursor) {
        Some(s) => {
            l.push(Line::from(vec![
                Span::styled(
                    format!("Step {}/{}: ", r.cursor + 1, r.walk.path.len()),
                    theme.dim,
                ),
                Span::styled(s.question.clone(), theme.title),
            ]));
            l.push(Line::from(vec![
                Span::styled(format!("probe {}: ", s.probe), theme.dim),
                Span::styled(
                    s.outcome.verdict.as_str().to_string(),
                    verdict_style(s.outcome.verdict, theme),
                ),
                Span::styled(format!(" — {}", s.outcome.summary), theme.base),
            ]));
            l.extend(evidence_lines(&s.outcome.evidence, theme, 8));
        }
        None => {
            l.extend(conclusion_lines(
                &r.finding,
                state.ui.selected(Pane::Triage),
                theme,
                state.mode.read_only(),
            ));
            l.push(Line::from(Span::styled("Evidence", theme.header)));
            l.extend(evidence_lines(&r.finding.evidence, theme, 6));
        }
    }
    frame.render_widget(
        Paragraph::new(l).block(block).wrap(Wrap { trim: false }),
        area,
    );
}

fn countdown(ms: i64) -> String {
    let s = ms.abs() / 1000;
    let sign = if ms < 0 { "-" } else { "" };
    format!("{sign}{}:{:02}", s / 60, s % 60)
}

pub fn draw_walkthrough(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = pane_block(state, theme, Pane::Triage, None);
    let Some(w) = &state.triage.walkthrough else {
        frame.render_widget(
            Paragraph::new("press T to start the 10-minute walkthrough").block(block),
            area,
        );
        return;
    };
    let now = w.finished_ms.unwrap_or(state.now_ms);
    let left = w.remaining_ms(now);
    let clock_style = if left < 0 {
        theme.crit
    } else if left < 120_000 {
        theme.warn
    } else {
        theme.ok
    };
    let mut l = vec![Line::from(vec![
        Span::styled("10-minute triage  ", theme.title),
        Span::styled(countdown(left), clock_style),
        Span::styled(
            match (w.finished_ms, w.evidence_status()) {
                (Some(_), Status::Pass) => {
                    "  finished: report and evidence written  (T restarts)".to_string()
                }
                (Some(_), Status::Fail) => {
                    "  finished: writing failed (see check 7)  (T restarts)".to_string()
                }
                (Some(_), _) => "  finished: writing report and evidence  (T restarts)".to_string(),
                (None, _) => format!(
                    "  left (started {})  T/ctrl-s finish  y copy fix  Esc back",
                    utc(w.started_ms)
                ),
            },
            theme.dim,
        ),
    ])];
    for c in &w.checks {
        let (glyph, st) = match c.status {
            Status::Pending => ("◌ pending", theme.dim),
            Status::Pass => ("✔ pass", theme.ok),
            Status::Warn => ("▲ warn", theme.warn),
            Status::Fail => ("✖ fail", theme.crit),
        };
        l.push(Line::from(vec![
            Span::styled(format!("{}. ", c.n), theme.dim),
            Span::styled(format!("{glyph:<10}"), st),
            Span::styled(format!("{:<36}", c.title), theme.title),
            Span::styled(c.notes.first().cloned().unwrap_or_default(), theme.dim),
        ]));
        l.extend(evidence_lines(&c.evidence, theme, 2));
    }
    match (&w.root_cause, w.found_ms) {
        (Some(f), Some(t)) => {
            l.push(Line::from(vec![
                Span::styled("Root cause ", theme.header),
                Span::styled(
                    format!("found {} into the walkthrough", countdown(t - w.started_ms)),
                    theme.dim,
                ),
            ]));
            l.extend(conclusion_lines(f, 0, theme, state.mode.read_only()));
        }
        _ => l.push(Line::from(Span::styled("No root cause yet.", theme.dim))),
    }
    frame.render_widget(
        Paragraph::new(l).block(block).wrap(Wrap { trim: false }),
        area,
    );
}
