//! The shell around the pure core: the run loop and effect runner (`app`), live wiring (`live`),
//! the terminal guard, logging, the command line (`cli`), reading the settings files
//! (`settings_files`) and what they tune (`tuning`), and one file per subcommand (`cmd/`). With
//! `sources/`, the only place that names tokio, the filesystem, the network or a clock.

pub mod app;
pub mod cli;
pub mod cmd;
pub mod live;
pub mod logging;
pub mod record;
pub mod settings_files;
pub mod terminal;
pub mod tuning;
