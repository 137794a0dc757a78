//! User-facing files: every fixture under `tests/fixtures/{themes,keymaps,configs}` is loaded.
//! Valid ones must load, and each has an assertion on a value it sets (a new fixture without
//! one fails). Invalid ones must fail with every `# error: <text>` line of their header in the
//! message. Also: the built-in themes, NO_COLOR, and theme fallback.

use std::fs;
use std::path::{Path, PathBuf};

use aicockpit::contract::action::Action;
use aicockpit::domain::severity::Severity;
use aicockpit::settings::config::{Config, Paths};
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::theme::{self, ROLES, Theme};
use aicockpit::shell::settings_files;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

fn fixtures(kind: &str, validity: &str) -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
        .join(validity);
    let mut out: Vec<(String, String, String)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let text = fs::read_to_string(&p).expect("readable fixture");
            (name, p.display().to_string(), text)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 3, "too few fixtures in {}", dir.display());
    out
}

/// The `# error:` lines of a fixture's header.
fn expected_errors(name: &str, text: &str) -> Vec<String> {
    let lines: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# error: "))
        .map(str::to_string)
        .collect();
    assert!(!lines.is_empty(), "{name} has no `# error:` line");
    lines
}

fn check_invalid(kind: &str, load: impl Fn(&str, &str) -> Result<(), String>) {
    for (name, origin, text) in fixtures(kind, "invalid") {
        let err = load(&text, &origin).expect_err(&format!("{name} should not load"));
        assert!(
            err.starts_with(&origin),
            "{name}: error does not name the file: {err}"
        );
        for want in expected_errors(&name, &text) {
            assert!(err.contains(&want), "{name}: wanted {want:?} in:\n{err}");
        }
    }
}

fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

#[test]
fn valid_themes_load_with_their_values() {
    let default = Theme::default_theme();
    for (name, origin, text) in fixtures("themes", "valid") {
        let t = Theme::from_toml(&text, &origin).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(t.name, name.trim_end_matches(".toml"));
        match name.as_str() {
            "partial.toml" => {
                assert_eq!(t.crit.fg, Some(Color::Rgb(255, 0, 0)));
                assert_eq!(t.crit.bg, Some(Color::Black));
                assert!(t.crit.add_modifier.contains(Modifier::RAPID_BLINK));
                assert_eq!(t.ok.fg, Some(Color::Indexed(34)));
                assert_eq!(t.warn, default.warn);
            }
            "extends-light.toml" => {
                let light = Theme::builtin("light").expect("light");
                assert_eq!(t.title.fg, Some(Color::Magenta));
                assert!(t.title.add_modifier.contains(Modifier::ITALIC));
                assert_eq!(t.selected, light.selected);
                assert_ne!(t.selected, default.selected);
            }
            "solarized-ish.toml" => {
                assert_eq!(t.base.fg, Some(Color::Rgb(0x83, 0x94, 0x96)));
                assert_eq!(t.base.bg, Some(Color::Reset));
                assert_eq!(t.selected.bg, Some(Color::Rgb(0x07, 0x36, 0x42)));
                assert_eq!(t.dim.fg, Some(Color::DarkGray));
            }
            other => panic!("add an assertion for theme fixture {other}"),
        }
    }
}

#[test]
fn invalid_themes_fail_naming_the_problem() {
    check_invalid("themes", |text, origin| {
        Theme::from_toml(text, origin)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

#[test]
fn valid_keymaps_load_with_their_bindings() {
    let base = Keymap::embedded().expect("embedded keymap");
    for (name, origin, text) in fixtures("keymaps", "valid") {
        let (km, warnings) = base
            .with_user(&text, &origin)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(km.conflicts().is_empty(), "{name}");
        let key = |c: char| km.resolve(&press(KeyCode::Char(c), KeyModifiers::NONE));
        match name.as_str() {
            "rebind-quit.toml" => {
                let ctrl_q = press(KeyCode::Char('q'), KeyModifiers::CONTROL);
                assert_eq!(km.resolve(&ctrl_q), Some(Action::Quit));
                assert_eq!(key('q'), None);
                assert!(warnings.is_empty(), "{warnings:?}");
            }
            "steal-default.toml" => {
                assert_eq!(key('F'), Some(Action::Zoom));
                let big_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
                assert_eq!(km.resolve(&big_g), Some(Action::Zoom));
                assert_eq!(key('z'), None);
                let end = press(KeyCode::End, KeyModifiers::NONE);
                assert_eq!(km.resolve(&end), Some(Action::Bottom));
                assert_eq!(warnings.len(), 1, "{warnings:?}");
                assert!(warnings[0].contains("key \"G\" now runs zoom, so bottom lost it"));
            }
            "desc-and-unbind.toml" => {
                let help = km.binding(Action::Help).expect("help");
                assert_eq!(help.desc, "keys");
                assert_eq!(Keymap::keys_label(help), "?");
                assert_eq!(key('.'), None);
            }
            "swap.toml" => {
                assert_eq!(key('j'), Some(Action::Up));
                assert_eq!(key('k'), Some(Action::Down));
                assert!(warnings.is_empty(), "{warnings:?}");
            }
            other => panic!("add an assertion for keymap fixture {other}"),
        }
    }
}

#[test]
fn invalid_keymaps_fail_naming_the_problem() {
    let base = Keymap::embedded().expect("embedded keymap");
    check_invalid("keymaps", |text, origin| {
        base.with_user(text, origin)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

#[test]
fn valid_configs_load_with_their_values() {
    let defaults = Config::defaults().expect("embedded config");
    for (name, origin, text) in fixtures("configs", "valid") {
        let c = Config::from_user_toml(&text, &origin).unwrap_or_else(|e| panic!("{name}: {e}"));
        match name.as_str() {
            "ui.toml" => {
                assert_eq!(c.ui.theme, "light");
                assert_eq!(c.ui.tick_ms, 100);
                assert_eq!(c.replay, defaults.replay);
            }
            "thresholds.toml" => {
                assert_eq!(c.thresholds.gpu_temp.value, 75.0);
                assert_eq!(c.thresholds.gpu_temp.for_ms, 90_000);
                assert_eq!(c.thresholds.gpu_temp.severity, Severity::Warning);
                assert_eq!(c.thresholds.gpu_util, defaults.thresholds.gpu_util);
                assert_eq!(c.replay.speed, 16);
            }
            "comments-only.toml" => assert_eq!(c, defaults),
            "limits.toml" => {
                assert_eq!(c.logs.max_bytes, 1 << 20);
                assert_eq!(c.metrics.points, 120);
            }
            other => panic!("add an assertion for config fixture {other}"),
        }
    }
}

#[test]
fn invalid_configs_fail_naming_the_problem() {
    check_invalid("configs", |text, origin| {
        Config::from_user_toml(text, origin)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
}

#[test]
fn builtin_themes_parse_and_define_every_role() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
    let mut files: Vec<String> = fs::read_dir(&dir)
        .expect("themes dir")
        .map(|e| e.expect("entry").path())
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .collect();
    files.sort();
    let mut builtin: Vec<String> = theme::BUILTIN.iter().map(|s| s.to_string()).collect();
    builtin.sort();
    assert_eq!(
        files, builtin,
        "every themes/*.toml is a built-in and vice versa"
    );
    for name in theme::BUILTIN {
        let text = fs::read_to_string(dir.join(format!("{name}.toml"))).expect("theme file");
        let table: toml::Table = toml::from_str(&text).expect("theme TOML");
        for role in ROLES {
            assert!(table.contains_key(*role), "{name} does not define {role}");
        }
        let t = Theme::builtin(name).unwrap_or_else(|| panic!("{name} does not load"));
        assert_eq!(t.name, *name);
        assert_ne!(t, Theme::plain(), "{name}");
        for role in ["ok", "warn", "crit", "selected"] {
            let s = t.role(role).expect("role");
            assert!(
                s.fg.is_some() || s.bg.is_some(),
                "{name}.{role} has no colour"
            );
        }
    }
    let cb = Theme::builtin("colorblind").expect("colorblind");
    for role in ["ok", "warn", "crit"] {
        let s = cb.role(role).expect("role");
        for c in [s.fg, s.bg].into_iter().flatten() {
            assert!(
                !matches!(
                    c,
                    Color::Red | Color::Green | Color::LightRed | Color::LightGreen
                ),
                "colorblind.{role} uses {c:?}"
            );
        }
    }
    assert_ne!(cb.warn.add_modifier, cb.ok.add_modifier);
}

#[test]
fn no_color_gives_plain_whatever_was_asked() {
    let (t, warnings) = settings_files::theme(Some("light"), None, true);
    assert_eq!(t, Theme::plain());
    assert!(warnings.is_empty());
    for role in ROLES {
        let s = t.role(role).expect("role");
        assert_eq!((s.fg, s.bg), (None, None), "plain.{role} has a colour");
    }
}

fn temp_config(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    for (rel, text) in files {
        let p = config.join(rel);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(&p, text).expect("write");
    }
    (dir, config)
}

#[test]
fn themes_resolve_by_builtin_name_user_name_and_path() {
    let (_dir, config) = temp_config(&[
        ("themes/mine.toml", "[crit]\nfg = \"#123456\"\n"),
        (
            "themes/light.toml",
            "extends = \"light\"\n[ok]\nfg = \"blue\"\n",
        ),
    ]);
    let (t, w) = settings_files::theme(Some("high-contrast"), Some(&config), false);
    assert_eq!((t.name.as_str(), w.len()), ("high-contrast", 0));
    let (t, w) = settings_files::theme(Some("mine"), Some(&config), false);
    assert_eq!(t.crit.fg, Some(Color::Rgb(0x12, 0x34, 0x56)), "{w:?}");
    let (t, _) = settings_files::theme(Some("light"), Some(&config), false);
    assert_eq!(
        t.ok.fg,
        Some(Color::Blue),
        "a user theme wins over the built-in of its name"
    );
    let path = config.join("themes/mine.toml");
    let (t, w) = settings_files::theme(path.to_str(), None, false);
    assert_eq!((t.name.as_str(), w.len()), ("mine", 0));
    let (t, w) = settings_files::theme(None, Some(&config), false);
    assert_eq!((t, w), (Theme::default_theme(), vec![]));
}

#[test]
fn bad_or_missing_user_theme_falls_back_with_a_warning() {
    let (_dir, config) = temp_config(&[("themes/broken.toml", "[warn]\nfg = \"orangey\"\n")]);
    let (t, w) = settings_files::theme(Some("broken"), Some(&config), false);
    assert_eq!(t, Theme::default_theme());
    assert_eq!(w.len(), 1);
    assert!(
        w[0].contains("broken.toml: role \"warn\": fg: bad colour \"orangey\""),
        "{}",
        w[0]
    );
    assert!(w[0].ends_with("using the default theme"), "{}", w[0]);

    let (t, w) = settings_files::theme(Some("nosuch"), Some(&config), false);
    assert_eq!(t, Theme::default_theme());
    assert!(w[0].starts_with("theme \"nosuch\" not found"), "{}", w[0]);
    assert!(w[0].contains("high-contrast"), "{}", w[0]);

    let (t, w) = settings_files::theme(Some("/nonexistent/x.toml"), None, false);
    assert_eq!(t, Theme::default_theme());
    assert!(
        w[0].contains("/nonexistent/x.toml: cannot read it"),
        "{}",
        w[0]
    );
}

#[test]
fn files_in_the_config_dir_are_found() {
    let (dir, config) = temp_config(&[
        ("config.toml", "[ui]\ntheme = \"colorblind\"\n"),
        (
            "keymap.toml",
            "[[bind]]\naction = \"help\"\nkeys = [\"h\"]\n",
        ),
    ]);
    let paths = Paths::resolve_with(|k| {
        (k == "AICOCKPIT_CONFIG_DIR").then(|| config.clone().into_os_string())
    })
    .expect("paths");
    assert_eq!(paths.config_dir, config);
    let settings = settings_files::config(&paths).expect("config");
    assert_eq!(settings.ui.theme, "colorblind");
    let (km, _) = settings_files::keymap(Some(&paths.config_dir)).expect("keymap");
    let h = press(KeyCode::Char('h'), KeyModifiers::NONE);
    assert_eq!(km.resolve(&h), Some(Action::Help));

    let empty = Paths::under(&dir.path().join("nothing"));
    assert_eq!(settings_files::config(&empty), Config::defaults());
    assert_eq!(
        settings_files::keymap(Some(&empty.config_dir)).map(|k| k.0),
        Keymap::embedded()
    );

    fs::write(paths.config_file(), "[ui]\nthem = \"x\"\n").expect("write");
    let err = settings_files::config(&paths)
        .expect_err("unknown key")
        .to_string();
    assert!(
        err.contains("config.toml: unknown key \"ui.them\""),
        "{err}"
    );
}
