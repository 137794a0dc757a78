//! The local kubeconfig: which context `kubectl` would use. Reads the file only (no cluster
//! connection), so `aicockpit info` can say where a live session would point.

use std::path::{Path, PathBuf};

use kube::config::{Kubeconfig, KubeconfigError};

/// Why there is no current context to point a live session at.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// Neither `$KUBECONFIG` nor `$HOME` is set.
    #[error("no KUBECONFIG and no HOME to find ~/.kube/config")]
    NoLocation,
    /// The file is not there.
    #[error("no kubeconfig at {}", .0.display())]
    Missing(PathBuf),
    /// The file is there but does not read as a kubeconfig.
    #[error("cannot read {}: {reason}", path.display())]
    Unreadable {
        path: PathBuf,
        reason: KubeconfigError,
    },
    /// The kubeconfig names no `current-context`.
    #[error("{} sets no current-context", .0.display())]
    NoCurrentContext(PathBuf),
}

/// Where the kubeconfig is looked for: `$KUBECONFIG` (possibly a list) or `~/.kube/config`.
pub fn default_location() -> Option<PathBuf> {
    match std::env::var_os("KUBECONFIG") {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".kube").join("config")),
    }
}

/// The current context and the file it came from. `path` overrides the default location.
/// The error says why there is none (no file, unreadable, no `current-context`).
pub fn current_context(path: Option<&Path>) -> Result<(String, PathBuf), ContextError> {
    let (config, location) = match path {
        Some(p) => (Kubeconfig::read_from(p), p.to_path_buf()),
        None => {
            let Some(location) = default_location() else {
                return Err(ContextError::NoLocation);
            };
            let single = std::env::split_paths(&location).count() <= 1;
            if single && !location.exists() {
                return Err(ContextError::Missing(location));
            }
            (Kubeconfig::read(), location)
        }
    };
    if path.is_some() && !location.exists() {
        return Err(ContextError::Missing(location));
    }
    let config = match config {
        Ok(c) => c,
        Err(reason) => {
            return Err(ContextError::Unreadable {
                path: location,
                reason,
            });
        }
    };
    match config.current_context {
        Some(ctx) if !ctx.is_empty() => Ok((ctx, location)),
        _ => Err(ContextError::NoCurrentContext(location)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_current_context_from_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("config");
        std::fs::write(
            &p,
            "apiVersion: v1\nkind: Config\ncurrent-context: prod-gpu\ncontexts: []\nclusters: []\nusers: []\n",
        )
        .expect("write");
        let (ctx, from) = current_context(Some(&p)).expect("context");
        assert_eq!(ctx, "prod-gpu");
        assert_eq!(from, p);
    }

    #[test]
    fn missing_file_and_missing_context_say_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("nope");
        let e = current_context(Some(&p)).expect_err("no file").to_string();
        assert!(e.contains("no kubeconfig at"), "{e}");
        std::fs::write(&p, "apiVersion: v1\nkind: Config\n").expect("write");
        let e = current_context(Some(&p))
            .expect_err("no context")
            .to_string();
        assert!(e.contains("no current-context"), "{e}");
    }
}
