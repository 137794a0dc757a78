//! Settings: the config file, the keymap, themes and rule data (playbooks, log signatures, alert
//! rules). Each is parsed from text and validated once here, with typed errors that name the
//! file and the key or rule, and passed in to the code that uses it. The files themselves are
//! read by `shell::settings_files`; nothing here touches the filesystem.

pub mod alerts;
pub mod config;
pub mod keymap;
pub mod paths;
pub mod playbooks;
pub mod rules;
pub mod signatures;
pub mod theme;
