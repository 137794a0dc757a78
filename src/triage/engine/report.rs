//! The incident report (Markdown: timeline, findings, evidence excerpts, checks that passed,
//! proposed fixes, and what the evidence file beside it holds) and the evidence file itself:
//! everything the findings rest on, written in the scenario format so that `--replay` opens it
//! and replays to the same conclusions (built in `report_evidence`).

use super::findings::Finding;
use super::render::{finding_markdown, time};
use super::report_evidence::{EvidenceSummary, evidence};
use super::walkthrough::Walkthrough;
use crate::contract::scenario;
use crate::domain::Millis;
use crate::settings::rules::Rules;
use crate::world::World;

pub use super::report_closure::MAX_ALL_NODES;

/// The Markdown incident report; `ev` describes the evidence file written beside it.
pub fn incident_markdown(
    scenario: &str,
    findings: &[Finding],
    wt: Option<&Walkthrough>,
    ev: Option<&EvidenceSummary>,
    now_ms: Millis,
) -> String {
    let mut s = format!(
        "# Incident report: {scenario}\n\nWritten at {} (event time).\n",
        time(now_ms)
    );
    if let Some(w) = wt {
        s += "\n## Timeline\n\n";
        let mut tl: Vec<(Millis, String)> = findings
            .iter()
            .filter_map(|f| {
                f.since_ms.map(|t| {
                    (
                        t,
                        format!("first evidence of {} ({})", f.conclusion, f.subject),
                    )
                })
            })
            .collect();
        tl.sort();
        tl.dedup();
        tl.truncate(12);
        tl.push((w.started_ms, "walkthrough started (10-minute clock)".into()));
        let mut mttr = String::new();
        match (&w.root_cause, w.found_ms) {
            (Some(f), Some(t)) => {
                tl.push((
                    t,
                    format!(
                        "root cause identified: {} ({} into the walkthrough)",
                        f.conclusion,
                        mmss(t - w.started_ms)
                    ),
                ));
                if let Some(m) = f.mttr_minutes {
                    mttr = format!(
                        "\nMTTR target for a {} failure: {m} min.\n",
                        f.failure_type.as_deref().unwrap_or("?")
                    );
                }
            }
            _ => mttr = "\nNo root cause identified.\n".into(),
        }
        if let Some(t) = w.finished_ms {
            tl.push((t, "walkthrough finished".into()));
        }
        tl.sort_by_key(|(t, _)| *t);
        for (t, what) in &tl {
            s += &format!("- {} {what}\n", time(*t));
        }
        s += &mttr;
        s += "\n## Quick-diagnosis checks\n\n| # | check | result | notes |\n|---|---|---|---|\n";
        for c in &w.checks {
            s += &format!(
                "| {} | {} | {} | {} |\n",
                c.n,
                c.title,
                c.status.as_str(),
                c.notes.join("; ").replace('|', "/")
            );
        }
        let passed: Vec<&str> = w
            .checks
            .iter()
            .filter(|c| c.status == super::walkthrough::Status::Pass)
            .map(|c| c.title)
            .collect();
        s += &format!(
            "\nChecks that passed: {}.\n",
            if passed.is_empty() {
                "none".to_string()
            } else {
                passed.join(", ")
            }
        );
    }
    s += &format!("\n## Findings ({})\n", findings.len());
    for (i, f) in findings.iter().enumerate().take(10) {
        s += &finding_markdown(i + 1, f);
    }
    if findings.len() > 10 {
        s += &format!("\n…and {} more (see findings.json).\n", findings.len() - 10);
    }
    if let Some(e) = ev {
        s += &super::report_summary::evidence_markdown(e);
    }
    s
}

fn mmss(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The evidence behind `findings` as scenario text (not redacted: the shell redacts what it
/// writes).
pub fn evidence_scenario(
    world: &World,
    rules: &Rules,
    findings: &[Finding],
    name: &str,
    now_ms: Millis,
) -> String {
    scenario::to_text(&evidence(world, rules, findings, name, now_ms).scenario)
}
