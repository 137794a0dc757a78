//! The replay source: a virtual clock over a loaded scenario. `Replayer` is pure (tests and
//! benches drive it directly); `run` wraps it in a task that advances it with the wall clock and
//! obeys `ReplayCmd`s from the effect runner.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::contract::effect::ReplayCmd;
use crate::contract::event::{Msg, ReplayInfo, ReplayStatus, SPEEDS, TimedEvent};
use crate::domain::Millis;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::contract::event::{HealthState, SourceEvent};
use crate::contract::scenario::{FileIndex, Header, Indexer, Line, Scenario, ScenarioError, Span};

/// Check a scenario file and index its event lines, reading it once line by line.
pub fn index_file(path: &std::path::Path) -> Result<FileIndex, ScenarioError> {
    use std::io::BufRead;
    let mut ix = Indexer::new(&path.display().to_string());
    let f = std::fs::File::open(path).map_err(|e| ix.open_error(&e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, f);
    let mut buf = Vec::new();
    let mut offset = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| ix.read_error(&e))?;
        if n == 0 {
            break;
        }
        ix.line(&buf, offset)?;
        offset += n as u64;
    }
    ix.finish()
}

/// Where the events come from: parsed in memory, or read from an indexed file on demand (a
/// large recording then costs only its index in memory).
#[derive(Debug)]
enum Store {
    Parsed(Vec<SourceEvent>),
    File {
        path: PathBuf,
        file: std::fs::File,
        spans: Vec<Span>,
    },
}

/// Why an event checked when the file was opened could not be read again.
#[derive(Debug, thiserror::Error)]
enum ReadAgain {
    #[error(transparent)]
    Io(std::io::Error),
    #[error(transparent)]
    Json(serde_json::Error),
}

/// A scenario and a virtual clock over it.
#[derive(Debug)]
pub struct Replayer {
    header: Header,
    start_ms: Millis,
    /// Scenario time of each event, in order.
    times: Vec<Millis>,
    store: Store,
    cursor: usize,
    pos_ms: Millis,
    speed_idx: usize,
    paused: bool,
    /// Most events handed out per call; the rest stay due for the next call.
    batch: usize,
}

/// Events per step the replay task hands to the reducer, so a huge recording loads progressively
/// with bounded transient memory instead of in one burst.
pub const TASK_BATCH: usize = 2048;

impl Replayer {
    pub fn new(scenario: Scenario) -> Self {
        let (times, events) = scenario.events.into_iter().map(|l| (l.t_ms, l.ev)).unzip();
        Replayer::with_store(
            scenario.header,
            scenario.start_ms,
            times,
            Store::Parsed(events),
        )
    }

    /// A replayer over a scenario file: every line is checked now (the first bad one is an
    /// error naming file and line), but events are read from the file only when they fall due.
    pub fn open(path: &Path) -> Result<Self, ScenarioError> {
        let index = index_file(path)?;
        let file = std::fs::File::open(path).map_err(|e| ScenarioError {
            file: path.display().to_string(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        let times = index.spans.iter().map(|s| s.t_ms).collect();
        let store = Store::File {
            path: path.to_path_buf(),
            file,
            spans: index.spans,
        };
        Ok(Replayer::with_store(
            index.header,
            index.start_ms,
            times,
            store,
        ))
    }

    fn with_store(header: Header, start_ms: Millis, times: Vec<Millis>, store: Store) -> Self {
        Replayer {
            header,
            start_ms,
            times,
            store,
            cursor: 0,
            pos_ms: 0,
            speed_idx: 0,
            paused: false,
            batch: usize::MAX,
        }
    }

    /// Hand out at most `n` events per call (at least one); events beyond stay due.
    pub fn set_batch_limit(&mut self, n: usize) {
        self.batch = n.max(1);
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// `t_ms = 0` as epoch milliseconds.
    pub fn start_ms(&self) -> Millis {
        self.start_ms
    }

    /// Time of the last event.
    pub fn duration_ms(&self) -> Millis {
        self.times.last().copied().unwrap_or(0)
    }

    /// The event at `i`. A file that changed since it was checked yields a source-health event
    /// saying so, never a panic.
    fn event(&self, i: usize) -> SourceEvent {
        match &self.store {
            Store::Parsed(events) => events[i].clone(),
            Store::File { path, file, spans } => {
                let span = spans[i];
                let mut buf = vec![0u8; span.len as usize];
                let parsed = file
                    .read_exact_at(&mut buf, span.offset)
                    .map_err(ReadAgain::Io)
                    .and_then(|()| serde_json::from_slice::<Line>(&buf).map_err(ReadAgain::Json));
                match parsed {
                    Ok(line) => line.ev,
                    Err(e) => SourceEvent::SourceHealth {
                        source: "replay".to_string(),
                        state: HealthState::Degraded,
                        message: format!(
                            "{}: event {} could not be read again ({e}); was the file changed?",
                            path.display(),
                            i + 1
                        ),
                    },
                }
            }
        }
    }

    /// Facts for the header and the timeline strip (`buckets` slices).
    pub fn info(&self, buckets: usize) -> ReplayInfo {
        let duration = self.duration_ms();
        let buckets = buckets.max(1);
        let mut density = vec![0u32; buckets];
        for t in &self.times {
            let b = if duration == 0 {
                0
            } else {
                ((*t as i128 * buckets as i128) / (duration as i128 + 1)) as usize
            };
            density[b.min(buckets - 1)] += 1;
        }
        ReplayInfo {
            name: self.header.scenario.clone(),
            title: self.header.title.clone(),
            start_ms: self.start_ms,
            duration_ms: duration,
            density,
        }
    }

    pub fn status(&self) -> ReplayStatus {
        ReplayStatus {
            pos_ms: self.pos_ms,
            duration_ms: self.duration_ms(),
            speed: SPEEDS[self.speed_idx],
            paused: self.paused,
            cursor: self.cursor,
            total: self.times.len(),
            due: self.times.partition_point(|t| *t <= self.pos_ms),
        }
    }

    /// The virtual clock as event time.
    pub fn now_ms(&self) -> Millis {
        self.start_ms + self.pos_ms
    }

    fn take_until(&mut self, pos: Millis) -> Vec<TimedEvent> {
        let from = self.cursor;
        while self.cursor < self.times.len()
            && self.times[self.cursor] <= pos
            && self.cursor - from < self.batch
        {
            self.cursor += 1;
        }
        (from..self.cursor)
            .map(|i| TimedEvent {
                at_ms: self.start_ms + self.times[i],
                ev: self.event(i),
            })
            .collect()
    }

    /// Events at t = 0 (the initial snapshot), without moving the clock.
    pub fn prime(&mut self) -> Vec<TimedEvent> {
        self.take_until(self.pos_ms)
    }

    /// Move the clock forward by `wall_ms` of real time (times the speed, unless paused) and
    /// return the events that became due.
    pub fn advance(&mut self, wall_ms: Millis) -> Vec<TimedEvent> {
        if !self.paused {
            let end = self.duration_ms();
            self.pos_ms = (self.pos_ms + wall_ms * SPEEDS[self.speed_idx] as Millis).min(end);
        }
        self.take_until(self.pos_ms)
    }

    /// Move the clock to `pos_ms` of scenario time (forward only) and return what became due.
    pub fn advance_to(&mut self, pos_ms: Millis) -> Vec<TimedEvent> {
        self.pos_ms = self.pos_ms.max(pos_ms.min(self.duration_ms()));
        self.take_until(self.pos_ms)
    }

    /// Apply a control command. Returns `(reset, events)`: when `reset` is true the receiver
    /// must drop its derived world before applying `events`.
    pub fn control(&mut self, cmd: ReplayCmd) -> (bool, Vec<TimedEvent>) {
        match cmd {
            ReplayCmd::TogglePause => self.paused = !self.paused,
            ReplayCmd::Faster => self.speed_idx = (self.speed_idx + 1).min(SPEEDS.len() - 1),
            ReplayCmd::Slower => self.speed_idx = self.speed_idx.saturating_sub(1),
            ReplayCmd::JumpStart => {
                self.cursor = 0;
                self.pos_ms = 0;
                return (true, self.take_until(0));
            }
            ReplayCmd::JumpEnd => {
                self.pos_ms = self.duration_ms();
                return (false, self.take_until(self.pos_ms));
            }
            ReplayCmd::Seek(to) => {
                let to = to.clamp(0, self.duration_ms());
                if to < self.pos_ms {
                    self.cursor = 0;
                    self.pos_ms = to;
                    return (true, self.take_until(to));
                }
                self.pos_ms = to;
                return (false, self.take_until(to));
            }
            ReplayCmd::Step => {
                self.paused = true;
                if let Some(next) = self.times.get(self.cursor) {
                    self.pos_ms = *next;
                }
                return (false, self.take_until(self.pos_ms));
            }
        }
        (false, Vec::new())
    }

    pub fn finished(&self) -> bool {
        self.cursor >= self.times.len()
    }
}

/// How often the replay task moves its clock.
pub const STEP: Duration = Duration::from_millis(50);

/// While a replay is behind its clock (a big recording loading), the clock ticks (and so the
/// views refresh) at most this often; batches still flow in between, each with its status.
pub const CATCH_UP_TICK: Duration = Duration::from_millis(250);

/// Batches handed over per `STEP` while the replay is behind its clock.
pub const CATCH_UP_BATCHES: usize = 4;

/// Whether the clock should tick now: always once the replay has caught up with its clock,
/// and at most every `CATCH_UP_TICK` while it is still behind.
pub fn tick_due(status: &ReplayStatus, last_tick: Option<Instant>, now: Instant) -> bool {
    status.cursor >= status.due || last_tick.is_none_or(|t| now.duration_since(t) >= CATCH_UP_TICK)
}

/// What the replay task hands to the reducer after moving the clock.
struct Sender {
    tx: mpsc::UnboundedSender<Msg>,
    last_tick: Option<Instant>,
}

impl Sender {
    /// Send a reset (if any), the events, the clock status and, unless the replay is still
    /// catching up and ticked less than `CATCH_UP_TICK` ago, a tick. False once the receiver
    /// is gone.
    fn send(&mut self, r: &Replayer, reset: bool, evs: Vec<TimedEvent>) -> bool {
        let mut ok = true;
        if reset {
            ok &= self.tx.send(Msg::ResetWorld).is_ok();
        }
        if !evs.is_empty() {
            ok &= self.tx.send(Msg::Source(evs)).is_ok();
        }
        let status = r.status();
        let now = Instant::now();
        if reset || tick_due(&status, self.last_tick, now) {
            self.last_tick = Some(now);
            ok &= self.tx.send(Msg::Tick { now_ms: r.now_ms() }).is_ok();
        }
        ok && self.tx.send(Msg::Replay(status)).is_ok()
    }
}

/// Drive a `Replayer` with the wall clock: sends `ReplayLoaded`, the initial events, then every
/// `STEP` the due events (several batches while catching up), a `Tick` with the virtual time
/// (throttled while catching up, see `CATCH_UP_TICK`) and the clock status. Ends when either
/// channel closes.
pub async fn run(
    mut replayer: Replayer,
    tx: mpsc::UnboundedSender<Msg>,
    mut cmds: mpsc::UnboundedReceiver<ReplayCmd>,
) {
    let mut out = Sender {
        tx,
        last_tick: None,
    };
    replayer.set_batch_limit(TASK_BATCH);
    if out.tx.send(Msg::ReplayLoaded(replayer.info(200))).is_err() {
        return;
    }
    let first = replayer.prime();
    if !out.send(&replayer, false, first) {
        return;
    }
    let mut interval = tokio::time::interval(STEP);
    let mut last = Instant::now();
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let now = Instant::now();
                let wall = now.duration_since(last).as_millis() as Millis;
                last = now;
                let mut evs = replayer.advance(wall);
                for _ in 1..CATCH_UP_BATCHES {
                    let s = replayer.status();
                    if s.cursor >= s.due {
                        break;
                    }
                    if !out.send(&replayer, false, std::mem::take(&mut evs)) {
                        return;
                    }
                    evs = replayer.advance_to(s.pos_ms);
                }
                if !out.send(&replayer, false, evs) {
                    return;
                }
            }
            cmd = cmds.recv() => {
                let Some(cmd) = cmd else { return };
                let (reset, evs) = replayer.control(cmd);
                if !out.send(&replayer, reset, evs) {
                    return;
                }
            }
        }
    }
}
