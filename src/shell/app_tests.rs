//! Unit tests of the event loop's pure helpers (input mapping, replay speed, file effects).
use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyEventState, KeyModifiers};

#[test]
fn key_presses_and_resizes_become_messages() {
    let press = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(input_msg(Event::Key(press)), Some(Msg::Key(press)));
    let release = KeyEvent {
        kind: KeyEventKind::Release,
        state: KeyEventState::NONE,
        ..press
    };
    assert_eq!(input_msg(Event::Key(release)), None);
    assert_eq!(
        input_msg(Event::Resize(80, 24)),
        Some(Msg::Resize {
            width: 80,
            height: 24
        })
    );
    assert_eq!(input_msg(Event::FocusGained), None);
}

#[test]
fn replayer_starts_at_the_requested_speed() {
    let s = crate::sources::embedded::load(crate::sources::embedded::DEFAULT_SCENARIO)
        .expect("default scenario");
    for speed in SPEEDS {
        assert_eq!(
            replayer_at_speed(Replayer::new(s.clone()), speed)
                .status()
                .speed,
            speed
        );
    }
}

#[tokio::test]
async fn write_file_answers_with_what_it_wrote_or_why_not() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ok = dir.path().join("report.md");
    let ok_s = ok.display().to_string();
    let Msg::Written { path, result } = write_file(&ok_s, "# report\n").await else {
        panic!("not a write answer");
    };
    assert_eq!((path.as_str(), result), (ok_s.as_str(), Ok(9)));
    assert_eq!(std::fs::read_to_string(&ok).expect("written"), "# report\n");

    let bad = dir.path().join("missing-dir").join("x.md");
    let bad_s = bad.display().to_string();
    let Msg::Written { path, result } = write_file(&bad_s, "x").await else {
        panic!("not a write answer");
    };
    assert_eq!(path, bad_s);
    assert!(result.is_err(), "{result:?}");
}

#[test]
fn exit_codes_follow_the_shell_convention() {
    assert_eq!(Exit::Quit.code(), 0);
    assert_eq!(Exit::Signal(15).code(), 143);
    assert_eq!(Exit::Signal(2).code(), 130);
}

#[test]
fn a_session_starts_with_its_rule_data_and_tuning() {
    use crate::settings::config::Config;
    use crate::settings::rules::{RuleTexts, Rules};
    let config = Config::from_user_toml(
        "[metrics]\npoints = 30\n[logs]\nmax_bytes = 4096\n[thresholds.gpu_util]\nvalue = 50\n",
        "c.toml",
    )
    .expect("valid config");
    let tuning = Tuning::from_config(&config);
    let alert = "[[rule]]\nname = \"SiteLatency\"\nkind = \"latency_quantile\"\n\
                 quantile = 0.9\nthreshold = 1.0\nwindow = \"5m\"\n";
    let texts = RuleTexts {
        alerts: vec![("site.toml".into(), alert.into())],
        ..RuleTexts::default()
    };
    let rules = Rules::load(&texts).expect("valid rules").leak();
    let mut st = initial_state(Mode::Demo, Keymap::default(), rules, &tuning, true);
    assert_eq!(st.world.limits(), crate::state::world_limits(&config));
    assert_eq!(st.accel.settings.thresholds.gpu_util.value, 50.0);
    assert!(std::ptr::eq(st.rules().expect("rules"), rules));
    assert_eq!(st.ui.focus, crate::state::ui::Pane::Nodes);
    state::refresh_views(&mut st);
    assert!(st.serving.rules().iter().any(|r| r.name == "SiteLatency"));
    // A replay started over keeps the limits.
    state::update(&mut st, Msg::ResetWorld);
    assert_eq!(st.world.limits(), crate::state::world_limits(&config));
}
