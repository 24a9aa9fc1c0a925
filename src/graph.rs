//! Graphs where each node points to at most one other node: `extends` chains and `promote_from`
//! chains between environments.

/// The cycles of the graph `next` (node `i` points to `next[i]`), each listed from the node
/// where the walk entered it, following `next`. Every node is visited once: linear time.
pub fn cycles(next: &[Option<usize>]) -> Vec<Vec<usize>> {
    // 0: not visited, 1: on the walk in progress, 2: done.
    let mut state = vec![0u8; next.len()];
    let mut cycles = Vec::new();
    for start in 0..next.len() {
        let mut walk = Vec::new();
        let mut i = start;
        let mut back_to = None;
        loop {
            if state[i] != 0 {
                if state[i] == 1 {
                    back_to = Some(i);
                }
                break;
            }
            state[i] = 1;
            walk.push(i);
            match next[i] {
                Some(j) => i = j,
                None => break,
            }
        }
        if let Some(i) = back_to
            && let Some(pos) = walk.iter().position(|&w| w == i)
        {
            cycles.push(walk[pos..].to_vec());
        }
        for w in walk {
            state[w] = 2;
        }
    }
    cycles
}

#[cfg(test)]
mod tests {
    use super::cycles;

    #[test]
    fn finds_each_cycle_once() {
        // 0 -> 1 -> 2 -> 0, 3 -> 1 (enters the cycle), 4 -> 4, 5 -> none.
        let next = [Some(1), Some(2), Some(0), Some(1), Some(4), None];
        assert_eq!(cycles(&next), vec![vec![0, 1, 2], vec![4]]);
    }

    #[test]
    fn a_long_chain_has_no_cycle() {
        let next: Vec<Option<usize>> = (0..100_000)
            .map(|i| if i + 1 < 100_000 { Some(i + 1) } else { None })
            .collect();
        assert!(cycles(&next).is_empty());
    }
}
