//! The keymap: keys bound to named actions, loaded from `assets/keymap.toml` (embedded) with the
//! user's file merged over it. Resolves key presses for the reducer and lists bindings for the
//! help overlay and footer.
//!
//! A user binding wins: a key the user gives to one action is taken away from the default action
//! that had it, and that loss is reported as a warning (as k9s and yazi do). A key given to two
//! actions in the same file is an error naming the key and both actions.

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use crate::contract::action::Action;

/// The embedded default keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// One key with its modifiers, as written in the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    /// Parse "j", "G", "ctrl-d", "Tab", "shift-Up", "F5", "Space" ... Named keys are
    /// case-insensitive ("tab", "pageup"), so every `label` parses back to the same key.
    pub fn parse(text: &str) -> Result<KeySpec, String> {
        let unknown = || format!("unknown key {text:?}");
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") && rest.len() > 5 {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() => {
                mods -= KeyModifiers::SHIFT;
                KeyCode::Char(c.to_ascii_uppercase())
            }
            (Some(c), None) if !mods.contains(KeyModifiers::SHIFT) => KeyCode::Char(c),
            (Some(_), None) | (None, _) => return Err(unknown()),
            _ => named_key(&rest.to_ascii_lowercase()).ok_or_else(unknown)?,
        };
        // Shift-Tab is BackTab, and BackTab carries its shift (as crossterm reports it).
        let code = match (code, mods.contains(KeyModifiers::SHIFT)) {
            (KeyCode::Tab, true) => KeyCode::BackTab,
            (code, _) => code,
        };
        if code == KeyCode::BackTab {
            mods -= KeyModifiers::SHIFT;
        }
        Ok(KeySpec { code, mods })
    }

    /// Whether a key event is this key. Shift is ignored for characters (the char carries it).
    pub fn matches(&self, key: &KeyEvent) -> bool {
        let mods = if matches!(key.code, KeyCode::Char(_) | KeyCode::BackTab) {
            key.modifiers - KeyModifiers::SHIFT
        } else {
            key.modifiers
        };
        key.code == self.code && mods == self.mods
    }

    /// How the key is shown in help and hints.
    pub fn label(&self) -> String {
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            s.push_str("shift-");
        }
        match self.code {
            KeyCode::Char(' ') => s.push_str("space"),
            KeyCode::Char(c) => s.push(c),
            KeyCode::F(n) => s.push_str(&format!("F{n}")),
            KeyCode::BackTab => s.push_str("shift-tab"),
            other => s.push_str(&format!("{other:?}").to_lowercase()),
        }
        s
    }
}

/// A named (multi-letter) key, lowercase.
fn named_key(name: &str) -> Option<KeyCode> {
    Some(match name {
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" => KeyCode::Delete,
        "insert" => KeyCode::Insert,
        f if f.starts_with('f') => match f[1..].parse::<u8>() {
            Ok(n) if (1..=12).contains(&n) => KeyCode::F(n),
            _ => return None,
        },
        _ => return None,
    })
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
    pub fn embedded() -> Result<Keymap, String> {
        Keymap::default().merged(DEFAULT_KEYMAP, "assets/keymap.toml")
    }

    /// The embedded keymap with `<config_dir>/keymap.toml` merged over it when that file
    /// exists. Warnings (default bindings that lost a key to the user's file) are logged; use
    /// `load_reporting` to show them.
    pub fn load(config_dir: Option<&Path>) -> Result<Keymap, String> {
        let (keymap, warnings) = Keymap::load_reporting(config_dir)?;
        for w in &warnings {
            tracing::warn!("{w}");
        }
        Ok(keymap)
    }

    /// `load`, returning the warnings instead of logging them.
    pub fn load_reporting(config_dir: Option<&Path>) -> Result<(Keymap, Vec<String>), String> {
        let base = Keymap::embedded()?;
        let Some(path) = config_dir.map(|d| d.join("keymap.toml")) else {
            return Ok((base, Vec::new()));
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => base.with_user(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((base, Vec::new())),
            Err(e) => Err(format!("{}: cannot read it: {e}", path.display())),
        }
    }

    /// Merge a keymap file over this one, strictly: a binding for an action replaces its keys,
    /// and any key left bound to two actions is an error. Used for the embedded defaults.
    pub fn merged(&self, text: &str, origin: &str) -> Result<Keymap, String> {
        let mut out = self.clone();
        for e in parse_entries(text, origin)? {
            out.apply(e);
        }
        let conflicts = out.conflicts();
        if !conflicts.is_empty() {
            return Err(format!("{origin}: {}", conflicts.join("; ")));
        }
        Ok(out)
    }

    /// Merge a user's keymap file over this one. The user's bindings win: a key they bind is
    /// removed from whatever other action had it, with a warning. Errors: bad TOML (with its
    /// line), unknown action or key, an action bound twice, a key bound to two actions in the
    /// file.
    pub fn with_user(&self, text: &str, origin: &str) -> Result<(Keymap, Vec<String>), String> {
        let entries = parse_entries(text, origin)?;
        let mut claimed: Vec<(KeySpec, Action)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(j) = entries[..i].iter().position(|p| p.action == e.action) {
                return Err(format!(
                    "{origin}: action {:?} is bound twice (bind #{} and #{})",
                    e.action.name(),
                    j + 1,
                    i + 1
                ));
            }
            for k in e.keys.iter().flatten() {
                match claimed.iter().find(|(c, _)| c == k) {
                    Some((_, other)) if *other != e.action => {
                        return Err(format!(
                            "{origin}: key {:?} is bound to both {} and {}",
                            k.label(),
                            other.name(),
                            e.action.name()
                        ));
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
        let conflicts = out.conflicts();
        if !conflicts.is_empty() {
            return Err(format!("{origin}: {}", conflicts.join("; ")));
        }
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

/// Parse a keymap file into entries; errors name `origin`, the entry and the bad value.
fn parse_entries(text: &str, origin: &str) -> Result<Vec<Entry>, String> {
    let raw: RawKeymap =
        toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim_end()))?;
    let mut out = Vec::with_capacity(raw.bind.len());
    for (i, rb) in raw.bind.into_iter().enumerate() {
        let action = Action::from_name(&rb.action).ok_or_else(|| {
            let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
            format!(
                "{origin}: bind #{}: unknown action {:?} (actions: {})",
                i + 1,
                rb.action,
                names.join(", ")
            )
        })?;
        let keys = match rb.keys {
            None => None,
            Some(list) => {
                let mut keys: Vec<KeySpec> = Vec::with_capacity(list.len());
                for k in &list {
                    let spec = KeySpec::parse(k)
                        .map_err(|e| format!("{origin}: bind #{} ({}): {e}", i + 1, rb.action))?;
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
