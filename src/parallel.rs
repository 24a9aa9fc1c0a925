//! Work over a list on two threads, results in the list's order: what `resolve` and `policy`
//! use to handle environments at once (the emitting threads of `emit` stream their batches
//! instead, see [`crate::emit::each`]).

/// Threads [`in_order`] runs on.
pub const THREADS: usize = 2;

/// `f(state, index, item)` for every item of `items`, on [`THREADS`] threads, the calling
/// thread being one of them (thread `t` takes items `t`, `t + THREADS`, ..., with one `state`
/// made by `init` for all of them),
/// returned in the order of `items`: the same results, in the same order, as one thread
/// would give. With fewer than two items, runs on the calling thread. A panic in `f` is
/// raised again on the calling thread.
pub fn in_order<T, S, R>(
    items: &[T],
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize, &T) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    if items.len() < 2 {
        let mut state = init();
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| f(&mut state, i, item))
            .collect();
    }
    let (init, f) = (&init, &f);
    // Thread `t`'s share: items t, t + THREADS, ...
    let share = move |t: usize| {
        let mut state = init();
        items
            .iter()
            .enumerate()
            .skip(t)
            .step_by(THREADS)
            .map(|(i, item)| (i, f(&mut state, i, item)))
            .collect::<Vec<_>>()
    };
    // The calling thread takes share 0, so only THREADS - 1 threads are started.
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..THREADS)
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
        for n in 0..9 {
            let items: Vec<usize> = (0..n).collect();
            let threads = std::sync::Mutex::new(std::collections::HashSet::new());
            let out = in_order(
                &items,
                || 0usize,
                |seen, i, item| {
                    threads.lock().unwrap().insert(std::thread::current().id());
                    *seen += 1;
                    (i, *item * 10, *seen)
                },
            );
            let expected: Vec<(usize, usize)> = (0..n).map(|i| (i, i * 10)).collect();
            let got: Vec<(usize, usize)> = out.iter().map(|&(i, v, _)| (i, v)).collect();
            assert_eq!(got, expected);
            // One state per thread: each thread's counter counts its own items.
            if n >= 2 {
                assert_eq!(threads.lock().unwrap().len(), THREADS, "{n} items");
                assert_eq!(out[n - 1].2, (n - 1) / THREADS + 1, "{n} items");
            }
        }
    }

    #[test]
    fn a_panic_in_a_thread_reaches_the_caller() {
        // On the started thread (item 1), then on the calling one (item 0).
        for boom in [2, 1] {
            let r = std::panic::catch_unwind(|| {
                in_order(&[1, 2, 3], || (), |_, _, x| assert_ne!(*x, boom, "boom"))
            });
            assert!(r.is_err(), "{boom}");
        }
    }
}
