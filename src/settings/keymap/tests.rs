//! Unit tests for `keymap`.
use super::*;
use crossterm::event::{KeyCode, KeyModifiers};

fn key(code: KeyCode, mods: KeyModifiers) -> KeySpec {
    KeySpec { code, mods }
}

#[test]
fn keys_parse() {
    let none = KeyModifiers::NONE;
    assert_eq!(KeySpec::parse("j"), Ok(key(KeyCode::Char('j'), none)));
    assert_eq!(KeySpec::parse("G"), Ok(key(KeyCode::Char('G'), none)));
    assert_eq!(KeySpec::parse("shift-g"), Ok(key(KeyCode::Char('G'), none)));
    assert_eq!(KeySpec::parse("-"), Ok(key(KeyCode::Char('-'), none)));
    assert_eq!(
        KeySpec::parse("ctrl-d"),
        Ok(key(KeyCode::Char('d'), KeyModifiers::CONTROL))
    );
    assert_eq!(
        KeySpec::parse("ctrl--"),
        Ok(key(KeyCode::Char('-'), KeyModifiers::CONTROL))
    );
    assert_eq!(
        KeySpec::parse("ctrl-alt-x"),
        Ok(key(
            KeyCode::Char('x'),
            KeyModifiers::CONTROL | KeyModifiers::ALT
        ))
    );
    assert_eq!(KeySpec::parse("Tab"), Ok(key(KeyCode::Tab, none)));
    assert_eq!(KeySpec::parse("shift-Tab"), Ok(key(KeyCode::BackTab, none)));
    assert_eq!(KeySpec::parse("pagedown"), Ok(key(KeyCode::PageDown, none)));
    assert_eq!(KeySpec::parse("Space"), Ok(key(KeyCode::Char(' '), none)));
    assert_eq!(KeySpec::parse("F12"), Ok(key(KeyCode::F(12), none)));
    assert_eq!(
        KeySpec::parse("shift-Up"),
        Ok(key(KeyCode::Up, KeyModifiers::SHIFT))
    );
    for bad in ["", "ctrl-", "F13", "F0", "Tabb", "shift-1", "hyper-x", "jj"] {
        let err = KeySpec::parse(bad).expect_err(bad);
        assert_eq!(err.to_string(), format!("unknown key {bad:?}"));
    }
}

#[test]
fn labels_read_well_and_parse_back() {
    let label = |t: &str| KeySpec::parse(t).map(|k| k.label());
    assert_eq!(label("Space"), Ok("space".to_string()));
    assert_eq!(label("BackTab"), Ok("shift-tab".to_string()));
    assert_eq!(label("ctrl-u"), Ok("ctrl-u".to_string()));
    assert_eq!(label("PageUp"), Ok("pageup".to_string()));
    assert_eq!(label("shift-Down"), Ok("shift-down".to_string()));
    let km = Keymap::embedded().expect("embedded keymap");
    for b in &km.bindings {
        for k in &b.keys {
            assert_eq!(KeySpec::parse(&k.label()), Ok(*k), "{}", k.label());
        }
    }
}

#[test]
fn key_events_match_ignoring_shift_on_characters() {
    let g = KeySpec::parse("G").expect("G");
    assert!(g.matches(&KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)));
    assert!(!g.matches(&KeyEvent::new(KeyCode::Char('g'), KeyModifiers::NONE)));
    let up = KeySpec::parse("Up").expect("Up");
    assert!(!up.matches(&KeyEvent::new(KeyCode::Up, KeyModifiers::SHIFT)));
}

#[test]
fn embedded_keymap_binds_every_action_once() {
    let km = Keymap::embedded().expect("embedded keymap");
    assert!(km.conflicts().is_empty());
    for a in Action::ALL {
        let b = km
            .binding(*a)
            .unwrap_or_else(|| panic!("{} unbound", a.name()));
        assert!(!b.keys.is_empty(), "{}", a.name());
    }
}

#[test]
fn user_binding_wins_and_the_loss_is_reported() {
    let km = Keymap::embedded().expect("embedded");
    let (km, warnings) = km
        .with_user(
            "[[bind]]\naction = \"quit\"\nkeys = [\"q\", \"j\"]\n",
            "k.toml",
        )
        .expect("valid");
    let j = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    assert_eq!(km.resolve(&j), Some(Action::Quit));
    assert_eq!(
        warnings,
        vec!["k.toml: key \"j\" now runs quit, so down lost it (still on down)".to_string()]
    );
    assert!(km.conflicts().is_empty());
}

#[test]
fn user_file_errors_name_what_is_wrong() {
    let km = Keymap::embedded().expect("embedded");
    let two = "[[bind]]\naction = \"quit\"\nkeys = [\"x\"]\n\
               [[bind]]\naction = \"zoom\"\nkeys = [\"x\"]\n";
    let err = km.with_user(two, "k.toml").expect_err("conflict");
    assert_eq!(err.file, "k.toml");
    assert_eq!(
        err.to_string(),
        "k.toml: key \"x\" is bound to both quit and zoom"
    );
    let err = km
        .with_user("[[bind]]\naction = \"explode\"\nkeys = [\"x\"]\n", "k.toml")
        .expect_err("unknown action")
        .to_string();
    assert!(
        err.starts_with("k.toml: bind #1: unknown action \"explode\""),
        "{err}"
    );
    let err = km
        .with_user(
            "[[bind]]\naction = \"quit\"\nkeys = [\"ctrl-\"]\n",
            "k.toml",
        )
        .expect_err("bad key");
    assert!(matches!(
        err.problem,
        KeymapProblem::BadKey { index: 1, .. }
    ));
    assert_eq!(
        err.to_string(),
        "k.toml: bind #1 (quit): unknown key \"ctrl-\""
    );
}

proptest::proptest! {
    #[test]
    fn parsing_never_panics(text in "\\PC{0,12}") {
        let _ = KeySpec::parse(&text);
    }

    #[test]
    fn labels_round_trip(
        text in "(ctrl-|alt-|shift-|CTRL-){0,3}([a-zA-Z0-9?/:<>. -]|Tab|tab|BackTab|Up|PageDown|Space|Esc|F[0-9]{1,2})"
    ) {
        if let Ok(k) = KeySpec::parse(&text) {
            proptest::prop_assert_eq!(KeySpec::parse(&k.label()), Ok(k));
        }
    }

    #[test]
    fn arbitrary_user_keymaps_never_panic(text in "\\PC{0,200}") {
        let base = Keymap::embedded().expect("embedded");
        let _ = base.with_user(&text, "fuzz.toml");
    }
}
