//! The scale benchmark of issue 12: `benches/scale.toml` (`reference.toml`
//! scaled to 300 brokers and 100 000 partitions RF 3, 60 simulated seconds),
//! once at request fidelity and once at flow fidelity. Each run is a child
//! process (this binary again, with `KTOPO_SCALE_FIDELITY` set), so that each
//! reports its own peak resident memory. Prints per fidelity the wall time,
//! events, events per second and peak memory.
//!
//! Run with `cargo bench --bench scale` (about a minute of wall time per
//! fidelity on a quiet machine).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const CHILD: &str = "KTOPO_SCALE_FIDELITY";

fn main() {
    match std::env::var(CHILD) {
        Ok(fidelity) => run_one(&fidelity),
        Err(_) => {
            let exe = match std::env::current_exe() {
                Ok(exe) => exe,
                Err(e) => {
                    eprintln!("error: cannot find this benchmark's executable: {e}");
                    std::process::exit(2);
                }
            };
            for fidelity in ["request", "flow"] {
                let status = Command::new(&exe).env(CHILD, fidelity).status();
                if !status.is_ok_and(|s| s.success()) {
                    eprintln!("error: the {fidelity}-fidelity run failed");
                    std::process::exit(1);
                }
            }
        }
    }
}

fn run_one(fidelity: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/scale.toml");
    let mut sc = match ktopo::scenario::load(&file) {
        Ok(sc) => sc,
        Err(diags) => {
            for d in diags {
                eprintln!("{d}");
            }
            std::process::exit(2);
        }
    };
    sc.model.fidelity = match fidelity {
        "flow" => ktopo::scenario::Fidelity::Flow,
        _ => ktopo::scenario::Fidelity::Request,
    };
    let t0 = Instant::now();
    let outcome = match ktopo::kafka::simulate(&sc) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let wall = t0.elapsed().as_secs_f64();
    let events = outcome.events_processed;
    let rss = ktopo::peak_memory_mib().map_or("n/a".to_string(), |m| format!("{m:.1} MiB"));
    println!(
        "scale, {fidelity} fidelity, {} simulated s: {wall:.3} s wall, {events} events, {:.2} M events/s, peak memory {rss}",
        sc.duration_s,
        events as f64 / wall / 1e6,
    );
}
