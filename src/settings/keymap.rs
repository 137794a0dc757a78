//! The keymap: keys bound to named actions, loaded from `assets/keymap.toml` (embedded) with the
//! user's file merged over it. Resolves key presses for the reducer and lists bindings for the
//! help overlay and footer.
//!
//! A user binding wins: a key the user gives to one action is taken away from the default action
//! that had it, and that loss is reported as a warning (as k9s and yazi do). A key given to two
//! actions in the same file is an error naming the key and both actions. Parses text only: the
//! user's file is read by `shell::settings_files`.

mod keys;

use crossterm::event::KeyEvent;
use serde::Deserialize;

use crate::contract::action::Action;

pub use keys::{KeyError, KeySpec};

/// The embedded default keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// A keymap file that cannot be used: the file, and what is wrong (naming the entry).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct KeymapError {
    pub file: String,
    pub problem: KeymapProblem,
}

/// What is wrong with a keymap file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapProblem {
    #[error("cannot read it: {0}")]
    Unreadable(String),
    /// Not TOML, or not the keymap's layout (the parser's message, with its line).
    #[error("{0}")]
    Syntax(String),
    #[error("bind #{index}: unknown action {action:?} (actions: {known})")]
    UnknownAction {
        index: usize,
        action: String,
        known: String,
    },
    #[error("bind #{index} ({action}): {key}")]
    BadKey {
        index: usize,
        action: String,
        key: KeyError,
    },
    #[error("action {action:?} is bound twice (bind #{first} and #{second})")]
    BoundTwice {
        action: String,
        first: usize,
        second: usize,
    },
    /// Keys bound to more than one action (`Keymap::conflicts`).
    #[error("{}", .0.join("; "))]
    Conflicts(Vec<String>),
}

/// One action and its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<KeySpec>,
    pub desc: String,
    pub hint: bool,
}

/// All bindings, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeymap {
    #[serde(default)]
    bind: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    action: String,
    #[serde(default)]
    keys: Option<Vec<String>>,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    hint: Option<bool>,
}

/// One parsed `[[bind]]` entry.
struct Entry {
    action: Action,
    keys: Option<Vec<KeySpec>>,
    desc: Option<String>,
    hint: Option<bool>,
}

impl Keymap {
    /// The embedded default keymap.
    pub fn embedded() -> Result<Keymap, KeymapError> {
        Keymap::default().merged(DEFAULT_KEYMAP, "assets/keymap.toml")
    }

    /// Merge a keymap file over this one, strictly: a binding for an action replaces its keys,
    /// and any key left bound to two actions is an error. Used for the embedded defaults.
    pub fn merged(&self, text: &str, origin: &str) -> Result<Keymap, KeymapError> {
        let mut out = self.clone();
        for e in parse_entries(text, origin)? {
            out.apply(e);
        }
        out.conflict_free(origin)?;
        Ok(out)
    }

    fn conflict_free(&self, origin: &str) -> Result<(), KeymapError> {
        let conflicts = self.conflicts();
        if conflicts.is_empty() {
            Ok(())
        } else {
            Err(problem(origin, KeymapProblem::Conflicts(conflicts)))
        }
    }

    /// Merge a user's keymap file over this one. The user's bindings win: a key they bind is
    /// removed from whatever other action had it, with a warning. Errors: bad TOML (with its
    /// line), unknown action or key, an action bound twice, a key bound to two actions in the
    /// file.
    pub fn with_user(
        &self,
        text: &str,
        origin: &str,
    ) -> Result<(Keymap, Vec<String>), KeymapError> {
        let entries = parse_entries(text, origin)?;
        let mut claimed: Vec<(KeySpec, Action)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(j) = entries[..i].iter().position(|p| p.action == e.action) {
                return Err(problem(
                    origin,
                    KeymapProblem::BoundTwice {
                        action: e.action.name().to_string(),
                        first: j + 1,
                        second: i + 1,
                    },
                ));
            }
            for k in e.keys.iter().flatten() {
                match claimed.iter().find(|(c, _)| c == k) {
                    Some((_, other)) if *other != e.action => {
                        let both = format!(
                            "key {:?} is bound to both {} and {}",
                            k.label(),
                            other.name(),
                            e.action.name()
                        );
                        return Err(problem(origin, KeymapProblem::Conflicts(vec![both])));
                    }
                    Some(_) => {}
                    None => claimed.push((*k, e.action)),
                }
            }
        }
        let mut out = self.clone();
        let mut warnings = Vec::new();
        for (key, action) in &claimed {
            for b in out.bindings.iter_mut().filter(|b| b.action != *action) {
                if b.keys.contains(key) && !claimed.iter().any(|(_, a)| *a == b.action) {
                    b.keys.retain(|k| k != key);
                    let left = if b.keys.is_empty() {
                        " and now has no key".to_string()
                    } else {
                        format!(" (still on {})", Keymap::keys_label(b))
                    };
                    warnings.push(format!(
                        "{origin}: key {:?} now runs {}, so {} lost it{left}",
                        key.label(),
                        action.name(),
                        b.action.name()
                    ));
                }
            }
        }
        for e in entries {
            out.apply(e);
        }
        out.conflict_free(origin)?;
        Ok((out, warnings))
    }

    fn apply(&mut self, e: Entry) {
        match self.bindings.iter_mut().find(|b| b.action == e.action) {
            Some(b) => {
                if let Some(keys) = e.keys {
                    b.keys = keys;
                }
                if let Some(d) = e.desc {
                    b.desc = d;
                }
                if let Some(h) = e.hint {
                    b.hint = h;
                }
            }
            None => self.bindings.push(Binding {
                action: e.action,
                keys: e.keys.unwrap_or_default(),
                desc: e.desc.unwrap_or_else(|| e.action.name().replace('_', " ")),
                hint: e.hint.unwrap_or(false),
            }),
        }
    }

    /// Keys bound to more than one action, described.
    pub fn conflicts(&self) -> Vec<String> {
        let mut seen: Vec<(KeySpec, Action)> = Vec::new();
        let mut out = Vec::new();
        for b in &self.bindings {
            for k in &b.keys {
                if let Some((_, other)) = seen.iter().find(|(s, _)| s == k) {
                    out.push(format!(
                        "key {:?} is bound to both {} and {}",
                        k.label(),
                        other.name(),
                        b.action.name()
                    ));
                } else {
                    seen.push((*k, b.action));
                }
            }
        }
        out
    }

    /// The action a key press runs, if any.
    pub fn resolve(&self, key: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|b| b.keys.iter().any(|k| k.matches(key)))
            .map(|b| b.action)
    }

    /// The binding of an action, if it has one.
    pub fn binding(&self, action: Action) -> Option<&Binding> {
        self.bindings.iter().find(|b| b.action == action)
    }

    /// Footer hints: (keys, description) of the bindings marked `hint`.
    pub fn hints(&self) -> Vec<(String, String)> {
        self.bindings
            .iter()
            .filter(|b| b.hint && !b.keys.is_empty())
            .map(|b| (Self::keys_label(b), b.desc.clone()))
            .collect()
    }

    /// "j/Down" style label for a binding's keys.
    pub fn keys_label(b: &Binding) -> String {
        b.keys
            .iter()
            .map(KeySpec::label)
            .collect::<Vec<_>>()
            .join("/")
    }
}

fn problem(origin: &str, problem: KeymapProblem) -> KeymapError {
    KeymapError {
        file: origin.to_string(),
        problem,
    }
}

/// Parse a keymap file into entries; errors name `origin`, the entry and the bad value.
fn parse_entries(text: &str, origin: &str) -> Result<Vec<Entry>, KeymapError> {
    let raw: RawKeymap = toml::from_str(text).map_err(|e| {
        problem(
            origin,
            KeymapProblem::Syntax(e.to_string().trim_end().to_string()),
        )
    })?;
    let mut out = Vec::with_capacity(raw.bind.len());
    for (i, rb) in raw.bind.into_iter().enumerate() {
        let action = Action::from_name(&rb.action).ok_or_else(|| {
            let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
            problem(
                origin,
                KeymapProblem::UnknownAction {
                    index: i + 1,
                    action: rb.action.clone(),
                    known: names.join(", "),
                },
            )
        })?;
        let keys = match rb.keys {
            None => None,
            Some(list) => {
                let mut keys: Vec<KeySpec> = Vec::with_capacity(list.len());
                for k in &list {
                    let spec = KeySpec::parse(k).map_err(|key| {
                        let action = rb.action.clone();
                        problem(
                            origin,
                            KeymapProblem::BadKey {
                                index: i + 1,
                                action,
                                key,
                            },
                        )
                    })?;
                    if !keys.contains(&spec) {
                        keys.push(spec);
                    }
                }
                Some(keys)
            }
        };
        out.push(Entry {
            action,
            keys,
            desc: rb.desc,
            hint: rb.hint,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
