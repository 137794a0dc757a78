//! Key names as written in keymap files ("j", "ctrl-d", "shift-Tab", "F5"): parsed into
//! `KeySpec`s, matched against key events and labelled for help and hints.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key name that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown key {0:?}")]
pub struct KeyError(pub String);

/// One key with its modifiers, as written in the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    /// Parse "j", "G", "ctrl-d", "Tab", "shift-Up", "F5", "Space" ... Named keys are
    /// case-insensitive ("tab", "pageup"), so every `label` parses back to the same key.
    pub fn parse(text: &str) -> Result<KeySpec, KeyError> {
        let unknown = || KeyError(text.to_string());
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
