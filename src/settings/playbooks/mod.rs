//! Playbooks as rule data: the built-in `assets/playbooks/*.toml` and the user's files merged
//! over them by id, parsed into the model (`model`, with probe parameters from `spec`) and
//! checked by the validator (`validate`) against the signatures and alert rules loaded.

pub mod model;
pub mod spec;
pub mod validate;

use crate::settings::playbooks::model::{Conclusion, Playbook, PlaybookFile};
use crate::settings::playbooks::validate::{Known, PlaybookError, validate_all};

/// (file name, text) of every built-in playbook file.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "gpu.toml",
        include_str!("../../../assets/playbooks/gpu.toml"),
    ),
    (
        "distributed.toml",
        include_str!("../../../assets/playbooks/distributed.toml"),
    ),
    (
        "serving.toml",
        include_str!("../../../assets/playbooks/serving.toml"),
    ),
    (
        "data.toml",
        include_str!("../../../assets/playbooks/data.toml"),
    ),
    (
        "scheduling.toml",
        include_str!("../../../assets/playbooks/scheduling.toml"),
    ),
    (
        "npu.toml",
        include_str!("../../../assets/playbooks/npu.toml"),
    ),
    (
        "hardware.toml",
        include_str!("../../../assets/playbooks/hardware.toml"),
    ),
    (
        "signatures.toml",
        include_str!("../../../assets/playbooks/signatures.toml"),
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

/// (origin, text) of every built-in playbook file, origins `builtin:<file>`.
pub fn builtin_files() -> impl Iterator<Item = (String, &'static str)> {
    BUILTIN.iter().map(|(n, t)| (format!("builtin:{n}"), *t))
}

impl Playbooks {
    /// Parse and validate (origin, text) pairs, checking the signature ids and alert rules their
    /// probes name against `known`; later playbooks replace earlier ones of the same id.
    pub fn from_texts<'a>(
        files: impl IntoIterator<Item = (String, &'a str)>,
        known: &Known<'_>,
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
        errs.extend(validate_all(&list, known));
        if errs.is_empty() {
            Ok(Playbooks { list })
        } else {
            Err(errs)
        }
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
