//! Unit tests for `config`.
use super::*;
use std::path::PathBuf;

#[test]
fn defaults_parse_with_the_seed_thresholds() {
    let c = Config::defaults().expect("embedded config");
    assert_eq!(c.ui.theme, "default");
    assert_eq!(c.thresholds.gpu_temp.value, 80.0);
    assert_eq!(c.thresholds.gpu_temp.for_ms, 120_000);
    assert_eq!(c.thresholds.gpu_temp.severity, Severity::Critical);
    assert_eq!(c.thresholds.gpu_idle.when, Direction::Below);
    assert_eq!(c.thresholds.gpu_idle.for_ms, 15 * 60_000);
    assert!(c.thresholds.gpu_idle.breached(10.0));
    assert!(!c.thresholds.gpu_idle.breached(30.0));
    assert_eq!(c.thresholds.npu_mem.value, 85.0);
}

#[test]
fn user_keys_merge_over_defaults() {
    let c = Config::from_user_toml(
        "[ui]\ntick_ms = 100\n[thresholds.gpu_temp]\nvalue = 85\n",
        "u.toml",
    )
    .expect("valid");
    assert_eq!(c.ui.tick_ms, 100);
    assert_eq!(c.ui.theme, "default");
    assert_eq!(c.thresholds.gpu_temp.value, 85.0);
    assert_eq!(c.thresholds.gpu_temp.for_ms, 120_000);
}

#[test]
fn errors_name_the_key_and_the_file() {
    let bad = |text: &str| {
        Config::from_user_toml(text, "u.toml")
            .expect_err("bad")
            .to_string()
    };
    let err = bad("[ui]\ncolour = 1\n");
    assert!(
        err.starts_with("u.toml: unknown key \"ui.colour\""),
        "{err}"
    );
    let err = bad("[ui]\ntick_ms = \"fast\"\n");
    assert!(
        err.contains("ui.tick_ms must be an integer, not a string"),
        "{err}"
    );
    let err = bad("[thresholds.gpu_util]\nfor = \"5 min\"\n");
    assert!(err.contains("thresholds.gpu_util"), "{err}");
    assert!(err.contains("bad duration \"5 min\""), "{err}");
    let err = bad("[replay]\nspeed = 3\n");
    assert!(err.contains("replay.speed must be one of"), "{err}");
    let e = Config::from_user_toml("[metrics]\npoints = 1\n", "u.toml").expect_err("bad");
    assert_eq!(e.file, "u.toml");
    assert!(
        matches!(&e.problem, ConfigProblem::OutOfRange { key, .. } if key == "metrics.points"),
        "{e:?}"
    );
}

#[test]
fn durations_parse_and_print_back() {
    let c = Config::defaults().expect("embedded");
    let text = toml::to_string(&c).expect("serializes");
    assert!(text.contains("for = \"15m\""), "{text}");
    assert_eq!(Config::from_user_toml(&text, "round-trip"), Ok(c));
}

#[test]
fn paths_follow_the_environment() {
    let p = Paths::resolve_with(|k| match k {
        "AICOCKPIT_CONFIG_DIR" => Some("/tmp/cfg".into()),
        "AICOCKPIT_STATE_DIR" => Some("".into()),
        _ => None,
    })
    .expect("paths");
    assert_eq!(p.config_dir, PathBuf::from("/tmp/cfg"));
    assert_eq!(p.keymap_file(), PathBuf::from("/tmp/cfg/keymap.toml"));
    assert_ne!(p.state_dir, PathBuf::from(""));
}

proptest::proptest! {
    #[test]
    fn arbitrary_user_configs_never_panic(text in "\\PC{0,200}") {
        let _ = Config::from_user_toml(&text, "fuzz.toml");
        let _ = parse_ms(&text);
    }
}
