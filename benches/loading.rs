//! Loading benchmark: the synthetic 2,000-node / 40,000-pod recording replayed through the
//! reducer the way the run loop feeds it (batches of `replay::TASK_BATCH` events, each followed
//! by a clock tick), with a keypress arriving during the load.
//!
//! Reported, as medians over `RUNS` loads (and the 99th percentile of the per-batch figures):
//! - keypress-to-frame: the work a key waits behind (the batch and tick being applied when it
//!   arrives), then the key itself and one full 120×40 frame;
//! - time to the full screen: from the first event to the frame drawn after the last one.
//!
//! `cargo bench --bench loading` (plain binary; `LOADING_RUNS=N` sets the number of loads).

use std::time::{Duration, Instant};

use aicockpit::contract::event::Msg;
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::theme::Theme;
use aicockpit::sources::generator::{SyntheticOpts, synthetic};
use aicockpit::sources::replay::{Replayer, TASK_BATCH};
use aicockpit::state::{AppState, Mode, update};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// One load: per-batch costs and the time to the full screen.
struct Load {
    /// Per batch: applying its events and the tick after them.
    batches: Vec<Duration>,
    /// Per batch: a key and the frame drawn after it, at that point of the load.
    key_frames: Vec<Duration>,
    full_screen: Duration,
}

fn key() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))
}

fn load(opts: &SyntheticOpts) -> Load {
    let scenario = synthetic(opts);
    let mut rp = Replayer::new(scenario);
    rp.set_batch_limit(TASK_BATCH);
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("embedded keymap"));
    let theme = Theme::plain();
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    update(&mut st, Msg::ReplayLoaded(rp.info(120)));
    update(
        &mut st,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    let end = rp.duration_ms();
    let mut out = Load {
        batches: Vec::new(),
        key_frames: Vec::new(),
        full_screen: Duration::ZERO,
    };
    let started = Instant::now();
    let mut evs = rp.prime();
    loop {
        if evs.is_empty() {
            if rp.finished() {
                break;
            }
            evs = rp.advance_to(end);
            continue;
        }
        let t = Instant::now();
        update(&mut st, Msg::Source(evs));
        update(
            &mut st,
            Msg::Tick {
                now_ms: rp.now_ms(),
            },
        );
        update(&mut st, Msg::Replay(rp.status()));
        out.batches.push(t.elapsed());
        let t = Instant::now();
        update(&mut st, key());
        term.draw(|f| aicockpit::ui::draw(f, &st, &theme))
            .expect("draw");
        out.key_frames.push(t.elapsed());
        evs = rp.advance_to(end);
    }
    term.draw(|f| aicockpit::ui::draw(f, &st, &theme))
        .expect("draw");
    out.full_screen = started.elapsed();
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i]
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the arguments.
    let runs: usize = std::env::var("LOADING_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let opts = SyntheticOpts::default();
    let mut key_p50 = Vec::new();
    let mut key_p99 = Vec::new();
    let mut full = Vec::new();
    let mut batches = 0;
    for _ in 0..runs {
        let l = load(&opts);
        batches = l.batches.len();
        // A key arriving as a batch starts waits for all of it: batch + its own frame.
        let waits: Vec<f64> = l
            .batches
            .iter()
            .zip(&l.key_frames)
            .map(|(b, k)| ms(*b) + ms(*k))
            .collect();
        key_p50.push(quantile(waits.clone(), 0.5));
        key_p99.push(quantile(waits, 0.99));
        full.push(ms(l.full_screen));
    }
    println!(
        "loading synthetic {} nodes / {} pods: {batches} batches of {TASK_BATCH}, {runs} loads",
        opts.nodes, opts.pods
    );
    println!(
        "keypress-to-frame during load: median of per-load p50 {:.1} ms, median of per-load p99 {:.1} ms",
        quantile(key_p50, 0.5),
        quantile(key_p99, 0.5)
    );
    println!("time to full screen: median {:.0} ms", quantile(full, 0.5));
}
