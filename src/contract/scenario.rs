//! The scenario file format v1 (see `docs/scenario-format.md`): a JSON header line, then one
//! `{"t_ms": N, "ev": {...}}` line per source event. The reader is strict: the first bad line
//! stops it with the file name and line number; nothing partial is accepted.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::contract::event::SourceEvent;
use crate::domain::Millis;

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

fn error(file: &str, line: usize, message: String) -> ScenarioError {
    ScenarioError {
        file: file.to_string(),
        line,
        message,
    }
}

/// Check a header line; returns the header and its start as epoch milliseconds.
fn header_line(l: &str, line_no: usize, file: &str) -> Result<(Header, Millis), ScenarioError> {
    let header: Header =
        serde_json::from_str(l).map_err(|e| error(file, line_no, format!("bad header: {e}")))?;
    if header.schema != SCHEMA_VERSION {
        return Err(error(
            file,
            line_no,
            format!(
                "unsupported schema {} (this build reads schema {SCHEMA_VERSION})",
                header.schema
            ),
        ));
    }
    let start_ms = chrono::DateTime::parse_from_rfc3339(&header.start)
        .map_err(|e| {
            error(
                file,
                line_no,
                format!("bad header start {:?}: {e}", header.start),
            )
        })?
        .timestamp_millis();
    Ok((header, start_ms))
}

/// Check one event line against the previous line's time.
fn event_line(l: &str, line_no: usize, last_t: Millis, file: &str) -> Result<Line, ScenarioError> {
    let line: Line = serde_json::from_str(l).map_err(|e| error(file, line_no, format!("{e}")))?;
    if line.t_ms < last_t {
        return Err(error(
            file,
            line_no,
            format!(
                "t_ms {} goes back in time (previous line was {last_t})",
                line.t_ms
            ),
        ));
    }
    if let SourceEvent::Upsert { object } = &line.ev {
        for field in ["/apiVersion", "/kind", "/metadata/name"] {
            if object.pointer(field).and_then(|v| v.as_str()).is_none() {
                return Err(error(
                    file,
                    line_no,
                    format!("upsert object has no {}", &field[1..].replace('/', ".")),
                ));
            }
        }
    }
    Ok(line)
}

/// Parse scenario text. `file` is only used in error messages.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let mut lines = text.lines().enumerate();
    let (header, start_ms) = loop {
        match lines.next() {
            None => {
                return Err(error(file, 1, "empty file: expected a header line".into()));
            }
            Some((_, l)) if l.trim().is_empty() => continue,
            Some((i, l)) => break header_line(l, i + 1, file)?,
        }
    };
    let mut events = Vec::new();
    let mut last_t = 0;
    for (i, l) in lines {
        if l.trim().is_empty() {
            continue;
        }
        let line = event_line(l, i + 1, last_t, file)?;
        last_t = line.t_ms;
        events.push(line);
    }
    Ok(Scenario {
        header,
        start_ms,
        events,
    })
}

/// A scenario's header and duration without reading its events: the header line and the
/// time of the last line only (for listings; `parse` is what checks every line).
pub fn peek(text: &str, file: &str) -> Result<(Header, Millis), ScenarioError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((i, first)) = lines.next() else {
        return Err(error(file, 1, "empty file: expected a header line".into()));
    };
    let (header, _) = header_line(first, i + 1, file)?;
    let last = text.lines().rev().find(|l| !l.trim().is_empty());
    let duration = match last {
        Some(last) if !std::ptr::eq(last, first) => {
            // the line number is only needed to report an error
            let at = || text.trim_end().lines().count();
            let v: serde_json::Value =
                serde_json::from_str(last).map_err(|e| error(file, at(), format!("{e}")))?;
            v.get("t_ms")
                .and_then(serde_json::Value::as_i64)
                .ok_or_else(|| error(file, at(), "event line has no t_ms".into()))?
        }
        _ => 0,
    };
    Ok((header, duration))
}

/// Where one event line lies in a scenario file: its time, byte offset and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub t_ms: Millis,
    pub offset: u64,
    pub len: u32,
}

/// A scenario file checked line by line (with the same strictness as `parse`) without keeping
/// its events: the header, its start, and where each event line lies, for reading on demand.
#[derive(Debug, Clone, PartialEq)]
pub struct FileIndex {
    pub header: Header,
    pub start_ms: Millis,
    pub spans: Vec<Span>,
}

/// Builds a `FileIndex` one line at a time with the same checks as `parse`; the caller reads
/// the file (`sources::replay`), so memory stays at one line plus the index.
#[derive(Debug)]
pub struct Indexer {
    file: String,
    line_no: usize,
    head: Option<(Header, Millis)>,
    spans: Vec<Span>,
    last_t: Millis,
}

impl Indexer {
    /// An indexer for the file named `file` (in messages).
    pub fn new(file: &str) -> Indexer {
        Indexer {
            file: file.to_string(),
            line_no: 0,
            head: None,
            spans: Vec::new(),
            last_t: 0,
        }
    }

    /// The error for a file that cannot be opened (`cannot read: ...`, no line).
    pub fn open_error(&self, e: &dyn fmt::Display) -> ScenarioError {
        error(&self.file, 0, format!("cannot read: {e}"))
    }

    /// The error for a failure to read the next line (`cannot read: ...`).
    pub fn read_error(&self, e: &dyn fmt::Display) -> ScenarioError {
        error(&self.file, self.line_no + 1, format!("cannot read: {e}"))
    }

    /// Check one line as read (with its line ending), which starts at byte `offset`.
    pub fn line(&mut self, bytes: &[u8], offset: u64) -> Result<(), ScenarioError> {
        self.line_no += 1;
        let (file, line_no) = (&self.file, self.line_no);
        let text = std::str::from_utf8(bytes)
            .map_err(|e| error(file, line_no, format!("line is not UTF-8 text: {e}")))?;
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            return Ok(());
        }
        if self.head.is_none() {
            self.head = Some(header_line(text, line_no, file)?);
            return Ok(());
        }
        let line = event_line(text, line_no, self.last_t, file)?;
        self.last_t = line.t_ms;
        let len = u32::try_from(text.len())
            .map_err(|_| error(file, line_no, "line longer than 4 GiB".into()))?;
        self.spans.push(Span {
            t_ms: line.t_ms,
            offset,
            len,
        });
        Ok(())
    }

    /// The index of every line checked; an error when no header was seen.
    pub fn finish(self) -> Result<FileIndex, ScenarioError> {
        let Some((header, start_ms)) = self.head else {
            return Err(error(
                &self.file,
                1,
                "empty file: expected a header line".into(),
            ));
        };
        Ok(FileIndex {
            header,
            start_ms,
            spans: self.spans,
        })
    }
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
