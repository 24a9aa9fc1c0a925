//! Work over a list on two threads, results in the list's order: what `resolve` uses to
//! resolve environments at once, `policy` to check them, and `write` to read its temp files
//! back (the emitting threads of `emit` stream their batches instead, see
//! [`crate::emit::each`]). A small configuration is not worth a thread ([`worth_threads`]).

/// Threads [`in_order`] runs on.
pub const THREADS: usize = 2;

/// Services, over every environment, from which `resolve` and `policy` take their
/// environments on [`THREADS`] threads ([`worth_threads`]); below, on the calling thread.
/// Starting a thread costs more than it saves on a small configuration: its stack and
/// allocator heap are faulted in, and the calling thread waits for it to run (from tens of
/// microseconds to milliseconds on the 2-core VM the benchmarks run on; see
/// `stream::THREADS_FROM_SERVICES`). Measured alternating (release
/// builds, `validate`, one thread against two): the committed configuration (8 services) 3.0
/// against 3.3 ms (40 pairs), 100 services x 10 environments 13.0 against 14.2 ms, 200 x 5 18.2
/// against 19.4 ms (10 pairs each), 300 x 10 36.2 against 35.4 ms (10 pairs), 1000 x 10 124
/// against 102 ms (8 pairs).
pub const VALIDATION_THREADS_FROM: usize = 2048;

/// How many threads work on `services` services (over every environment): [`THREADS`] from
/// `from` services on, else one (the calling thread).
pub fn worth_threads(services: usize, from: usize) -> usize {
    if services >= from { THREADS } else { 1 }
}

/// `f(index, item)` for every item of `items`, on [`THREADS`] threads: [`in_order_on`].
pub fn in_order<T, R>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    in_order_on(THREADS, items, f)
}

/// `f(index, item)` for every item of `items`, on `threads` threads, the calling thread being
/// one of them (thread `t` takes items `t`, `t + threads`, ...), returned in the order of
/// `items`: the same results, in the same order, as one thread would give. With fewer than two
/// items or threads, runs on the calling thread. A panic in `f` is raised again on the calling
/// thread.
pub fn in_order_on<T, R>(threads: usize, items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    if items.len() < 2 || threads < 2 {
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| f(i, item))
            .collect();
    }
    let f = &f;
    // Thread `t`'s share: items t, t + threads, ...
    let share = move |t: usize| {
        items
            .iter()
            .enumerate()
            .skip(t)
            .step_by(threads)
            .map(|(i, item)| (i, f(i, item)))
            .collect::<Vec<_>>()
    };
    // The calling thread takes share 0, so only threads - 1 threads are started.
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads)
            .map(|t| scope.spawn(move || share(t)))
            .collect();
        let mut done = share(0);
        for other in others {
            done.extend(
                other
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_the_order_of_the_items_whatever_the_thread() {
        for threads in [1, 2, 3] {
            for n in 0..9 {
                let items: Vec<usize> = (0..n).collect();
                let seen = std::sync::Mutex::new(std::collections::HashSet::new());
                let out = in_order_on(threads, &items, |i, item| {
                    seen.lock().unwrap().insert(std::thread::current().id());
                    (i, *item * 10)
                });
                let expected: Vec<(usize, usize)> = (0..n).map(|i| (i, i * 10)).collect();
                assert_eq!(out, expected, "{threads} threads");
                let seen = seen.into_inner().unwrap();
                if n == 0 {
                    continue;
                }
                // Every item on the calling thread when one thread is asked or one item given.
                let expected_threads = threads.min(n);
                assert_eq!(seen.len(), expected_threads, "{threads} threads, {n} items");
                if expected_threads == 1 {
                    assert!(seen.contains(&std::thread::current().id()));
                }
            }
        }
    }

    /// Two threads from the threshold on, one below it.
    #[test]
    fn threads_start_from_the_threshold() {
        assert_eq!(worth_threads(0, VALIDATION_THREADS_FROM), 1);
        assert_eq!(
            worth_threads(VALIDATION_THREADS_FROM - 1, VALIDATION_THREADS_FROM),
            1
        );
        assert_eq!(
            worth_threads(VALIDATION_THREADS_FROM, VALIDATION_THREADS_FROM),
            THREADS
        );
        assert_eq!(worth_threads(usize::MAX, 64), THREADS);
    }

    #[test]
    fn a_panic_in_a_thread_reaches_the_caller() {
        // On the started thread (item 1), then on the calling one (item 0).
        for boom in [2, 1] {
            let r = std::panic::catch_unwind(|| {
                in_order(&[1, 2, 3], |_, x| assert_ne!(*x, boom, "boom"))
            });
            assert!(r.is_err(), "{boom}");
        }
    }
}
