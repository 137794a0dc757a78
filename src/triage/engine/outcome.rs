//! What a probe answers: a verdict (yes / no / unknown), a one-line summary, evidence (objects,
//! log lines, numbers) and the names it found, bound for later steps and fix templates.

use serde::Serialize;

use crate::domain::Millis;
use crate::settings::playbooks::model::Bindings;

/// What a probe answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Yes,
    No,
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Yes => "yes",
            Verdict::No => "no",
            Verdict::Unknown => "unknown",
        }
    }
}

/// One piece of evidence: an object, a log line or a number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// `object`, `log`, `number` or `note`.
    pub kind: &'static str,
    /// What it is about (`Pod ml/w-0`, `Node gpu-01`, `ml/w-0/trainer` ...).
    pub subject: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<Millis>,
}

impl Evidence {
    pub fn object(subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Evidence {
            kind: "object",
            subject: subject.into(),
            detail: detail.into(),
            at_ms: None,
        }
    }
    pub fn log(subject: impl Into<String>, line: impl Into<String>, at_ms: Millis) -> Self {
        Evidence {
            kind: "log",
            subject: subject.into(),
            detail: line.into(),
            at_ms: Some(at_ms),
        }
    }
    pub fn number(subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Evidence {
            kind: "number",
            subject: subject.into(),
            detail: detail.into(),
            at_ms: None,
        }
    }
}

/// A probe's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub verdict: Verdict,
    /// One line: what was found, or `unknown: <why>`.
    pub summary: String,
    pub evidence: Vec<Evidence>,
    /// Names found (pod, node, key ...) for the next steps and the fix templates.
    #[serde(skip)]
    pub bind: Bindings,
}

impl Outcome {
    pub fn yes(summary: impl Into<String>) -> Self {
        Outcome {
            verdict: Verdict::Yes,
            summary: summary.into(),
            evidence: Vec::new(),
            bind: Bindings::new(),
        }
    }
    pub fn no(summary: impl Into<String>) -> Self {
        Outcome {
            verdict: Verdict::No,
            ..Outcome::yes(summary)
        }
    }
    pub fn unknown(why: impl std::fmt::Display) -> Self {
        Outcome {
            verdict: Verdict::Unknown,
            ..Outcome::yes(format!("unknown: {why}"))
        }
    }
    pub fn with(mut self, e: Evidence) -> Self {
        self.evidence.push(e);
        self
    }
    pub fn bind(mut self, k: &str, v: impl Into<String>) -> Self {
        self.bind.insert(k.to_string(), v.into());
        self
    }
}
