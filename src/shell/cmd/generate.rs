//! `aicockpit generate`: write a built-in incident scenario or a synthetic scale scenario to a
//! file, from the deterministic generator.

use anyhow::{Context, anyhow};

use crate::domain::text::mmss;
use crate::shell::cli::GenerateArgs;
use crate::sources::generator;

/// Run `generate`: write a built-in or synthetic scenario. Returns a one-line summary.
pub fn generate(args: &GenerateArgs) -> anyhow::Result<String> {
    let scenario = if args.name == "synthetic" {
        generator::synthetic(&generator::SyntheticOpts {
            nodes: args.nodes,
            pods: args.pods,
            gpus_per_node: args.gpus_per_node,
            duration_s: args.duration,
            seed: args.seed,
        })
    } else {
        generator::generate(&args.name).ok_or_else(|| {
            anyhow!(
                "unknown scenario {:?}; known: synthetic, {}",
                args.name,
                generator::builtin_names().join(", ")
            )
        })?
    };
    generator::write_scenario(&scenario, &args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    Ok(format!(
        "wrote {} ({} events, {})",
        args.out.display(),
        scenario.events.len(),
        mmss(scenario.duration_ms())
    ))
}
