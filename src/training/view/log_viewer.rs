//! The log viewer's state: which pods it shows (one rank, or every rank of a job merged in
//! arrival order), the sequence numbers of the lines that pass its include/exclude regexes (with
//! `-> N` return-code lines folded away), the cursor, follow / wrap / timestamps switches, search
//! and save. Lines themselves stay in the world's `LogStore`; the viewer keeps 8 bytes per shown
//! line and extends itself incrementally on refresh.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use regex::{Regex, RegexBuilder};

use crate::training::log_intel::{LineKind, LogIntel};
use crate::world::log_store::LogStore;

/// A regex the user typed that does not compile: the text, and what the regex parser said.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("bad regex {text:?}: {reason}")]
pub struct PatternError {
    pub text: String,
    pub reason: regex::Error,
}

/// A compiled regex with the text it came from.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    pub re: Regex,
}

impl PartialEq for Pattern {
    fn eq(&self, o: &Self) -> bool {
        self.text == o.text
    }
}

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, PatternError> {
        Regex::new(text)
            .map(|re| Pattern {
                text: text.to_string(),
                re,
            })
            .map_err(|reason| PatternError {
                text: text.to_string(),
                reason,
            })
    }
}

/// The search regex for a `/` filter text: the text literally, ignoring case.
pub fn search_regex(text: &str) -> Option<Regex> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    RegexBuilder::new(&regex::escape(t))
        .case_insensitive(true)
        .build()
        .ok()
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogViewer {
    pub title: String,
    /// namespace -> pod names shown.
    pub pods: BTreeMap<String, BTreeSet<String>>,
    /// Sequence numbers (in the store) of the lines shown, oldest first.
    pub entries: VecDeque<u64>,
    scanned: u64,
    pub cursor: usize,
    pub follow: bool,
    pub wrap: bool,
    pub timestamps: bool,
    /// Hide `-> N` lines; their chain is shown under the WARN they follow.
    pub fold: bool,
    pub include: Option<Pattern>,
    pub exclude: Option<Pattern>,
    /// Where the last `n` / `N` landed, for the title's "3/17".
    pub hit: Option<SearchHit>,
}

/// The last search: its text, the match the cursor is on (1-based) among how many, and whether
/// it wrapped past the end (or the start) to get there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub needle: String,
    pub index: usize,
    pub count: usize,
    pub wrapped: bool,
}

impl LogViewer {
    /// A viewer over `pods` (namespace, pod), filled from what the store holds.
    pub fn new(
        title: impl Into<String>,
        pods: &[(String, String)],
        store: &LogStore,
        intel: &LogIntel,
    ) -> LogViewer {
        let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (ns, p) in pods {
            map.entry(ns.clone()).or_default().insert(p.clone());
        }
        let mut v = LogViewer {
            title: title.into(),
            pods: map,
            entries: VecDeque::new(),
            scanned: 0,
            cursor: 0,
            follow: true,
            wrap: false,
            timestamps: false,
            fold: true,
            include: None,
            exclude: None,
            hit: None,
        };
        v.rebuild(store, intel);
        v
    }

    /// Recompute the shown lines from scratch (after a filter change).
    pub fn rebuild(&mut self, store: &LogStore, intel: &LogIntel) {
        let at = self.entries.get(self.cursor).copied();
        self.entries.clear();
        self.scanned = store.dropped;
        self.extend(store, intel);
        if !self.follow
            && let Some(at) = at
        {
            self.cursor = self.entries.partition_point(|&s| s < at);
            self.clamp();
        }
    }

    /// Take in the lines that arrived since the last call and forget dropped ones.
    pub fn extend(&mut self, store: &LogStore, intel: &LogIntel) {
        let front = store.dropped;
        while self.entries.front().is_some_and(|&s| s < front) {
            self.entries.pop_front();
            self.cursor = self.cursor.saturating_sub(1);
        }
        let total = front + store.lines().len() as u64;
        if self.scanned > total {
            // The store was replaced.
            self.entries.clear();
            self.scanned = front;
        }
        for seq in self.scanned.max(front)..total {
            let Some(l) = store.lines().get((seq - front) as usize) else {
                break;
            };
            if !self
                .pods
                .get(&l.namespace)
                .is_some_and(|s| s.contains(&l.pod))
            {
                continue;
            }
            if self.fold && intel.meta(seq).is_some_and(|m| m.kind == LineKind::RetCode) {
                continue;
            }
            if self
                .include
                .as_ref()
                .is_some_and(|p| !p.re.is_match(&l.line))
                || self
                    .exclude
                    .as_ref()
                    .is_some_and(|p| p.re.is_match(&l.line))
            {
                continue;
            }
            self.entries.push_back(seq);
        }
        self.scanned = total;
        if self.follow {
            self.cursor = self.entries.len().saturating_sub(1);
        }
        self.clamp();
    }

    fn clamp(&mut self) {
        self.cursor = self.cursor.min(self.entries.len().saturating_sub(1));
    }

    /// Move the cursor; moving up leaves follow mode.
    pub fn move_by(&mut self, delta: isize) {
        let to = (self.cursor as isize + delta).max(0) as usize;
        if delta < 0 {
            self.follow = false;
        }
        self.cursor = to;
        self.clamp();
    }

    pub fn to_top(&mut self) {
        self.follow = false;
        self.cursor = 0;
    }

    pub fn to_bottom(&mut self) {
        self.cursor = self.entries.len().saturating_sub(1);
    }

    /// The store line at entry `i`.
    pub fn line<'a>(&self, store: &'a LogStore, i: usize) -> Option<&'a crate::domain::LogLine> {
        let seq = *self.entries.get(i)?;
        store
            .lines()
            .get(usize::try_from(seq.checked_sub(store.dropped)?).ok()?)
    }

    /// Move to the next (or previous) line matching `re`, wrapping around, and note where it
    /// landed in `hit` (its `needle` is the regex; the caller may put the typed text there).
    /// Returns whether one was found.
    pub fn search(&mut self, store: &LogStore, re: &Regex, forward: bool) -> bool {
        let matches: Vec<usize> = (0..self.entries.len())
            .filter(|&i| self.line(store, i).is_some_and(|l| re.is_match(&l.line)))
            .collect();
        let (Some(&first), Some(&last)) = (matches.first(), matches.last()) else {
            self.hit = None;
            return false;
        };
        let (at, wrapped) = if forward {
            match matches.iter().find(|&&i| i > self.cursor) {
                Some(&i) => (i, false),
                None => (first, true),
            }
        } else {
            match matches.iter().rev().find(|&&i| i < self.cursor) {
                Some(&i) => (i, false),
                None => (last, true),
            }
        };
        self.follow = false;
        self.cursor = at;
        self.hit = Some(SearchHit {
            needle: re.as_str().to_string(),
            index: matches.partition_point(|&i| i < at) + 1,
            count: matches.len(),
            wrapped,
        });
        true
    }

    /// Move to the first error line (or, failing that, the first warning).
    pub fn jump_first_error(&mut self, intel: &LogIntel) -> bool {
        let kind_at = |s: &u64| intel.meta(*s).map(|m| m.kind);
        let pos = self
            .entries
            .iter()
            .position(|s| kind_at(s) == Some(LineKind::Error))
            .or_else(|| {
                self.entries
                    .iter()
                    .position(|s| kind_at(s) == Some(LineKind::Warn))
            });
        if let Some(p) = pos {
            self.follow = false;
            self.cursor = p;
        }
        pos.is_some()
    }

    /// The shown lines as text (for saving), with times when timestamps are on.
    pub fn text(&self, store: &LogStore) -> String {
        let mut out = String::new();
        for i in 0..self.entries.len() {
            let Some(l) = self.line(store, i) else {
                continue;
            };
            if self.timestamps {
                out.push_str(&stamp(l.at_ms));
                out.push(' ');
            }
            if self.pods.values().map(BTreeSet::len).sum::<usize>() > 1 {
                out.push_str(&l.pod);
                out.push_str(" | ");
            }
            out.push_str(&l.line);
            out.push('\n');
        }
        out
    }
}

/// Event time as `HH:MM:SS.mmm` UTC.
pub fn stamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.format("%H:%M:%S%.3f").to_string())
        .unwrap_or_else(|| "--:--:--.---".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LogLine;

    fn store(lines: &[(&str, &str)]) -> LogStore {
        let mut s = LogStore::default();
        for (i, (pod, line)) in lines.iter().enumerate() {
            s.push(LogLine {
                at_ms: i as i64,
                namespace: "ml".into(),
                pod: pod.to_string(),
                container: "c".into(),
                line: line.to_string(),
            });
        }
        s
    }

    #[test]
    fn shows_only_its_pods_folds_retcodes_and_filters() {
        let s = store(&[
            ("a", "h:1:1 [0] x.cc:1 NCCL WARN bad"),
            ("a", "h:1:1 [0] NCCL INFO x.cc:2 -> 2"),
            ("b", "other pod"),
            ("a", "step 1"),
            ("a", "step 2 error here"),
        ]);
        let mut intel = LogIntel::default();
        intel.ingest(
            &s,
            crate::settings::rules::Rules::builtin().map(|r| &r.signatures),
        );
        let pods = [("ml".to_string(), "a".to_string())];
        let mut v = LogViewer::new("a", &pods, &s, &intel);
        assert_eq!(v.entries, [0, 3, 4]);
        assert_eq!(v.cursor, 2, "follow starts at the end");
        v.exclude = Some(Pattern::new("step 2").expect("regex"));
        v.rebuild(&s, &intel);
        assert_eq!(v.entries, [0, 3]);
        v.exclude = None;
        v.include = Some(Pattern::new("^step").expect("regex"));
        v.rebuild(&s, &intel);
        assert_eq!(v.entries, [3, 4]);
        assert!(Pattern::new("(").is_err());
    }

    #[test]
    fn search_wraps_and_jump_finds_the_first_error() {
        let s = store(&[
            ("a", "one"),
            ("a", "Traceback (most recent call last):"),
            ("a", "two MATCH"),
            ("a", "three match"),
        ]);
        let mut intel = LogIntel::default();
        intel.ingest(
            &s,
            crate::settings::rules::Rules::builtin().map(|r| &r.signatures),
        );
        let mut v = LogViewer::new("a", &[("ml".into(), "a".into())], &s, &intel);
        let re = search_regex("match").expect("re");
        assert!(v.search(&s, &re, true));
        assert_eq!(v.cursor, 2, "wraps from the end to the first match");
        assert!(!v.follow);
        let hit = v.hit.clone().expect("a hit");
        assert_eq!((hit.index, hit.count, hit.wrapped), (1, 2, true));
        assert!(v.search(&s, &re, false));
        assert_eq!(v.cursor, 3);
        let hit = v.hit.clone().expect("a hit");
        assert_eq!((hit.index, hit.count, hit.wrapped), (2, 2, true));
        assert!(v.search(&s, &re, true));
        assert_eq!(v.cursor, 2, "wraps again");
        v.cursor = 0;
        assert!(v.search(&s, &re, true));
        let hit = v.hit.clone().expect("a hit");
        assert_eq!((hit.index, hit.count, hit.wrapped), (1, 2, false));
        assert!(v.jump_first_error(&intel));
        assert_eq!(v.cursor, 1);
        assert!(!v.search(&s, &search_regex("absent").expect("re"), true));
        assert!(v.text(&s).contains("three match\n"));
    }
}
