//! Ctrl-C for the commands that make many runs (`plan`, `sweep`, `simulate
//! --runs`): the binary's signal handler calls [`request`] on the first
//! SIGINT; [`crate::sweep::par_runs`] then starts no new run (a run under way
//! finishes), and the command writes its reports from the runs that finished,
//! marked partial. The library never installs a handler itself.
//!
//! Test hook: with `KTOPO_TEST_HOLD_AFTER_RUNS=N` in the environment, every
//! run started after the first N waits (at most 120 s) until an interrupt is
//! requested (saying so once per run on stderr, `ktopo-test: …`), so that a
//! test can send SIGINT once N runs have finished (with `--jobs 1`: when the
//! line appears) and know that the rest are missing, whatever the machine's
//! speed.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// Ask every run loop to start no new run.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Has an interrupt been requested?
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// The test hook's N (`KTOPO_TEST_HOLD_AFTER_RUNS`), read once.
fn hold_after() -> Option<usize> {
    static HOLD: OnceLock<Option<usize>> = OnceLock::new();
    *HOLD.get_or_init(|| {
        std::env::var("KTOPO_TEST_HOLD_AFTER_RUNS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
    })
}

/// Called before each run: false when the run must not start (an interrupt
/// was requested). Under the test hook, a run past the first N waits here
/// for the interrupt.
pub fn may_start() -> bool {
    if let Some(n) = hold_after()
        && STARTED.fetch_add(1, Ordering::SeqCst) >= n
    {
        eprintln!("ktopo-test: a run waits for an interrupt (KTOPO_TEST_HOLD_AFTER_RUNS={n})");
        let t0 = std::time::Instant::now();
        while !requested() && t0.elapsed() < std::time::Duration::from_secs(120) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    !requested()
}
