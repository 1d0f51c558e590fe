//! The pool the commands with many independent runs (`sweep`, `montecarlo`,
//! `plan`) make their runs on: rayon, `--jobs` threads, results stored by run
//! index so that the output never depends on the number of threads, and no
//! run started after Ctrl-C ([`crate::interrupt`]). (`sweep` re-exports it.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// Most threads a pool starts, whatever `--jobs` asks for.
pub const MAX_JOBS: usize = 256;

/// Threads to use when none is asked for: the machine's parallelism.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Run `f(0..n)` on a rayon pool of `jobs` threads (at least one, at most
/// [`MAX_JOBS`] and `n`). Results are stored by index, so the output never
/// depends on `jobs`. `progress(done, n)` is called on this thread after each
/// run; it only observes. Once a run `failed`, runs of a higher index not yet
/// started are skipped (None); every run of a lower index still runs, so the
/// first failure in index order is the same whatever `jobs` is. After an
/// interrupt ([`crate::interrupt::request`], Ctrl-C) no run starts: those
/// not started are None too.
pub fn par_runs<T: Send>(
    n: usize,
    jobs: usize,
    f: impl Fn(usize) -> T + Sync,
    failed: impl Fn(&T) -> bool + Sync,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<Option<T>> {
    use rayon::prelude::*;
    let threads = jobs.clamp(1, n.clamp(1, MAX_JOBS));
    let first_failed = AtomicUsize::new(usize::MAX);
    let (tx, rx) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let (f, failed, first_failed) = (&f, &failed, &first_failed);
        let worker = s.spawn(move || {
            let body = move || {
                (0..n)
                    .into_par_iter()
                    .map_with(tx, |tx, j| {
                        if j > first_failed.load(Ordering::Relaxed)
                            || !crate::interrupt::may_start()
                        {
                            let _ = tx.send(());
                            return None;
                        }
                        let r = f(j);
                        if failed(&r) {
                            first_failed.fetch_min(j, Ordering::Relaxed);
                        }
                        let _ = tx.send(());
                        Some(r)
                    })
                    .collect::<Vec<Option<T>>>()
            };
            match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
                Ok(pool) => pool.install(body),
                Err(_) => body(),
            }
        });
        let mut done = 0;
        for () in rx {
            done += 1;
            progress(done, n);
        }
        match worker.join() {
            Ok(v) => v,
            Err(e) => std::panic::resume_unwind(e),
        }
    })
}

/// Make the runs numbered `indices` (a command's own numbering) with
/// `run(index)` on `jobs` threads through [`par_runs`]; returns each result
/// with its index, in the order of `indices`, without the runs Ctrl-C kept
/// from starting. On failure: the first failed run in the order of `indices`,
/// the same whatever `jobs` is.
pub fn run_indices<T: Send, E: Send>(
    indices: &[usize],
    jobs: usize,
    run: impl Fn(usize) -> Result<T, E> + Sync,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<(usize, T)>, E> {
    let results = par_runs(
        indices.len(),
        jobs,
        |x| run(indices[x]),
        |r| r.is_err(),
        progress,
    );
    let mut out = Vec::with_capacity(indices.len());
    for (x, r) in results.into_iter().enumerate() {
        if let Some(r) = r {
            out.push((indices[x], r?));
        }
    }
    Ok(out)
}
