//! Effect: the I/O that `update()` asks for, as data. The runner in `app.rs` carries effects out
//! and answers with `Msg`s; the reducer itself never touches a file, socket or clock.

use crate::domain::Millis;

/// A command for the replay source's virtual clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayCmd {
    TogglePause,
    Faster,
    Slower,
    JumpStart,
    JumpEnd,
    Step,
    /// Move to this offset from the start (backwards replays from the start).
    Seek(Millis),
}

/// I/O requested by the reducer.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Leave the program (the runner restores the terminal).
    Quit,
    /// Move the replay clock.
    Replay(ReplayCmd),
    /// Put text on the user's clipboard (OSC 52).
    CopyToClipboard(String),
    /// Write a file (reports, evidence, saved logs); the runner answers with a notice.
    WriteFile { path: String, contents: String },
    /// Re-point the live cluster sources (`:ctx`, `:ns`); the runner restarts them.
    Live(LiveCmd),
}

/// A command for the live cluster sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveCmd {
    /// Switch to another kubeconfig context (keeping the namespace scope).
    Context(String),
    /// Watch one namespace, or all of them (`None`).
    Namespace(Option<String>),
}
