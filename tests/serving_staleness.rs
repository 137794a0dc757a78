//! Every figure knows its age: once an endpoint's latency histogram stops being scraped, its
//! quantiles and error ratio read `stale` after two scrape intervals instead of the last
//! window's values; while scraped they are values.

use aicockpit::contract::event::{HealthState, Msg, SourceEvent, TimedEvent};
use aicockpit::serving::derive::objectives::Stat;
use aicockpit::serving::view::EndpointView;
use aicockpit::settings::keymap::Keymap;
use aicockpit::sources::generator::{self, vllm_queue};
use aicockpit::state::{AppState, Mode, update};

fn endpoint(st: &AppState) -> &EndpointView {
    st.serving
        .endpoints
        .iter()
        .find(|e| e.endpoint.key.name == vllm_queue::APP)
        .expect("endpoint")
}

fn at(st: &mut AppState, now_ms: i64, events: Vec<TimedEvent>) {
    update(st, Msg::Source(events));
    update(st, Msg::Tick { now_ms });
}

fn nudge(now_ms: i64) -> Vec<TimedEvent> {
    vec![TimedEvent {
        at_ms: now_ms,
        ev: SourceEvent::SourceHealth {
            source: "kube:pods".to_string(),
            state: HealthState::Ok,
            message: String::new(),
        },
    }]
}

#[test]
fn quantiles_go_stale_when_scrapes_stop() {
    let s = generator::generate(vllm_queue::VLLM_QUEUE).expect("known");
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("keymap"));
    let events: Vec<TimedEvent> = s
        .events
        .iter()
        .map(|e| TimedEvent {
            at_ms: s.start_ms + e.t_ms,
            ev: e.ev.clone(),
        })
        .collect();
    let end = s.start_ms + s.duration_ms();
    at(&mut st, end, events);
    let e = endpoint(&st);
    let stats = e.stats.as_ref().expect("stats");
    assert!(stats.p95.value().is_some(), "{stats:?}");
    assert_eq!(e.stale_since, None);
    // three minutes with no scrape: well past two intervals, still inside the 5-minute window
    let later = end + 3 * 60_000;
    at(&mut st, later, nudge(later));
    let e = endpoint(&st);
    let stats = e.stats.as_ref().expect("stats");
    for q in [stats.p50, stats.p95, stats.p99, stats.err_ratio] {
        assert_eq!(q, Stat::Unavailable("stale"), "{stats:?}");
    }
    let since = e.stale_since.expect("stale");
    assert!(since <= end && later - since >= 3 * 60_000, "{since}");
}
