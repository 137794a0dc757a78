//! Reading the settings files: `config.toml`, `keymap.toml`, themes, and the user's rule files
//! (`playbooks/`, `alerts/` and `signatures/` in the config directory, every `*.toml` in file-name
//! order). The one place these files are read: their texts go to `settings::*` to be parsed and
//! validated there. A file or directory that does not exist is not an error (the built-ins
//! stand); one that exists but cannot be read is, naming it.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::settings::config::{Config, ConfigError, ConfigProblem, Paths};
use crate::settings::keymap::{Keymap, KeymapError, KeymapProblem};
use crate::settings::paths::{self, RULE_DIRS};
use crate::settings::rules::{self, RuleTexts, Rules, RulesError};
use crate::settings::signatures::Signatures;
use crate::settings::theme::{self, Theme};

/// The text of `path`; `Ok(None)` when there is no such file; `Err` the reason it cannot be read.
fn read_optional(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// The defaults of `assets/config.toml` with `<config_dir>/config.toml` merged over them, if
/// that file exists.
pub fn config(paths: &Paths) -> Result<Config, ConfigError> {
    let path = paths.config_file();
    let origin = path.display().to_string();
    match read_optional(&path) {
        Ok(Some(text)) => Config::from_user_toml(&text, &origin),
        Ok(None) => Config::defaults(),
        Err(why) => Err(ConfigError {
            file: origin,
            problem: ConfigProblem::Unreadable(why),
        }),
    }
}

/// The embedded keymap with `<config_dir>/keymap.toml` merged over it when that file exists,
/// with the warnings of the merge (default bindings that lost a key to the user's file).
pub fn keymap(config_dir: Option<&Path>) -> Result<(Keymap, Vec<String>), KeymapError> {
    let base = Keymap::embedded()?;
    let Some(path) = config_dir.map(paths::keymap_file) else {
        return Ok((base, Vec::new()));
    };
    let origin = path.display().to_string();
    match read_optional(&path) {
        Ok(Some(text)) => base.with_user(&text, &origin),
        Ok(None) => Ok((base, Vec::new())),
        Err(why) => Err(KeymapError {
            file: origin,
            problem: KeymapProblem::Unreadable(why),
        }),
    }
}

/// Choose the theme to draw with. `requested` is a built-in name, the name of a user theme
/// `<config_dir>/themes/<name>.toml` (which wins over a built-in of the same name), or a path to
/// a theme file; `None` means the default. `no_color` (the caller passes whether `NO_COLOR` is
/// set and non-empty) gives `Theme::plain()`. Never fails: a missing or bad theme gives the
/// default theme and a warning saying what was wrong.
pub fn theme(
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
            .map(|d| paths::theme_file(d, name))
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
        Some(d) => format!("no file {}", paths::theme_file(d, name).display()),
        None => "no config directory to look for a user theme in".to_string(),
    };
    fallback(format!(
        "theme {name:?} not found: not a built-in ({}) and {user}",
        theme::BUILTIN.join(", ")
    ))
}

/// (path, text) of every `*.toml` file in `dir`, by file name; none when `dir` does not exist.
fn toml_files(dir: &Path) -> Result<Vec<(String, String)>, RulesError> {
    let unreadable = |p: &Path, e: std::io::Error| RulesError::Unreadable {
        file: p.display().to_string(),
        reason: e.to_string(),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(unreadable(dir, e)),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| match std::fs::read_to_string(&p) {
            Ok(text) => Ok((p.display().to_string(), text)),
            Err(e) => Err(unreadable(&p, e)),
        })
        .collect()
}

/// The user's rule files in `config_dir` (none without one).
pub fn rule_texts(config_dir: Option<&Path>) -> Result<RuleTexts, RulesError> {
    let Some(dir) = config_dir else {
        return Ok(RuleTexts::default());
    };
    let (playbooks, alerts, signatures) = RULE_DIRS;
    Ok(RuleTexts {
        signatures: toml_files(&dir.join(signatures))?,
        alerts: toml_files(&dir.join(alerts))?,
        playbooks: toml_files(&dir.join(playbooks))?,
    })
}

/// The rule data: the built-ins with the user's rule files in `config_dir` merged over them,
/// loaded and validated once.
pub fn rules(config_dir: Option<&Path>) -> Result<Rules, RulesError> {
    Rules::load(&rule_texts(config_dir)?)
}

/// The signature rules `scan-logs` uses: the built-ins, then `<config_dir>/signatures/*.toml`,
/// then `extra` (its `--signatures FILE`), each replacing rules of the same id.
pub fn signatures(
    config_dir: Option<&Path>,
    extra: Option<&Path>,
) -> Result<Signatures, RulesError> {
    let mut files = match config_dir {
        Some(dir) => toml_files(&dir.join(RULE_DIRS.2))?,
        None => Vec::new(),
    };
    if let Some(p) = extra {
        let text = std::fs::read_to_string(p).map_err(|e| RulesError::Unreadable {
            file: p.display().to_string(),
            reason: e.to_string(),
        })?;
        files.push((p.display().to_string(), text));
    }
    rules::load_signatures(&files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (rel, text) in files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        dir
    }

    const SIG: &str = "[[rule]]\nid = \"site.disk_full\"\nseverity = \"critical\"\n\
                       patterns = ['No space left on device']\n";

    #[test]
    fn rule_files_are_found_in_their_directories_in_name_order() {
        let alert = |t: f64| {
            format!(
                "[[rule]]\nname = \"HighModelErrorRate\"\nkind = \"error_ratio\"\n\
                 threshold = {t}\nwindow = \"5m\"\n"
            )
        };
        let dir = dir_with(&[
            ("signatures/site.toml", SIG),
            ("signatures/notes.txt", "not a rule file"),
            ("alerts/a.toml", &alert(0.2)),
            ("alerts/b.toml", &alert(0.1)),
        ]);
        let texts = rule_texts(Some(dir.path())).expect("readable");
        assert_eq!(texts.signatures.len(), 1);
        assert!(texts.alerts[0].0.ends_with("alerts/a.toml"));
        let r = rules(Some(dir.path())).expect("valid");
        assert!(r.signatures.rule("site.disk_full").is_some());
        let high = r.alerts.iter().find(|a| a.name == "HighModelErrorRate");
        assert_eq!(high.map(|a| a.threshold), Some(0.1), "the later file wins");
        let none = rule_texts(Some(&dir.path().join("nothing"))).expect("no dirs");
        assert_eq!(none, RuleTexts::default());
    }

    #[test]
    fn scan_logs_signatures_add_the_command_line_file_last() {
        let over = SIG.replace("critical", "info");
        let dir = dir_with(&[("signatures/site.toml", SIG), ("extra.toml", &over)]);
        let s = signatures(Some(dir.path()), None).expect("valid");
        let sev = |s: &Signatures| s.rule("site.disk_full").map(|r| r.severity.as_str());
        assert_eq!(sev(&s), Some("critical"));
        let extra = dir.path().join("extra.toml");
        let s = signatures(Some(dir.path()), Some(&extra)).expect("valid");
        assert_eq!(sev(&s), Some("info"));
        let e = signatures(None, Some(&dir.path().join("missing.toml"))).expect_err("missing");
        assert!(
            e.to_string().contains("missing.toml: cannot read it"),
            "{e}"
        );
    }
}
