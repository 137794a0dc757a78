//! Replay benchmarks: ingest of the default scenario and of a synthetic 2,000-node cluster
//! through the reducer, one full-frame render of each (120×40), and the first frame of `--demo`
//! (load the embedded default, prime, draw).

use aicockpit::contract::event::{Msg, TimedEvent};
use aicockpit::contract::scenario::Scenario;
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::theme::Theme;
use aicockpit::sources::embedded;
use aicockpit::sources::generator::{SyntheticOpts, synthetic};
use aicockpit::sources::replay::Replayer;
use aicockpit::state::{AppState, Mode, update};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn timed(s: &Scenario) -> Vec<TimedEvent> {
    s.events
        .iter()
        .map(|l| TimedEvent {
            at_ms: s.start_ms + l.t_ms,
            ev: l.ev.clone(),
        })
        .collect()
}

fn fresh() -> AppState {
    AppState::new(Mode::Demo, Keymap::embedded().expect("embedded keymap"))
}

fn ingest(events: Vec<TimedEvent>) -> AppState {
    let mut st = fresh();
    update(&mut st, Msg::Source(events));
    st
}

fn render(c: &mut Criterion, name: &str, st: &AppState) {
    let theme = Theme::plain();
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    c.bench_function(name, |b| {
        b.iter(|| {
            term.draw(|f| aicockpit::ui::draw(f, st, &theme))
                .expect("draw");
        })
    });
}

fn default_scenario(c: &mut Criterion) {
    let s = embedded::load(embedded::DEFAULT_SCENARIO).expect("default scenario");
    let events = timed(&s);
    c.bench_function("ingest/default", |b| {
        b.iter_batched(|| events.clone(), ingest, BatchSize::LargeInput)
    });
    let st = ingest(events);
    render(c, "render/default_120x40", &st);
    c.bench_function("first_frame/default", |b| {
        let theme = Theme::plain();
        b.iter(|| {
            let s = embedded::load(embedded::DEFAULT_SCENARIO).expect("default scenario");
            let mut r = Replayer::new(s);
            let mut st = fresh();
            update(&mut st, Msg::ReplayLoaded(r.info(200)));
            update(&mut st, Msg::Source(r.prime()));
            let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            term.draw(|f| aicockpit::ui::draw(f, &st, &theme))
                .expect("draw");
        })
    });
}

fn synthetic_scale(c: &mut Criterion) {
    let s = synthetic(&SyntheticOpts::default());
    let events = timed(&s);
    drop(s);
    let mut g = c.benchmark_group("synthetic_2000n_16000gpu_40000pods");
    g.sample_size(10);
    g.bench_function("ingest", |b| {
        b.iter_batched(|| events.clone(), ingest, BatchSize::PerIteration)
    });
    g.finish();
    let st = ingest(events);
    render(c, "render/synthetic_120x40", &st);
}

criterion_group!(benches, default_scenario, synthetic_scale);
criterion_main!(benches);
