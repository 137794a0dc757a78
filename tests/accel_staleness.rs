//! Every value knows its age: a node that goes NotReady with its exporter stopped, and a series
//! whose scrapes stopped, read `stale <age>` in the Nodes view (never their last value) and
//! fire no threshold; fresh series are unaffected.

mod common;
#[path = "ui_support/mod.rs"]
mod ui;

use aicockpit::accel::derive::staleness::StaleWhy;
use aicockpit::accel::view::NodeRow;
use aicockpit::contract::action::Action;
use aicockpit::contract::event::{HealthState, Msg, SourceEvent, TimedEvent};
use aicockpit::domain::Millis;
use aicockpit::settings::keymap::Keymap;
use aicockpit::state::ui::Pane;
use aicockpit::state::{self, AppState, Mode};
use common::{k8s, labels, pod, waiting};
use serde_json::Value;

const NODE: &str = "gpu-node-1";
const SCRAPE: Millis = 15_000;
/// The last scrape: six minutes of 99 % utilisation, enough for the 5-minute busy threshold.
const LAST: Millis = 360_000;

fn upsert(at_ms: Millis, object: Value) -> TimedEvent {
    TimedEvent {
        at_ms,
        ev: SourceEvent::Upsert { object },
    }
}

fn metric(at_ms: Millis, name: &str, value: f64) -> TimedEvent {
    let l = labels(&[("gpu", "0"), ("UUID", "GPU-0"), ("Hostname", NODE)]);
    TimedEvent {
        at_ms,
        ev: SourceEvent::Metric {
            name: name.to_string(),
            labels: l,
            value,
        },
    }
}

fn exporter() -> Value {
    pod(
        "gpu-operator",
        "nvidia-dcgm-exporter-q",
        NODE,
        "Running",
        &[("", 0)],
        Some("nvidia-dcgm-exporter"),
    )
}

/// Something else happening at `at_ms`, so the views refresh then.
fn other(at_ms: Millis) -> TimedEvent {
    TimedEvent {
        at_ms,
        ev: SourceEvent::SourceHealth {
            source: "kube:pods".to_string(),
            state: HealthState::Ok,
            message: String::new(),
        },
    }
}

fn feed(st: &mut AppState, events: Vec<TimedEvent>, now_ms: Millis) {
    state::update(st, Msg::Source(events));
    state::update(st, Msg::Tick { now_ms });
}

/// A Ready node with its exporter running, scraped every 15 s until `LAST`.
fn scraped() -> AppState {
    let keymap = Keymap::embedded().expect("embedded keymap");
    let mut st = AppState::new(Mode::Demo, keymap);
    let mut ev = vec![
        upsert(0, k8s("node_gpu_7_of_8.json")),
        upsert(0, exporter()),
    ];
    for i in 0..=LAST / SCRAPE {
        ev.push(metric(i * SCRAPE, "DCGM_FI_DEV_GPU_UTIL", 99.0));
        ev.push(metric(i * SCRAPE, "DCGM_FI_DEV_GPU_TEMP", 60.0));
    }
    feed(&mut st, ev, LAST);
    st
}

fn row(st: &AppState) -> &NodeRow {
    st.accel
        .rows
        .iter()
        .find(|r| r.name == NODE)
        .expect("node row")
}

fn busy(st: &AppState) -> bool {
    st.accel.breaches.get(NODE).is_some_and(|b| !b.is_empty())
}

fn screen(st: &mut AppState) -> String {
    st.ui.focus = Pane::Nodes;
    state::update(st, Msg::Action(Action::Zoom));
    ui::render(st, 120, 30)
}

#[test]
fn fresh_series_show_their_values_and_breach() {
    let mut st = scraped();
    feed(&mut st, vec![other(LAST + 10_000)], LAST + 10_000);
    let r = row(&st);
    assert_eq!((r.util, r.temp, r.stale), (Some(99.0), Some(60.0), None));
    assert!(busy(&st), "{:?}", st.accel.breaches);
    let s = screen(&mut st);
    assert!(s.contains("99%") && !s.contains("stale"), "{s}");
}

#[test]
fn not_ready_node_with_its_exporter_stopped_reads_stale() {
    let mut st = scraped();
    let mut node = k8s("node_gpu_7_of_8.json");
    node["status"]["conditions"][0]["status"] = "False".into();
    let down = waiting(exporter(), "CrashLoopBackOff");
    feed(
        &mut st,
        vec![upsert(LAST + 5_000, node), upsert(LAST + 5_000, down)],
        LAST + 5_000,
    );
    let twelve = LAST + 12 * 60_000;
    feed(&mut st, vec![other(twelve)], twelve);
    let r = row(&st);
    assert_eq!(
        (r.util, r.mem_pct, r.temp, r.power),
        (None, None, None, None)
    );
    let stale = r.stale.expect("stale");
    assert_eq!((stale.since, stale.why), (LAST, StaleWhy::NodeNotReady));
    assert!(
        !busy(&st),
        "a stale reading fires no threshold: {:?}",
        st.accel.breaches
    );
    let s = screen(&mut st);
    assert!(s.contains("stale 12m"), "{s}");
    assert!(!s.contains("99%"), "{s}");
}

#[test]
fn a_series_whose_scrapes_stopped_goes_stale_after_two_intervals() {
    let mut st = scraped();
    // within two scrape intervals (30 s) the last values are current
    feed(&mut st, vec![other(LAST + 2 * SCRAPE)], LAST + 2 * SCRAPE);
    assert_eq!(row(&st).util, Some(99.0));
    assert!(busy(&st));
    feed(
        &mut st,
        vec![other(LAST + 2 * SCRAPE + 1)],
        LAST + 2 * SCRAPE + 1,
    );
    let r = row(&st);
    assert_eq!(r.util, None);
    let stale = r.stale.expect("stale");
    assert_eq!((stale.since, stale.why), (LAST, StaleWhy::NoScrape));
    assert!(!busy(&st), "{:?}", st.accel.breaches);
    let s = screen(&mut st);
    assert!(s.contains("stale 30s"), "{s}");
}

#[test]
fn the_drill_down_says_a_device_is_stale() {
    let mut st = scraped();
    let at = LAST + 5 * 60_000;
    feed(&mut st, vec![other(at)], at);
    st.ui.focus = Pane::Nodes;
    state::update(&mut st, Msg::Action(Action::Zoom));
    let i = st
        .accel
        .rows
        .iter()
        .position(|r| r.name == NODE)
        .expect("row");
    st.ui.selected.insert(Pane::Nodes, i);
    state::update(&mut st, Msg::Action(Action::Select));
    let s = ui::render(&st, 120, 40);
    assert!(s.contains("stale 5m · no recent scrape"), "{s}");
}
