//! Container log lines, bounded by total bytes: when the bound is passed the oldest lines go
//! first. Lines are kept in arrival order with their event time.

use std::collections::VecDeque;

use crate::domain::LogLine;

/// A byte-bounded buffer of log lines from every stream.
#[derive(Debug, Clone, PartialEq)]
pub struct LogStore {
    max_bytes: usize,
    bytes: usize,
    lines: VecDeque<LogLine>,
    /// Lines dropped to stay within the bound, so the UI can say so.
    pub dropped: u64,
}

impl Default for LogStore {
    fn default() -> Self {
        LogStore::with_max_bytes(64 * 1024 * 1024)
    }
}

fn cost(l: &LogLine) -> usize {
    l.line.len() + l.pod.len() + l.namespace.len() + l.container.len() + 64
}

impl LogStore {
    pub fn with_max_bytes(max_bytes: usize) -> Self {
        LogStore {
            max_bytes,
            bytes: 0,
            lines: VecDeque::new(),
            dropped: 0,
        }
    }

    pub fn push(&mut self, line: LogLine) {
        self.bytes += cost(&line);
        self.lines.push_back(line);
        while self.bytes > self.max_bytes {
            match self.lines.pop_front() {
                Some(old) => {
                    self.bytes -= cost(&old);
                    self.dropped += 1;
                }
                None => break,
            }
        }
    }

    pub fn lines(&self) -> &VecDeque<LogLine> {
        &self.lines
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The byte budget.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> LogLine {
        LogLine {
            at_ms: n as i64,
            namespace: "ns".into(),
            pod: "p".into(),
            container: "c".into(),
            line: "x".repeat(100),
        }
    }

    #[test]
    fn stays_within_bound_and_counts_drops() {
        let mut s = LogStore::with_max_bytes(1000);
        for n in 0..50 {
            s.push(line(n));
        }
        assert!(s.bytes() <= 1000);
        assert!(s.dropped > 0);
        assert_eq!(s.lines().back().map(|l| l.at_ms), Some(49));
        assert_eq!(s.lines().len() as u64 + s.dropped, 50);
    }
}
