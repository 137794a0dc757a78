//! Log viewer at scale (a bench binary): stream 1,000,000 synthetic training-log lines (4 ranks,
//! NCCL INFO noise, PyTorch progress, a few WARN / return-code / watchdog failures) through the
//! reducer in batches of 2,048 with a refresh per batch, as replay does; then open the viewer
//! on every rank merged and render frames while the cursor moves. Prints ingest time, the log
//! store's bytes against its bound (`AICOCKPIT_LOG_MAX_BYTES`, default 320 MiB), lines kept,
//! the side classification's size, RSS, and frame time p50/p99.

use std::time::Instant;

use aicockpit::contract::action::Action;
use aicockpit::contract::event::{Msg, SourceEvent, TimedEvent};
use aicockpit::settings::keymap::Keymap;
use aicockpit::settings::theme::Theme;
use aicockpit::state::ui::Pane;
use aicockpit::state::{AppState, Mode, update};
use aicockpit::training::view::Level;
use aicockpit::training::view::log_viewer::LogViewer;
use aicockpit::world::log_store::LogStore;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const LINES: usize = 1_000_000;
const BATCH: usize = 2048;
const FRAMES: usize = 200;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

include!("support/logview_lines.rs");

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(i.min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !args.is_empty() && !args.iter().any(|a| "logview".contains(a.as_str())) {
        return;
    }
    let bound: usize = std::env::var("AICOCKPIT_LOG_MAX_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(320 << 20);
    let keymap = Keymap::embedded().expect("embedded keymap");
    let mut st = AppState::new(Mode::Demo, keymap);
    st.world.logs = LogStore::with_max_bytes(bound);
    let rss0 = status_mb("VmRSS:").unwrap_or(0.0);
    let t0 = Instant::now();
    let mut raw_bytes = 0usize;
    let mut i = 0;
    while i < LINES {
        let n = BATCH.min(LINES - i);
        let batch: Vec<TimedEvent> = (i..i + n)
            .map(|k| {
                let (pod, text) = line(k);
                raw_bytes += text.len() + 1;
                TimedEvent {
                    at_ms: k as i64,
                    ev: SourceEvent::Log {
                        namespace: "ml".into(),
                        pod,
                        container: "pytorch".into(),
                        line: text,
                    },
                }
            })
            .collect();
        update(&mut st, Msg::Source(batch));
        update(
            &mut st,
            Msg::Tick {
                now_ms: (i + n) as i64,
            },
        );
        i += n;
    }
    let ingest = t0.elapsed();
    let rss1 = status_mb("VmRSS:").unwrap_or(0.0);
    let store = &st.world.logs;
    println!(
        "ingest: {LINES} lines ({:.1} MiB of text) in {:.2} s = {:.0} lines/s, classification included",
        raw_bytes as f64 / 1048576.0,
        ingest.as_secs_f64(),
        LINES as f64 / ingest.as_secs_f64()
    );
    println!(
        "store: {:.1} MiB accounted of {:.1} MiB bound, {} lines kept, {} dropped; side classification {:.1} MiB",
        store.bytes() as f64 / 1048576.0,
        bound as f64 / 1048576.0,
        store.lines().len(),
        store.dropped,
        (st.training.intel.len() * std::mem::size_of::<aicockpit::training::log_intel::LineMeta>())
            as f64
            / 1048576.0
    );
    assert!(store.bytes() <= bound, "log store over its bound");
    let pods: Vec<(String, String)> = (0..4)
        .map(|r| ("ml".to_string(), format!("train-worker-{r}")))
        .collect();
    let t1 = Instant::now();
    let viewer = LogViewer::new("all ranks", &pods, store, &st.training.intel);
    let open = t1.elapsed();
    println!(
        "viewer: opened over {} lines in {:.0} ms",
        viewer.entries.len(),
        open.as_secs_f64() * 1000.0
    );
    st.training.viewer = Some(viewer);
    st.training.level = Level::Logs;
    st.ui.focus = Pane::Training;
    st.ui.zoom = true;
    st.ui.filters.insert(Pane::Training, "watchdog".into());
    let theme = Theme::default_theme();
    let mut term = Terminal::new(TestBackend::new(160, 50)).expect("terminal");
    let mut times = Vec::with_capacity(FRAMES);
    for f in 0..FRAMES {
        let a = match f % 4 {
            0 => Action::PageUp,
            1 => Action::Up,
            2 => Action::SearchPrev,
            _ => Action::Down,
        };
        update(&mut st, Msg::Action(a));
        let t = Instant::now();
        term.draw(|fr| aicockpit::ui::draw(fr, &st, &theme))
            .expect("draw");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "frames: {FRAMES} at 160x50, p50 {:.2} ms, p99 {:.2} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    println!(
        "rss: {:.0} MiB before, {:.0} MiB after ingest, peak {:.0} MiB",
        rss0,
        rss1,
        status_mb("VmHWM:").unwrap_or(0.0)
    );
}
