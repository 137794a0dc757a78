//! The run loop. One channel of `Msg` is fed by the replay source task and by the effect
//! runner; terminal input and resizes arrive from crossterm's `EventStream`; signals end the
//! loop. Input and signals are read first. After each message, what is already queued is
//! drained for at most `DRAIN_BUDGET` before drawing, so bursts coalesce into one frame and a
//! long backlog is applied in slices with input and frames in between; a frame is drawn only
//! when the state is dirty, at most every `FRAME`. The initial (t = 0) scenario events are applied before the first frame. A live
//! session's clock ticks every `ui.tick_ms` (a replay's clock is moved by its own task).

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::contract::effect::{Effect, ReplayCmd};
use crate::contract::event::SPEEDS;
use crate::contract::event::WriteError;
use crate::contract::event::{Msg, NoticeLevel};
use crate::settings::keymap::Keymap;
use crate::settings::rules::Rules;
use crate::settings::theme::Theme;
use crate::shell::live::{self, LiveSetup, LiveSources};
use crate::shell::terminal::{self, Term};
use crate::shell::tuning::Tuning;
use crate::sources::replay::{self, Replayer};
use crate::state::{self, AppState, Mode};
use crate::ui;

/// Shortest time between two frames (about 60 fps).
pub const FRAME: Duration = Duration::from_millis(16);
/// How long the first frame waits for the scenario's initial events.
const FIRST_FRAME_WAIT: Duration = Duration::from_millis(100);
/// The longest the loop applies queued messages before it reads input and draws again.
pub const DRAIN_BUDGET: Duration = Duration::from_millis(20);

/// Everything the cockpit needs to start.
pub struct Setup {
    pub mode: Mode,
    /// The recorded incident to replay (parsed, or indexed from a file).
    pub replayer: Replayer,
    pub theme: Theme,
    pub keymap: Keymap,
    /// What config.toml tunes (with the command line's `--speed` applied).
    pub tuning: Tuning,
    /// Shown in the notice area at start (config warnings ...).
    pub notices: Vec<(NoticeLevel, String)>,
    /// When the process started (for the first-frame latency in the program log).
    pub started: Instant,
    /// Connect to a cluster instead of replaying (`replayer` is then not run).
    pub live: Option<LiveSetup>,
    /// Rule data (signatures, alert rules, playbooks: built-ins merged with the user's files).
    pub rules: &'static Rules,
    /// `--local`: `live` runs NVML only, and the Nodes pane opens zoomed.
    pub local: bool,
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// A terminating signal (its number).
    Signal(i32),
}

impl Exit {
    /// The process exit code: 0 on quit, 128 + signal otherwise.
    pub fn code(self) -> u8 {
        match self {
            Exit::Quit => 0,
            Exit::Signal(n) => (128 + n).clamp(0, 255) as u8,
        }
    }
}

/// Take over the terminal, run the cockpit until quit or signal, and restore the terminal.
pub async fn run(setup: Setup) -> anyhow::Result<Exit> {
    let mut signals = Signals::new()?;
    let mut guard = terminal::enter()
        .context("cannot take over the terminal (aicockpit needs an interactive terminal)")?;
    let result = run_loop(&mut guard.terminal, setup, &mut signals).await;
    drop(guard);
    result
}

struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }
}

/// The loop's wiring: the state, the channel back into it and the replay command channel.
struct Runner {
    state: AppState,
    tx: UnboundedSender<Msg>,
    replay_cmds: UnboundedSender<ReplayCmd>,
    /// The cluster sources of a live session.
    live: Option<LiveSources>,
}

enum Flow {
    Continue,
    Quit,
}

impl Runner {
    /// Fold one message into the state and carry out the effects it asks for.
    fn dispatch(&mut self, msg: Msg, term: &mut Term) -> Flow {
        let effects = state::update(&mut self.state, msg);
        for effect in effects {
            if let Flow::Quit = self.run_effect(effect, term) {
                return Flow::Quit;
            }
        }
        if self.state.quit {
            Flow::Quit
        } else {
            Flow::Continue
        }
    }

    fn run_effect(&mut self, effect: Effect, term: &mut Term) -> Flow {
        match effect {
            Effect::Quit => return Flow::Quit,
            Effect::Replay(cmd) => {
                if self.replay_cmds.send(cmd).is_err() {
                    tracing::warn!("replay source has stopped; {cmd:?} ignored");
                }
            }
            Effect::CopyToClipboard(text) => {
                let seq = terminal::osc52(&text);
                let backend = term.backend_mut();
                let notice = match backend
                    .write_all(seq.as_bytes())
                    .and_then(|()| backend.flush())
                {
                    Ok(()) => (
                        NoticeLevel::Info,
                        format!("copied {} bytes to the clipboard", text.len()),
                    ),
                    Err(e) => (NoticeLevel::Error, format!("clipboard: {e}")),
                };
                let _ = self.tx.send(Msg::Notice {
                    level: notice.0,
                    text: notice.1,
                });
            }
            Effect::Live(cmd) => match &mut self.live {
                Some(live) => live.command(cmd),
                None => tracing::warn!("not a live session; {cmd:?} ignored"),
            },
            Effect::WriteFile { path, contents } => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(write_file(&path, &contents).await);
                });
            }
        }
        Flow::Continue
    }

    fn draw(&mut self, term: &mut Term, theme: &Theme) -> std::io::Result<()> {
        term.draw(|frame| ui::draw(frame, &self.state, theme))?;
        self.state.dirty = false;
        Ok(())
    }

    /// Drain what is already queued, for at most `DRAIN_BUDGET`: a long backlog (a big
    /// recording loading) is taken in slices, so input and frames come in between. Returns
    /// `Flow::Quit` if a message asked to quit.
    fn drain(&mut self, rx: &mut UnboundedReceiver<Msg>, term: &mut Term) -> Flow {
        let started = Instant::now();
        while started.elapsed() < DRAIN_BUDGET {
            let Ok(msg) = rx.try_recv() else { break };
            if let Flow::Quit = self.dispatch(msg, term) {
                return Flow::Quit;
            }
        }
        while let Some(msg) = self.live.as_mut().and_then(LiveSources::try_next) {
            if let Flow::Quit = self.dispatch(msg, term) {
                return Flow::Quit;
            }
        }
        Flow::Continue
    }
}

/// Carry out `Effect::WriteFile`: write the file and say how it went (`Msg::Written`).
pub async fn write_file(path: &str, contents: &str) -> Msg {
    let result = match tokio::fs::write(path, contents.as_bytes()).await {
        Ok(()) => {
            tracing::info!("wrote {path} ({} bytes)", contents.len());
            Ok(contents.len())
        }
        Err(e) => {
            tracing::warn!("could not write {path}: {e}");
            Err(WriteError(e.to_string()))
        }
    };
    Msg::Written {
        path: path.to_string(),
        result,
    }
}

/// Turn a terminal event into a message, if it means anything to the reducer.
pub fn input_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

/// A replayer set to the requested speed.
pub fn replayer_at_speed(mut r: Replayer, speed: u32) -> Replayer {
    let steps = SPEEDS.iter().position(|s| *s == speed).unwrap_or(0);
    for _ in 0..steps {
        r.control(ReplayCmd::Faster);
    }
    r
}

/// The next live message, or never when this session replays.
async fn next_live(live: &mut Option<LiveSources>) -> Option<Msg> {
    match live {
        Some(l) => l.next().await,
        None => std::future::pending().await,
    }
}

/// The state a session starts from: its rule data, the world's limits, the device thresholds
/// and the training grace period config.toml tunes; `--local` opens on the Nodes pane, zoomed.
pub fn initial_state(
    mode: Mode,
    keymap: Keymap,
    rules: &'static Rules,
    tuning: &Tuning,
    local: bool,
) -> AppState {
    let mut state = AppState::new(mode, keymap);
    state.rules = Some(rules);
    state.world = crate::world::World::with_limits(tuning.limits);
    state.accel.settings.thresholds = tuning.thresholds.clone();
    state.training.settings = crate::training::view::TrainingSettings::tuned(tuning.stuck_after_ms);
    if local {
        state.ui.focus = crate::state::ui::Pane::Nodes;
        state.ui.zoom = true;
    }
    state
}

async fn run_loop(term: &mut Term, setup: Setup, signals: &mut Signals) -> anyhow::Result<Exit> {
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let (cmd_tx, cmd_rx) = unbounded_channel::<ReplayCmd>();
    let state = initial_state(
        setup.mode,
        setup.keymap,
        setup.rules,
        &setup.tuning,
        setup.local,
    );
    let mut r = Runner {
        state,
        tx: tx.clone(),
        replay_cmds: cmd_tx,
        live: setup.live.map(if setup.local {
            LiveSources::start_local
        } else {
            LiveSources::start
        }),
    };
    let theme = setup.theme;
    let size = term.size()?;
    let _ = tx.send(Msg::Resize {
        width: size.width,
        height: size.height,
    });
    for (level, text) in setup.notices {
        let _ = tx.send(Msg::Notice { level, text });
    }
    let replayer = replayer_at_speed(setup.replayer, setup.tuning.speed);
    let replay_task = if r.live.is_none() {
        tokio::spawn(replay::run(replayer, tx.clone(), cmd_rx))
    } else {
        // A live session has no recording to replay; the handle only keeps the shape.
        tokio::spawn(async {})
    };
    let mut log_sync = tokio::time::interval(Duration::from_secs(2));
    let mut clock = tokio::time::interval(setup.tuning.tick);

    // First frame: apply the initial events (the replay task sends them at once, ending with
    // a clock status), then draw.
    let deadline = tokio::time::Instant::now() + FIRST_FRAME_WAIT;
    while let Ok(Some(msg)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        let primed = matches!(msg, Msg::Replay(_));
        if let Flow::Quit = r.dispatch(msg, term) {
            replay_task.abort();
            return Ok(Exit::Quit);
        }
        if primed {
            break;
        }
    }
    if let Flow::Quit = r.drain(&mut rx, term) {
        replay_task.abort();
        return Ok(Exit::Quit);
    }
    r.draw(term, &theme)?;
    let mut last_draw = Instant::now();
    tracing::info!(
        "first frame drawn {} ms after start",
        setup.started.elapsed().as_millis()
    );

    let mut input = EventStream::new();
    let exit = loop {
        let due = tokio::time::Instant::from_std(last_draw + FRAME);
        // A key's frame is drawn before the backlog is drained again.
        let mut from_input = false;
        let flow = tokio::select! {
            // Input and signals first: a keypress or Ctrl-C is never queued behind a backlog of
            // source messages.
            biased;
            ev = input.next() => match ev {
                Some(Ok(ev)) => match input_msg(ev) {
                    Some(msg) => {
                        from_input = true;
                        r.dispatch(msg, term)
                    }
                    None => Flow::Continue,
                },
                Some(Err(e)) => {
                    replay_task.abort();
                    return Err(anyhow::anyhow!("reading terminal input: {e}"));
                }
                None => {
                    replay_task.abort();
                    return Err(anyhow::anyhow!("terminal input closed"));
                }
            },
            _ = signals.int.recv() => break Exit::Signal(2),
            _ = signals.term.recv() => break Exit::Signal(15),
            _ = signals.hup.recv() => break Exit::Signal(1),
            msg = rx.recv() => match msg {
                Some(msg) => r.dispatch(msg, term),
                // Unreachable while `r.tx` lives; never spin on a closed channel.
                None => return Err(anyhow::anyhow!("message channel closed")),
            },
            _ = tokio::time::sleep_until(due), if r.state.dirty => Flow::Continue,
            msg = next_live(&mut r.live) => match msg {
                Some(msg) => r.dispatch(msg, term),
                None => Flow::Continue,
            },
            _ = clock.tick(), if r.live.is_some() => {
                r.dispatch(Msg::Tick { now_ms: live::now_ms() }, term)
            }
            _ = log_sync.tick(), if r.live.is_some() => {
                if let Some(live) = r.live.as_mut() {
                    live.sync_logs(&r.state);
                }
                Flow::Continue
            }
        };
        if let Flow::Quit = flow {
            break Exit::Quit;
        }
        if !from_input && let Flow::Quit = r.drain(&mut rx, term) {
            break Exit::Quit;
        }
        if r.state.dirty && (from_input || last_draw.elapsed() >= FRAME) {
            r.draw(term, &theme)?;
            last_draw = Instant::now();
        }
    };
    replay_task.abort();
    tracing::info!("cockpit stopped: {exit:?}");
    Ok(exit)
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
