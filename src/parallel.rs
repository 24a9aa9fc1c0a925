//! Work over a list on two threads, results in the list's order: what `resolve` uses to
//! resolve environments at once, `policy` to check them, and `write` to read its temp files
//! back (the emitting threads of `emit` stream their batches instead, see
//! [`crate::emit::each`]).

/// Threads [`in_order`] runs on.
pub const THREADS: usize = 2;

/// `f(index, item)` for every item of `items`, on [`THREADS`] threads, the calling thread being
/// one of them (thread `t` takes items `t`, `t + THREADS`, ...), returned in the order of
/// `items`: the same results, in the same order, as one thread would give. With fewer than two
/// items, runs on the calling thread. A panic in `f` is raised again on the calling thread.
pub fn in_order<T, R>(items: &[T], f: impl Fn(usize, &T) -> R + Sync) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    if items.len() < 2 {
        return items
            .iter()
            .enumerate()
            .map(|(i, item)| f(i, item))
            .collect();
    }
    let f = &f;
    // Thread `t`'s share: items t, t + THREADS, ...
    let share = move |t: usize| {
        items
            .iter()
            .enumerate()
            .skip(t)
            .step_by(THREADS)
            .map(|(i, item)| (i, f(i, item)))
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
            let out = in_order(&items, |i, item| {
                threads.lock().unwrap().insert(std::thread::current().id());
                (i, *item * 10)
            });
            let expected: Vec<(usize, usize)> = (0..n).map(|i| (i, i * 10)).collect();
            assert_eq!(out, expected);
            if n >= 2 {
                assert_eq!(threads.lock().unwrap().len(), THREADS, "{n} items");
            }
        }
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
