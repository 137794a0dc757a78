//! The Prometheus source: `query_range` over the HTTP API for the series the panes read
//! (accelerator exporters, model servers), turned into raw `SourceEvent::Metric` samples stamped
//! with their own timestamps. Credentials (a bearer token or basic auth) come from a file or the
//! environment, live only in memory and never appear in Debug output, logs or recordings. An
//! unreachable server, a 4xx or a 5xx becomes `SourceHealth` for `prometheus` with the reason.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use base64::Engine;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::contract::event::{HealthState, Msg, SourceEvent, TimedEvent};

#[path = "prometheus_error.rs"]
mod error;
pub use error::{AuthError, ClientError, MatrixError, PromError, TransportError};

/// The health source name.
pub const SOURCE: &str = "prometheus";
/// Environment variables read for credentials when no file is given.
pub const TOKEN_ENV: &str = "AICOCKPIT_PROMETHEUS_TOKEN";
pub const BASIC_ENV: &str = "AICOCKPIT_PROMETHEUS_BASIC_AUTH";

/// The series the panes read, as name patterns (PromQL regular expressions).
pub const DEFAULT_SERIES: &[&str] = &[
    "DCGM_FI_.*",
    "npu_chip_info_.*",
    "vllm:.*",
    "tgi_.*",
    "nv_inference_.*",
    "nv_gpu_.*",
    "sglang:.*",
    "ts_inference_.*",
];

/// How to authenticate. Debug never prints the secret.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum PromAuth {
    #[default]
    None,
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
}

impl std::fmt::Debug for PromAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PromAuth::None => "None",
            PromAuth::Bearer(_) => "Bearer(<hidden>)",
            PromAuth::Basic { .. } => "Basic(<hidden>)",
        })
    }
}

impl PromAuth {
    /// Credentials from a token file, a `user:password` file, or (without files) the
    /// environment (`AICOCKPIT_PROMETHEUS_TOKEN`, `AICOCKPIT_PROMETHEUS_BASIC_AUTH`).
    pub fn load(token_file: Option<&Path>, basic_file: Option<&Path>) -> Result<Self, AuthError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p)
                .map(|s| s.trim().to_string())
                .map_err(|reason| AuthError::Unreadable {
                    path: p.to_path_buf(),
                    reason,
                })
        };
        let basic = |s: String| match s.split_once(':') {
            Some((u, p)) => Ok(PromAuth::Basic {
                user: u.to_string(),
                password: p.to_string(),
            }),
            None => Err(AuthError::NotUserPassword),
        };
        match (token_file, basic_file) {
            (Some(_), Some(_)) => Err(AuthError::Both),
            (Some(t), None) => Ok(PromAuth::Bearer(read(t)?)),
            (None, Some(b)) => basic(read(b)?),
            (None, None) => match (std::env::var(TOKEN_ENV), std::env::var(BASIC_ENV)) {
                (Ok(t), _) if !t.trim().is_empty() => Ok(PromAuth::Bearer(t.trim().to_string())),
                (_, Ok(b)) if !b.trim().is_empty() => basic(b.trim().to_string()),
                _ => Ok(PromAuth::None),
            },
        }
    }

    fn header(&self) -> Option<String> {
        match self {
            PromAuth::None => None,
            PromAuth::Bearer(t) => Some(format!("Bearer {t}")),
            PromAuth::Basic { user, password } => {
                let raw = format!("{user}:{password}");
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                ))
            }
        }
    }
}

/// What to query and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromOpts {
    /// Base URL (`http://prometheus:9090`, or a path prefix behind a proxy).
    pub url: String,
    pub auth: PromAuth,
    /// Name patterns, joined into one `{__name__=~"..."}` selector.
    pub series: Vec<String>,
    /// History fetched at start.
    pub lookback: Duration,
    /// Resolution of `query_range`.
    pub step: Duration,
    /// How often new samples are fetched.
    pub every: Duration,
}

impl PromOpts {
    pub fn new(url: &str, auth: PromAuth) -> Self {
        PromOpts {
            url: url.trim_end_matches('/').to_string(),
            auth,
            series: DEFAULT_SERIES.iter().map(|s| s.to_string()).collect(),
            lookback: Duration::from_secs(30 * 60),
            step: Duration::from_secs(15),
            every: Duration::from_secs(15),
        }
    }

    /// The PromQL selector for `series`.
    pub fn selector(&self) -> String {
        format!("{{__name__=~\"{}\"}}", self.series.join("|"))
    }
}

enum Http {
    Plain(Client<HttpConnector, Full<Bytes>>),
    Tls(Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>),
}

/// A Prometheus HTTP API client.
pub struct PromClient {
    http: Http,
    base: String,
    auth: PromAuth,
}

/// How long a request may take, answer included.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Percent-encode a query parameter value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl PromClient {
    pub fn new(url: &str, auth: PromAuth) -> Result<Self, ClientError> {
        let base = url.trim_end_matches('/').to_string();
        let http = if base.starts_with("http://") {
            Http::Plain(Client::builder(TokioExecutor::new()).build_http())
        } else if base.starts_with("https://") {
            let conn = hyper_rustls::HttpsConnectorBuilder::new()
                .with_native_roots()
                .map_err(|reason| ClientError::NoRoots {
                    url: base.clone(),
                    reason,
                })?
                .https_or_http()
                .enable_http1()
                .build();
            Http::Tls(Client::builder(TokioExecutor::new()).build(conn))
        } else {
            return Err(ClientError::Scheme { url: base });
        };
        Ok(PromClient { http, base, auth })
    }

    async fn get(&self, path_and_query: &str) -> Result<(u16, Bytes), TransportError> {
        let uri = format!("{}{path_and_query}", self.base);
        let mut req = hyper::Request::get(&uri).header("accept", "application/json");
        if let Some(h) = self.auth.header() {
            req = req.header("authorization", h);
        }
        let req = req
            .body(Full::new(Bytes::new()))
            .map_err(|reason| TransportError::Request {
                base: self.base.clone(),
                reason,
            })?;
        let fut = async {
            let resp = match &self.http {
                Http::Plain(c) => c.request(req).await,
                Http::Tls(c) => c.request(req).await,
            }
            .map_err(|reason| TransportError::Connect {
                base: self.base.clone(),
                reason,
            })?;
            let status = resp.status().as_u16();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|reason| TransportError::Body {
                    base: self.base.clone(),
                    reason,
                })?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(TIMEOUT, fut)
            .await
            .map_err(|_| TransportError::Timeout {
                base: self.base.clone(),
                secs: TIMEOUT.as_secs(),
            })?
    }

    /// `query_range` from `start_ms` to `end_ms` every `step`, as timed metric samples.
    pub async fn query_range(
        &self,
        query: &str,
        start_ms: i64,
        end_ms: i64,
        step: Duration,
    ) -> Result<Vec<TimedEvent>, PromError> {
        let q = format!(
            "/api/v1/query_range?query={}&start={:.3}&end={:.3}&step={}",
            encode(query),
            start_ms as f64 / 1000.0,
            end_ms as f64 / 1000.0,
            step.as_secs_f64()
        );
        let (status, body) = self.get(&q).await.map_err(|e| PromError::unreachable(&e))?;
        let excerpt = || {
            let text = String::from_utf8_lossy(&body);
            let e: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            match e.get("error").and_then(Value::as_str) {
                Some(m) => m.to_string(),
                None => text.chars().take(200).collect(),
            }
        };
        match status {
            200 => parse_matrix(&body).map_err(|e| PromError::bad_answer(&e)),
            _ => Err(PromError::status(status, &self.base, &excerpt())),
        }
    }
}

/// A `query_range` answer (`resultType: matrix`) as metric samples in time order.
pub fn parse_matrix(body: &[u8]) -> Result<Vec<TimedEvent>, MatrixError> {
    let v: Value = serde_json::from_slice(body).map_err(MatrixError::NotJson)?;
    if v.get("status").and_then(Value::as_str) != Some("success") {
        let why = v["error"].as_str().unwrap_or("?");
        return Err(MatrixError::QueryFailed(why.to_string()));
    }
    let Some(series) = v.pointer("/data/result").and_then(Value::as_array) else {
        return Err(MatrixError::NoResult);
    };
    let mut out = Vec::new();
    for s in series {
        let mut labels: BTreeMap<String, String> = s["metric"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let Some(name) = labels.remove("__name__") else {
            continue;
        };
        for pt in s["values"].as_array().into_iter().flatten() {
            let (Some(t), Some(val)) = (pt[0].as_f64(), pt[1].as_str()) else {
                continue;
            };
            let Ok(value) = val.parse::<f64>() else {
                continue;
            };
            out.push(TimedEvent {
                at_ms: (t * 1000.0).round() as i64,
                ev: SourceEvent::Metric {
                    name: name.clone(),
                    labels: labels.clone(),
                    value,
                },
            });
        }
    }
    out.sort_by_key(|te| te.at_ms);
    Ok(out)
}

fn health(state: HealthState, message: String) -> TimedEvent {
    TimedEvent {
        at_ms: chrono::Utc::now().timestamp_millis(),
        ev: SourceEvent::SourceHealth {
            source: SOURCE.into(),
            state,
            message,
        },
    }
}

/// Fetch `lookback` of history, then new samples every `every`, until `tx` closes.
pub async fn run(opts: PromOpts, tx: mpsc::UnboundedSender<Msg>) {
    let client = match PromClient::new(&opts.url, opts.auth.clone()) {
        Ok(c) => c,
        Err(e) => {
            let _ = tx.send(Msg::Source(vec![health(
                HealthState::Unavailable,
                e.to_string(),
            )]));
            return;
        }
    };
    let query = opts.selector();
    let step_ms = opts.step.as_millis().max(1) as i64;
    let now = || chrono::Utc::now().timestamp_millis();
    let mut from = now() - opts.lookback.as_millis() as i64;
    let mut last: Option<HealthState> = None;
    let mut every = tokio::time::interval(opts.every);
    loop {
        every.tick().await;
        let to = now() / step_ms * step_ms;
        if to < from {
            continue;
        }
        let (mut batch, state, message) =
            match client.query_range(&query, from, to, opts.step).await {
                Ok(evs) => {
                    from = to + step_ms;
                    let n = evs.len();
                    (
                        evs,
                        HealthState::Ok,
                        format!("{n} samples from {}", opts.url),
                    )
                }
                Err(e) => (Vec::new(), e.state, e.message),
            };
        if last != Some(state) || state != HealthState::Ok {
            batch.push(health(state, message));
            last = Some(state);
        }
        if !batch.is_empty() && tx.send(Msg::Source(batch)).is_err() {
            return;
        }
    }
}

#[cfg(test)]
#[path = "prometheus_tests.rs"]
mod tests;
