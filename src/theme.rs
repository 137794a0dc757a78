//! Themes: semantic style roles compiled once from `themes/*.toml` into ratatui `Style`s. This is
//! the only module that names colours; widgets ask for a role (`theme.crit`, `theme.selected`).

use ratatui::style::{Modifier, Style};

/// Every style role the UI uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    /// Ordinary text.
    pub base: Style,
    /// Secondary text (ages, units, help descriptions).
    pub dim: Style,
    /// Pane titles.
    pub title: Style,
    pub border: Style,
    pub border_focus: Style,
    /// The header bar.
    pub header: Style,
    /// The DEMO · READ-ONLY badge.
    pub badge_readonly: Style,
    /// The badge when writes are allowed.
    pub badge_write: Style,
    pub ok: Style,
    pub warn: Style,
    pub crit: Style,
    pub info: Style,
    /// The selected row.
    pub selected: Style,
    /// Search / filter matches.
    pub highlight: Style,
    /// A value past its objective.
    pub breach: Style,
    pub sparkline: Style,
    pub gauge: Style,
    /// Table header rows.
    pub table_header: Style,
    /// Keys in the help overlay and footer.
    pub key: Style,
    pub timeline: Style,
    pub timeline_cursor: Style,
}

impl Theme {
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
}

// PLACEHOLDER: replaced at merge
/// Pick the theme (placeholder: always the plain theme, no warnings).
pub fn resolve(
    _requested: Option<&str>,
    _config_dir: Option<&std::path::Path>,
    _no_color: bool,
) -> (Theme, Vec<String>) {
    (Theme::plain(), Vec::new())
}
