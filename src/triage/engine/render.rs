//! Findings as text (for a terminal), JSON (for scripts; documented in the README) and
//! Markdown. Times are scenario/event time, printed as RFC 3339.

use serde::Serialize;

use super::findings::Finding;
use crate::domain::Millis;

/// Output format of `aicockpit triage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Text,
    Json,
    Markdown,
}

/// JSON schema version of the `triage` output.
pub const JSON_SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    schema: u32,
    scenario: &'a str,
    at: String,
    findings: &'a [Finding],
}

/// RFC 3339 text of an event time.
pub fn time(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// Render findings in `format`.
pub fn findings(f: &[Finding], format: Format, scenario: &str, now_ms: Millis) -> String {
    match format {
        Format::Json => {
            let doc = Doc {
                schema: JSON_SCHEMA,
                scenario,
                at: time(now_ms),
                findings: f,
            };
            serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
                + "\n"
        }
        Format::Text => text(f, scenario, now_ms),
        Format::Markdown => markdown(f, scenario, now_ms),
    }
}

fn text(f: &[Finding], scenario: &str, now_ms: Millis) -> String {
    let mut s = format!("{scenario} at {}: {} finding(s)\n", time(now_ms), f.len());
    for (i, x) in f.iter().enumerate() {
        s += &format!(
            "\n{}. [{}] {} ({})\n   {}\n",
            i + 1,
            x.severity.as_str(),
            x.conclusion,
            x.subject,
            x.root_cause
        );
        let path: Vec<String> = x
            .path
            .iter()
            .map(|p| format!("{}={}", p.step, p.verdict.as_str()))
            .collect();
        s += &format!("   path: {} ({})\n", path.join(" -> "), x.playbook);
        for e in x.evidence.iter().take(4) {
            s += &format!("   evidence: {}: {}\n", e.subject, e.detail);
        }
        for fx in &x.fixes {
            s += &format!(
                "   fix [{} risk{}]: {}\n     $ {}\n     rollback: {}\n",
                fx.risk.as_str(),
                if fx.mutates {
                    ", mutates"
                } else {
                    ", read-only"
                },
                fx.title,
                fx.command,
                fx.rollback
            );
            if let Some(note) = &fx.note {
                s += &format!("     Note: {note}\n");
            }
        }
    }
    s
}

fn markdown(f: &[Finding], scenario: &str, now_ms: Millis) -> String {
    let mut s = format!(
        "# Triage: {scenario}\n\nAt {}: {} finding(s).\n",
        time(now_ms),
        f.len()
    );
    for (i, x) in f.iter().enumerate() {
        s += &finding_markdown(i + 1, x);
    }
    s
}

/// One finding as a Markdown section.
pub fn finding_markdown(n: usize, x: &Finding) -> String {
    let mut s = format!(
        "\n## {n}. {} — {} ({})\n\n{}\n\n**Path** ({}):\n\n",
        x.conclusion,
        x.severity.as_str(),
        x.subject,
        x.root_cause,
        x.playbook
    );
    for p in &x.path {
        s += &format!(
            "- {} → **{}**: {}\n",
            p.question,
            p.verdict.as_str(),
            p.summary
        );
    }
    if !x.evidence.is_empty() {
        s += "\n**Evidence**:\n\n";
        for e in &x.evidence {
            let at = e
                .at_ms
                .map(|t| format!(" ({})", time(t)))
                .unwrap_or_default();
            s += &format!("- {}{at}: `{}`\n", e.subject, e.detail.replace('`', "'"));
        }
    }
    if !x.fixes.is_empty() {
        s += "\n**Proposed fixes** (not executed):\n\n";
        for fx in &x.fixes {
            s += &format!(
                "- {} — risk {}, {}\n  ```\n  {}\n  ```\n  rollback: {}\n",
                fx.title,
                fx.risk.as_str(),
                if fx.mutates {
                    "mutates the cluster"
                } else {
                    "read-only"
                },
                fx.command,
                fx.rollback
            );
            if let Some(note) = &fx.note {
                s += &format!("  Note: {note}\n");
            }
        }
    }
    s
}
