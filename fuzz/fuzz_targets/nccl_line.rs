//! Fuzz the NCCL-aware line parser, the classifier and the log viewer's line classification
//! with arbitrary bytes.
#![no_main]

use std::sync::OnceLock;

use aicockpit::training::derive::nccl::line::{parse_nccl, parse_retcode, strip_prefixes, timestamp};
use aicockpit::training::derive::nccl::Scanner;
use aicockpit::settings::signatures::Signatures;
use aicockpit::training::logs::{NcclState, classify_line};
use libfuzzer_sys::fuzz_target;

fn sigs() -> Option<&'static Signatures> {
    static S: OnceLock<Option<Signatures>> = OnceLock::new();
    S.get_or_init(|| Signatures::builtin().ok()).as_ref()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let p = strip_prefixes(&text);
    let _ = parse_nccl(p.body);
    let _ = parse_retcode(p.body);
    let _ = timestamp(p.body);
    let _ = classify_line(&text, Some(&mut NcclState::default()));
    if let Some(s) = sigs() {
        let mut sc = Scanner::new(s, "fuzz");
        for (i, line) in data.split(|&b| b == b'\n').enumerate() {
            sc.feed(i as u64 + 1, line);
        }
        let _ = sc.finish();
    }
});
