//! Streaming responses: watches (JSON lines of ADDED/MODIFIED/DELETED/BOOKMARK/ERROR, resumed from
//! a resourceVersion) and pod logs (tail, timestamps, follow as the replay clock emits lines).
//! Each stream is a task writing into a channel; it ends when the client goes away, the
//! `timeoutSeconds` pass, or the server shuts down.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::Response;
use futures::SinkExt;
use futures::channel::mpsc;
use serde_json::{Value, json};

use super::http::{Query, Selection, Shared, status, status_obj};
use super::resources::Resource;
use super::store::{Change, ChangeKind};
use super::table;
use crate::domain::Millis;

type Tx = mpsc::Sender<Result<Bytes, std::io::Error>>;

/// How often an idle watch that allows bookmarks gets one.
const BOOKMARK_EVERY: Duration = Duration::from_secs(5);

fn streaming(content_type: &str, rx: mpsc::Receiver<Result<Bytes, std::io::Error>>) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from_stream(rx))
        .unwrap_or_default()
}

fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\",\"object\":");
    if serde_json::to_writer(&mut out, object).is_err() {
        out.extend_from_slice(b"null");
    }
    out.extend_from_slice(b"}\n");
    Bytes::from(out)
}

struct WatchCtx {
    sh: Arc<Shared>,
    r: Resource,
    sel: Selection,
    as_table: bool,
    columns_sent: bool,
}

impl WatchCtx {
    fn encode_all(&mut self, changes: &[Change]) -> Vec<Bytes> {
        let mut out = Vec::with_capacity(changes.len());
        for c in changes {
            if self.sel.keeps(&c.object) {
                out.push(self.encode(c.kind, &c.object));
            }
        }
        out
    }

    fn encode(&mut self, kind: ChangeKind, obj: &Value) -> Bytes {
        if self.as_table {
            let meta = json!({"resourceVersion": obj.pointer("/metadata/resourceVersion")});
            let t = table::table(
                &self.r.kind,
                &[obj],
                self.sh.now(),
                meta,
                !self.columns_sent,
            );
            self.columns_sent = true;
            event_line(kind.word(), &t)
        } else {
            event_line(kind.word(), obj)
        }
    }

    fn bookmark(&self, rv: u64) -> Bytes {
        let obj = json!({"kind": self.r.kind, "apiVersion": self.r.api_version(),
            "metadata": {"resourceVersion": rv.to_string()}});
        event_line("BOOKMARK", &obj)
    }
}

fn expired_line(requested: u64, oldest: u64) -> Bytes {
    let msg = format!("too old resource version: {requested} ({oldest})");
    event_line("ERROR", &status_obj(410, "Expired", &msg))
}

/// Start a watch response.
pub(super) fn watch(
    sh: &Arc<Shared>,
    r: Resource,
    sel: Selection,
    q: &Query,
    as_table: bool,
) -> Response {
    let from = q
        .get("resourceVersion")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|v| *v > 0);
    let bookmarks = q.flag("allowWatchBookmarks");
    let timeout = q.num("timeoutSeconds").map(Duration::from_secs);
    let (tx, rx) = mpsc::channel(256);
    let ctx = WatchCtx {
        sh: sh.clone(),
        r,
        sel,
        as_table,
        columns_sent: false,
    };
    tokio::spawn(run_watch(ctx, from, bookmarks, timeout, tx));
    streaming("application/json", rx)
}

async fn send_all(tx: &mut Tx, lines: Vec<Bytes>) -> bool {
    for l in lines {
        if tx.send(Ok(l)).await.is_err() {
            return false;
        }
    }
    true
}

async fn run_watch(
    mut ctx: WatchCtx,
    from: Option<u64>,
    bookmarks: bool,
    timeout: Option<Duration>,
    mut tx: Tx,
) {
    let mut changed = ctx.sh.changed.subscribe();
    let mut shutdown = ctx.sh.shutdown.clone();
    if *shutdown.borrow() {
        return;
    }
    // The first batch: every current object (no resourceVersion) or the changes since one.
    let (first, mut rv) = {
        let store = ctx.sh.store();
        match from {
            None => {
                let (objs, _) =
                    store.list(ctx.sel.res, ctx.sel.ns.as_deref(), None, usize::MAX, |v| {
                        ctx.sel.keeps(v)
                    });
                let changes: Vec<Change> = objs
                    .into_iter()
                    .map(|o| Change {
                        rv: 0,
                        res: ctx.sel.res,
                        kind: ChangeKind::Added,
                        object: o,
                    })
                    .collect();
                (Ok(changes), store.rv())
            }
            Some(from) => (store.changes_since(ctx.sel.res, from), store.rv()),
        }
    };
    let first = match first {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Ok(expired_line(e.requested, e.oldest))).await;
            return;
        }
    };
    let lines = ctx.encode_all(&first);
    if !send_all(&mut tx, lines).await {
        return;
    }
    if bookmarks && tx.send(Ok(ctx.bookmark(rv))).await.is_err() {
        return;
    }
    let deadline = tokio::time::sleep(timeout.unwrap_or(Duration::from_secs(86_400 * 365)));
    tokio::pin!(deadline);
    let mut tick = tokio::time::interval(BOOKMARK_EVERY);
    tick.reset();
    loop {
        tokio::select! {
            r = changed.changed() => {
                if r.is_err() {
                    return;
                }
                let (batch, now_rv) = {
                    let store = ctx.sh.store();
                    (store.changes_since(ctx.sel.res, rv), store.rv())
                };
                let batch = match batch {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = tx.send(Ok(expired_line(e.requested, e.oldest))).await;
                        return;
                    }
                };
                rv = now_rv;
                let lines = ctx.encode_all(&batch);
                if !send_all(&mut tx, lines).await {
                    return;
                }
            }
            _ = tick.tick(), if bookmarks => {
                if tx.send(Ok(ctx.bookmark(rv))).await.is_err() {
                    return;
                }
            }
            _ = &mut deadline => return,
            _ = shutdown.changed() => return,
        }
    }
}

fn rfc3339_nanos(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
        .unwrap_or_default()
}

/// Start a pod log response.
pub(super) fn logs(sh: &Arc<Shared>, ns: &str, pod: &str, q: &Query) -> Response {
    let Some(res) = sh.store().find("", "v1", "pods") else {
        return status(StatusCode::NOT_FOUND, "NotFound", "pods are not served");
    };
    let Some(obj) = sh.store().get(res, ns, pod) else {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("pods \"{pod}\" not found"),
        );
    };
    let names: Vec<String> = obj
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let container = q
        .get("container")
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    match &container {
        Some(c) if !names.is_empty() && !names.contains(c) => {
            let msg = format!("container {c} is not valid for pod {pod}");
            return status(StatusCode::BAD_REQUEST, "BadRequest", &msg);
        }
        None if names.len() > 1 => {
            let msg = format!(
                "a container name must be specified for pod {pod}, choose one of: [{}]",
                names.join(" ")
            );
            return status(StatusCode::BAD_REQUEST, "BadRequest", &msg);
        }
        _ => {}
    }
    let (tx, rx) = mpsc::channel(256);
    let job = LogJob {
        sh: sh.clone(),
        ns: ns.to_string(),
        pod: pod.to_string(),
        container,
        tail: q.num("tailLines").map(|t| t as usize),
        follow: q.flag("follow"),
        timestamps: q.flag("timestamps"),
    };
    tokio::spawn(run_logs(job, tx));
    streaming("text/plain", rx)
}

struct LogJob {
    sh: Arc<Shared>,
    ns: String,
    pod: String,
    container: Option<String>,
    tail: Option<usize>,
    follow: bool,
    timestamps: bool,
}

impl LogJob {
    fn chunk(&self, lines: &[super::store::StoredLine]) -> Bytes {
        let mut out = Vec::new();
        for l in lines {
            if self.timestamps {
                out.extend_from_slice(rfc3339_nanos(l.at_ms).as_bytes());
                out.push(b' ');
            }
            out.extend_from_slice(l.line.as_bytes());
            out.push(b'\n');
        }
        Bytes::from(out)
    }
}

async fn run_logs(job: LogJob, mut tx: Tx) {
    let mut changed = job.sh.changed.subscribe();
    let mut shutdown = job.sh.shutdown.clone();
    if !job.sh.log_prefix.is_empty()
        && tx
            .send(Ok(Bytes::from(job.sh.log_prefix.clone())))
            .await
            .is_err()
    {
        return;
    }
    let (mut lines, mut pos) =
        job.sh
            .store()
            .log_lines(&job.ns, &job.pod, job.container.as_deref(), 0);
    if let Some(t) = job.tail {
        let skip = lines.len().saturating_sub(t);
        lines.drain(..skip);
    }
    if !lines.is_empty() && tx.send(Ok(job.chunk(&lines))).await.is_err() {
        return;
    }
    if !job.follow {
        return;
    }
    loop {
        tokio::select! {
            r = changed.changed() => {
                if r.is_err() {
                    return;
                }
                let (lines, next) = {
                    let store = job.sh.store();
                    if store.log_end(&job.ns, &job.pod) == pos {
                        continue;
                    }
                    store.log_lines(&job.ns, &job.pod, job.container.as_deref(), pos)
                };
                pos = next;
                if !lines.is_empty() && tx.send(Ok(job.chunk(&lines))).await.is_err() {
                    return;
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}
