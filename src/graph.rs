//! Graphs between names: `extends` and `promote_from` chains between environments (each node
//! points to at most one other, [`cycles`]), and URL references between services (any number,
//! [`components`]).

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

/// The strongly connected components of the directed graph `adj` (node `i` points to each
/// node of `adj[i]`) restricted to the nodes `from..`: `comp[i]` numbers node `i`'s component,
/// `usize::MAX` for a node before `from`. Tarjan's algorithm, without recursion (a chain of
/// 100 000 nodes does not overflow the stack): each node and edge once, linear time. `steps`
/// counts the edges examined.
pub fn components(adj: &[Vec<usize>], from: usize, steps: &mut usize) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let n = adj.len();
    let mut index = vec![NONE; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![NONE; n];
    let mut stack: Vec<usize> = Vec::new();
    // The depth-first walk: each node on it with the position of its next edge.
    let mut walk: Vec<(usize, usize)> = Vec::new();
    let (mut next_index, mut next_comp) = (0, 0);
    for root in from..n {
        if index[root] != NONE {
            continue;
        }
        macro_rules! enter {
            ($v:expr) => {{
                let v = $v;
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
                walk.push((v, 0));
            }};
        }
        enter!(root);
        while let Some(&(v, pos)) = walk.last() {
            if let Some(&w) = adj[v].get(pos) {
                *steps += 1;
                if let Some(top) = walk.last_mut() {
                    top.1 += 1;
                }
                if w < from {
                    continue;
                }
                if index[w] == NONE {
                    enter!(w);
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            walk.pop();
            if let Some(&(u, _)) = walk.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::{components, cycles};

    #[test]
    fn components_group_the_nodes_that_reach_each_other() {
        // 0 <-> 1, 1 -> 2, 2 -> 3 -> 4 -> 2, 5 alone.
        let adj = vec![vec![1], vec![0, 2], vec![3], vec![4], vec![2], vec![]];
        let mut steps = 0;
        let comp = components(&adj, 0, &mut steps);
        assert_eq!(comp[0], comp[1]);
        assert_eq!(comp[2], comp[3]);
        assert_eq!(comp[3], comp[4]);
        assert_ne!(comp[0], comp[2]);
        assert_ne!(comp[5], comp[0]);
        assert_ne!(comp[5], comp[2]);
        assert_eq!(steps, 6);
        // From 1 on, 0 is left out: 1 is alone.
        let comp = components(&adj, 1, &mut steps);
        assert_eq!(comp[0], usize::MAX);
        assert_ne!(comp[1], comp[2]);
        assert_eq!(comp[2], comp[4]);
    }

    #[test]
    fn components_of_a_long_chain_and_a_long_cycle_are_linear() {
        let n = 100_000;
        let chain: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let mut steps = 0;
        let comp = components(&chain, 0, &mut steps);
        let distinct: std::collections::HashSet<usize> = comp.iter().copied().collect();
        assert_eq!(distinct.len(), n);
        assert_eq!(steps, n - 1);
        let cycle: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let mut steps = 0;
        let comp = components(&cycle, 0, &mut steps);
        assert!(comp.iter().all(|&c| c == comp[0]));
        assert_eq!(steps, n);
    }

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
