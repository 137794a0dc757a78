//! Action: the named user intents. The keymap (`assets/keymap.toml`) binds keys to these names,
//! and the help overlay and footer hints are generated from that table.

use serde::{Deserialize, Serialize};

/// A user intent, named as in the keymap file (`snake_case`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    FocusNodes,
    FocusTraining,
    FocusServing,
    FocusTriage,
    FocusEvents,
    FocusLog,
    Zoom,
    Filter,
    Command,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Select,
    Back,
    ReplayPause,
    ReplayFaster,
    ReplaySlower,
    ReplayStart,
    ReplayEnd,
    ReplayStep,
}

impl Action {
    /// Every action, in help-overlay order.
    pub const ALL: &'static [Action] = &[
        Action::Help,
        Action::Quit,
        Action::FocusNext,
        Action::FocusPrev,
        Action::FocusNodes,
        Action::FocusTraining,
        Action::FocusServing,
        Action::FocusTriage,
        Action::FocusEvents,
        Action::FocusLog,
        Action::Zoom,
        Action::Filter,
        Action::Command,
        Action::Up,
        Action::Down,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::Select,
        Action::Back,
        Action::ReplayPause,
        Action::ReplayFaster,
        Action::ReplaySlower,
        Action::ReplayStart,
        Action::ReplayEnd,
        Action::ReplayStep,
    ];

    /// The keymap name of this action.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::FocusNext => "focus_next",
            Action::FocusPrev => "focus_prev",
            Action::FocusNodes => "focus_nodes",
            Action::FocusTraining => "focus_training",
            Action::FocusServing => "focus_serving",
            Action::FocusTriage => "focus_triage",
            Action::FocusEvents => "focus_events",
            Action::FocusLog => "focus_log",
            Action::Zoom => "zoom",
            Action::Filter => "filter",
            Action::Command => "command",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Select => "select",
            Action::Back => "back",
            Action::ReplayPause => "replay_pause",
            Action::ReplayFaster => "replay_faster",
            Action::ReplaySlower => "replay_slower",
            Action::ReplayStart => "replay_start",
            Action::ReplayEnd => "replay_end",
            Action::ReplayStep => "replay_step",
        }
    }

    /// Look an action up by its keymap name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}
