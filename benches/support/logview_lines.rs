/// Line `i` of the synthetic log: (pod, text). Four ranks; NCCL INFO noise and progress lines,
/// and every 5,000 lines an IB completion error, its return code and a watchdog timeout.
fn line(i: usize) -> (String, String) {
    let rank = i % 4;
    let pod = format!("train-worker-{rank}");
    let host = format!("{pod}:{}:{}", 50 + rank, 50 + rank);
    let text = match i % 5000 {
        4990 => format!(
            "[2026-11-22 10:32:38] {host} [0] transport/net_ib.cc:452 NCCL WARN NET/IB : Got completion from peer 10.0.0.{rank}<5000> with status=12 opcode=0 len=0 vendor err 129 (Send)"
        ),
        4991 => format!("{host} [0] NCCL INFO transport/net.cc:1301 -> 6"),
        4992 => format!(
            "[rank{rank}]:[E1122 10:38:30.284977768 ProcessGroupNCCL.cpp:632] [Rank {rank}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum={i}, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=180000) ran for 180043 milliseconds before timing out."
        ),
        n if n % 3 == 0 => format!(
            "[rank{rank}] step {i}/120000 | loss 2.0834 | lr 2.41e-04 | 1.62 s/it | 323.6k tok/s"
        ),
        n if n % 3 == 1 => format!("{host} [0] NCCL INFO Channel 07/32 : 0 1 2 3 4 5 6 7"),
        _ => format!(
            "{host} [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/RoCE ; OOB eth0:10.0.0.{rank}<0>"
        ),
    };
    (pod, text)
}
