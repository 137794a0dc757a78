//! The scenario file format v1 (see `docs/scenario-format.md`): a JSON header line, then one
//! `{"t_ms": N, "ev": {...}}` line per source event. The reader is strict: the first bad line
//! stops it with the file name and line number; nothing partial is accepted.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::{Millis, SourceEvent};

/// The only schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Line 1 of a scenario file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub schema: u32,
    pub scenario: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Wall-clock time of `t_ms = 0`, RFC 3339.
    pub start: String,
}

/// One event line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub t_ms: Millis,
    pub ev: SourceEvent,
}

/// A whole scenario, events in file order (which is time order).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub header: Header,
    /// `start` as epoch milliseconds.
    pub start_ms: Millis,
    pub events: Vec<Line>,
}

impl Scenario {
    /// Time of the last event.
    pub fn duration_ms(&self) -> Millis {
        self.events.last().map_or(0, |l| l.t_ms)
    }
}

/// Why a scenario could not be read: which file, which line (1-based), what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Parse scenario text. `file` is only used in error messages.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let err = |line: usize, message: String| ScenarioError {
        file: file.to_string(),
        line,
        message,
    };
    let mut lines = text.lines().enumerate();
    let header: Header = loop {
        match lines.next() {
            None => return Err(err(1, "empty file: expected a header line".into())),
            Some((_, l)) if l.trim().is_empty() => continue,
            Some((i, l)) => {
                break serde_json::from_str(l)
                    .map_err(|e| err(i + 1, format!("bad header: {e}")))?;
            }
        }
    };
    if header.schema != SCHEMA_VERSION {
        return Err(err(
            1,
            format!(
                "unsupported schema {} (this build reads schema {SCHEMA_VERSION})",
                header.schema
            ),
        ));
    }
    let start_ms = chrono::DateTime::parse_from_rfc3339(&header.start)
        .map_err(|e| err(1, format!("bad header start {:?}: {e}", header.start)))?
        .timestamp_millis();
    let mut events = Vec::new();
    let mut last_t = 0;
    for (i, l) in lines {
        if l.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(l).map_err(|e| err(i + 1, format!("{e}")))?;
        if line.t_ms < last_t {
            return Err(err(
                i + 1,
                format!(
                    "t_ms {} goes back in time (previous line was {last_t})",
                    line.t_ms
                ),
            ));
        }
        if let SourceEvent::Upsert { object } = &line.ev {
            for field in ["/apiVersion", "/kind", "/metadata/name"] {
                if object.pointer(field).and_then(|v| v.as_str()).is_none() {
                    return Err(err(
                        i + 1,
                        format!("upsert object has no {}", &field[1..].replace('/', ".")),
                    ));
                }
            }
        }
        last_t = line.t_ms;
        events.push(line);
    }
    Ok(Scenario {
        header,
        start_ms,
        events,
    })
}

/// Serialise a scenario back to its file form (header line, then one line per event).
pub fn to_text(s: &Scenario) -> String {
    let mut out = serde_json::to_string(&s.header).unwrap_or_default();
    out.push('\n');
    for l in &s.events {
        out.push_str(&serde_json::to_string(l).unwrap_or_default());
        out.push('\n');
    }
    out
}
