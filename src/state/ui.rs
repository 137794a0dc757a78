//! UI state: which pane has focus, zoom, the filter and command line, per-pane selection, the
//! help overlay and the notice area (a notice on a topic replaces the older one on it, and a
//! warning is marked resolved, and leaves the notice line, when what it warned about is fine
//! again). Pure data; the reducer in `state/mod.rs` changes it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::contract::event::NoticeLevel;
use crate::domain::Millis;

/// The cockpit's panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Pane {
    #[default]
    Nodes,
    Training,
    Serving,
    Triage,
    Events,
    Log,
}

impl Pane {
    pub const ALL: [Pane; 6] = [
        Pane::Nodes,
        Pane::Training,
        Pane::Serving,
        Pane::Triage,
        Pane::Events,
        Pane::Log,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Nodes => "Nodes",
            Pane::Training => "Training",
            Pane::Serving => "Serving",
            Pane::Triage => "Triage",
            Pane::Events => "Events",
            Pane::Log => "Log",
        }
    }

    /// Parse a pane name as typed on the command line (`:nodes`, `:ev` ...).
    pub fn from_command(s: &str) -> Option<Pane> {
        let s = s.to_ascii_lowercase();
        if s.is_empty() {
            return None;
        }
        Pane::ALL
            .into_iter()
            .find(|p| p.title().to_ascii_lowercase().starts_with(&s))
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        Pane::ALL[(self.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }
}

/// What keystrokes currently mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputMode {
    #[default]
    Normal,
    /// Typing a `/` filter for the focused pane.
    Filter,
    /// Typing a `:` command.
    Command,
}

/// A message for the notice area.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub level: NoticeLevel,
    pub text: String,
    pub at_ms: Millis,
    /// What it is about (`source:prometheus`, `file:<path>` ...): a newer notice on the same
    /// topic replaces it.
    pub topic: Option<String>,
    /// When what it warned about was fine again (a source healthy after being unreachable).
    pub resolved_ms: Option<Millis>,
}

/// A pane's sort order: column index (taken modulo the pane's sortable columns) and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SortSpec {
    pub column: usize,
    pub reverse: bool,
}

/// How many notices are kept.
pub const MAX_NOTICES: usize = 50;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct UiState {
    pub focus: Pane,
    pub zoom: bool,
    pub help: bool,
    pub mode: InputMode,
    /// Text being typed in filter or command mode.
    pub input: String,
    /// Active filter per pane (case-insensitive substring).
    pub filters: BTreeMap<Pane, String>,
    /// Selected row per pane (clamped by the view when drawn).
    pub selected: BTreeMap<Pane, usize>,
    pub notices: VecDeque<Notice>,
    /// Panes showing the drill-down of their selected row (Enter opens, Esc closes).
    pub drilled: BTreeSet<Pane>,
    /// Sort column and direction per pane (`s` / `S`); each pane reads `column` modulo its
    /// sortable columns.
    pub sort: BTreeMap<Pane, SortSpec>,
    pub width: u16,
    pub height: u16,
    /// The cursor inside a pane's drill-down: the drilled row's name and the index of the
    /// selected item in it (a cursor left from another row reads as 0).
    pub detail_cursor: BTreeMap<Pane, (String, usize)>,
}

impl UiState {
    pub fn selected(&self, pane: Pane) -> usize {
        self.selected.get(&pane).copied().unwrap_or(0)
    }

    pub fn drilled(&self, pane: Pane) -> bool {
        self.drilled.contains(&pane)
    }

    /// The drill-down cursor of `pane` when its drilled row is `of` (else 0), unclamped.
    pub fn detail_cursor(&self, pane: Pane, of: &str) -> usize {
        match self.detail_cursor.get(&pane) {
            Some((row, i)) if row == of => *i,
            _ => 0,
        }
    }

    pub fn sort(&self, pane: Pane) -> SortSpec {
        self.sort.get(&pane).copied().unwrap_or_default()
    }

    pub fn filter(&self, pane: Pane) -> &str {
        self.filters.get(&pane).map(String::as_str).unwrap_or("")
    }

    pub fn notify(&mut self, level: NoticeLevel, text: impl Into<String>, at_ms: Millis) {
        self.push(Notice {
            level,
            text: text.into(),
            at_ms,
            topic: None,
            resolved_ms: None,
        });
    }

    /// A notice on `topic`, replacing any older one on it.
    pub fn notify_on(
        &mut self,
        topic: &str,
        level: NoticeLevel,
        text: impl Into<String>,
        at_ms: Millis,
    ) {
        self.notices.retain(|n| n.topic.as_deref() != Some(topic));
        self.push(Notice {
            level,
            text: text.into(),
            at_ms,
            topic: Some(topic.to_string()),
            resolved_ms: None,
        });
    }

    /// Mark the open warnings and errors on `topic` resolved at `at_ms`.
    pub fn resolve(&mut self, topic: &str, at_ms: Millis) {
        for n in self.notices.iter_mut().filter(|n| {
            n.topic.as_deref() == Some(topic)
                && n.level != NoticeLevel::Info
                && n.resolved_ms.is_none()
        }) {
            n.resolved_ms = Some(at_ms);
        }
    }

    fn push(&mut self, n: Notice) {
        self.notices.push_back(n);
        while self.notices.len() > MAX_NOTICES {
            self.notices.pop_front();
        }
    }

    /// Move the focused pane's selection by `delta` rows (never below zero).
    pub fn move_selection(&mut self, delta: isize) {
        let cur = self.selected(self.focus) as isize;
        self.selected
            .insert(self.focus, (cur + delta).max(0) as usize);
    }
}
