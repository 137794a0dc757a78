//! The live session's sources, as the run loop sees them: the Kubernetes watchers for one
//! kubeconfig context and namespace scope, NVML, Prometheus, and log followers for the pods of
//! training jobs (the run loop ticks the wall clock itself, every `ui.tick_ms`). Each (re)start gets fresh channels, so nothing from a context the user has
//! left can arrive after `:ctx` / `:ns`. Log lines come through a bounded channel: when the
//! cockpit falls behind, followers stop reading and their streams wait (back-pressure).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::contract::effect::LiveCmd;
use crate::contract::event::{HealthState, Msg, SourceEvent, TimedEvent};
use crate::contract::scenario::{Header, SCHEMA_VERSION, Scenario};
use crate::sources::kube::{self, KubeOpts};
use crate::sources::kube_logs::{self, LogOpts, LogTarget};
use crate::sources::kubeconfig;
use crate::sources::nvml;
use crate::sources::prometheus::{self, PromOpts};
use crate::sources::replay::Replayer;
use crate::state::AppState;

/// At most this many pod logs are followed at once.
pub const MAX_FOLLOWED: usize = 64;
/// Log batches in flight between the followers and the cockpit.
pub const LOG_QUEUE: usize = 32;
/// Cluster events already queued are folded in together, up to this many: the reducer ranks
/// the attention list once per batch, so a 40,000-pod list arriving in pages of 500 costs a few
/// rankings, not eighty.
pub const MAX_COALESCE: usize = 50_000;
/// Cluster event batches are handed out at most this often; what arrives meanwhile waits in the
/// queue and joins the next batch (during a big initial list this bounds the rankings).
pub const PACE: Duration = Duration::from_millis(200);
/// How often `--local` reads the GPUs.
pub const LOCAL_EVERY: Duration = Duration::from_secs(1);
/// The health source of the connection itself (kubeconfig, client).
pub const KUBE_SOURCE: &str = "kube";

/// Where and how to connect (from the command line).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LiveSetup {
    pub kubeconfig: Option<PathBuf>,
    /// `None`: the kubeconfig's current context.
    pub context: Option<String>,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
    pub read_only: bool,
    /// Follow the logs of training-job pods.
    pub follow_logs: bool,
    /// Read metrics from this Prometheus.
    pub prometheus: Option<PromOpts>,
    /// Read this machine's GPUs through NVML when it is present.
    pub nvml: bool,
}

impl LiveSetup {
    /// The context name to show: the one asked for, or the kubeconfig's current one, or why
    /// there is none.
    pub fn context_name(&self) -> String {
        match &self.context {
            Some(c) => c.clone(),
            None => match kubeconfig::current_context(self.kubeconfig.as_deref()) {
                Ok((ctx, _)) => ctx,
                Err(_) => "(no kubeconfig context)".to_string(),
            },
        }
    }
}

/// A replayer over an empty recording, for the `Setup` of a live session (it is not run).
pub fn idle_replayer() -> Replayer {
    Replayer::new(Scenario {
        header: Header {
            schema: SCHEMA_VERSION,
            scenario: "live".into(),
            title: String::new(),
            description: String::new(),
            start: "1970-01-01T00:00:00Z".into(),
        },
        start_ms: 0,
        events: Vec::new(),
    })
}

/// The wall clock, in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn health_msg(state: HealthState, message: String) -> Msg {
    Msg::Source(vec![TimedEvent {
        at_ms: now_ms(),
        ev: SourceEvent::SourceHealth {
            source: KUBE_SOURCE.to_string(),
            state,
            message,
        },
    }])
}

/// The running live sources.
pub struct LiveSources {
    setup: LiveSetup,
    rx: mpsc::UnboundedReceiver<Msg>,
    /// A sender of `rx` kept here, so the channel stays open (and `next` waits) when every
    /// source task has ended, as after a failed connection.
    _open: mpsc::UnboundedSender<Msg>,
    log_tx: mpsc::Sender<Msg>,
    log_rx: mpsc::Receiver<Msg>,
    client: watch::Receiver<Option<::kube::Client>>,
    tasks: Vec<JoinHandle<()>>,
    logs: HashMap<LogTarget, JoinHandle<()>>,
    /// A message taken from the queue while coalescing, handed out next.
    held: Option<Msg>,
    /// When the last cluster batch was handed out.
    last_batch: Option<tokio::time::Instant>,
    /// `--local`: this machine's GPUs through NVML only, no cluster.
    local: bool,
}

impl LiveSources {
    /// Start the sources for `setup` (connecting happens in the background; failures arrive as
    /// source health and the UI runs on).
    pub fn start(setup: LiveSetup) -> LiveSources {
        Self::start_with(setup, false)
    }

    /// Start the sources of `--local`: NVML only (its absence is reported as
    /// source health, since nothing else will fill the screen).
    pub fn start_local(setup: LiveSetup) -> LiveSources {
        Self::start_with(setup, true)
    }

    fn start_with(setup: LiveSetup, local: bool) -> LiveSources {
        let (_open, rx) = mpsc::unbounded_channel();
        let (log_tx, log_rx) = mpsc::channel(LOG_QUEUE);
        let (_, client) = watch::channel(None);
        let mut s = LiveSources {
            setup,
            rx,
            _open,
            log_tx,
            log_rx,
            client,
            tasks: Vec::new(),
            logs: HashMap::new(),
            held: None,
            last_batch: None,
            local,
        };
        s.restart();
        s
    }

    /// The setup currently in force (after any `:ctx` / `:ns`).
    pub fn setup(&self) -> &LiveSetup {
        &self.setup
    }

    fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
        for (_, t) in self.logs.drain() {
            t.abort();
        }
    }

    fn restart(&mut self) {
        self.stop();
        let (tx, rx) = mpsc::unbounded_channel();
        let (log_tx, log_rx) = mpsc::channel(LOG_QUEUE);
        let (client_tx, client_rx) = watch::channel(None);
        self.rx = rx;
        self._open = tx.clone();
        self.held = None;
        self.log_tx = log_tx;
        self.log_rx = log_rx;
        self.client = client_rx;
        if self.local {
            self.tasks
                .push(tokio::spawn(nvml::run_reporting(tx, LOCAL_EVERY, true)));
            return;
        }
        if self.setup.nvml {
            self.tasks
                .push(tokio::spawn(nvml::run(tx.clone(), Duration::from_secs(5))));
        }
        if let Some(p) = self.setup.prometheus.clone() {
            self.tasks
                .push(tokio::spawn(prometheus::run(p, tx.clone())));
        }
        let setup = self.setup.clone();
        self.tasks.push(tokio::spawn(async move {
            connect_and_watch(setup, tx, client_tx).await;
        }));
    }

    /// Carry out `:ctx` / `:ns`.
    pub fn command(&mut self, cmd: LiveCmd) {
        match cmd {
            LiveCmd::Context(c) => self.setup.context = Some(c),
            LiveCmd::Namespace(ns) => self.setup.namespace = ns,
        }
        self.restart();
    }

    /// The next message from any live source (queued cluster events coalesced).
    /// Cancel-safe: a message already taken waits in `held` while the pace is kept.
    pub async fn next(&mut self) -> Option<Msg> {
        if self.held.is_none() {
            let m = tokio::select! {
                m = self.rx.recv() => m,
                m = self.log_rx.recv() => m,
            };
            self.held = Some(m?);
        }
        if matches!(self.held, Some(Msg::Source(_)))
            && let Some(last) = self.last_batch
        {
            tokio::time::sleep_until(last + PACE).await;
        }
        let m = self.held.take()?;
        Some(self.coalesce(m))
    }

    /// A message already queued, if any (log lines after cluster events).
    pub fn try_next(&mut self) -> Option<Msg> {
        if let Some(m) = self.held.take() {
            return Some(m);
        }
        match self.rx.try_recv() {
            Ok(m) => Some(self.coalesce(m)),
            Err(_) => self.log_rx.try_recv().ok(),
        }
    }

    /// Append the cluster events already queued behind `first` (up to `MAX_COALESCE`).
    fn coalesce(&mut self, first: Msg) -> Msg {
        let Msg::Source(mut batch) = first else {
            return first;
        };
        self.last_batch = Some(tokio::time::Instant::now());
        while batch.len() < MAX_COALESCE {
            match self.rx.try_recv() {
                Ok(Msg::Source(more)) => batch.extend(more),
                Ok(other) => {
                    self.held = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        Msg::Source(batch)
    }

    /// Follow the logs of the training jobs' pods the state knows (at most `MAX_FOLLOWED`);
    /// stop following pods that are gone.
    pub fn sync_logs(&mut self, state: &AppState) {
        if !self.setup.follow_logs {
            return;
        }
        let Some(client) = self.client.borrow().clone() else {
            return;
        };
        let wanted: Vec<LogTarget> = wanted_logs(state);
        self.logs.retain(|t, h| {
            let keep = wanted.contains(t) && !h.is_finished();
            if !keep {
                h.abort();
            }
            keep
        });
        for t in wanted {
            if self.logs.contains_key(&t) {
                continue;
            }
            let opts = LogOpts {
                tail_lines: Some(200),
                ..LogOpts::default()
            };
            let (c, tx, target) = (client.clone(), self.log_tx.clone(), t.clone());
            let h = tokio::spawn(async move {
                let _ = kube_logs::follow_logs(c, target, tx, opts).await;
            });
            self.logs.insert(t, h);
        }
    }
}

impl Drop for LiveSources {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The pods whose logs a live session follows: the ranks of every training job, running or
/// failing (not pending: a pending pod has no log yet), first container, capped.
pub fn wanted_logs(state: &AppState) -> Vec<LogTarget> {
    let w = &state.world;
    let mut out = Vec::new();
    for ((ns, _), job) in &w.index.jobs {
        for (_, _, pod) in &job.pods {
            let Some(p) = w.pods.get(&(ns.clone(), pod.clone())) else {
                continue;
            };
            if p.phase == "Pending" {
                continue;
            }
            out.push(LogTarget {
                namespace: ns.clone(),
                pod: pod.clone(),
                container: first_container(&p.raw),
            });
            if out.len() >= MAX_FOLLOWED {
                return out;
            }
        }
    }
    out
}

fn first_container(raw: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(raw).ok()?;
    v.pointer("/spec/containers/0/name")?
        .as_str()
        .map(str::to_string)
}

async fn connect_and_watch(
    setup: LiveSetup,
    tx: mpsc::UnboundedSender<Msg>,
    client_tx: watch::Sender<Option<::kube::Client>>,
) {
    let client =
        match kube::client_from(setup.kubeconfig.as_deref(), setup.context.as_deref()).await {
            Ok(c) => c,
            Err(e) => {
                let _ = tx.send(health_msg(HealthState::Unavailable, e.to_string()));
                return;
            }
        };
    let scope = match &setup.namespace {
        Some(ns) => format!("namespace {ns}"),
        None => "all namespaces".to_string(),
    };
    let ctx = setup.context_name();
    let _ = tx.send(health_msg(
        HealthState::Ok,
        format!("context {ctx}, {scope}"),
    ));
    let _ = client_tx.send(Some(client.clone()));
    let opts = KubeOpts {
        namespace: setup.namespace.clone(),
        ..KubeOpts::default()
    };
    kube::run(client, tx, opts).await;
}

#[cfg(test)]
#[path = "live_tests.rs"]
mod tests;
