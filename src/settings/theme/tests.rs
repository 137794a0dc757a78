//! Unit tests for `theme`.
use super::*;

#[test]
fn colours_parse_in_every_notation() {
    assert_eq!(parse_color("light_blue"), Ok(Color::LightBlue));
    assert_eq!(parse_color("#ff8000"), Ok(Color::Rgb(255, 128, 0)));
    assert_eq!(parse_color("indexed:208"), Ok(Color::Indexed(208)));
    assert_eq!(parse_color("reset"), Ok(Color::Reset));
    for bad in ["#ff80", "#gg0000", "indexed:256", "lightblue", "Red", ""] {
        let err = parse_color(bad).expect_err(bad).to_string();
        assert!(err.contains(&format!("{bad:?}")), "{err}");
    }
}

#[test]
fn a_role_given_replaces_it_and_missing_roles_come_from_default() {
    let t = Theme::from_toml(
        "[crit]\nfg = \"#010203\"\nmodifiers = [\"bold\", \"underlined\"]\n",
        "mine.toml",
    )
    .expect("valid");
    assert_eq!(t.name, "mine");
    assert_eq!(t.crit.fg, Some(Color::Rgb(1, 2, 3)));
    assert_eq!(t.crit.bg, None);
    assert!(
        t.crit
            .add_modifier
            .contains(Modifier::BOLD | Modifier::UNDERLINED)
    );
    assert_eq!(t.ok, Theme::default_theme().ok);
}

#[test]
fn extends_takes_missing_roles_from_that_builtin() {
    let t =
        Theme::from_toml("extends = \"light\"\n[ok]\nfg = \"green\"\n", "x.toml").expect("valid");
    let light = Theme::builtin("light").expect("light");
    assert_eq!(t.base, light.base);
    assert_eq!(t.ok.fg, Some(Color::Green));
    let err = Theme::from_toml("extends = \"nope\"\n", "x.toml")
        .expect_err("bad")
        .to_string();
    assert!(err.contains("\"nope\""), "{err}");
}

#[test]
fn errors_name_origin_role_and_value() {
    let e = Theme::from_toml("[warn]\nfg = \"orang\"\n", "t.toml").expect_err("bad");
    assert!(matches!(&e.problem, ThemeProblem::Role { role, .. } if role == "warn"));
    let err = e.to_string();
    assert!(
        err.starts_with("t.toml: role \"warn\": fg: bad colour \"orang\""),
        "{err}"
    );
    let err = Theme::from_toml("[wrn]\nfg = \"red\"\n", "t.toml")
        .expect_err("bad")
        .to_string();
    assert!(err.contains("unknown role \"wrn\""), "{err}");
    let err = Theme::from_toml("[ok]\nmodifiers = [\"blod\"]\n", "t.toml")
        .expect_err("bad")
        .to_string();
    assert!(err.contains("unknown modifier \"blod\""), "{err}");
    let err = Theme::from_toml("[ok]\ncolour = \"red\"\n", "t.toml")
        .expect_err("bad")
        .to_string();
    assert!(err.contains("unknown field \"colour\""), "{err}");
}

#[test]
fn roles_list_matches_the_struct() {
    let t = Theme::plain();
    for role in ROLES {
        assert!(t.role(role).is_some(), "{role}");
    }
    assert_eq!(t.role("nope"), None);
    assert_eq!(ROLES.len(), 21);
}

#[test]
fn builtin_roles_never_paint_text_in_its_own_background() {
    for name in BUILTIN {
        let t = Theme::builtin(name).expect("builtin");
        for role in ROLES {
            let s = t.role(role).expect("role");
            if let (Some(fg), Some(bg)) = (s.fg, s.bg) {
                assert_ne!(fg, bg, "{name}.{role}");
            }
        }
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_theme_text_never_panics(text in "\\PC{0,200}") {
        let _ = Theme::from_toml(&text, "fuzz.toml");
        let _ = parse_color(&text);
    }
}
