//! Where aicockpit keeps its files (`Paths`): the config, data and state directories, each
//! overridable from the environment, and the names of the user's settings and rule files in the
//! config directory. Names paths only; `shell::settings_files` reads them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where aicockpit reads and writes its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `config.toml`, `keymap.toml`, `themes/`, `playbooks/`, `alerts/`, `signatures/`.
    pub config_dir: PathBuf,
    /// Recorded scenarios and other lasting data.
    pub data_dir: PathBuf,
    /// The program log and other state (the data dir where the platform has no state dir).
    pub state_dir: PathBuf,
}

/// Why the directories cannot be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathsError {
    #[error("cannot find the home directory to keep configuration in; set AICOCKPIT_CONFIG_DIR")]
    NoHome,
}

impl Paths {
    /// The platform directories, each overridable by `AICOCKPIT_CONFIG_DIR`,
    /// `AICOCKPIT_DATA_DIR` and `AICOCKPIT_STATE_DIR`.
    pub fn resolve() -> Result<Paths, PathsError> {
        Paths::resolve_with(|k| std::env::var_os(k))
    }

    /// `resolve` with the environment given as a function (for tests).
    pub fn resolve_with(env: impl Fn(&str) -> Option<OsString>) -> Result<Paths, PathsError> {
        let var = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let dirs = directories::ProjectDirs::from("dev", "aicockpit", "aicockpit");
        let config_dir = match (var("AICOCKPIT_CONFIG_DIR"), &dirs) {
            (Some(d), _) => d,
            (None, Some(p)) => p.config_dir().to_path_buf(),
            (None, None) => return Err(PathsError::NoHome),
        };
        let data_dir = var("AICOCKPIT_DATA_DIR")
            .or_else(|| dirs.as_ref().map(|p| p.data_dir().to_path_buf()))
            .unwrap_or_else(|| config_dir.clone());
        let state_dir = var("AICOCKPIT_STATE_DIR")
            .or_else(|| {
                dirs.as_ref()
                    .and_then(|p| p.state_dir().map(Path::to_path_buf))
            })
            .unwrap_or_else(|| data_dir.clone());
        Ok(Paths {
            config_dir,
            data_dir,
            state_dir,
        })
    }

    /// All three directories under one root (tests, portable installs).
    pub fn under(root: &Path) -> Paths {
        Paths {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            state_dir: root.join("state"),
        }
    }

    /// `<config_dir>/config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// `<config_dir>/keymap.toml`.
    pub fn keymap_file(&self) -> PathBuf {
        keymap_file(&self.config_dir)
    }

    /// `<config_dir>/themes`.
    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }
}

/// `<config_dir>/keymap.toml`.
pub fn keymap_file(config_dir: &Path) -> PathBuf {
    config_dir.join("keymap.toml")
}

/// `<config_dir>/themes/<name>.toml`: a user theme.
pub fn theme_file(config_dir: &Path, name: &str) -> PathBuf {
    config_dir.join("themes").join(format!("{name}.toml"))
}

/// The directories of user rule files in the config directory, each holding `*.toml` files
/// merged over the built-ins in file-name order: (playbooks, alert rules, log signatures).
pub const RULE_DIRS: (&str, &str, &str) = ("playbooks", "alerts", "signatures");
