//! `aicockpit record`: write what the live sources see (cluster objects, deletes, followed logs of
//! training pods, source health) as a scenario file, redacted (see `sources::redact`). Each batch
//! is written with one `write` of whole lines and flushed, so a recording cut off at any point is
//! still a valid scenario up to its last line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

use crate::contract::event::{Msg, TimedEvent};
use crate::contract::scenario::{Header, Line, SCHEMA_VERSION};
use crate::domain::duration::{DurationError, parse_ms};
use crate::settings::keymap::Keymap;
use crate::shell::live::{LiveSetup, LiveSources};
use crate::sources::redact;
use crate::state::{AppState, Mode, update};

/// What to record.
#[derive(Debug, Clone)]
pub struct RecordOpts {
    pub out: PathBuf,
    /// Stop after this long; `None` records until stopped.
    pub duration: Option<Duration>,
    pub setup: LiveSetup,
}

/// What has been written so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordStats {
    pub events: u64,
    pub objects: u64,
    pub logs: u64,
    pub bytes: u64,
    pub elapsed_ms: i64,
}

/// Writes a scenario file line by line.
pub struct ScenarioWriter {
    file: std::fs::File,
    start_ms: i64,
    last_t: i64,
    pub stats: RecordStats,
}

impl ScenarioWriter {
    /// Create `path` and write the header line; `t_ms = 0` is `start_ms`.
    pub fn create(path: &Path, header: &Header, start_ms: i64) -> std::io::Result<Self> {
        let mut file = std::fs::File::create(path)?;
        let mut line = serde_json::to_string(header).map_err(std::io::Error::other)?;
        line.push('\n');
        file.write_all(line.as_bytes())?;
        file.flush()?;
        Ok(ScenarioWriter {
            file,
            start_ms,
            last_t: 0,
            stats: RecordStats {
                bytes: line.len() as u64,
                ..RecordStats::default()
            },
        })
    }

    /// Redact and append a batch (times are kept monotonic), then flush.
    pub fn write_batch(&mut self, batch: Vec<TimedEvent>) -> std::io::Result<()> {
        let mut text = String::new();
        for te in batch {
            let t_ms = (te.at_ms - self.start_ms).max(self.last_t);
            self.last_t = t_ms;
            let mut ev = te.ev;
            redact::event(&mut ev);
            match &ev {
                crate::contract::event::SourceEvent::Log { .. } => self.stats.logs += 1,
                crate::contract::event::SourceEvent::Upsert { .. } => self.stats.objects += 1,
                _ => {}
            }
            let line = serde_json::to_string(&Line { t_ms, ev }).map_err(std::io::Error::other)?;
            text.push_str(&line);
            text.push('\n');
            self.stats.events += 1;
        }
        if text.is_empty() {
            return Ok(());
        }
        self.file.write_all(text.as_bytes())?;
        self.file.flush()?;
        self.stats.bytes += text.len() as u64;
        self.stats.elapsed_ms = self.last_t;
        Ok(())
    }
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Record until `duration` has passed or `stop` resolves; `progress` is called about once a
/// second. Fails only when the file cannot be written (cluster trouble is recorded as health).
pub async fn record(
    opts: RecordOpts,
    stop: impl std::future::Future<Output = ()>,
    mut progress: impl FnMut(&RecordStats),
) -> anyhow::Result<RecordStats> {
    let start_ms = chrono::Utc::now().timestamp_millis();
    let context = opts.setup.context_name();
    let scope = opts.setup.namespace.as_deref().unwrap_or("all namespaces");
    let header = Header {
        schema: SCHEMA_VERSION,
        scenario: "recorded".into(),
        title: format!("Recorded from {context}"),
        description: format!(
            "Recorded by aicockpit record from context {context}, {scope}; secrets, env values \
             and token-like strings redacted."
        ),
        start: rfc3339(start_ms),
    };
    let out = opts.out.display().to_string();
    let mut w = ScenarioWriter::create(&opts.out, &header, start_ms)
        .with_context(|| format!("cannot write {out}"))?;
    let mut state = AppState::new(
        Mode::Live {
            context,
            read_only: true,
        },
        Keymap::default(),
    );
    let mut live = LiveSources::start(opts.setup.clone());
    let until = opts
        .duration
        .unwrap_or(Duration::from_secs(365 * 24 * 3600));
    let deadline = tokio::time::sleep(until);
    let mut every = tokio::time::interval(Duration::from_secs(1));
    tokio::pin!(deadline, stop);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            _ = &mut stop => break,
            _ = every.tick() => {
                live.sync_logs(&state);
                progress(&w.stats);
            }
            msg = live.next() => {
                let Some(Msg::Source(batch)) = msg else { continue };
                update(&mut state, Msg::Source(batch.clone()));
                w.write_batch(batch).with_context(|| format!("cannot write {out}"))?;
            }
        }
    }
    while let Some(msg) = live.try_next() {
        if let Msg::Source(batch) = msg {
            w.write_batch(batch)
                .with_context(|| format!("cannot write {out}"))?;
        }
    }
    progress(&w.stats);
    Ok(w.stats)
}

/// `30` (seconds), `30s`, `5m`, `2h` as a duration.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return parse_ms(&format!("{t}s")).map(Duration::from_millis);
    }
    parse_ms(t).map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::event::SourceEvent;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("5w").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn writer_keeps_time_monotonic_and_the_file_readable_after_each_batch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("r.jsonl");
        let header = Header {
            schema: SCHEMA_VERSION,
            scenario: "t".into(),
            title: "t".into(),
            description: String::new(),
            start: rfc3339(1_000),
        };
        let mut w = ScenarioWriter::create(&p, &header, 1_000).expect("create");
        let log = |at_ms, line: &str| TimedEvent {
            at_ms,
            ev: SourceEvent::Log {
                namespace: "ml".into(),
                pod: "p".into(),
                container: "c".into(),
                line: line.into(),
            },
        };
        w.write_batch(vec![log(3_000, "a"), log(2_000, "token=abc123")])
            .expect("write");
        let text = std::fs::read_to_string(&p).expect("read");
        let s = crate::contract::scenario::parse(&text, "r.jsonl").expect("valid after a batch");
        assert_eq!(s.events.len(), 2);
        assert_eq!((s.events[0].t_ms, s.events[1].t_ms), (2_000, 2_000));
        assert!(!text.contains("abc123"));
        assert_eq!(w.stats.logs, 2);
    }
}
