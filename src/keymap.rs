//! The keymap: keys bound to named actions, loaded from `assets/keymap.toml` (embedded) with the
//! user's file merged over it. Resolves key presses for the reducer and lists bindings for the
//! help overlay and footer.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use crate::action::Action;

/// The embedded default keymap.
pub const DEFAULT_KEYMAP: &str = include_str!("../assets/keymap.toml");

/// One key with its modifiers, as written in the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    /// Parse "j", "G", "ctrl-d", "Tab", "F5", "Space" ...
    pub fn parse(text: &str) -> Result<KeySpec, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "PageUp" => KeyCode::PageUp,
            "PageDown" => KeyCode::PageDown,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "Space" => KeyCode::Char(' '),
            "Backspace" => KeyCode::Backspace,
            f if f.starts_with('F') && f.len() > 1 => match f[1..].parse::<u8>() {
                Ok(n) if (1..=12).contains(&n) => KeyCode::F(n),
                _ => return Err(format!("unknown key {text:?}")),
            },
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => return Err(format!("unknown key {text:?}")),
        };
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
    keys: Vec<String>,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    hint: Option<bool>,
}

impl Keymap {
    /// The embedded default keymap.
    pub fn embedded() -> Result<Keymap, String> {
        Keymap::default().merged(DEFAULT_KEYMAP, "assets/keymap.toml")
    }

    /// Merge a keymap file over this one: a binding for an action replaces its keys. Errors name
    /// the file and the offending entry; key conflicts are errors too.
    pub fn merged(&self, text: &str, origin: &str) -> Result<Keymap, String> {
        let raw: RawKeymap =
            toml::from_str(text).map_err(|e| format!("{origin}: {}", e.message()))?;
        let mut out = self.clone();
        for (i, rb) in raw.bind.into_iter().enumerate() {
            let action = Action::from_name(&rb.action).ok_or_else(|| {
                format!("{origin}: bind #{}: unknown action {:?}", i + 1, rb.action)
            })?;
            let keys = rb
                .keys
                .iter()
                .map(|k| KeySpec::parse(k))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{origin}: bind #{} ({}): {e}", i + 1, rb.action))?;
            match out.bindings.iter_mut().find(|b| b.action == action) {
                Some(b) => {
                    b.keys = keys;
                    if let Some(d) = rb.desc {
                        b.desc = d;
                    }
                    if let Some(h) = rb.hint {
                        b.hint = h;
                    }
                }
                None => out.bindings.push(Binding {
                    action,
                    keys,
                    desc: rb.desc.unwrap_or_else(|| action.name().replace('_', " ")),
                    hint: rb.hint.unwrap_or(false),
                }),
            }
        }
        let conflicts = out.conflicts();
        if !conflicts.is_empty() {
            return Err(format!("{origin}: {}", conflicts.join("; ")));
        }
        Ok(out)
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
