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
    /// A store without a bound; the cockpit bounds its store by `logs.max_bytes` in config.toml
    /// (`World::with_limits`).
    fn default() -> Self {
        LogStore::with_max_bytes(usize::MAX)
    }
}

/// Heap bytes of a string as the allocator hands them out (16-byte size classes).
fn heap(s: &str, cap: usize) -> usize {
    if cap == 0 {
        0
    } else {
        cap.max(s.len()).next_multiple_of(16)
    }
}

/// What one stored line costs: the record, its four strings as allocated, and the per-line
/// state derived from it elsewhere (classification, viewer entry).
fn cost(l: &LogLine) -> usize {
    std::mem::size_of::<LogLine>()
        + heap(&l.line, l.line.capacity())
        + heap(&l.pod, l.pod.capacity())
        + heap(&l.namespace, l.namespace.capacity())
        + heap(&l.container, l.container.capacity())
        + DERIVED_PER_LINE
}

/// Bytes per line kept outside the store (line classification, a viewer's entry).
pub const DERIVED_PER_LINE: usize = 16;

impl LogStore {
    pub fn with_max_bytes(max_bytes: usize) -> Self {
        LogStore {
            max_bytes,
            bytes: 0,
            lines: VecDeque::new(),
            dropped: 0,
        }
    }

    pub fn push(&mut self, mut line: LogLine) {
        if line.line.capacity() > line.line.len() + 32 {
            line.line.shrink_to_fit();
        }
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
