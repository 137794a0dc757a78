//! Log lines of the training ranks in the `rdma-netpol` story, in the formats real NCCL 2.28
//! and PyTorch 2.11 write (see `data/h100/nccl/` and the NCCL/PyTorch sources): NCCL INFO
//! init lines over IB or sockets, ProcessGroupNCCL error prefixes, the training loop's step line.

use crate::domain::Millis;
use crate::sources::generator::cluster::pci_bus_id;
use crate::sources::generator::job::Rank;
use crate::sources::generator::k8s::fnv;

/// NCCL's INFO prefix: `<host>:<pid>:<tid> [<cudaDev>] NCCL INFO <msg>`.
pub fn nccl(r: &Rank, msg: &str) -> String {
    format!("{}:{}:{} [0] NCCL INFO {msg}", r.pod.name, r.pid, r.pid)
}

/// PyTorch's glog prefix for ProcessGroupNCCL errors.
pub fn pg(r: &Rank, start_ms: Millis, t: Millis, line: u32) -> String {
    let d = chrono::DateTime::from_timestamp_millis(start_ms + t)
        .map(|d| d.format("%m%d %H:%M:%S").to_string())
        .unwrap_or_default();
    let ns = fnv(&format!("{}{t}", r.pod.name)) % 1_000_000_000;
    format!(
        "[rank{0}]:[E{d}.{ns:09} ProcessGroupNCCL.cpp:{line}] [PG ID 0 PG GUID 0(default_pg) Rank {0}]",
        r.index
    )
}

pub fn init_lines(r: &Rank, ib: bool, comm: u64) -> Vec<String> {
    let ip = &r.pod.ip;
    let mut v = vec![
        nccl(r, &format!("Bootstrap: Using eth0:{ip}<0>")),
        nccl(r, "cudaDriverVersion 13000"),
        nccl(r, "NCCL version 2.28.9+cuda13.0"),
        nccl(r, "NET/Plugin: Could not find: libnccl-net.so"),
    ];
    if ib {
        v.push(nccl(
            r,
            &format!("NET/IB : Using [0]mlx5_0:1/RoCE [1]mlx5_1:1/RoCE [RO]; OOB eth0:{ip}<0>"),
        ));
        v.push(nccl(r, "Initialized NET plugin IB"));
        v.push(nccl(r, "Using network IB"));
    } else {
        v.push(nccl(r, "NET/IB : No device found."));
        v.push(nccl(r, &format!("NET/IB : Using [RO]; OOB eth0:{ip}<0>")));
        v.push(nccl(r, "Failed to initialize NET plugin IB"));
        v.push(nccl(r, &format!("NET/Socket : Using [0]eth0:{ip}<0>")));
        v.push(nccl(r, "Initialized NET plugin Socket"));
        v.push(nccl(r, "Assigned NET plugin Socket to comm"));
        v.push(nccl(r, "Using network Socket"));
    }
    // The comm pointer is per process, the commId shared by every rank of the communicator.
    let ptr = 0x1f05_9bb0 + fnv(&r.pod.name) % 0x100_0000;
    let bus = u32::from_str_radix(&pci_bus_id(0)[9..11], 16).unwrap_or(0) * 0x1000;
    let head = format!(
        "ncclCommInitRankConfig comm 0x{ptr:x} rank {} nranks 4 cudaDev 0 nvmlDev 0 busId {bus:x} commId 0x{:016x}",
        r.index,
        fnv(&format!("commId{comm}"))
    );
    v.push(nccl(r, &format!("{head} - Init START")));
    v.push(nccl(r, &format!("{head} - Init COMPLETE")));
    v
}

pub fn step_line(step: u64, secs_per_it: f64) -> String {
    let loss = 2.31 - (step as f64 - 40_000.0) * 0.00021 + ((step * 7919) % 97) as f64 * 0.0004;
    let tok = 32.0 * 4.0 * 4096.0 / secs_per_it / 1000.0;
    format!(
        "[rank0] step {step}/120000 | loss {loss:.4} | lr 2.41e-04 | {secs_per_it:.2} s/it | {tok:.1}k tok/s"
    )
}
