//! The sandbox's HTTP surface: routing of Kubernetes API paths, discovery, list/get with
//! selectors and chunking, and read-only refusals. Watches and logs stream from `stream.rs`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::resources::{self, Resource};
use super::select::{FieldSelector, LabelSelector};
use super::store::{Key, Store};
use super::{stream, table};

/// State every request handler shares.
pub(super) struct Shared {
    pub store: Mutex<Store>,
    /// Bumped after every batch of changes (objects or logs).
    pub changed: watch::Sender<u64>,
    /// Becomes true when the server shuts down; open streams end.
    pub shutdown: watch::Receiver<bool>,
    /// The replay clock, as event time.
    pub now_ms: AtomicI64,
    /// Resources answered with 403 (plural names, e.g. `pods`).
    pub forbidden: Vec<String>,
    /// Bytes written at the start of every log response (fault injection).
    pub log_prefix: Vec<u8>,
    pub server_addr: String,
}

impl Shared {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn now(&self) -> i64 {
        self.now_ms.load(Ordering::Relaxed)
    }
}

pub(super) fn json_response(code: StatusCode, body: Vec<u8>) -> Response {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap_or_default()
}

fn json_value(code: StatusCode, v: &Value) -> Response {
    json_response(code, serde_json::to_vec(v).unwrap_or_default())
}

/// A `Status` object.
pub(super) fn status_obj(code: u16, reason: &str, message: &str) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code})
}

pub(super) fn status(code: StatusCode, reason: &str, message: &str) -> Response {
    json_value(code, &status_obj(code.as_u16(), reason, message))
}

fn not_found() -> Response {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        "the server could not find the requested resource",
    )
}

fn bad_request(message: &str) -> Response {
    status(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// Query parameters, decoded.
pub(super) struct Query(Vec<(String, String)>);

impl Query {
    fn parse(q: Option<&str>) -> Query {
        let decode = |s: &str| {
            let s = s.replace('+', " ");
            let b = s.as_bytes();
            let mut out = Vec::with_capacity(b.len());
            let mut i = 0;
            while i < b.len() {
                let hex = |c: u8| (c as char).to_digit(16);
                match (b[i], b.get(i + 1).copied(), b.get(i + 2).copied()) {
                    (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                        out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                        i += 3;
                    }
                    (c, _, _) => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        };
        Query(
            q.unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (decode(k), decode(v)),
                    None => (decode(p), String::new()),
                })
                .collect(),
        )
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    pub fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some("1" | "true" | ""))
    }

    pub fn num(&self, k: &str) -> Option<u64> {
        self.get(k).and_then(|v| v.parse().ok())
    }
}

/// What a list or watch selects.
pub(super) struct Selection {
    pub res: usize,
    pub ns: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Selection {
    pub fn keeps(&self, v: &Value) -> bool {
        let ns_ok = self
            .ns
            .as_deref()
            .is_none_or(|ns| v.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns));
        ns_ok && self.labels.matches(v) && self.fields.matches(v)
    }
}

/// The one handler: every request comes here.
pub(super) async fn handle(State(sh): State<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    if method != Method::GET && method != Method::HEAD {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!("read-only sandbox: writes are refused ({method} {path})"),
        );
    }
    let q = Query::parse(req.uri().query());
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let res_list = |g: &str, v: &str| {
        let store = sh.store();
        resources::resource_list(&store.resources, g, v)
    };
    match segs.as_slice() {
        ["version"] => json_value(StatusCode::OK, &resources::version_doc()),
        ["healthz" | "livez" | "readyz"] => Response::new(Body::from("ok")),
        ["api"] => json_value(StatusCode::OK, &resources::core_versions(&sh.server_addr)),
        ["apis"] => json_value(
            StatusCode::OK,
            &resources::group_list(&sh.store().resources),
        ),
        ["apis", g] => match resources::group(&sh.store().resources, g) {
            Some(d) => json_value(StatusCode::OK, &d),
            None => not_found(),
        },
        ["api", "v1"] => {
            res_list("", "v1").map_or_else(not_found, |d| json_value(StatusCode::OK, &d))
        }
        ["apis", g, v] => res_list(g, v).map_or_else(not_found, |d| json_value(StatusCode::OK, &d)),
        ["api", "v1", rest @ ..] => resource_req(&sh, "", "v1", rest, &q, req.headers(), &accept),
        ["apis", g, v, rest @ ..] => resource_req(&sh, g, v, rest, &q, req.headers(), &accept),
        _ => not_found(),
    }
}

fn resource_req(
    sh: &Arc<Shared>,
    group: &str,
    version: &str,
    rest: &[&str],
    q: &Query,
    _headers: &HeaderMap,
    accept: &str,
) -> Response {
    let find = |plural: &str| sh.store().find(group, version, plural);
    let (res, ns, name, log) = match rest {
        [plural] => (find(plural), None, None, false),
        [plural, name] => (find(plural), None, Some(*name), false),
        ["namespaces", ns, plural] => (find(plural), Some(*ns), None, false),
        ["namespaces", ns, plural, name] => (find(plural), Some(*ns), Some(*name), false),
        ["namespaces", ns, "pods", name, "log"] => (find("pods"), Some(*ns), Some(*name), true),
        _ => return not_found(),
    };
    let Some(res) = res else { return not_found() };
    let r: Resource = sh.store().resources[res].clone();
    if ns.is_some() && !r.namespaced {
        return not_found();
    }
    let verb = if name.is_some() {
        "get"
    } else if q.flag("watch") {
        "watch"
    } else {
        "list"
    };
    if sh.forbidden.contains(&r.plural) {
        let scope = match ns {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        let msg = format!(
            "{} is forbidden: User \"system:anonymous\" cannot {verb} resource \"{}\" in API group \"{}\" {scope}",
            r.plural, r.plural, r.group
        );
        return status(StatusCode::FORBIDDEN, "Forbidden", &msg);
    }
    let as_table = table::wants_table(accept);
    if let Some(name) = name {
        if log {
            return stream::logs(sh, ns.unwrap_or(""), name, q);
        }
        let obj = sh.store().get(res, ns.unwrap_or(""), name);
        return match obj {
            Some(o) if as_table => {
                let meta = json!({"resourceVersion": sh.store().rv().to_string()});
                json_value(
                    StatusCode::OK,
                    &table::table(&r.kind, &[&*o], sh.now(), meta, true),
                )
            }
            Some(o) => json_value(StatusCode::OK, &o),
            None => status(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("{} \"{name}\" not found", r.plural),
            ),
        };
    }
    let labels = match LabelSelector::parse(q.get("labelSelector").unwrap_or("")) {
        Ok(l) => l,
        Err(e) => return bad_request(&e.to_string()),
    };
    let fields = match FieldSelector::parse(q.get("fieldSelector").unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return bad_request(&e.to_string()),
    };
    let sel = Selection {
        res,
        ns: ns.map(str::to_string),
        labels,
        fields,
    };
    if verb == "watch" {
        return stream::watch(sh, r, sel, q, as_table);
    }
    list(sh, &r, &sel, q, as_table)
}

fn parse_continue(token: &str) -> Option<(u64, Key)> {
    let mut parts = token.splitn(3, '|');
    let rv = parts.next()?.parse().ok()?;
    Some((rv, (parts.next()?.to_string(), parts.next()?.to_string())))
}

fn list(sh: &Arc<Shared>, r: &Resource, sel: &Selection, q: &Query, as_table: bool) -> Response {
    let limit = q.num("limit").filter(|l| *l > 0).unwrap_or(u64::MAX) as usize;
    let cont = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(c) => match parse_continue(c) {
            Some(p) => Some(p),
            None => return bad_request(&format!("invalid continue token {c:?}")),
        },
        None => None,
    };
    let (items, next, rv) = {
        let store = sh.store();
        let (items, next) = store.list(
            sel.res,
            sel.ns.as_deref(),
            cont.as_ref().map(|c| &c.1),
            limit,
            |v| sel.keeps(v),
        );
        let rv = cont.as_ref().map_or(store.rv(), |c| c.0);
        (items, next, rv)
    };
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some((ns, name)) = &next {
        meta["continue"] = json!(format!("{rv}|{ns}|{name}"));
    }
    if as_table {
        let objs: Vec<&Value> = items.iter().map(|a| &**a).collect();
        return json_value(
            StatusCode::OK,
            &table::table(&r.kind, &objs, sh.now(), meta, true),
        );
    }
    let mut out = Vec::with_capacity(64 + items.len() * 1024);
    out.extend_from_slice(b"{\"kind\":");
    out.extend_from_slice(json!(format!("{}List", r.kind)).to_string().as_bytes());
    out.extend_from_slice(b",\"apiVersion\":");
    out.extend_from_slice(json!(r.api_version()).to_string().as_bytes());
    out.extend_from_slice(b",\"metadata\":");
    out.extend_from_slice(meta.to_string().as_bytes());
    out.extend_from_slice(b",\"items\":[");
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if serde_json::to_writer(&mut out, &**it).is_err() {
            out.extend_from_slice(b"null");
        }
    }
    out.extend_from_slice(b"]}");
    json_response(StatusCode::OK, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decodes_percent_and_plus() {
        let q = Query::parse(Some("labelSelector=a%3Db%2Cc%21%3Dd&watch=1&x=a+b"));
        assert_eq!(q.get("labelSelector"), Some("a=b,c!=d"));
        assert!(q.flag("watch"));
        assert_eq!(q.get("x"), Some("a b"));
        assert!(!q.flag("follow"));
    }

    #[test]
    fn continue_tokens_round_trip() {
        assert_eq!(
            parse_continue("42|ml|w-0"),
            Some((42, ("ml".to_string(), "w-0".to_string())))
        );
        assert_eq!(parse_continue("x|a|b"), None);
    }
}
