//! The replay sandbox: a loopback-only, read-only Kubernetes API server that replays a scenario
//! into an in-memory object store, so `kubectl`, the cockpit's live source and any other client
//! can be pointed at a recorded incident. Discovery, list/get with selectors and chunking,
//! watches resumed from a resourceVersion, pod logs (with follow) and kubectl's Table output are
//! served; every write is refused.

pub mod http;
pub mod resources;
pub mod select;
pub mod store;
pub mod stream;
pub mod table;

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::contract::event::{SourceEvent, TimedEvent};
use crate::contract::scenario::Scenario;
use crate::domain::Millis;
use crate::sources::replay::Replayer;
use http::Shared;
use store::Store;

/// How the sandbox moves its replay clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Apply the whole scenario before serving: the store shows its final state.
    End,
    /// Replay at this many times real time (1 = real time), starting at t = 0.
    Speed(u32),
}

/// Sandbox options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOpts {
    pub pace: Pace,
    /// Resources (plural names such as `pods`, `events`) answered with 403 Forbidden, to
    /// rehearse missing RBAC.
    pub forbidden: Vec<String>,
    /// Bytes sent at the start of every log response (fault injection: garbage, huge lines).
    pub log_prefix: Vec<u8>,
    /// Changes kept for watches to resume from; older resourceVersions get 410 Expired.
    pub max_history: usize,
}

impl Default for SandboxOpts {
    fn default() -> Self {
        SandboxOpts {
            pace: Pace::End,
            forbidden: Vec::new(),
            log_prefix: Vec::new(),
            max_history: 200_000,
        }
    }
}

/// A running sandbox. Dropping it stops the server too; `shutdown` waits for that.
pub struct SandboxHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: JoinHandle<io::Result<()>>,
    driver: Option<JoinHandle<()>>,
    finished: Arc<AtomicBool>,
}

impl SandboxHandle {
    /// The address the server listens on (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for a kubeconfig.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The store's current resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.shared.store().rv()
    }

    /// The replay clock, as event time.
    pub fn now_ms(&self) -> Millis {
        self.shared.now()
    }

    /// Has the replay applied the scenario's last event?
    pub fn finished(&self) -> bool {
        self.finished.load(Ordering::Relaxed)
    }

    /// Stop serving: open watches and log streams end, the port is released.
    pub async fn shutdown(mut self) -> io::Result<()> {
        let _ = self.stop.send(true);
        if let Some(d) = self.driver.take() {
            d.abort();
        }
        match tokio::time::timeout(Duration::from_secs(5), &mut self.server).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(io::Error::other(e)),
            Err(_) => {
                self.server.abort();
                Ok(())
            }
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(d) = self.driver.take() {
            d.abort();
        }
    }
}

fn apply(shared: &Shared, evs: Vec<TimedEvent>, now_ms: Millis) {
    let any = !evs.is_empty();
    if any {
        let mut store = shared.store();
        for te in evs {
            store.apply(te.at_ms, te.ev);
        }
    }
    shared.now_ms.store(now_ms, Ordering::Relaxed);
    if any {
        shared.changed.send_modify(|g| *g += 1);
    }
}

/// Serve `scenario` on `addr`, which must be a loopback address (port 0 picks a free one).
pub async fn serve(
    scenario: Scenario,
    addr: SocketAddr,
    opts: SandboxOpts,
) -> io::Result<SandboxHandle> {
    if !addr.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("the sandbox listens on loopback only, not {}", addr.ip()),
        ));
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let resources = resources::catalogue(&scenario);
    let has_namespaces = scenario.events.iter().any(|l| {
        matches!(&l.ev, SourceEvent::Upsert { object }
            if object.get("kind").and_then(|k| k.as_str()) == Some("Namespace"))
    });
    let (stop, stop_rx) = watch::channel(false);
    let (changed, _) = watch::channel(0u64);
    let shared = Arc::new(Shared {
        store: std::sync::Mutex::new(Store::new(resources, !has_namespaces, opts.max_history)),
        changed,
        shutdown: stop_rx.clone(),
        now_ms: AtomicI64::new(scenario.start_ms),
        forbidden: opts.forbidden.clone(),
        log_prefix: opts.log_prefix.clone(),
        server_addr: addr.to_string(),
    });
    let finished = Arc::new(AtomicBool::new(false));
    let driver = match opts.pace {
        Pace::End => {
            // Moved, not cloned through a Replayer: a big scenario is held once.
            let (start, end) = (
                scenario.start_ms,
                scenario.start_ms + scenario.duration_ms(),
            );
            let evs = scenario
                .events
                .into_iter()
                .map(|l| TimedEvent {
                    at_ms: start + l.t_ms,
                    ev: l.ev,
                })
                .collect();
            apply(&shared, evs, end);
            finished.store(true, Ordering::Relaxed);
            None
        }
        Pace::Speed(speed) => {
            let mut replayer = Replayer::new(scenario);
            let first = replayer.prime();
            apply(&shared, first, replayer.now_ms());
            Some(tokio::spawn(drive(
                replayer,
                shared.clone(),
                speed.max(1),
                finished.clone(),
            )))
        }
    };
    let app = axum::Router::new()
        .fallback(http::handle)
        .with_state(shared.clone());
    let mut rx = stop_rx;
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|v| *v).await;
            })
            .await
    });
    Ok(SandboxHandle {
        addr,
        shared,
        stop,
        server,
        driver,
        finished,
    })
}

async fn drive(mut replayer: Replayer, shared: Arc<Shared>, speed: u32, finished: Arc<AtomicBool>) {
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tick.tick().await;
        let pos = started.elapsed().as_millis() as Millis * speed as Millis;
        let evs = replayer.advance_to(pos);
        apply(&shared, evs, replayer.now_ms());
        if replayer.finished() {
            finished.store(true, Ordering::Relaxed);
            if pos >= replayer.duration_ms() {
                return;
            }
        }
    }
}

/// Write a kubeconfig whose current context points at `server_url` (no credentials: the sandbox
/// needs none). The context is called `aicockpit-sandbox`.
pub fn write_kubeconfig(path: &Path, server_url: &str) -> io::Result<()> {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: aicockpit-sandbox\n  cluster:\n    server: {server_url}\ncontexts:\n- name: aicockpit-sandbox\n  context:\n    cluster: aicockpit-sandbox\n    user: aicockpit-sandbox\n    namespace: default\ncurrent-context: aicockpit-sandbox\nusers:\n- name: aicockpit-sandbox\n  user: {{}}\npreferences: {{}}\n"
    );
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)
}
