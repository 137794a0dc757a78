//! The Prometheus source against a real Prometheus: the default scenario's metric samples are
//! written as OpenMetrics, turned into TSDB blocks by `promtool tsdb create-blocks-from
//! openmetrics`, and served by `prometheus` on loopback. The samples read back through
//! `query_range` give the same serving latency quantiles as the replayed samples (within
//! rounding). Also: a bad query is a 4xx state, a server that is down is an unavailable state.
//!
//! Skipped, with a message, when `prometheus` or `promtool` is not installed (Debian package
//! `prometheus`), except under CI, where `.ci/run` installs it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aicockpit::contract::event::{HealthState, Msg, SourceEvent, TimedEvent};
use aicockpit::contract::scenario::Scenario;
use aicockpit::serving::derive::histogram::{Selector, Window, histogram_quantiles};
use aicockpit::sources::embedded;
use aicockpit::sources::prometheus::{self, PromAuth, PromClient, PromOpts};
use aicockpit::world::metrics::MetricStore;

const BUCKETS: &str = "vllm:e2e_request_latency_seconds_bucket";
const TTFT: &str = "vllm:time_to_first_token_seconds_bucket";

fn present(bin: &str) -> bool {
    let found = Command::new(bin)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        assert!(
            std::env::var("CI").is_err(),
            "{bin} must be installed under CI (.ci/run installs the Debian package prometheus)"
        );
        eprintln!("skipped: {bin} not installed (apt-get install prometheus)");
    }
    found
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The scenario's metric samples as OpenMetrics text: families contiguous, each series in time
/// order, timestamps in seconds.
fn openmetrics(sc: &Scenario) -> String {
    type Series = BTreeMap<String, Vec<(i64, f64)>>;
    let mut by_name: BTreeMap<String, Series> = BTreeMap::new();
    for l in &sc.events {
        if let SourceEvent::Metric {
            name,
            labels,
            value,
        } = &l.ev
        {
            let lbl: Vec<String> = labels
                .iter()
                .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                .collect();
            by_name
                .entry(name.clone())
                .or_default()
                .entry(lbl.join(","))
                .or_default()
                .push((sc.start_ms + l.t_ms, *value));
        }
    }
    let mut out = String::new();
    for (name, series) in by_name {
        for (lbl, mut pts) in series {
            pts.sort_by_key(|p| p.0);
            for (t, v) in pts {
                let _ = writeln!(out, "{name}{{{lbl}}} {v} {:.3}", t as f64 / 1000.0);
            }
        }
    }
    out.push_str("# EOF\n");
    out
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

async fn start_prometheus(dir: &std::path::Path, sc: &Scenario) -> (Server, String) {
    let om = dir.join("samples.om");
    std::fs::write(&om, openmetrics(sc)).expect("write openmetrics");
    let data = dir.join("data");
    let out = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&data)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cfg = dir.join("prometheus.yml");
    std::fs::write(&cfg, "global:\n  scrape_interval: 1m\nscrape_configs: []\n").expect("config");
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--storage.tsdb.retention.time=100y")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    let server = Server(child);
    let url = format!("http://127.0.0.1:{port}");
    let client = PromClient::new(&url, PromAuth::None).expect("client");
    let t0 = Instant::now();
    // Ready once a query over the loaded range answers.
    loop {
        let q = format!("{{__name__=\"{BUCKETS}\"}}");
        let end = sc.start_ms + sc.duration_ms();
        if let Ok(evs) = client
            .query_range(&q, sc.start_ms, end, Duration::from_secs(30))
            .await
            && !evs.is_empty()
        {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "prometheus did not serve the blocks"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    (server, url)
}

fn store_of(evs: impl IntoIterator<Item = TimedEvent>) -> MetricStore {
    let mut m = MetricStore::default();
    for te in evs {
        if let SourceEvent::Metric {
            name,
            labels,
            value,
        } = te.ev
        {
            m.push(&name, &labels, te.at_ms, value);
        }
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_quantiles_from_a_real_prometheus_match_replay() {
    if !present("prometheus") || !present("promtool") {
        return;
    }
    let sc = embedded::load(embedded::DEFAULT_SCENARIO).expect("scenario");
    let dir = tempfile::tempdir().expect("tempdir");
    let (_server, url) = start_prometheus(dir.path(), &sc).await;
    let client = PromClient::new(&url, PromAuth::None).expect("client");
    let (start, end) = (sc.start_ms, sc.start_ms + sc.duration_ms());
    let opts = PromOpts::new(&url, PromAuth::None);
    let got = client
        .query_range(&opts.selector(), start, end, Duration::from_secs(30))
        .await
        .expect("query_range");
    let want = store_of(sc.events.iter().map(|l| TimedEvent {
        at_ms: start + l.t_ms,
        ev: l.ev.clone(),
    }));
    let got_store = store_of(got);
    let qs = [0.5, 0.95, 0.99];
    let mut compared = 0;
    for name in [BUCKETS, TTFT] {
        for end_at in [start + 5 * 60_000, (start + end) / 2, end] {
            let w = Window::ending_at(end_at, 5 * 60_000);
            let a = histogram_quantiles(&got_store, name, &Selector::all(), w, &qs);
            let b = histogram_quantiles(&want, name, &Selector::all(), w, &qs);
            for (x, y) in a.iter().zip(&b) {
                match (x, y) {
                    (Ok(x), Ok(y)) => {
                        assert!(
                            (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                            "{name}: {x} vs {y}"
                        );
                        compared += 1;
                    }
                    _ => assert_eq!(x, y, "{name} at {end_at}"),
                }
            }
        }
    }
    assert!(compared >= 9, "quantiles were computed ({compared})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_and_a_server_that_is_down_are_states() {
    if !present("prometheus") || !present("promtool") {
        return;
    }
    let sc = embedded::load(embedded::DEFAULT_SCENARIO).expect("scenario");
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, url) = start_prometheus(dir.path(), &sc).await;
    let client = PromClient::new(&url, PromAuth::None).expect("client");
    let e = client
        .query_range(
            "sum(",
            sc.start_ms,
            sc.start_ms + 60_000,
            Duration::from_secs(30),
        )
        .await
        .expect_err("a bad query");
    assert_eq!(e.state, HealthState::Degraded);
    assert!(e.message.contains("HTTP 400"), "{}", e.message);
    drop(server);

    // The source task reports the server being gone as source health.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(prometheus::run(PromOpts::new(&url, PromAuth::None), tx));
    let msg = tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("a report in time")
        .expect("channel open");
    task.abort();
    let Msg::Source(evs) = msg else {
        panic!("not a source batch: {msg:?}");
    };
    assert!(
        evs.iter().any(|te| matches!(&te.ev, SourceEvent::SourceHealth { source, state: HealthState::Unavailable, message }
            if source == prometheus::SOURCE && message.contains("unreachable"))),
        "{evs:?}"
    );
}
