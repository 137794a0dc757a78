//! Loading benchmark: the synthetic 2,000-node / 40,000-pod recording replayed through the
//! reducer the way the cockpit runs it, with keypresses arriving throughout the load.
//!
//! The run loop is followed step by step on one thread: the replay side hands over batches of
//! `replay::TASK_BATCH` events with their clock status, and a tick only every
//! `replay::CATCH_UP_TICK` while it is behind (`replay::tick_due`, as `replay::run` does); the loop side takes a
//! pending key before anything else and draws its frame at once; otherwise it applies queued
//! messages for at most `app::DRAIN_BUDGET` and draws a 120×40 frame when the state is dirty
//! and `app::FRAME` has passed (as `app::run_loop` does). A key is pressed every `KEY_EVERY`;
//! its latency is from the press to the end of the first frame drawn after it was applied.
//!
//! Reported, as medians over `LOADING_RUNS` loads (default 3): the p50 and p99 keypress-to-frame
//! latency during the load, and the time from the first event to the full screen (the frame
//! after the last event and its tick).
//!
//! `cargo bench --bench loading` (a plain binary, not criterion).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use aicockpit::contract::event::Msg;
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::theme::Theme;
use aicockpit::shell::app::{DRAIN_BUDGET, FRAME};
use aicockpit::sources::generator::{SyntheticOpts, synthetic};
use aicockpit::sources::replay::{CATCH_UP_BATCHES, Replayer, TASK_BATCH, tick_due};
use aicockpit::state::{AppState, Mode, update};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const KEY_EVERY: Duration = Duration::from_millis(50);

/// The replay side: what `replay::run` would have queued by now.
struct Producer {
    rp: Replayer,
    last_tick: Option<Instant>,
    done: bool,
}

impl Producer {
    /// Queue the next step's messages (several batches while behind, ticks throttled).
    fn step(&mut self, q: &mut VecDeque<Msg>) {
        let end = self.rp.duration_ms();
        for _ in 0..CATCH_UP_BATCHES {
            let evs = self.rp.advance_to(end);
            let status = self.rp.status();
            let behind = status.cursor < status.due;
            if !evs.is_empty() {
                q.push_back(Msg::Source(evs));
            }
            let now = Instant::now();
            if tick_due(&status, self.last_tick, now) {
                self.last_tick = Some(now);
                q.push_back(Msg::Tick {
                    now_ms: self.rp.now_ms(),
                });
            }
            q.push_back(Msg::Replay(status));
            if !behind {
                self.done = true;
                return;
            }
        }
    }
}

struct Load {
    latencies: Vec<f64>,
    full_screen: Duration,
}

fn key() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))
}

fn load(opts: &SyntheticOpts) -> Load {
    let mut rp = Replayer::new(synthetic(opts));
    rp.set_batch_limit(TASK_BATCH);
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("embedded keymap"));
    let theme = Theme::plain();
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    update(&mut st, Msg::ReplayLoaded(rp.info(200)));
    update(
        &mut st,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );
    let mut q = VecDeque::new();
    q.push_back(Msg::Source(rp.prime()));
    q.push_back(Msg::Tick {
        now_ms: rp.now_ms(),
    });
    q.push_back(Msg::Replay(rp.status()));
    let mut producer = Producer {
        rp,
        last_tick: None,
        done: false,
    };
    let started = Instant::now();
    let mut next_key = started + KEY_EVERY;
    let mut waiting: Vec<Instant> = Vec::new();
    let mut applied: Vec<Instant> = Vec::new();
    let mut latencies = Vec::new();
    let mut last_draw = started;
    loop {
        if q.is_empty() && !producer.done {
            producer.step(&mut q);
        }
        let now = Instant::now();
        // select!: a pending key first, then the next queued message
        let from_input = now >= next_key;
        if from_input {
            waiting.push(next_key);
            next_key += KEY_EVERY;
            update(&mut st, key());
            applied.append(&mut waiting);
        } else if let Some(msg) = q.pop_front() {
            update(&mut st, msg);
        } else if producer.done {
            break;
        }
        // drain for at most the budget (not between a key and its frame)
        let drain = Instant::now();
        while !from_input && drain.elapsed() < DRAIN_BUDGET {
            if q.is_empty() && !producer.done {
                producer.step(&mut q);
            }
            let Some(msg) = q.pop_front() else { break };
            update(&mut st, msg);
        }
        if st.dirty && (from_input || last_draw.elapsed() >= FRAME) {
            term.draw(|f| aicockpit::ui::draw(f, &st, &theme))
                .expect("draw");
            st.dirty = false;
            last_draw = Instant::now();
            for pressed in applied.drain(..) {
                latencies.push(last_draw.duration_since(pressed).as_secs_f64() * 1000.0);
            }
        }
    }
    term.draw(|f| aicockpit::ui::draw(f, &st, &theme))
        .expect("draw");
    Load {
        latencies,
        full_screen: started.elapsed(),
    }
}

fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn main() {
    let runs: usize = std::env::var("LOADING_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let opts = SyntheticOpts::default();
    let (mut p50, mut p99, mut full, mut keys) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for _ in 0..runs {
        let l = load(&opts);
        keys = l.latencies.len();
        p50.push(quantile(l.latencies.clone(), 0.5));
        p99.push(quantile(l.latencies, 0.99));
        full.push(l.full_screen.as_secs_f64() * 1000.0);
    }
    println!(
        "loading synthetic {} nodes / {} pods, {runs} loads, {keys} keys per load",
        opts.nodes, opts.pods
    );
    println!(
        "keypress-to-frame during load: p50 {:.1} ms, p99 {:.1} ms (medians over loads)",
        quantile(p50, 0.5),
        quantile(p99, 0.5)
    );
    println!("time to full screen: median {:.0} ms", quantile(full, 0.5));
}
