//! Kernel microbenchmark (hold model): keep N events pending; each step pops the
//! earliest and pushes one at a random later time. Prints events/s.
//! Run with `cargo bench --bench kernel`.

use ktopo::sim::{EventQueue, SimRng};
use std::time::Instant;

#[derive(Clone, Copy)]
#[allow(dead_code)]
enum Ev {
    A { x: u32 },
    B { x: u32, y: u32 },
}

fn hold(pending: usize, steps: u64) -> f64 {
    let mut q = EventQueue::new();
    let mut rng = SimRng::new(1);
    for i in 0..pending {
        q.push(rng.below(1_000_000), Ev::A { x: i as u32 });
    }
    let t0 = Instant::now();
    let mut sink = 0u64;
    for _ in 0..steps {
        let (t, ev) = q.pop().expect("pending");
        sink = sink.wrapping_add(match ev {
            Ev::A { x } => x as u64,
            Ev::B { x, y } => (x ^ y) as u64,
        });
        q.push(
            t + 1 + rng.below(1_000_000),
            Ev::B {
                x: sink as u32,
                y: 1,
            },
        );
    }
    std::hint::black_box(sink);
    steps as f64 / t0.elapsed().as_secs_f64()
}

fn main() {
    for pending in [1_000usize, 10_000, 100_000] {
        let rate = hold(pending, 20_000_000);
        println!(
            "kernel hold model, {pending:>7} pending: {:.1} M events/s",
            rate / 1e6
        );
    }
}
