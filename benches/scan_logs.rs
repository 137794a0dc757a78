//! Scan throughput on a synthetic mixed training log (mostly NCCL INFO noise, some PyTorch
//! lines and a few failures), generated in memory: >= 200 MB per iteration, one core.

use aicockpit::settings::signatures::Signatures;
use aicockpit::shell::cmd::scan_logs::for_each_line;
use aicockpit::training::derive::nccl::Scanner;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TARGET_BYTES: usize = 200 * 1024 * 1024;

fn synthetic_log() -> Vec<u8> {
    let noise = [
        "gpu-node-3:4711:4711 [3] NCCL INFO Channel 07/32 : 0 1 2 3 4 5 6 7",
        "gpu-node-3:4711:4790 [3] NCCL INFO Connected all rings, use ring PXN 0 GDR 1",
        "gpu-node-3:4711:4711 [3] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB [1]mlx5_1:1/IB ; OOB eth0:10.0.3.17<0>",
        "gpu-node-3:4711:4711 [3] NCCL INFO Trees [0] 5/-1/-1->3->2 [1] 5/-1/-1->3->2 [2] -1/-1/-1->3->2",
        "[rank3]: 2026-11-22 10:40:01 I [train.py:103] Batch 1200 Loss: 2.31653, Speed: 10.88 samples/sec, lr: 0.000100",
        "gpu-node-3:4711:4711 [3] NCCL INFO comm 0x55d1 rank 3 nRanks 8 nNodes 1 localRanks 8 localRank 3 MNNVL 0",
        "gpu-node-3:4711:4711 [3] NCCL INFO P2P Chunksize set to 524288",
        "W1122 10:38:22.379000 595 torch/distributed/run.py:851] *****************************************",
    ];
    let failures = [
        "[2026-11-22 10:41:27] gpu-node-3:4711:4790 [3] transport/net_ib.cc:1696 NCCL WARN NET/IB : Got completion from peer 10.0.3.21<45678> with status=12 opcode=0 len=0 vendor err 129 (Send)",
        "gpu-node-3:4711:4790 [3] NCCL INFO transport/net.cc:1301 -> 6",
        "[rank3]:[E1122 10:51:27.408271257 ProcessGroupNCCL.cpp:607] [Rank 3] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1201, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600060 milliseconds before timing out.",
        "[rank3]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 3 has a total capacity of 79.18 GiB of which 1.00 GiB is free.",
    ];
    let mut out = Vec::with_capacity(TARGET_BYTES + 4096);
    let mut i = 0usize;
    while out.len() < TARGET_BYTES {
        let line = if i % 5000 == 4999 {
            failures[(i / 5000) % failures.len()]
        } else {
            noise[i % noise.len()]
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
        i += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    let sigs = Signatures::builtin().expect("built-in signatures");
    let log = synthetic_log();
    let mut g = c.benchmark_group("scan_logs");
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.bench_function("mixed_200MB", |b| {
        b.iter(|| {
            let mut sc = Scanner::new(&sigs, "bench");
            let read = for_each_line(&mut &log[..], |n, l, _| sc.feed(n, l));
            let out = sc.finish();
            assert!(read.is_ok() && !out.findings.is_empty());
            out.findings.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
