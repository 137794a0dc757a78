// PLACEHOLDER: replaced at merge
//! Configuration paths and file (placeholder).

use std::path::{Path, PathBuf};

use crate::keymap::Keymap;

/// Where aicockpit reads configuration and keeps data and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// `AICOCKPIT_CONFIG_DIR` overrides the config dir; the rest follow the XDG rules.
    pub fn resolve() -> Paths {
        let dirs = directories::ProjectDirs::from("", "", "aicockpit");
        let fallback = PathBuf::from(".aicockpit");
        let config_dir = std::env::var_os("AICOCKPIT_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
            .unwrap_or_else(|| fallback.join("config"));
        let data_dir = dirs
            .as_ref()
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| fallback.join("data"));
        let state_dir = dirs
            .as_ref()
            .and_then(|d| d.state_dir().map(Path::to_path_buf))
            .unwrap_or_else(|| fallback.join("state"));
        Paths {
            config_dir,
            data_dir,
            state_dir,
        }
    }
}

/// The user's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {}

impl Config {
    pub fn load(_paths: &Paths) -> Result<Config, String> {
        Ok(Config {})
    }
}

impl Keymap {
    /// The embedded keymap with the user's `keymap.toml` merged over it.
    pub fn load(config_dir: Option<&Path>) -> Result<Keymap, String> {
        let base = Keymap::embedded()?;
        let Some(path) = config_dir.map(|d| d.join("keymap.toml")) else {
            return Ok(base);
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => base.merged(&text, &path.display().to_string()),
            Err(_) => Ok(base),
        }
    }
}
