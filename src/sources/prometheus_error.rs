//! The Prometheus source's errors: credentials that cannot be loaded, a URL no client can be
//! made for, a request that got no answer, an answer that is not a `query_range` matrix, and
//! `PromError`, what a failed query means for the source's health. Each message carries the
//! underlying reason in its text (none is also returned as `source()`), because the message is
//! what the "unavailable because ..." states show.

use std::path::PathBuf;

use crate::contract::event::HealthState;

/// Why the Prometheus credentials could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Both a token file and a basic-auth file were given.
    #[error("give a bearer token or basic auth, not both")]
    Both,
    /// A credentials file could not be read.
    #[error("cannot read {}: {reason}", path.display())]
    Unreadable {
        path: PathBuf,
        reason: std::io::Error,
    },
    /// Basic-auth credentials without the `:` between user and password.
    #[error("basic auth must read user:password")]
    NotUserPassword,
}

/// Equal when the same thing went wrong; I/O reasons compare by their kind.
impl PartialEq for AuthError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (AuthError::Both, AuthError::Both) => true,
            (AuthError::NotUserPassword, AuthError::NotUserPassword) => true,
            (
                AuthError::Unreadable { path, reason },
                AuthError::Unreadable { path: p, reason: r },
            ) => path == p && reason.kind() == r.kind(),
            _ => false,
        }
    }
}

/// Why no client can be made for a Prometheus URL.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Neither `http://` nor `https://`.
    #[error("{url}: the Prometheus URL must start with http:// or https://")]
    Scheme { url: String },
    /// An `https://` URL, but the system's root certificates could not be loaded.
    #[error("no TLS root certificates for {url}: {reason}")]
    NoRoots { url: String, reason: std::io::Error },
}

/// Why a request got no (complete) answer.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The request could not be built (a URL that is not valid as a URI).
    #[error("bad request {base}: {reason}")]
    Request {
        base: String,
        reason: hyper::http::Error,
    },
    /// The server could not be reached (refused, no route, DNS, TLS).
    #[error("{base}: {reason}")]
    Connect {
        base: String,
        reason: hyper_util::client::legacy::Error,
    },
    /// The answer broke off while it was read.
    #[error("{base}: reading the answer: {reason}")]
    Body { base: String, reason: hyper::Error },
    /// No answer within the time allowed.
    #[error("{base}: no answer in {secs} s")]
    Timeout { base: String, secs: u64 },
}

/// Why a `query_range` answer could not be read as a matrix.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error("answer is not JSON: {0}")]
    NotJson(serde_json::Error),
    /// `status` is not `success`; the server's `error` text, `?` when it gave none.
    #[error("query failed: {0}")]
    QueryFailed(String),
    #[error("answer has no data.result")]
    NoResult,
}

/// Why a query failed, and the health state that follows: `Forbidden` for 401/403,
/// `Unavailable` for an unreachable or silent server and 5xx, `Degraded` for other 4xx and
/// answers that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PromError {
    pub state: HealthState,
    pub message: String,
}

impl PromError {
    /// No answer: the server is unavailable.
    pub fn unreachable(e: &TransportError) -> Self {
        PromError {
            state: HealthState::Unavailable,
            message: format!("unreachable: {e}"),
        }
    }

    /// An answer with status 200 that is not a matrix.
    pub fn bad_answer(e: &MatrixError) -> Self {
        PromError {
            state: HealthState::Degraded,
            message: e.to_string(),
        }
    }

    /// An HTTP error status from `base`, with what the server said about it.
    pub fn status(status: u16, base: &str, detail: &str) -> Self {
        let state = match status {
            401 | 403 => HealthState::Forbidden,
            400..=499 => HealthState::Degraded,
            _ => HealthState::Unavailable,
        };
        PromError {
            state,
            message: format!("HTTP {status} from {base}: {detail}"),
        }
    }
}
