//! Helpers for the library's unit tests.

use std::time::{Duration, Instant};

/// time(work(2n)) / time(work(n)), each the best of three runs taken in turn, so a burst of load
/// on a shared machine weighs on both alike.
fn doubling_ratio<I>(small: &I, large: &I, work: &impl Fn(&I)) -> (f64, Duration, Duration) {
    let time = |input: &I| {
        let started = Instant::now();
        work(input);
        started.elapsed()
    };
    let (mut t1, mut t2) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        t1 = t1.min(time(small));
        t2 = t2.min(time(large));
    }
    (t2.as_secs_f64() / t1.as_secs_f64().max(1e-6), t1, t2)
}

/// Checks that `work` on `make(2n)` takes less than three times as long as on `make(n)`: a
/// quadratic step would take four times as long, a linear one twice. A ratio over 3 is measured
/// once more before failing, as one slow run on a loaded machine is not a quadratic step.
pub fn assert_near_linear<I>(what: &str, n: usize, make: impl Fn(usize) -> I, work: impl Fn(&I)) {
    let (small, large) = (make(n), make(2 * n));
    let mut measured = doubling_ratio(&small, &large, &work);
    if measured.0 >= 3.0 {
        measured = doubling_ratio(&small, &large, &work);
    }
    let (ratio, t1, t2) = measured;
    assert!(
        ratio < 3.0,
        "{what}: doubling the input took {ratio:.2}× as long ({t1:?} → {t2:?})"
    );
}
