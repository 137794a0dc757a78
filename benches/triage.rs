//! "What's wrong?" over the synthetic 2,000-node / 16,000-GPU / 40,000-pod scenario: every
//! built-in playbook walked from its entry, logs classified once, findings ranked. Target: under
//! 100 ms.

use criterion::{Criterion, criterion_group, criterion_main};

use aicockpit::settings::rules::Rules;
use aicockpit::shell::cmd::triage::state_at;
use aicockpit::sources::generator::{SyntheticOpts, synthetic};
use aicockpit::triage::engine::findings::whats_wrong;

fn bench(c: &mut Criterion) {
    let s = synthetic(&SyntheticOpts::default());
    let st = state_at(&s, None);
    let pbs = Rules::builtin().expect("built-in rule data");
    let n = whats_wrong(pbs, &st.world, st.now_ms).len();
    eprintln!(
        "synthetic: {} nodes, {} pods, {} log lines, {} events; {n} findings",
        st.world.nodes.len(),
        st.world.pods.len(),
        st.world.logs.lines().len(),
        st.world.events.len()
    );
    let mut g = c.benchmark_group("triage");
    g.sample_size(20);
    g.bench_function("whats_wrong_synthetic_2000_nodes_40000_pods", |b| {
        b.iter(|| whats_wrong(pbs, &st.world, st.now_ms))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
