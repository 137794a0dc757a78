//! Live pod logs: read a container's log stream as bytes, cut it into lines (invalid UTF-8 is
//! replaced, overlong lines are truncated with a marker) and send them as `SourceEvent::Log`.

use futures::AsyncReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, LogParams};
use tokio::sync::mpsc;

use crate::contract::event::{HealthState, Msg, SourceEvent, TimedEvent};

/// Longest line kept; the rest of a longer line is dropped and counted.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Which container's log to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogTarget {
    pub namespace: String,
    pub pod: String,
    /// `None` lets the API server pick (it refuses when the pod has several containers).
    pub container: Option<String>,
}

/// How to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOpts {
    pub follow: bool,
    pub tail_lines: Option<i64>,
    pub max_line_bytes: usize,
}

impl Default for LogOpts {
    fn default() -> Self {
        LogOpts {
            follow: true,
            tail_lines: Some(1000),
            max_line_bytes: MAX_LINE_BYTES,
        }
    }
}

/// Cuts a byte stream into text lines of bounded length.
#[derive(Debug, Clone)]
pub struct LineSplitter {
    cur: Vec<u8>,
    dropped: usize,
    max: usize,
}

impl LineSplitter {
    pub fn new(max_line_bytes: usize) -> Self {
        LineSplitter {
            cur: Vec::new(),
            dropped: 0,
            max: max_line_bytes.max(1),
        }
    }

    fn take(&mut self) -> String {
        let mut line = String::from_utf8_lossy(&self.cur).into_owned();
        if line.ends_with('\r') {
            line.pop();
        }
        if self.dropped > 0 {
            line.push_str(&format!(" … [truncated {} bytes]", self.dropped));
        }
        self.cur.clear();
        self.dropped = 0;
        line
    }

    /// Feed bytes; returns the lines they completed.
    pub fn push(&mut self, mut bytes: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let (part, rest, done) = match bytes.iter().position(|b| *b == b'\n') {
                Some(i) => (&bytes[..i], &bytes[i + 1..], true),
                None => (bytes, &[][..], false),
            };
            let room = self.max.saturating_sub(self.cur.len());
            let keep = part.len().min(room);
            self.cur.extend_from_slice(&part[..keep]);
            self.dropped += part.len() - keep;
            if done {
                out.push(self.take());
            }
            bytes = rest;
        }
        out
    }

    /// The last line when the stream ended without a newline.
    pub fn finish(&mut self) -> Option<String> {
        (!self.cur.is_empty() || self.dropped > 0).then(|| self.take())
    }
}

/// Where a log follower sends its lines. A bounded sender gives back-pressure: when the
/// cockpit falls behind, the follower stops reading and the API server's stream waits.
#[derive(Debug, Clone)]
pub enum LogSink {
    Unbounded(mpsc::UnboundedSender<Msg>),
    Bounded(mpsc::Sender<Msg>),
}

impl From<mpsc::UnboundedSender<Msg>> for LogSink {
    fn from(tx: mpsc::UnboundedSender<Msg>) -> Self {
        LogSink::Unbounded(tx)
    }
}

impl From<mpsc::Sender<Msg>> for LogSink {
    fn from(tx: mpsc::Sender<Msg>) -> Self {
        LogSink::Bounded(tx)
    }
}

impl LogSink {
    /// Send one message (waiting for room when bounded); false once the receiver is gone.
    pub async fn send(&self, msg: Msg) -> bool {
        match self {
            LogSink::Unbounded(tx) => tx.send(msg).is_ok(),
            LogSink::Bounded(tx) => tx.send(msg).await.is_ok(),
        }
    }
}

async fn send_lines(tx: &LogSink, t: &LogTarget, lines: Vec<String>) -> bool {
    if lines.is_empty() {
        return true;
    }
    let at_ms = chrono::Utc::now().timestamp_millis();
    let batch = lines
        .into_iter()
        .map(|line| TimedEvent {
            at_ms,
            ev: SourceEvent::Log {
                namespace: t.namespace.clone(),
                pod: t.pod.clone(),
                container: t.container.clone().unwrap_or_default(),
                line,
            },
        })
        .collect();
    tx.send(Msg::Source(batch)).await
}

/// The health source name of a log stream.
pub fn log_source(t: &LogTarget) -> String {
    match &t.container {
        Some(c) => format!("kube/logs/{}/{}/{c}", t.namespace, t.pod),
        None => format!("kube/logs/{}/{}", t.namespace, t.pod),
    }
}

/// Why a container's log could not be read (to its end).
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The API server refused or failed the log request (no such pod or container, RBAC, down).
    #[error("log of {pod}: {reason}")]
    Open { pod: String, reason: kube::Error },
    /// The stream broke off while it was read.
    #[error("log of {pod} broke off: {reason}")]
    BrokeOff { pod: String, reason: std::io::Error },
}

/// Read (and with `follow`, keep reading) one container's log. Returns how many lines were sent;
/// a failure is also sent as `SourceHealth` for the stream before it is returned.
pub async fn follow_logs(
    client: Client,
    target: LogTarget,
    tx: impl Into<LogSink>,
    opts: LogOpts,
) -> Result<usize, LogError> {
    let tx: LogSink = tx.into();
    let fail = async |e: LogError| {
        let ev = SourceEvent::SourceHealth {
            source: log_source(&target),
            state: HealthState::Unavailable,
            message: e.to_string(),
        };
        let at_ms = chrono::Utc::now().timestamp_millis();
        let _ = tx.send(Msg::Source(vec![TimedEvent { at_ms, ev }])).await;
        e
    };
    let pods: Api<Pod> = Api::namespaced(client, &target.namespace);
    let lp = LogParams {
        container: target.container.clone(),
        follow: opts.follow,
        tail_lines: opts.tail_lines,
        ..LogParams::default()
    };
    let stream = match pods.log_stream(&target.pod, &lp).await {
        Ok(s) => s,
        Err(reason) => {
            let pod = target.pod.clone();
            return Err(fail(LogError::Open { pod, reason }).await);
        }
    };
    let mut stream = Box::pin(stream);
    let mut split = LineSplitter::new(opts.max_line_bytes);
    let mut buf = vec![0u8; 64 * 1024];
    let mut sent = 0;
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(reason) => {
                let pod = target.pod.clone();
                return Err(fail(LogError::BrokeOff { pod, reason }).await);
            }
        };
        let lines = split.push(&buf[..n]);
        sent += lines.len();
        if !send_lines(&tx, &target, lines).await {
            return Ok(sent);
        }
    }
    let last: Vec<String> = split.finish().into_iter().collect();
    sent += last.len();
    send_lines(&tx, &target, last).await;
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitter_handles_partial_garbage_and_long_lines() {
        let mut s = LineSplitter::new(8);
        assert!(s.push(b"abc").is_empty());
        assert_eq!(s.push(b"def\r\nxy"), vec!["abcdef".to_string()]);
        assert_eq!(
            s.push(b"\xff\xfe\n"),
            vec!["xy\u{fffd}\u{fffd}".to_string()]
        );
        assert_eq!(
            s.push(b"0123456789abc\n"),
            vec!["01234567 … [truncated 5 bytes]".to_string()]
        );
        assert!(s.push(b"tail").is_empty());
        assert_eq!(s.finish(), Some("tail".to_string()));
        assert_eq!(s.finish(), None);
    }
}
