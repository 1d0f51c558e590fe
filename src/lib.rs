//! ktopo: a deterministic discrete-event simulator of Kafka deployments across
//! data centers. See ARCHITECTURE.md for the module map and its invariants.

pub mod check;
pub mod compare;
pub mod cost;
pub mod export;
pub mod import;
pub mod interrupt;
pub mod kafka;
pub mod load;
pub mod metrics;
pub mod montecarlo;
pub mod net;
pub mod placement;
pub mod plan;
pub mod pool;
pub mod report;
pub mod run;
pub mod scenario;
pub mod shard;
pub mod sim;
pub mod sites;
pub mod sweep;
pub mod topology;

/// The process's peak resident memory in MiB (Linux `VmHWM`), where the OS
/// reports it: for `--stats` and the benchmarks, never for results.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
