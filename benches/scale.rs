//! Scale check (a bench binary): build the synthetic 2,000-node / 16,000-GPU / 40,000-pod
//! state, render 200 frames at 120×40 while focus and selection move, and print the frame time
//! p50/p99 and the process RSS. Targets: frame p99 < 8 ms, RSS < 200 MB.

use std::time::Instant;

use aicockpit::contract::action::Action;
use aicockpit::contract::event::{Msg, TimedEvent};
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::theme::Theme;
use aicockpit::sources::generator::{SyntheticOpts, synthetic};
use aicockpit::state::{AppState, Mode, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const FRAMES: usize = 200;
const P99_TARGET_MS: f64 = 8.0;
const RSS_TARGET_MB: f64 = 200.0;

/// A memory figure in MiB from /proc/self/status (`VmRSS`, `VmHWM`); None where that does not
/// exist.
fn status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The binary's allocator, so the RSS figure is the one the cockpit would have.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter that excludes us means: do nothing.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !args.is_empty() && !args.iter().any(|a| "scale".contains(a.as_str())) {
        return;
    }
    let opts = SyntheticOpts::default();
    let t0 = Instant::now();
    let s = synthetic(&opts);
    let gen_ms = t0.elapsed().as_secs_f64() * 1e3;
    let n_events = s.events.len();
    let rss_generated = status_mb("VmRSS:").unwrap_or(0.0);
    let mut st = AppState::new(Mode::Demo, Keymap::embedded().expect("embedded keymap"));
    // Ingest in batches, as a watch stream delivers them, so the scenario's memory is handed
    // back while the state grows.
    let start_ms = s.start_ms;
    let mut lines = s.events.into_iter();
    let t1 = Instant::now();
    loop {
        let batch: Vec<TimedEvent> = lines
            .by_ref()
            .take(4096)
            .map(|l| TimedEvent {
                at_ms: start_ms + l.t_ms,
                ev: l.ev,
            })
            .collect();
        if batch.is_empty() {
            break;
        }
        update(&mut st, Msg::Source(batch));
    }
    drop(lines);
    let ingest_ms = t1.elapsed().as_secs_f64() * 1e3;
    update(
        &mut st,
        Msg::Resize {
            width: 120,
            height: 40,
        },
    );

    let theme = Theme::plain();
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let moves = [
        Action::Down,
        Action::PageDown,
        Action::FocusNext,
        Action::Down,
        Action::Zoom,
        Action::Bottom,
        Action::Zoom,
        Action::FocusPrev,
        Action::Up,
        Action::Top,
    ];
    let mut times = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        update(&mut st, Msg::Action(moves[i % moves.len()]));
        let t = Instant::now();
        term.draw(|f| aicockpit::ui::draw(f, &st, &theme))
            .expect("draw");
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    let p50 = percentile(&times, 0.50);
    let p99 = percentile(&times, 0.99);
    let rss = status_mb("VmRSS:");
    let peak = status_mb("VmHWM:");
    println!(
        "scale: {} nodes, {} pods, {} metric series, {n_events} events",
        st.world.nodes.len(),
        st.world.pods.len(),
        st.world.metrics.len()
    );
    println!(
        "scale: generate {gen_ms:.0} ms (RSS then {rss_generated:.1} MB), ingest {ingest_ms:.0} ms"
    );
    println!(
        "scale: frame p50 {p50:.3} ms, p99 {p99:.3} ms over {FRAMES} frames (target p99 < {P99_TARGET_MS} ms){}",
        if p99 < P99_TARGET_MS { "" } else { "  MISSED" }
    );
    match (rss, peak) {
        (Some(mb), Some(hwm)) => println!(
            "scale: RSS {mb:.1} MB (target < {RSS_TARGET_MB} MB){}, peak {hwm:.1} MB while \
             generating and ingesting",
            if mb < RSS_TARGET_MB { "" } else { "  MISSED" }
        ),
        _ => println!("scale: RSS unavailable (no /proc/self/status)"),
    }
}
