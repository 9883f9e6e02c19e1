//! Minimum-cost flow by successive shortest paths with node potentials.
//!
//! Dijkstra runs on reduced costs and stops as soon as the sink is settled. Potentials
//! are kept valid with a global offset: settled nodes move by `dist - D` and every other
//! node implicitly by `D` (the offset cancels in reduced costs), so one augmentation
//! costs time proportional to the part of the graph it explored, not to its size.
//! Initial potentials come from Bellman-Ford, so arcs may have negative costs as long
//! as the starting graph has no negative cycle (all graphs built here are acyclic).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

const INF: i64 = i64::MAX / 4;
const NONE: usize = usize::MAX;

#[derive(Debug, Clone, Copy)]
struct Arc {
    to: usize,
    cap: i64,
    cost: i64,
}

/// A flow network. Arc ids are returned by [`Network::add_arc`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Network {
    arcs: Vec<Arc>,
    adj: Vec<Vec<usize>>,
}

/// What a run achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlowResult {
    pub flow: i64,
    pub cost: i64,
}

/// When to stop augmenting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Send as much flow as possible (minimum-cost maximum flow).
    MaxFlow,
    /// Stop when the next path would not lower the total cost (minimum-cost flow of any value).
    NoGain,
}

impl Network {
    pub(crate) fn new(nodes: usize) -> Self {
        Self {
            arcs: Vec::new(),
            adj: vec![Vec::new(); nodes],
        }
    }

    /// Adds an arc; returns its id, or `None` if an end is not a node.
    pub(crate) fn add_arc(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> Option<usize> {
        if from >= self.adj.len() || to >= self.adj.len() {
            return None;
        }
        let id = self.arcs.len();
        self.arcs.push(Arc { to, cap, cost });
        self.arcs.push(Arc {
            to: from,
            cap: 0,
            cost: -cost,
        });
        self.adj.get_mut(from)?.push(id);
        self.adj.get_mut(to)?.push(id + 1);
        Some(id)
    }

    /// Flow currently on an arc added with [`Network::add_arc`].
    pub(crate) fn flow_on(&self, arc: usize) -> i64 {
        self.arcs.get(arc ^ 1).map_or(0, |a| a.cap)
    }

    fn initial_potentials(&self, s: usize) -> Vec<i64> {
        let n = self.adj.len();
        let mut dist = vec![INF; n];
        if let Some(d) = dist.get_mut(s) {
            *d = 0;
        }
        for _ in 0..n.max(1) {
            let mut changed = false;
            for (u, list) in self.adj.iter().enumerate() {
                let du = dist.get(u).copied().unwrap_or(INF);
                if du >= INF {
                    continue;
                }
                for &e in list {
                    let Some(arc) = self.arcs.get(e) else {
                        continue;
                    };
                    if arc.cap <= 0 {
                        continue;
                    }
                    if let Some(dv) = dist.get_mut(arc.to) {
                        if du + arc.cost < *dv {
                            *dv = du + arc.cost;
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        dist.into_iter()
            .map(|d| if d >= INF { 0 } else { d })
            .collect()
    }

    fn admissible(&self, e: usize, pot: &[i64]) -> Option<usize> {
        let arc = self.arcs.get(e)?;
        let from = self.arcs.get(e ^ 1)?.to;
        let reduced = arc.cost + pot.get(from)? - pot.get(arc.to)?;
        (arc.cap > 0 && reduced == 0).then_some(arc.to)
    }

    /// Dinic-style blocking flow restricted to admissible arcs; returns the amount sent.
    fn blocking_flow(&mut self, s: usize, t: usize, pot: &[i64], limit: i64) -> i64 {
        let n = self.adj.len();
        let mut level = vec![NONE; n];
        let mut queue = std::collections::VecDeque::from([s]);
        if let Some(l) = level.get_mut(s) {
            *l = 0;
        }
        while let Some(u) = queue.pop_front() {
            let lu = level.get(u).copied().unwrap_or(NONE);
            for &e in self.adj.get(u).map(Vec::as_slice).unwrap_or_default() {
                let Some(v) = self.admissible(e, pot) else {
                    continue;
                };
                if let Some(lv) = level.get_mut(v) {
                    if *lv == NONE {
                        *lv = lu + 1;
                        queue.push_back(v);
                    }
                }
            }
        }
        if level.get(t).copied().unwrap_or(NONE) == NONE {
            return 0;
        }
        let mut next = vec![0usize; n];
        let mut path: Vec<usize> = Vec::new();
        let mut sent = 0;
        let mut u = s;
        while sent < limit {
            if u == t {
                let mut push = limit - sent;
                for &e in &path {
                    push = push.min(self.arcs.get(e).map_or(0, |a| a.cap));
                }
                for &e in &path {
                    if let Some(a) = self.arcs.get_mut(e) {
                        a.cap -= push;
                    }
                    if let Some(r) = self.arcs.get_mut(e ^ 1) {
                        r.cap += push;
                    }
                }
                sent += push;
                path.clear();
                u = s;
                continue;
            }
            let lu = level.get(u).copied().unwrap_or(NONE);
            let mut advanced = false;
            let list = self.adj.get(u).map(Vec::as_slice).unwrap_or_default();
            while let Some(&e) = next.get(u).and_then(|&i| list.get(i)) {
                if let Some(v) = self.admissible(e, pot) {
                    if lu != NONE && level.get(v).copied() == Some(lu + 1) {
                        path.push(e);
                        u = v;
                        advanced = true;
                        break;
                    }
                }
                if let Some(i) = next.get_mut(u) {
                    *i += 1;
                }
            }
            if advanced {
                continue;
            }
            // Dead end: retreat.
            if let Some(l) = level.get_mut(u) {
                *l = NONE;
            }
            let Some(e) = path.pop() else { break };
            u = self.arcs.get(e ^ 1).map_or(s, |r| r.to);
            if let Some(i) = next.get_mut(u) {
                *i += 1;
            }
        }
        sent
    }

    /// Runs successive shortest paths from `s` to `t`, sending at most `limit` units.
    pub(crate) fn run(&mut self, s: usize, t: usize, limit: i64, stop: Stop) -> FlowResult {
        let n = self.adj.len();
        let mut result = FlowResult { flow: 0, cost: 0 };
        if s >= n || t >= n || s == t {
            return result;
        }
        let mut pot = self.initial_potentials(s);
        let mut dist = vec![INF; n];
        let mut done = vec![false; n];
        let mut touched: Vec<usize> = Vec::new();
        let mut settled: Vec<usize> = Vec::new();
        let mut heap: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();

        while result.flow < limit {
            for &v in &touched {
                if let Some(d) = dist.get_mut(v) {
                    *d = INF;
                }
                if let Some(f) = done.get_mut(v) {
                    *f = false;
                }
            }
            touched.clear();
            settled.clear();
            heap.clear();
            if let Some(d) = dist.get_mut(s) {
                *d = 0;
            }
            touched.push(s);
            heap.push(Reverse((0, s)));
            let mut reached = false;
            while let Some(Reverse((d, u))) = heap.pop() {
                match done.get_mut(u) {
                    Some(f) if !*f => *f = true,
                    _ => continue,
                }
                settled.push(u);
                if u == t {
                    reached = true;
                    break;
                }
                let pu = pot.get(u).copied().unwrap_or(0);
                let Some(list) = self.adj.get(u) else {
                    continue;
                };
                for &e in list {
                    let Some(arc) = self.arcs.get(e) else {
                        continue;
                    };
                    if arc.cap <= 0 {
                        continue;
                    }
                    let v = arc.to;
                    if done.get(v).copied().unwrap_or(true) {
                        continue;
                    }
                    let pv = pot.get(v).copied().unwrap_or(0);
                    let nd = d + arc.cost + pu - pv;
                    if let Some(dv) = dist.get_mut(v) {
                        if nd < *dv {
                            if *dv >= INF {
                                touched.push(v);
                            }
                            *dv = nd;
                            heap.push(Reverse((nd, v)));
                        }
                    }
                }
            }
            if !reached {
                break;
            }
            let big_d = dist.get(t).copied().unwrap_or(INF);
            for &v in &settled {
                let dv = dist.get(v).copied().unwrap_or(big_d);
                if let Some(p) = pot.get_mut(v) {
                    *p += dv - big_d;
                }
            }
            // Real cost of the path: potentials are distances up to a shared offset.
            let path_cost = pot.get(t).copied().unwrap_or(0) - pot.get(s).copied().unwrap_or(0);
            if stop == Stop::NoGain && path_cost >= 0 {
                break;
            }
            // Blocking flow on the admissible graph (arcs of reduced cost 0): every path
            // found there is a shortest path, so one Dijkstra serves many augmentations.
            let pushed = self.blocking_flow(s, t, &pot, limit - result.flow);
            if pushed <= 0 {
                break;
            }
            result.flow += pushed;
            result.cost += pushed * path_cost;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_assignment_is_optimal() {
        // s=0, a=1, b=2, x=3, y=4, t=5
        let mut g = Network::new(6);
        g.add_arc(0, 1, 1, 0);
        g.add_arc(0, 2, 1, 0);
        let ax = g.add_arc(1, 3, 1, -10).unwrap();
        let ay = g.add_arc(1, 4, 1, -8).unwrap();
        let bx = g.add_arc(2, 3, 1, -9).unwrap();
        g.add_arc(2, 4, 1, -1);
        g.add_arc(3, 5, 1, 0);
        g.add_arc(4, 5, 1, 0);
        let r = g.run(0, 5, 10, Stop::NoGain);
        assert_eq!(r, FlowResult { flow: 2, cost: -17 });
        assert_eq!(g.flow_on(ay), 1);
        assert_eq!(g.flow_on(bx), 1);
        assert_eq!(g.flow_on(ax), 0);
    }

    #[test]
    fn stops_when_no_gain() {
        let mut g = Network::new(3);
        g.add_arc(0, 1, 5, -3);
        g.add_arc(1, 2, 2, 1);
        g.add_arc(1, 2, 2, 4);
        let r = g.run(0, 2, 10, Stop::NoGain);
        assert_eq!(r, FlowResult { flow: 2, cost: -4 });
        let mut g2 = Network::new(3);
        g2.add_arc(0, 1, 5, -3);
        g2.add_arc(1, 2, 2, 1);
        g2.add_arc(1, 2, 2, 4);
        let r2 = g2.run(0, 2, 10, Stop::MaxFlow);
        assert_eq!(r2, FlowResult { flow: 4, cost: -2 });
    }
}
