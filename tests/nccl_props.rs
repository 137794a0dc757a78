//! Property tests: arbitrary bytes and strings never panic the parser, the classifier or the
//! line reader.

use aicockpit::settings::rules::Rules;
use aicockpit::settings::signatures::Signatures;
use aicockpit::shell::cmd::scan_logs::for_each_line;
use aicockpit::training::derive::nccl::Scanner;
use aicockpit::training::derive::nccl::line::{
    parse_nccl, parse_retcode, strip_prefixes, timestamp,
};
use proptest::prelude::*;
use std::sync::OnceLock;

fn sigs() -> &'static Signatures {
    static S: OnceLock<Signatures> = OnceLock::new();
    S.get_or_init(|| Signatures::builtin().expect("signatures"))
}

fn nccl_like() -> impl Strategy<Value = String> {
    let parts = prop::collection::vec(
        prop_oneof![
            Just("[rank1]:".to_string()),
            Just("[0,3]<stdout>:".to_string()),
            Just("(pid=1) ".to_string()),
            Just("[2026-11-22 10:38:27] ".to_string()),
            Just("h:1:2 [0] ".to_string()),
            Just("NCCL WARN ".to_string()),
            Just("NCCL INFO ".to_string()),
            Just("x.cc:1 -> 5".to_string()),
            Just("Rank 3]".to_string()),
            Just("[E321 02:07:08.4".to_string()),
            Just("with status=12 ".to_string()),
            Just("Got completion from peer ".to_string()),
            Just("NVRM: Xid (PCI:0".to_string()),
            ".{0,12}",
        ],
        0..8,
    );
    parts.prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn parser_never_panics_on_strings(s in "\\PC{0,200}") {
        let p = strip_prefixes(&s);
        let _ = parse_nccl(p.body);
        let _ = parse_retcode(p.body);
        let _ = timestamp(p.body);
    }

    #[test]
    fn parser_never_panics_on_nccl_like(s in nccl_like()) {
        let p = strip_prefixes(&s);
        prop_assert!(s.ends_with(p.body) || p.body.is_empty() || s.contains(p.body));
        let _ = parse_nccl(p.body);
        let _ = timestamp(p.body);
    }

    #[test]
    fn classifier_never_panics_on_bytes(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..20)) {
        let mut sc = Scanner::new(sigs(), "p");
        for (i, l) in lines.iter().enumerate() {
            sc.feed(i as u64 + 1, l);
        }
        let out = sc.finish();
        prop_assert_eq!(out.lines, lines.len() as u64);
    }

    #[test]
    fn classifier_never_panics_on_nccl_like(lines in prop::collection::vec(nccl_like(), 0..20)) {
        let mut sc = Scanner::new(sigs(), "p");
        for (i, l) in lines.iter().enumerate() {
            sc.feed_str(i as u64 + 1, l);
        }
        for f in sc.finish().findings {
            prop_assert!(f.line_no >= 1 && f.line_no <= lines.len() as u64);
        }
    }

    #[test]
    fn line_reader_counts_every_byte(data in prop::collection::vec(any::<u8>(), 0..2000)) {
        let mut n = 0u64;
        let total = for_each_line(&mut &data[..], |_, _, _| n += 1).expect("read");
        prop_assert_eq!(total, data.len() as u64);
        let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
        let trailing = u64::from(!data.is_empty() && data.last() != Some(&b'\n'));
        prop_assert_eq!(n, newlines + trailing);
    }

    #[test]
    fn viewer_ingest_keeps_one_class_per_stored_line(
        lines in prop::collection::vec(prop_oneof![nccl_like(), ".{0,80}"], 1..40),
        bound in 300usize..4000,
    ) {
        use aicockpit::domain::LogLine;
        use aicockpit::world::log_store::LogStore;
        use aicockpit::training::view::log_viewer::LogViewer;
        use aicockpit::training::log_intel::LogIntel;
        let mut store = LogStore::with_max_bytes(bound);
        let mut intel = LogIntel::default();
        let pods = [("ns".to_string(), "p0".to_string())];
        let mut viewer = LogViewer::new("p0", &pods, &store, &intel);
        for (i, l) in lines.iter().enumerate() {
            store.push(LogLine {
                at_ms: i as i64,
                namespace: "ns".into(),
                pod: format!("p{}", i % 2),
                container: "c".into(),
                line: l.clone(),
            });
            if i % 3 == 0 {
                intel.ingest(&store, Rules::builtin().map(|r| &r.signatures));
                viewer.extend(&store, &intel);
            }
        }
        intel.ingest(&store, Rules::builtin().map(|r| &r.signatures));
        viewer.extend(&store, &intel);
        prop_assert_eq!(intel.len(), store.lines().len());
        prop_assert!(store.bytes() <= bound);
        for &seq in &viewer.entries {
            prop_assert!(seq >= store.dropped);
            prop_assert!(intel.meta(seq).is_some());
        }
    }
}
