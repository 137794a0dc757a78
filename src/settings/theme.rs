//! Themes: semantic style roles compiled once from `themes/*.toml` into ratatui `Style`s. This is
//! the only module that names colours; widgets ask for a role (`theme.crit`, `theme.selected`).
//!
//! A theme file has one table per role (`[crit]`) with optional `fg`, `bg` and `modifiers`. A role
//! that is given is taken as written; a role that is left out comes from the theme named by the
//! optional top-level `extends` (a built-in), or from `default`. Parses text only:
//! `shell::settings_files::theme` finds and reads the theme asked for at start-up, and falls back
//! to the default with a warning when it is bad or missing.

use std::path::Path;

use ratatui::style::{Color, Modifier, Style};

use crate::domain::severity::Severity;
/// A theme file that cannot be used: the file, and what is wrong (naming the role).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct ThemeError {
    pub file: String,
    pub problem: ThemeProblem,
}

/// What is wrong with a theme file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeProblem {
    #[error("cannot read it: {0}")]
    Unreadable(String),
    /// Not TOML (the parser's message, with its line).
    #[error("{0}")]
    Syntax(String),
    #[error("extends: unknown built-in theme {name:?} (built-ins: {builtins})")]
    UnknownBase { name: String, builtins: String },
    #[error("extends must be a theme name, not {0}")]
    BaseNotName(String),
    #[error("role {role:?}: {error}")]
    Role { role: String, error: RoleError },
    #[error("unknown role {role:?} (roles: {roles})")]
    UnknownRole { role: String, roles: String },
}

/// What is wrong with one role's table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("expected a table like {{ fg = \"red\" }}, found {0}")]
    NotTable(String),
    #[error("{key} must be a string, not {found}")]
    NotString { key: String, found: String },
    #[error("{key}: {error}")]
    Colour { key: String, error: ColorError },
    #[error("modifiers must be a list like [\"bold\"], not {0}")]
    ModifiersNotList(String),
    #[error("modifiers: expected names, found {0}")]
    ModifierNotName(String),
    #[error("unknown modifier {name:?} (modifiers: {names})")]
    UnknownModifier { name: String, names: String },
    #[error("unknown field {0:?} (expected fg, bg, modifiers)")]
    UnknownField(String),
}

/// A colour that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad colour {text:?}: {why} (use a name like \"light_blue\", \"#rrggbb\" or \"indexed:208\")"
)]
pub struct ColorError {
    pub text: String,
    pub why: &'static str,
}

/// The built-in themes, by name. The first is the default.
pub const BUILTIN: &[&str] = &["default", "light", "high-contrast", "colorblind"];

const BUILTIN_TEXT: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

/// Declares the `Theme` struct and, from the same list, the role names and accessors, so the
/// file format and the struct can never drift apart.
macro_rules! theme_roles {
    ($($(#[doc = $doc:expr])* $role:ident,)*) => {
        /// Every style role the UI uses.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            /// The theme's name (built-in name or user file stem).
            pub name: String,
            $($(#[doc = $doc])* pub $role: Style,)*
        }

        /// Every role name, as written in theme files.
        pub const ROLES: &[&str] = &[$(stringify!($role)),*];

        impl Theme {
            /// The style of a role, by its name in theme files.
            pub fn role(&self, name: &str) -> Option<Style> {
                match name {
                    $(stringify!($role) => Some(self.$role),)*
                    _ => None,
                }
            }

            fn role_mut(&mut self, name: &str) -> Option<&mut Style> {
                match name {
                    $(stringify!($role) => Some(&mut self.$role),)*
                    _ => None,
                }
            }
        }
    };
}

theme_roles! {
    /// Ordinary text.
    base,
    /// Secondary text (ages, units, help descriptions).
    dim,
    /// Pane titles.
    title,
    /// Pane borders.
    border,
    /// The border of the focused pane.
    border_focus,
    /// The header bar.
    header,
    /// The DEMO · READ-ONLY badge.
    badge_readonly,
    /// The badge when writes are allowed.
    badge_write,
    /// Healthy values.
    ok,
    /// Values that need a look.
    warn,
    /// Values that need action now.
    crit,
    /// Neutral information.
    info,
    /// The selected row.
    selected,
    /// Search / filter matches.
    highlight,
    /// A value past its objective.
    breach,
    /// Sparklines.
    sparkline,
    /// Gauges and bars.
    gauge,
    /// Table header rows.
    table_header,
    /// Keys in the help overlay and footer.
    key,
    /// The replay timeline.
    timeline,
    /// The cursor on the replay timeline.
    timeline_cursor,
}

impl Theme {
    /// The style of a severity: the one place a severity becomes a colour.
    pub fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Critical => self.crit,
            Severity::Warning => self.warn,
            Severity::Info => self.info,
        }
    }

    /// The style of an optional severity: none is `ok`.
    pub fn severity_or_ok(&self, s: Option<Severity>) -> Style {
        s.map_or(self.ok, |s| self.severity(s))
    }

    /// A theme with no colours at all (for `NO_COLOR`): roles differ only by modifiers.
    pub fn plain() -> Theme {
        let s = Style::default();
        let bold = s.add_modifier(Modifier::BOLD);
        Theme {
            name: "plain".to_string(),
            base: s,
            dim: s.add_modifier(Modifier::DIM),
            title: bold,
            border: s,
            border_focus: bold,
            header: s.add_modifier(Modifier::REVERSED),
            badge_readonly: bold.add_modifier(Modifier::REVERSED),
            badge_write: bold.add_modifier(Modifier::REVERSED | Modifier::SLOW_BLINK),
            ok: s,
            warn: bold,
            crit: bold.add_modifier(Modifier::UNDERLINED),
            info: s,
            selected: s.add_modifier(Modifier::REVERSED),
            highlight: bold.add_modifier(Modifier::UNDERLINED),
            breach: bold.add_modifier(Modifier::UNDERLINED),
            sparkline: s,
            gauge: s,
            table_header: bold,
            key: bold,
            timeline: s.add_modifier(Modifier::DIM),
            timeline_cursor: bold.add_modifier(Modifier::REVERSED),
        }
    }

    /// The built-in theme of that name (see `BUILTIN`).
    pub fn builtin(name: &str) -> Option<Theme> {
        let (_, text) = BUILTIN_TEXT.iter().find(|(n, _)| *n == name)?;
        let base = if name == BUILTIN[0] {
            Theme::plain()
        } else {
            Theme::builtin(BUILTIN[0]).unwrap_or_else(Theme::plain)
        };
        let mut theme = Theme::parse_over(base, text, &format!("themes/{name}.toml")).ok()?;
        theme.name = name.to_string();
        Some(theme)
    }

    /// The default theme (plain if the embedded file were ever unreadable; a test ensures not).
    pub fn default_theme() -> Theme {
        Theme::builtin(BUILTIN[0]).unwrap_or_else(Theme::plain)
    }

    /// Parse a theme file. Roles it leaves out come from its `extends` theme or the default.
    /// Errors name `origin`, the role and the bad value.
    pub fn from_toml(text: &str, origin: &str) -> Result<Theme, ThemeError> {
        let mut theme = Theme::parse_over(Theme::default_theme(), text, origin)?;
        theme.name = Path::new(origin)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| origin.to_string());
        Ok(theme)
    }

    fn parse_over(fallback: Theme, text: &str, origin: &str) -> Result<Theme, ThemeError> {
        let bad = |problem| ThemeError {
            file: origin.to_string(),
            problem,
        };
        let table: toml::Table =
            toml::from_str(text).map_err(|e| bad(ThemeProblem::Syntax(e.to_string())))?;
        let mut theme = match table.get("extends") {
            None => fallback,
            Some(toml::Value::String(name)) => Theme::builtin(name).ok_or_else(|| {
                bad(ThemeProblem::UnknownBase {
                    name: name.clone(),
                    builtins: BUILTIN.join(", "),
                })
            })?,
            Some(other) => {
                return Err(bad(ThemeProblem::BaseNotName(other.type_str().into())));
            }
        };
        for (role, spec) in &table {
            if role == "extends" {
                continue;
            }
            let style = parse_role(spec).map_err(|error| {
                let role = role.clone();
                bad(ThemeProblem::Role { role, error })
            })?;
            let slot = theme.role_mut(role).ok_or_else(|| {
                bad(ThemeProblem::UnknownRole {
                    role: role.clone(),
                    roles: ROLES.join(", "),
                })
            })?;
            *slot = style;
        }
        Ok(theme)
    }
}

/// Parse one role table: `{ fg = "...", bg = "...", modifiers = [...] }`.
fn parse_role(spec: &toml::Value) -> Result<Style, RoleError> {
    let toml::Value::Table(t) = spec else {
        return Err(RoleError::NotTable(spec.type_str().into()));
    };
    let mut style = Style::default();
    for (key, value) in t {
        match key.as_str() {
            "fg" | "bg" => {
                let toml::Value::String(text) = value else {
                    return Err(RoleError::NotString {
                        key: key.clone(),
                        found: value.type_str().into(),
                    });
                };
                let color = parse_color(text).map_err(|error| RoleError::Colour {
                    key: key.clone(),
                    error,
                })?;
                style = if key == "fg" {
                    style.fg(color)
                } else {
                    style.bg(color)
                };
            }
            "modifiers" => {
                let toml::Value::Array(items) = value else {
                    return Err(RoleError::ModifiersNotList(value.type_str().into()));
                };
                for item in items {
                    let toml::Value::String(name) = item else {
                        return Err(RoleError::ModifierNotName(item.type_str().into()));
                    };
                    style = style.add_modifier(parse_modifier(name)?);
                }
            }
            other => return Err(RoleError::UnknownField(other.to_string())),
        }
    }
    Ok(style)
}

const COLOR_NAMES: &[(&str, Color)] = &[
    ("reset", Color::Reset),
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("grey", Color::Gray),
    ("dark_gray", Color::DarkGray),
    ("dark_grey", Color::DarkGray),
    ("light_red", Color::LightRed),
    ("light_green", Color::LightGreen),
    ("light_yellow", Color::LightYellow),
    ("light_blue", Color::LightBlue),
    ("light_magenta", Color::LightMagenta),
    ("light_cyan", Color::LightCyan),
    ("white", Color::White),
];

/// Parse a colour: a name ("red", "light_blue", "reset"), "#rrggbb" or "indexed:N" (0-255).
pub fn parse_color(text: &str) -> Result<Color, ColorError> {
    let bad = |why| {
        Err(ColorError {
            text: text.to_string(),
            why,
        })
    };
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return bad("expected six hex digits after '#'");
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        return Ok(Color::Rgb(byte(0), byte(2), byte(4)));
    }
    if let Some(n) = text.strip_prefix("indexed:") {
        return match n.parse::<u8>() {
            Ok(i) => Ok(Color::Indexed(i)),
            Err(_) => bad("the index must be 0 to 255"),
        };
    }
    match COLOR_NAMES.iter().find(|(name, _)| *name == text) {
        Some((_, c)) => Ok(*c),
        None => bad("unknown colour name"),
    }
}

const MODIFIER_NAMES: &[(&str, Modifier)] = &[
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("slow_blink", Modifier::SLOW_BLINK),
    ("rapid_blink", Modifier::RAPID_BLINK),
    ("reversed", Modifier::REVERSED),
    ("hidden", Modifier::HIDDEN),
    ("crossed_out", Modifier::CROSSED_OUT),
];

fn parse_modifier(name: &str) -> Result<Modifier, RoleError> {
    MODIFIER_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| *m)
        .ok_or_else(|| {
            let names: Vec<&str> = MODIFIER_NAMES.iter().map(|(n, _)| *n).collect();
            RoleError::UnknownModifier {
                name: name.to_string(),
                names: names.join(", "),
            }
        })
}

/// Whether the environment asks for no colour (`NO_COLOR` set and not empty, per no-color.org).
pub fn no_color_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests;
