//! Guided troubleshooting: playbooks (data, `assets/playbooks/*.toml`, plus user playbooks from
//! the config directory) run read-only probes (code, a closed set) against the world, walk their
//! decision trees to conclusions with evidence and fixes, rank what is wrong, drive the
//! 10-minute walkthrough and write incident reports. Pure: knows neither screen nor cluster
//! client.

pub mod attention;
pub mod attention_rank;
pub mod engine;
pub mod pane;
pub mod probes;
pub mod summary;
pub mod view;

use std::path::Path;
use std::sync::OnceLock;

use crate::triage::engine::model::{Conclusion, Playbook, PlaybookFile};
use crate::triage::engine::validate::{PlaybookError, validate_all};

/// (file name, text) of every built-in playbook file.
const BUILTIN: &[(&str, &str)] = &[
    ("gpu.toml", include_str!("../../assets/playbooks/gpu.toml")),
    (
        "distributed.toml",
        include_str!("../../assets/playbooks/distributed.toml"),
    ),
    (
        "serving.toml",
        include_str!("../../assets/playbooks/serving.toml"),
    ),
    (
        "data.toml",
        include_str!("../../assets/playbooks/data.toml"),
    ),
    (
        "scheduling.toml",
        include_str!("../../assets/playbooks/scheduling.toml"),
    ),
    ("npu.toml", include_str!("../../assets/playbooks/npu.toml")),
    (
        "hardware.toml",
        include_str!("../../assets/playbooks/hardware.toml"),
    ),
    (
        "signatures.toml",
        include_str!("../../assets/playbooks/signatures.toml"),
    ),
];

/// A validated set of playbooks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Playbooks {
    pub list: Vec<Playbook>,
}

/// Parse one playbook file (no validation).
pub fn parse(text: &str, origin: &str) -> Result<Vec<Playbook>, PlaybookError> {
    let f: PlaybookFile = toml::from_str(text).map_err(|e| PlaybookError {
        file: origin.to_string(),
        playbook: String::new(),
        step: None,
        message: e.to_string().trim().replace('\n', " "),
    })?;
    Ok(f.playbook
        .into_iter()
        .map(|mut p| {
            p.origin = origin.to_string();
            p
        })
        .collect())
}

impl Playbooks {
    /// The built-in playbooks, parsed and validated once.
    pub fn builtin() -> Result<&'static Playbooks, String> {
        static B: OnceLock<Result<Playbooks, String>> = OnceLock::new();
        B.get_or_init(|| {
            Playbooks::from_texts(BUILTIN.iter().map(|(n, t)| (format!("builtin:{n}"), *t)))
                .map_err(|e| join(&e))
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Parse and validate (origin, text) pairs; later playbooks replace earlier ones of the same id.
    pub fn from_texts<'a>(
        files: impl IntoIterator<Item = (String, &'a str)>,
    ) -> Result<Playbooks, Vec<PlaybookError>> {
        let mut list: Vec<Playbook> = Vec::new();
        let mut errs = Vec::new();
        for (origin, text) in files {
            match parse(text, &origin) {
                Ok(pbs) => {
                    for pb in pbs {
                        list.retain(|p| p.id != pb.id);
                        list.push(pb);
                    }
                }
                Err(e) => errs.push(e),
            }
        }
        errs.extend(validate_all(&list));
        if errs.is_empty() {
            Ok(Playbooks { list })
        } else {
            Err(errs)
        }
    }

    /// The built-ins merged with `<config_dir>/playbooks/*.toml` (a user playbook with a
    /// built-in's id replaces it). A missing directory is not an error.
    pub fn load(config_dir: Option<&Path>) -> Result<Playbooks, Vec<PlaybookError>> {
        let mut user: Vec<(String, String)> = Vec::new();
        if let Some(dir) = config_dir.map(|d| d.join("playbooks"))
            && let Ok(rd) = std::fs::read_dir(&dir)
        {
            let mut paths: Vec<_> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            for p in paths {
                match std::fs::read_to_string(&p) {
                    Ok(t) => user.push((p.display().to_string(), t)),
                    Err(e) => {
                        return Err(vec![PlaybookError {
                            file: p.display().to_string(),
                            playbook: String::new(),
                            step: None,
                            message: format!("cannot read: {e}"),
                        }]);
                    }
                }
            }
        }
        let files = BUILTIN
            .iter()
            .map(|(n, t)| (format!("builtin:{n}"), *t))
            .chain(user.iter().map(|(o, t)| (o.clone(), t.as_str())));
        Playbooks::from_texts(files)
    }

    /// A playbook by id.
    pub fn get(&self, id: &str) -> Option<&Playbook> {
        self.list.iter().find(|p| p.id == id)
    }

    /// A conclusion by id, with its playbook.
    pub fn conclusion(&self, id: &str) -> Option<(&Playbook, &Conclusion)> {
        self.list
            .iter()
            .find_map(|p| p.conclusions.iter().find(|c| c.id == id).map(|c| (p, c)))
    }
}

/// Errors, one per line.
pub fn join(errs: &[PlaybookError]) -> String {
    errs.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}
