//! Running one playbook: from the entry step, run each step's probe, follow the branch its
//! verdict picks, and stop at a conclusion, at `ok`, or where no branch covers the verdict.
//! Names the probes found are carried along and fill the fix templates.

use serde::Serialize;

use super::context::Ctx;
use crate::settings::playbooks::model::{Bindings, Conclusion, Fix, OK, Playbook, Risk};
use crate::triage::probes::{self, Outcome, Verdict};

/// One step as it ran.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRun {
    pub step: String,
    pub question: String,
    pub probe: &'static str,
    pub outcome: Outcome,
    /// Where the verdict led.
    pub next: String,
}

/// How a walk ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "end", rename_all = "snake_case")]
pub enum End {
    Conclusion { id: String },
    Ok,
    Inconclusive { step: String, why: String },
}

/// One walk through a playbook.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Walk {
    pub playbook: String,
    pub path: Vec<StepRun>,
    pub end: End,
    #[serde(skip)]
    pub bindings: Bindings,
}

impl Walk {
    /// The conclusion reached, if any.
    pub fn conclusion<'p>(&self, pb: &'p Playbook) -> Option<&'p Conclusion> {
        match &self.end {
            End::Conclusion { id } => pb.conclusions.iter().find(|c| &c.id == id),
            _ => None,
        }
    }
}

/// Walk `pb` from its entry with `start` already bound (e.g. the selected pod).
pub fn walk(ctx: &Ctx<'_>, pb: &Playbook, start: &Bindings) -> Walk {
    walk_from(ctx, pb, start, &pb.entry)
}

/// Walk from a given step.
pub fn walk_from(ctx: &Ctx<'_>, pb: &Playbook, start: &Bindings, entry: &str) -> Walk {
    let mut b = start.clone();
    let mut path = Vec::new();
    let mut at = entry.to_string();
    let end = loop {
        if path.len() > pb.steps.len() {
            break End::Inconclusive {
                step: at,
                why: "the walk revisits a step (cycle)".into(),
            };
        }
        if at == OK {
            break End::Ok;
        }
        if pb.conclusions.iter().any(|c| c.id == at) {
            break End::Conclusion { id: at };
        }
        let Some(step) = pb.steps.iter().find(|s| s.id == at) else {
            break End::Inconclusive {
                why: format!("no step or conclusion named {at:?}"),
                step: at,
            };
        };
        let outcome = probes::run(ctx, &step.probe, &b);
        let next = match outcome.verdict {
            Verdict::Yes => Some(step.yes.clone()),
            Verdict::No => Some(step.no.clone()),
            Verdict::Unknown => step.unknown.clone(),
        };
        if outcome.verdict == Verdict::Yes {
            for (k, v) in &outcome.bind {
                b.insert(k.clone(), v.clone());
            }
        }
        let why = outcome.summary.clone();
        path.push(StepRun {
            step: step.id.clone(),
            question: step.question.clone(),
            probe: step.probe.kind(),
            next: next.clone().unwrap_or_default(),
            outcome,
        });
        match next {
            Some(n) => at = n,
            None => {
                break End::Inconclusive {
                    step: step.id.clone(),
                    why,
                };
            }
        }
    };
    Walk {
        playbook: pb.id.clone(),
        path,
        end,
        bindings: b,
    }
}

/// Replace `{name}` placeholders with bound values; unbound ones become `<name>`.
pub fn fill(template: &str, b: &Bindings) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j)
                if after[..j]
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
                    && j > 0 =>
            {
                let name = &after[..j];
                match b.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        out.push('<');
                        out.push_str(name);
                        out.push('>');
                    }
                }
                rest = &after[j + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A fix with its command filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilledFix {
    pub title: String,
    pub command: String,
    pub risk: Risk,
    pub rollback: String,
    pub mutates: bool,
    /// What to know before running it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Fill every fix of a conclusion.
pub fn fill_fixes(fixes: &[Fix], b: &Bindings) -> Vec<FilledFix> {
    fixes
        .iter()
        .map(|f| FilledFix {
            title: fill(&f.title, b),
            command: fill(&f.command, b),
            risk: f.risk,
            rollback: fill(&f.rollback, b),
            mutates: f.mutates,
            note: f.note.clone(),
        })
        .collect()
}
