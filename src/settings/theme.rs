//! Themes: semantic style roles compiled once from `themes/*.toml` into ratatui `Style`s. This is
//! the only module that names colours; widgets ask for a role (`theme.crit`, `theme.selected`).
//!
//! A theme file has one table per role (`[crit]`) with optional `fg`, `bg` and `modifiers`. A role
//! that is given is taken as written; a role that is left out comes from the theme named by the
//! optional top-level `extends` (a built-in), or from `default`. `resolve` picks the theme to use
//! at start-up and never fails: a bad or missing theme falls back to the default with a warning.

use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};

use crate::domain::severity::Severity;

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
    pub fn from_toml(text: &str, origin: &str) -> Result<Theme, String> {
        let mut theme = Theme::parse_over(Theme::default_theme(), text, origin)?;
        theme.name = Path::new(origin)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| origin.to_string());
        Ok(theme)
    }

    fn parse_over(fallback: Theme, text: &str, origin: &str) -> Result<Theme, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let mut theme = match table.get("extends") {
            None => fallback,
            Some(toml::Value::String(name)) => Theme::builtin(name).ok_or_else(|| {
                format!(
                    "{origin}: extends: unknown built-in theme {name:?} (built-ins: {})",
                    BUILTIN.join(", ")
                )
            })?,
            Some(other) => {
                return Err(format!(
                    "{origin}: extends must be a theme name, not {}",
                    other.type_str()
                ));
            }
        };
        for (role, spec) in &table {
            if role == "extends" {
                continue;
            }
            let style = parse_role(spec).map_err(|e| format!("{origin}: role {role:?}: {e}"))?;
            let slot = theme.role_mut(role).ok_or_else(|| {
                format!(
                    "{origin}: unknown role {role:?} (roles: {})",
                    ROLES.join(", ")
                )
            })?;
            *slot = style;
        }
        Ok(theme)
    }
}

/// Parse one role table: `{ fg = "...", bg = "...", modifiers = [...] }`.
fn parse_role(spec: &toml::Value) -> Result<Style, String> {
    let toml::Value::Table(t) = spec else {
        return Err(format!(
            "expected a table like {{ fg = \"red\" }}, found {}",
            spec.type_str()
        ));
    };
    let mut style = Style::default();
    for (key, value) in t {
        match key.as_str() {
            "fg" | "bg" => {
                let toml::Value::String(text) = value else {
                    return Err(format!("{key} must be a string, not {}", value.type_str()));
                };
                let color = parse_color(text).map_err(|e| format!("{key}: {e}"))?;
                style = if key == "fg" {
                    style.fg(color)
                } else {
                    style.bg(color)
                };
            }
            "modifiers" => {
                let toml::Value::Array(items) = value else {
                    return Err(format!(
                        "modifiers must be a list like [\"bold\"], not {}",
                        value.type_str()
                    ));
                };
                for item in items {
                    let toml::Value::String(name) = item else {
                        return Err(format!(
                            "modifiers: expected names, found {}",
                            item.type_str()
                        ));
                    };
                    style = style.add_modifier(parse_modifier(name)?);
                }
            }
            other => {
                return Err(format!(
                    "unknown field {other:?} (expected fg, bg, modifiers)"
                ));
            }
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
pub fn parse_color(text: &str) -> Result<Color, String> {
    let bad = |why: &str| {
        Err(format!(
            "bad colour {text:?}: {why} (use a name like \"light_blue\", \"#rrggbb\" or \"indexed:208\")"
        ))
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

fn parse_modifier(name: &str) -> Result<Modifier, String> {
    MODIFIER_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| *m)
        .ok_or_else(|| {
            let names: Vec<&str> = MODIFIER_NAMES.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown modifier {name:?} (modifiers: {})",
                names.join(", ")
            )
        })
}

/// Whether the environment asks for no colour (`NO_COLOR` set and not empty, per no-color.org).
pub fn no_color_from_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Choose the theme to draw with. `requested` is a built-in name, the name of a user theme
/// `<config_dir>/themes/<name>.toml` (which wins over a built-in of the same name), or a path to
/// a theme file; `None` means the default. `no_color` (the caller passes whether `NO_COLOR` is
/// set and non-empty) gives `Theme::plain()`. Never fails: a missing or bad theme gives the
/// default theme and a warning saying what was wrong.
pub fn resolve(
    requested: Option<&str>,
    config_dir: Option<&Path>,
    no_color: bool,
) -> (Theme, Vec<String>) {
    if no_color {
        return (Theme::plain(), Vec::new());
    }
    let Some(name) = requested.map(str::trim).filter(|n| !n.is_empty()) else {
        return (Theme::default_theme(), Vec::new());
    };
    let fallback = |why: String| {
        (
            Theme::default_theme(),
            vec![format!("{why}; using the default theme")],
        )
    };
    let looks_like_path = name.contains(['/', '\\']) || name.ends_with(".toml");
    let file: Option<PathBuf> = if looks_like_path {
        Some(PathBuf::from(name))
    } else {
        config_dir
            .map(|d| d.join("themes").join(format!("{name}.toml")))
            .filter(|p| p.is_file())
    };
    if let Some(path) = file {
        let origin = path.display().to_string();
        return match std::fs::read_to_string(&path) {
            Ok(text) => match Theme::from_toml(&text, &origin) {
                Ok(theme) => (theme, Vec::new()),
                Err(e) => fallback(format!("theme {e}")),
            },
            Err(e) => fallback(format!("theme file {origin}: cannot read it: {e}")),
        };
    }
    if let Some(theme) = Theme::builtin(name) {
        return (theme, Vec::new());
    }
    let user = match config_dir {
        Some(d) => format!(
            "no file {}",
            d.join("themes").join(format!("{name}.toml")).display()
        ),
        None => "no config directory to look for a user theme in".to_string(),
    };
    fallback(format!(
        "theme {name:?} not found: not a built-in ({}) and {user}",
        BUILTIN.join(", ")
    ))
}

#[cfg(test)]
mod tests;
