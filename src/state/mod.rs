//! AppState and the reducer `update(&mut AppState, Msg) -> Vec<Effect>`: the one writer of
//! state. Synchronous and free of I/O; time arrives only through `Msg::Tick` and event stamps.

pub mod filter;
pub mod live_cmd;
pub mod notices;
pub mod open;
pub mod replay_cmd;
pub mod ui;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::contract::action::Action;
use crate::contract::effect::{Effect, ReplayCmd};
use crate::contract::event::{Msg, NoticeLevel, ReplayInfo, ReplayStatus};
use crate::domain::Millis;
use crate::settings::config::Config;
use crate::settings::keymap::Keymap;
use crate::settings::rules::{Rules, RulesError};
use crate::triage::attention_rank::Ranked;
use crate::triage::summary::{Summary, summarize};
use crate::world::World;
use ui::{InputMode, Pane, UiState};

/// How the cockpit is connected.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mode {
    /// Replaying an embedded scenario (`--demo`): read-only.
    #[default]
    Demo,
    /// Replaying a scenario file (`--replay`): read-only.
    Replay,
    /// Connected to a cluster context.
    Live { context: String, read_only: bool },
}

impl Mode {
    /// Replaying a recording (embedded or a file): the clock can be moved.
    pub fn is_replay(&self) -> bool {
        matches!(self, Mode::Demo | Mode::Replay)
    }

    pub fn read_only(&self) -> bool {
        match self {
            Mode::Demo | Mode::Replay => true,
            Mode::Live { read_only, .. } => *read_only,
        }
    }
}

/// The whole application state.
#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub mode: Mode,
    pub world: World,
    pub ui: UiState,
    pub keymap: Keymap,
    /// The rule data (signatures, alert rules, playbooks) set by the caller, built-ins merged
    /// with the user's files; the built-ins alone when `None` (see `rules`).
    pub rules: Option<&'static Rules>,
    pub replay: Option<ReplayInfo>,
    pub replay_status: Option<ReplayStatus>,
    /// The Triage pane's attention list, ranked by the Triage view on a tick after the world
    /// changed (not per frame, not per source batch).
    pub attention: Vec<Ranked>,
    /// The header's headline counts, refreshed with the views.
    pub summary: Summary,
    /// Derived per-pane views, refreshed on a tick after the world changed.
    pub accel: crate::accel::view::AccelView,
    pub training: crate::training::view::TrainingView,
    pub serving: crate::serving::view::ServingView,
    pub triage: crate::triage::view::TriageView,
    /// The world changed since the views were last refreshed.
    pub views_stale: bool,
    /// The clock as last ticked (event time).
    pub now_ms: Millis,
    /// Something changed since the last draw.
    pub dirty: bool,
    pub quit: bool,
}

impl AppState {
    /// A fresh state. The world keeps what the embedded `assets/config.toml` allows; callers
    /// with a loaded configuration set `world` from it (`World::with_limits`).
    pub fn new(mode: Mode, keymap: Keymap) -> Self {
        let world = match Config::embedded() {
            Ok(c) => World::with_limits(world_limits(c)),
            Err(_) => World::default(),
        };
        AppState {
            mode,
            world,
            ui: UiState::default(),
            keymap,
            rules: None,
            replay: None,
            replay_status: None,
            attention: Vec::new(),
            summary: Summary::default(),
            accel: Default::default(),
            training: Default::default(),
            serving: Default::default(),
            triage: Default::default(),
            // Nothing is derived yet: the first tick refreshes every view.
            views_stale: true,
            now_ms: 0,
            dirty: true,
            quit: false,
        }
    }
}

impl AppState {
    /// The rule data in force: what the caller set, else the built-ins.
    pub fn rules(&self) -> Result<&'static Rules, &'static RulesError> {
        match self.rules {
            Some(r) => Ok(r),
            None => Rules::builtin(),
        }
    }
}

/// How much the world keeps, from the config (`metrics.points`, `logs.max_bytes`).
pub fn world_limits(c: &Config) -> crate::world::Limits {
    crate::world::Limits {
        metric_points: c.metrics.points,
        log_bytes: c.logs.max_bytes,
    }
}

/// Recompute every derived pane view from the world (on a tick, when the world changed).
pub fn refresh_views(state: &mut AppState) {
    state.views_stale = false;
    crate::accel::view::refresh(state);
    crate::training::view::refresh(state);
    crate::serving::view::refresh(state);
    crate::triage::view::refresh(state);
    let mut s = summarize(&state.world, &state.training.jobs);
    s.endpoints_breaching = state.serving.breaching();
    // the inventory's health flags, once the Nodes view has them
    if let Some((healthy, total)) = state.accel.device_counts {
        (s.accel_healthy, s.accel_total) = (healthy, total);
    }
    state.summary = s;
}

/// The reducer: fold one message into the state and say what I/O should follow.
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    state.dirty = true;
    match msg {
        Msg::Source(batch) => {
            for te in &batch {
                notices::source_health(state, te);
                state.world.apply(te);
            }
            state.views_stale = true;
            Vec::new()
        }
        Msg::Key(key) => {
            let effects = on_key(state, key);
            after_input(state);
            effects
        }
        Msg::Action(action) => {
            let effects = on_action(state, action);
            after_input(state);
            effects
        }
        Msg::Tick { now_ms } => {
            state.dirty = now_ms / 1000 != state.now_ms / 1000;
            state.now_ms = now_ms;
            // A job turns Stuck or Failing with time alone once a pod waits long enough.
            let due = state.training.due_ms.is_some_and(|d| d <= now_ms);
            if state.views_stale || due {
                refresh_views(state);
                state.dirty = true;
            } else if crate::triage::view::on_tick(state) {
                state.dirty = true;
            }
            Vec::new()
        }
        Msg::Resize { width, height } => {
            state.ui.width = width;
            state.ui.height = height;
            Vec::new()
        }
        Msg::ReplayLoaded(info) => {
            state.now_ms = info.start_ms;
            state.replay = Some(info);
            Vec::new()
        }
        Msg::Replay(status) => {
            state.replay_status = Some(status);
            crate::triage::view::on_status(state);
            Vec::new()
        }
        Msg::ResetWorld => {
            state.world = state.world.emptied();
            state.attention.clear();
            state.views_stale = true;
            Vec::new()
        }
        Msg::Notice { level, text } => {
            state.ui.notify(level, text, state.now_ms);
            Vec::new()
        }
        Msg::Written { path, result } => {
            notices::written(state, &path, result);
            Vec::new()
        }
    }
}

/// Keep what views hold for a drill-down to the row drilled into: a key or an action may open,
/// close or move it (Enter, Esc, a sort, a filter) without the world changing.
fn after_input(state: &mut AppState) {
    crate::accel::view::detail::sync(state);
}

fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return on_action(state, Action::Quit);
    }
    match state.ui.mode {
        InputMode::Normal => match state.keymap.resolve(&key) {
            Some(action) => on_action(state, action),
            None => {
                state.dirty = false;
                Vec::new()
            }
        },
        InputMode::Filter | InputMode::Command => on_input_key(state, key),
    }
}

fn on_input_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let ui = &mut state.ui;
    match key.code {
        KeyCode::Esc => {
            if ui.mode == InputMode::Filter {
                ui.filters.remove(&ui.focus);
            }
            ui.mode = InputMode::Normal;
            ui.input.clear();
        }
        KeyCode::Enter => {
            let text = std::mem::take(&mut ui.input);
            let mode = std::mem::take(&mut ui.mode);
            if mode == InputMode::Command {
                return run_command(state, text.trim());
            }
        }
        KeyCode::Backspace => {
            ui.input.pop();
            if ui.mode == InputMode::Filter {
                ui.filters.insert(ui.focus, ui.input.clone());
            }
        }
        KeyCode::Char(c) => {
            ui.input.push(c);
            if ui.mode == InputMode::Filter {
                ui.filters.insert(ui.focus, ui.input.clone());
                ui.selected.insert(ui.focus, 0);
            }
        }
        _ => state.dirty = false,
    }
    Vec::new()
}

fn run_command(state: &mut AppState, cmd: &str) -> Vec<Effect> {
    let (word, arg) = cmd.split_once(' ').unwrap_or((cmd, ""));
    if let Some(effects) = live_cmd::command(state, word, arg) {
        return effects;
    }
    match word {
        "q" | "quit" => return on_action(state, Action::Quit),
        "help" => state.ui.help = true,
        "seek" => return replay_cmd::seek(state, arg),
        "speed" => return replay_cmd::speed(state, arg),
        other
            if state.ui.focus == Pane::Training
                && crate::training::view::on_command(state, other, arg) => {}
        other => match Pane::from_command(other) {
            Some(p) => state.ui.focus = p,
            None => state.ui.notify(
                NoticeLevel::Warn,
                format!("unknown command :{cmd}"),
                state.now_ms,
            ),
        },
    }
    Vec::new()
}

fn on_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    let ui = &mut state.ui;
    if ui.help && !matches!(action, Action::Help | Action::Back | Action::Quit) {
        state.dirty = false;
        return Vec::new();
    }
    let pane_effects = match ui.focus {
        Pane::Nodes => crate::accel::view::on_action(state, action),
        Pane::Training => crate::training::view::on_action(state, action),
        Pane::Serving => crate::serving::view::on_action(state, action),
        Pane::Triage => crate::triage::view::on_action(state, action),
        Pane::Events if action == Action::Select => {
            open::event(state);
            Some(Vec::new())
        }
        Pane::Events | Pane::Log => None,
    };
    if let Some(effects) = pane_effects {
        return effects;
    }
    let ui = &mut state.ui;
    let page = (ui.height as isize / 2).max(5);
    match action {
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        Action::Help => ui.help = !ui.help,
        Action::Back => {
            if ui.help {
                ui.help = false;
            } else if ui.drilled.remove(&ui.focus) {
            } else if ui.zoom {
                ui.zoom = false;
            } else {
                ui.filters.remove(&ui.focus);
            }
        }
        Action::FocusNext => ui.focus = ui.focus.next(),
        Action::FocusPrev => ui.focus = ui.focus.prev(),
        Action::FocusNodes => ui.focus = Pane::Nodes,
        Action::FocusTraining => ui.focus = Pane::Training,
        Action::FocusServing => ui.focus = Pane::Serving,
        Action::FocusTriage => ui.focus = Pane::Triage,
        Action::FocusEvents => ui.focus = Pane::Events,
        Action::FocusLog => ui.focus = Pane::Log,
        Action::Zoom => ui.zoom = !ui.zoom,
        Action::Filter => {
            // `/` starts a new filter: the old one goes and typing starts afresh.
            ui.mode = InputMode::Filter;
            ui.input.clear();
            ui.filters.remove(&ui.focus);
        }
        Action::Command => {
            ui.mode = InputMode::Command;
            ui.input.clear();
        }
        Action::Up => ui.move_selection(-1),
        Action::Down => ui.move_selection(1),
        Action::PageUp => ui.move_selection(-page),
        Action::PageDown => ui.move_selection(page),
        Action::Top => {
            ui.selected.insert(ui.focus, 0);
        }
        Action::Bottom => {
            ui.selected.insert(ui.focus, usize::MAX / 2);
        }
        Action::Select => {
            ui.drilled.insert(ui.focus);
        }
        Action::Sort => {
            let spec = ui.sort.entry(ui.focus).or_default();
            spec.column += 1;
        }
        Action::SortReverse => {
            let spec = ui.sort.entry(ui.focus).or_default();
            spec.reverse = !spec.reverse;
        }
        Action::ReplayPause => return vec![Effect::Replay(ReplayCmd::TogglePause)],
        Action::ReplayFaster => return vec![Effect::Replay(ReplayCmd::Faster)],
        Action::ReplaySlower => return vec![Effect::Replay(ReplayCmd::Slower)],
        Action::ReplayStart => return vec![Effect::Replay(ReplayCmd::JumpStart)],
        Action::ReplayEnd => return vec![Effect::Replay(ReplayCmd::JumpEnd)],
        Action::ReplayStep => return vec![Effect::Replay(ReplayCmd::Step)],
        Action::SearchNext
        | Action::SearchPrev
        | Action::Follow
        | Action::Wrap
        | Action::Timestamps
        | Action::JumpError
        | Action::Save
        | Action::Copy
        | Action::HistoryBack
        | Action::HistoryForward => state.dirty = false,
        // Triage from anywhere: focus the Triage pane and let it run.
        Action::WhatsWrong | Action::Walkthrough => {
            state.ui.focus = Pane::Triage;
            return crate::triage::view::on_action(state, action).unwrap_or_default();
        }
    }
    Vec::new()
}
