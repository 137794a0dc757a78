//! The scenario format v1 reader (strict, first bad line names file:line), the replay clock, and
//! deterministic replay of the default scenario through the reducer and the renderer.

use aicockpit::contract::effect::ReplayCmd;
use aicockpit::contract::event::SPEEDS;
use aicockpit::contract::event::{Msg, SourceEvent};
use aicockpit::contract::scenario::{self, Scenario, ScenarioError};
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::theme::Theme;
use aicockpit::sources::embedded;
use aicockpit::sources::replay::Replayer;
use aicockpit::state::{AppState, Mode, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

const HEADER: &str = r#"{"schema":1,"scenario":"t","title":"T","start":"2026-11-22T10:30:00Z"}"#;

fn log_line(t: i64, text: &str) -> String {
    format!(
        r#"{{"t_ms":{t},"ev":{{"kind":"log","namespace":"ns","pod":"p","container":"c","line":"{text}"}}}}"#
    )
}

fn parse_err(text: &str) -> ScenarioError {
    scenario::parse(text, "case.jsonl").expect_err("should be rejected")
}

fn lines(extra: &[String]) -> String {
    let mut v = vec![HEADER.to_string()];
    v.extend(extra.iter().cloned());
    v.join("\n")
}

#[test]
fn bad_json_names_its_line() {
    let text = lines(&[
        log_line(0, "a"),
        log_line(5, "b"),
        "{\"t_ms\": 9, \"ev\": ".into(),
    ]);
    let e = parse_err(&text);
    assert_eq!(e.line, 4);
    assert_eq!(e.file, "case.jsonl");
    assert!(e.to_string().starts_with("case.jsonl:4: "), "{e}");
    assert!(e.message.contains("EOF"), "{e}");
}

#[test]
fn time_going_backwards_is_rejected() {
    let e = parse_err(&lines(&[log_line(100, "a"), log_line(99, "b")]));
    assert_eq!(e.line, 3);
    assert_eq!(
        e.message,
        "t_ms 99 goes back in time (previous line was 100)"
    );
}

#[test]
fn unknown_event_kind_is_rejected() {
    let e = parse_err(&lines(&[
        r#"{"t_ms":0,"ev":{"kind":"teleport","to":"mars"}}"#.into(),
    ]));
    assert_eq!(e.line, 2);
    assert!(e.message.contains("unknown variant `teleport`"), "{e}");
}

#[test]
fn unknown_field_in_an_event_is_rejected() {
    let e = parse_err(&lines(&[
        r#"{"t_ms":0,"ev":{"kind":"metric","name":"x","value":1,"colour":"red"}}"#.into(),
    ]));
    assert!(e.message.contains("unknown field `colour`"), "{e}");
}

#[test]
fn wrong_schema_is_rejected() {
    let e = parse_err(r#"{"schema":2,"scenario":"t","title":"T","start":"2026-11-22T10:30:00Z"}"#);
    assert_eq!(e.line, 1);
    assert_eq!(
        e.message,
        "unsupported schema 2 (this build reads schema 1)"
    );
}

#[test]
fn bad_start_time_is_rejected() {
    let e = parse_err(r#"{"schema":1,"scenario":"t","title":"T","start":"yesterday"}"#);
    assert_eq!(e.line, 1);
    assert!(
        e.message.starts_with("bad header start \"yesterday\""),
        "{e}"
    );
}

#[test]
fn upsert_without_api_version_is_rejected() {
    let e = parse_err(&lines(&[
        r#"{"t_ms":0,"ev":{"kind":"upsert","object":{"kind":"Pod","metadata":{"name":"p"}}}}"#
            .into(),
    ]));
    assert_eq!(e.line, 2);
    assert_eq!(e.message, "upsert object has no apiVersion");
    let e = parse_err(&lines(&[
        r#"{"t_ms":0,"ev":{"kind":"upsert","object":{"apiVersion":"v1","kind":"Pod","metadata":{}}}}"#
            .into(),
    ]));
    assert_eq!(e.message, "upsert object has no metadata.name");
}

#[test]
fn binary_garbage_line_is_rejected_with_its_line() {
    let garbage = String::from_utf8_lossy(&[0x00, 0xff, 0x13, 0x37, 0xfe, 0x01, b'{', 0x80]);
    let text = lines(&[log_line(0, "ok"), garbage.into_owned()]);
    let e = parse_err(&text);
    assert_eq!(e.line, 3);
    assert!(e.message.contains("expected value"), "{e}");
}

#[test]
fn two_megabyte_lines_give_short_errors_and_valid_ones_load() {
    let big = "x".repeat(2 * 1024 * 1024);
    let e = parse_err(&lines(&[format!("{{\"t_ms\":0,\"ev\":{big}")]));
    assert_eq!(e.line, 2);
    assert!(
        e.message.len() < 200,
        "error quotes the input: {} bytes",
        e.message.len()
    );
    let ok = scenario::parse(&lines(&[log_line(0, &big)]), "big.jsonl").expect("valid big line");
    match &ok.events[0].ev {
        SourceEvent::Log { line, .. } => assert_eq!(line.len(), big.len()),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn empty_file_is_rejected() {
    for text in ["", "\n\n  \n"] {
        let e = parse_err(text);
        assert_eq!(e.line, 1);
        assert_eq!(e.message, "empty file: expected a header line");
    }
}

#[test]
fn blank_lines_are_skipped_and_text_round_trips() {
    let text = lines(&[log_line(0, "a"), String::new(), log_line(10, "b")]);
    let s = scenario::parse(&text, "ok").expect("valid");
    assert_eq!(s.events.len(), 2);
    let again = scenario::parse(&scenario::to_text(&s), "again").expect("round trip");
    assert_eq!(again, s);
}

fn small() -> Scenario {
    let text = lines(&[
        log_line(0, "a"),
        log_line(0, "b"),
        log_line(1_500, "c"),
        log_line(4_000, "d"),
        log_line(4_000, "e"),
        log_line(10_000, "f"),
    ]);
    scenario::parse(&text, "small").expect("valid")
}

#[test]
fn speeds_cycle_through_1_4_16_60_and_clamp() {
    let mut r = Replayer::new(small());
    let mut seen = vec![r.status().speed];
    for _ in 0..4 {
        r.control(ReplayCmd::Faster);
        seen.push(r.status().speed);
    }
    assert_eq!(seen, vec![1, 4, 16, 60, 60]);
    assert_eq!(SPEEDS, [1, 4, 16, 60]);
    for _ in 0..4 {
        r.control(ReplayCmd::Slower);
    }
    assert_eq!(r.status().speed, 1);
    // At speed 4, one wall second moves four scenario seconds.
    r.prime();
    r.control(ReplayCmd::Faster);
    let due = r.advance(1_000);
    assert_eq!(r.status().pos_ms, 4_000);
    assert_eq!(due.len(), 3, "events at 1.5 s and 4 s");
}

#[test]
fn pause_stops_the_clock() {
    let mut r = Replayer::new(small());
    assert_eq!(r.prime().len(), 2);
    r.control(ReplayCmd::TogglePause);
    assert!(r.status().paused);
    assert!(r.advance(5_000).is_empty());
    assert_eq!(r.status().pos_ms, 0);
    r.control(ReplayCmd::TogglePause);
    assert_eq!(r.advance(2_000).len(), 1);
    assert_eq!(r.status().pos_ms, 2_000);
}

#[test]
fn step_goes_exactly_to_the_next_event_time() {
    let mut r = Replayer::new(small());
    r.prime();
    let (reset, evs) = r.control(ReplayCmd::Step);
    assert!(!reset);
    assert_eq!(r.status().pos_ms, 1_500);
    assert!(r.status().paused);
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].at_ms, r.start_ms() + 1_500);
    let (_, evs) = r.control(ReplayCmd::Step);
    assert_eq!(r.status().pos_ms, 4_000);
    assert_eq!(evs.len(), 2, "both events at 4 s");
}

#[test]
fn jump_start_resets_and_jump_end_delivers_everything() {
    let mut r = Replayer::new(small());
    r.prime();
    r.advance(3_000);
    let (reset, evs) = r.control(ReplayCmd::JumpStart);
    assert!(reset);
    assert_eq!(evs.len(), 2, "the t=0 snapshot again");
    assert_eq!(r.status().pos_ms, 0);
    let (reset, evs) = r.control(ReplayCmd::JumpEnd);
    assert!(!reset);
    assert_eq!(evs.len(), 4);
    assert!(r.finished());
    assert_eq!(r.status().pos_ms, 10_000);
    assert_eq!(r.status().cursor, r.status().total);
}

#[test]
fn density_sums_to_the_event_count() {
    let s = embedded::load(embedded::DEFAULT_SCENARIO).expect("default");
    let n = s.events.len();
    let r = Replayer::new(s);
    for buckets in [1, 7, 200] {
        let info = r.info(buckets);
        assert_eq!(info.density.len(), buckets);
        assert_eq!(info.density.iter().map(|d| *d as usize).sum::<usize>(), n);
    }
    assert!(r.info(200).density.iter().filter(|d| **d > 0).count() > 20);
}

/// Replay the default scenario the way the replay task does (fixed wall steps), then draw.
fn replay_and_draw() -> (AppState, Buffer) {
    let s = embedded::load(embedded::DEFAULT_SCENARIO).expect("default");
    let mut r = Replayer::new(s);
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    update(&mut st, Msg::ReplayLoaded(r.info(100)));
    let first = r.prime();
    update(&mut st, Msg::Source(first));
    r.control(ReplayCmd::Faster);
    r.control(ReplayCmd::Faster);
    r.control(ReplayCmd::Faster);
    while !r.finished() {
        let evs = r.advance(250);
        update(&mut st, Msg::Source(evs));
        update(&mut st, Msg::Tick { now_ms: r.now_ms() });
        update(&mut st, Msg::Replay(r.status()));
    }
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let theme = Theme::plain();
    term.draw(|f| aicockpit::ui::draw(f, &st, &theme))
        .expect("draw");
    let buf = term.backend().buffer().clone();
    (st, buf)
}

#[test]
fn replaying_the_default_scenario_is_deterministic() {
    let (a, fa) = replay_and_draw();
    let (b, fb) = replay_and_draw();
    assert!(a == b, "two replays gave different states");
    assert_eq!(fa, fb);
    assert!(a.world.pods.len() > 40);
    assert_eq!(a.world.applied as usize, {
        let s = embedded::load(embedded::DEFAULT_SCENARIO).expect("default");
        s.events.len()
    });
}

#[test]
fn a_file_backed_replay_delivers_the_same_events_as_a_parsed_one() {
    let s = aicockpit::sources::embedded::load(aicockpit::sources::embedded::DEFAULT_SCENARIO)
        .expect("default scenario");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("default.jsonl");
    std::fs::write(&path, scenario::to_text(&s)).expect("write");
    let mut parsed = Replayer::new(s);
    let mut filed = Replayer::open(&path).expect("index the file");
    assert_eq!(filed.info(50), parsed.info(50));
    assert_eq!(filed.prime(), parsed.prime());
    assert_eq!(filed.advance_to(300_000), parsed.advance_to(300_000));
    let (reset_a, a) = filed.control(ReplayCmd::JumpEnd);
    let (reset_b, b) = parsed.control(ReplayCmd::JumpEnd);
    assert_eq!((reset_a, a.len()), (reset_b, b.len()));
    assert_eq!(a, b);
    assert!(filed.finished());
}

#[test]
fn a_bad_line_in_a_file_is_reported_with_its_number_before_anything_replays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.jsonl");
    let mut text = String::from(
        "{\"schema\":1,\"scenario\":\"x\",\"title\":\"X\",\"start\":\"2026-11-22T00:00:00Z\"}\n",
    );
    text.push_str("{\"t_ms\":0,\"ev\":{\"kind\":\"log\",\"namespace\":\"a\",\"pod\":\"b\",\"line\":\"ok\"}}\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"\xff\xfe garbage\n");
    std::fs::write(&path, bytes).expect("write");
    let err = Replayer::open(&path).expect_err("garbage must be refused");
    assert_eq!(err.line, 3, "{err}");
    assert!(err.to_string().contains("bad.jsonl:3:"), "{err}");
}

#[test]
fn a_batch_limit_spreads_due_events_over_calls_without_losing_any() {
    let s = aicockpit::sources::embedded::load(aicockpit::sources::embedded::DEFAULT_SCENARIO)
        .expect("default scenario");
    let total = s.events.len();
    let mut r = Replayer::new(s);
    r.set_batch_limit(100);
    let (_, first) = r.control(ReplayCmd::JumpEnd);
    assert_eq!(first.len(), 100);
    let mut seen = first.len();
    // The status says the replay is still loading: everything is due, 100 of it applied.
    let st = r.status();
    assert_eq!((st.cursor, st.due, st.total), (100, total, total));
    // Paused or not, what is due keeps coming, at most 100 a call, until nothing is left.
    r.control(ReplayCmd::TogglePause);
    while !r.finished() {
        let got = r.advance(50);
        assert!(!got.is_empty() && got.len() <= 100);
        seen += got.len();
    }
    assert_eq!(seen, total);
    assert_eq!(r.status().cursor, r.status().due, "caught up");
}

#[test]
fn seek_forward_delivers_what_became_due_and_back_replays_from_the_start() {
    let mut r = Replayer::new(small());
    r.prime();
    let (reset, evs) = r.control(ReplayCmd::Seek(4_000));
    assert!(!reset);
    assert_eq!(evs.len(), 3, "1.5 s and both 4 s events");
    assert_eq!(r.status().pos_ms, 4_000);
    let (reset, evs) = r.control(ReplayCmd::Seek(1_500));
    assert!(reset, "going back rebuilds the world");
    assert_eq!(evs.len(), 3, "t=0 snapshot and the 1.5 s event");
    assert_eq!(r.status().pos_ms, 1_500);
    let (_, evs) = r.control(ReplayCmd::Seek(99_000));
    assert_eq!(r.status().pos_ms, 10_000, "clamped to the end");
    assert_eq!(evs.len(), 3);
    assert!(r.finished());
}

#[test]
fn a_replay_behind_its_clock_ticks_at_most_every_catch_up_interval() {
    use aicockpit::sources::replay::{CATCH_UP_TICK, tick_due};
    use std::time::{Duration, Instant};
    let mut r = Replayer::new(small());
    r.set_batch_limit(1);
    r.prime();
    r.control(ReplayCmd::Seek(10_000));
    let behind = r.status();
    assert!(behind.cursor < behind.due, "{behind:?}");
    let now = Instant::now();
    assert!(
        tick_due(&behind, None, now),
        "the first tick is never held back"
    );
    assert!(!tick_due(
        &behind,
        Some(now),
        now + Duration::from_millis(10)
    ));
    assert!(tick_due(&behind, Some(now), now + CATCH_UP_TICK));
    while !r.advance_to(10_000).is_empty() {}
    let caught_up = r.status();
    assert_eq!(caught_up.cursor, caught_up.due);
    assert!(
        tick_due(&caught_up, Some(now), now),
        "caught up: every step ticks"
    );
}
