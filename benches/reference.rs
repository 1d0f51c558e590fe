//! The reference-run benchmark of issue 2: `scenarios/reference.toml` (3 sites,
//! 12 brokers, 600 partitions RF 3, 200 MB/s, 10 simulated minutes) at request
//! fidelity, simulated several times in this process on one thread. Prints the
//! wall time of each run, their minimum, median and maximum, events per
//! second and simulated seconds per wall second at the median, and the
//! process's peak resident memory.
//!
//! Run with `cargo bench --bench reference`; `KTOPO_BENCH_RUNS` sets the
//! number of runs (default 5). On a shared machine single runs vary by ±20%,
//! which is why this reports the spread rather than one figure.

use std::path::Path;
use std::time::Instant;

fn main() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference.toml");
    let sc = match ktopo::scenario::load(&file) {
        Ok(sc) => sc,
        Err(diags) => {
            for d in diags {
                eprintln!("{d}");
            }
            std::process::exit(2);
        }
    };
    let runs: usize = std::env::var("KTOPO_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5);
    let mut walls = Vec::with_capacity(runs);
    let mut events = 0;
    for i in 0..runs {
        let t0 = Instant::now();
        let outcome = match ktopo::kafka::simulate(&sc) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        };
        let wall = t0.elapsed().as_secs_f64();
        if i > 0 && outcome.events_processed != events {
            eprintln!("error: run {i} processed a different number of events");
            std::process::exit(1);
        }
        events = outcome.events_processed;
        println!("reference run {}/{runs}: {wall:.3} s wall", i + 1);
        walls.push(wall);
    }
    walls.sort_by(f64::total_cmp);
    let median = if runs % 2 == 1 {
        walls[runs / 2]
    } else {
        (walls[runs / 2 - 1] + walls[runs / 2]) / 2.0
    };
    println!(
        "reference run, {} simulated s, {events} events: wall min {:.3} s, median {median:.3} s, max {:.3} s",
        sc.duration_s,
        walls[0],
        walls[runs - 1]
    );
    println!(
        "at the median: {:.2} M events/s, {:.1} simulated s per wall s",
        events as f64 / median / 1e6,
        sc.duration_s / median
    );
    if let Some(rss) = ktopo::peak_memory_mib() {
        println!("peak resident memory: {rss:.1} MiB");
    }
}
