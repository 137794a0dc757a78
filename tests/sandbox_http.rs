//! The replay sandbox at the HTTP level, with a plain socket: refused writes, unknown paths,
//! selectors, chunked lists, watches (bookmarks, timeouts, expired resourceVersions) and
//! followed logs on a paced replay.

use std::net::SocketAddr;
use std::time::Duration;

use aicockpit::contract::scenario;
use aicockpit::sources::sandbox::{self, Pace, SandboxHandle, SandboxOpts};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture() -> scenario::Scenario {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/live-mini.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixture readable");
    scenario::parse(&text, path).expect("fixture parses")
}

async fn start(opts: SandboxOpts) -> SandboxHandle {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    sandbox::serve(fixture(), addr, opts).await.expect("serve")
}

/// One HTTP/1.0 request (so the body is close-delimited, not chunked); returns the status code
/// and the body read until the server closes or `wait` passes.
async fn request(h: &SandboxHandle, method: &str, path: &str, wait: Duration) -> (u16, String) {
    let mut sock = tokio::net::TcpStream::connect(h.addr())
        .await
        .expect("connect");
    let req =
        format!("{method} {path} HTTP/1.0\r\nHost: sandbox\r\nAccept: application/json\r\n\r\n");
    sock.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(wait, sock.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (code, body)
}

const WAIT: Duration = Duration::from_secs(5);

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn writes_are_refused_and_unknown_paths_are_status_404() {
    let h = start(SandboxOpts::default()).await;
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let (code, body) = request(
            &h,
            method,
            "/api/v1/namespaces/ml/pods/llama-ft-master-0",
            WAIT,
        )
        .await;
        assert_eq!(code, 405, "{method}");
        let v = json(&body);
        assert_eq!(v["kind"], "Status");
        assert!(
            v["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("read-only sandbox: writes are refused")
        );
    }
    let (code, body) = request(&h, "GET", "/apis/nope.example.com/v1/things", WAIT).await;
    assert_eq!(code, 404);
    assert_eq!(json(&body)["reason"], "NotFound");
    let (code, body) = request(&h, "GET", "/api/v1/namespaces/ml/pods/ghost", WAIT).await;
    assert_eq!(code, 404);
    assert_eq!(json(&body)["message"], "pods \"ghost\" not found");
}

#[tokio::test]
async fn discovery_lists_only_groups_the_scenario_uses() {
    let h = start(SandboxOpts::default()).await;
    let (_, body) = request(&h, "GET", "/apis", WAIT).await;
    let groups: Vec<String> = json(&body)["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .filter_map(|g| g["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(groups.contains(&"kubeflow.org".to_string()), "{groups:?}");
    assert!(groups.contains(&"apps".to_string()));
    assert!(
        !groups.contains(&"serving.kserve.io".to_string()),
        "{groups:?}"
    );
    let (_, body) = request(&h, "GET", "/api/v1", WAIT).await;
    let v = json(&body);
    let pods = v["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "pods"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(pods["shortNames"][0], "po");
    assert_eq!(pods["namespaced"], true);
    assert_eq!(pods["verbs"], serde_json::json!(["get", "list", "watch"]));
}

#[tokio::test]
async fn selectors_and_chunked_lists() {
    let h = start(SandboxOpts::default()).await;
    let path = "/api/v1/pods?labelSelector=training.kubeflow.org%2Freplica-type%3Dworker&fieldSelector=spec.nodeName%3Dgpu-a2";
    let (code, body) = request(&h, "GET", path, WAIT).await;
    assert_eq!(code, 200);
    let v = json(&body);
    assert_eq!(v["kind"], "PodList");
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["items"][0]["metadata"]["name"], "llama-ft-worker-0");

    let mut names = Vec::new();
    let mut cont = String::new();
    for _ in 0..10 {
        let (_, body) = request(
            &h,
            "GET",
            &format!("/api/v1/pods?limit=1&continue={cont}"),
            WAIT,
        )
        .await;
        let v = json(&body);
        assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
        names.push(
            v["items"][0]["metadata"]["name"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
        assert_eq!(
            v["metadata"]["resourceVersion"],
            h.resource_version().to_string()
        );
        match v["metadata"]["continue"].as_str() {
            Some(c) => cont = c.replace('|', "%7C"),
            None => break,
        }
    }
    assert_eq!(
        names,
        [
            "llama-ft-master-0",
            "llama-ft-worker-0",
            "vllm-llama-7d9f-abcde"
        ]
    );
}

#[tokio::test]
async fn watches_send_current_objects_bookmarks_and_end_on_timeout() {
    let h = start(SandboxOpts::default()).await;
    let path = "/api/v1/namespaces/ml/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=1";
    let started = std::time::Instant::now();
    let (code, body) = request(&h, "GET", path, WAIT).await;
    assert_eq!(code, 200);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "timeoutSeconds ended the watch"
    );
    let events: Vec<Value> = body.lines().map(json).collect();
    let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(types, ["ADDED", "ADDED", "BOOKMARK"]);
    assert_eq!(
        events[2]["object"]["metadata"]["resourceVersion"],
        h.resource_version().to_string()
    );
}

#[tokio::test]
async fn watches_from_a_compacted_resource_version_expire() {
    let opts = SandboxOpts {
        max_history: 3,
        ..SandboxOpts::default()
    };
    let h = start(opts).await;
    let (code, body) = request(&h, "GET", "/api/v1/pods?watch=true&resourceVersion=1", WAIT).await;
    assert_eq!(code, 200);
    let v = json(body.lines().next().unwrap_or(""));
    assert_eq!(v["type"], "ERROR");
    assert_eq!(v["object"]["code"], 410);
    assert_eq!(v["object"]["reason"], "Expired");
}

#[tokio::test]
async fn followed_logs_stream_as_the_replay_clock_emits_them() {
    let opts = SandboxOpts {
        pace: Pace::Speed(4),
        ..SandboxOpts::default()
    };
    let h = start(opts).await;
    let path = "/api/v1/namespaces/ml/pods/llama-ft-master-0/log?container=pytorch&follow=true&timestamps=true";
    // A follow never ends by itself: read for long enough for the 3 s scenario at 4x.
    let (code, body) = request(&h, "GET", path, Duration::from_millis(2500)).await;
    assert_eq!(code, 200);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 4, "{body}");
    assert!(
        lines[0].starts_with("2026-03-14T02:00:00.500000000Z gpu-a1:41:41 [0] NCCL INFO"),
        "{}",
        lines[0]
    );
    assert!(lines[3].contains("Watchdog"));
    let (code, body) = request(
        &h,
        "GET",
        "/api/v1/namespaces/serving/pods/vllm-llama-7d9f-abcde/log",
        WAIT,
    )
    .await;
    assert_eq!(code, 400);
    assert!(
        body.contains("a container name must be specified"),
        "{body}"
    );
}
