//! Settings: the config file, the keymap, themes and rule data (alert rules), each loaded once,
//! validated once with clear errors and passed in to the code that uses it.

pub mod alerts;
pub mod config;
pub mod keymap;
pub mod theme;
