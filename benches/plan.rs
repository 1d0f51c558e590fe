//! The plan benchmark of issue 14: `benches/plan.toml` (four sites, every
//! family and copier: 64 candidates, 25 simulated, a one-hour window of the daily peak at
//! flow fidelity under the standard fault set), planned once on one thread and
//! once on every core. Prints per run the wall time, the candidates generated
//! and simulated, the runs, and the speed-up of the parallel run; both plans
//! must recommend the same candidate (results never depend on the threads).
//!
//! Run with `cargo bench --bench plan`.

use std::path::Path;
use std::time::Instant;

fn main() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/plan.toml");
    let (text, sc) = match ktopo::scenario::load_for_plan(&file) {
        Ok(x) => x,
        Err(diags) => {
            for d in diags {
                eprintln!("{d}");
            }
            std::process::exit(2);
        }
    };
    let all = ktopo::sweep::default_jobs();
    let mut walls = Vec::new();
    let mut picks = Vec::new();
    for jobs in [1, all] {
        let t0 = Instant::now();
        let plan = match ktopo::plan::plan(&text, &sc, jobs, &mut |_, _| {}) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        };
        let wall = t0.elapsed().as_secs_f64();
        let simulated = plan
            .candidates
            .iter()
            .filter(|c| c.status != "pruned")
            .count();
        println!(
            "plan, {jobs} thread(s): {wall:.2} s wall, {} candidates, {simulated} simulated, {} runs, recommended {}",
            plan.candidates.len(),
            plan.runs,
            plan.recommended.as_deref().unwrap_or("none"),
        );
        walls.push(wall);
        picks.push(plan.recommended.clone());
    }
    if picks[0] != picks[1] {
        eprintln!("error: the recommendation depends on the thread count");
        std::process::exit(1);
    }
    println!("speed-up on {all} threads: {:.2}×", walls[0] / walls[1]);
}
