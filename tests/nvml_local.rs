//! The NVML source on this machine: where NVML loads (a GPU host), a snapshot lists every device
//! with its identity and readings, and the source task sends it as `SourceEvent::Nvml` with an ok
//! health; where it does not (no driver), the task ends quietly and sends nothing.

use std::time::Duration;

use aicockpit::contract::event::{HealthState, Msg, SourceEvent};
use aicockpit::sources::nvml;

#[tokio::test]
async fn local_gpus_become_snapshots_or_nothing() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(nvml::run(tx, Duration::from_millis(200)));
    match nvml::probe() {
        Err(why) => {
            eprintln!("no NVML here ({why}): the source must end without a word");
            tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .expect("ends")
                .expect("join");
            assert!(rx.try_recv().is_err(), "nothing sent without NVML");
        }
        Ok(about) => {
            let msg = tokio::time::timeout(Duration::from_secs(10), rx.recv())
                .await
                .expect("a snapshot in time")
                .expect("open");
            task.abort();
            let Msg::Source(batch) = msg else {
                panic!("not a source batch")
            };
            let Some(SourceEvent::Nvml { snapshot }) = batch.first().map(|t| &t.ev) else {
                panic!("first event is not a snapshot: {batch:?}")
            };
            eprintln!("{about}: {snapshot:#?}");
            assert!(!snapshot.devices.is_empty(), "{about}");
            assert!(!snapshot.driver_version.is_empty());
            for d in &snapshot.devices {
                assert!(d.uuid.starts_with("GPU-"), "{}", d.uuid);
                assert!(!d.name.is_empty() && !d.pci_bus_id.is_empty());
                let total = d.fb_total_mib.expect("memory total");
                assert!(total > 1000.0, "{total} MiB");
                assert!(d.temp_c.is_some_and(|t| t > 0.0 && t < 120.0));
            }
            assert!(batch.iter().any(|t| matches!(&t.ev,
                SourceEvent::SourceHealth { source, state: HealthState::Ok, .. } if source == nvml::SOURCE)));
        }
    }
}
