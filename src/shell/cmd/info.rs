//! `aicockpit info`: where aicockpit keeps its files, whether the config file loads, the
//! kubeconfig context `kubectl` would use, and whether NVML can be loaded here.

use crate::settings::config::Paths;
use crate::shell::settings_files;
use crate::sources::{kubeconfig, nvml};

/// The `info` report.
pub fn info_report(paths: &Paths) -> String {
    let kube = match kubeconfig::current_context(None) {
        Ok((ctx, from)) => format!("{ctx} (from {})", from.display()),
        Err(why) => format!("none ({why})"),
    };
    let nvml = match nvml::probe() {
        Ok(s) => format!("available: {s}"),
        Err(why) => format!("NVML not available: {why}"),
    };
    let config_file = paths.config_file();
    let config = match settings_files::config(paths) {
        Ok(_) if config_file.is_file() => format!("{} (ok)", config_file.display()),
        Ok(_) => format!("{} (not present: defaults)", config_file.display()),
        Err(e) => format!("error: {e}"),
    };
    let line = |k: &str, v: &str| format!("{k:<14}{v}\n");
    let mut out = String::new();
    out.push_str(&line("aicockpit", env!("CARGO_PKG_VERSION")));
    out.push_str(&line("config dir", &paths.config_dir.display().to_string()));
    out.push_str(&line("config file", &config));
    out.push_str(&line("data dir", &paths.data_dir.display().to_string()));
    out.push_str(&line("state dir", &paths.state_dir.display().to_string()));
    out.push_str(&line("kube context", &kube));
    out.push_str(&line("nvml", &nvml));
    out
}
