//! Choosing each product's variant by the time of the whole decode chain.
//!
//! A table ranks a problem's candidates one problem at a time, each timed alone. In a decode
//! chain under programmatic dependent launch a kernel's time also depends on its neighbours: how
//! many of its blocks fit on the SMs while the kernel before drains decides how much of its
//! weights it asks for before it waits. So the chain search times whole chains: from a starting
//! choice it tries each problem's candidates in turn with the other problems held, keeps a
//! change only when the chain gets faster by more than a noise margin, and goes round again
//! until a pass changes nothing (coordinate descent). Neighbours interact, so one product's
//! change may pay only together with its neighbour's (H200, eleventh session: single-wave
//! gate_up blocks cost the chain 7 µs behind one o variant and gained behind another); when a
//! pass of single changes finds nothing, the search tries joint changes of the pairs of problems
//! that follow each other in the chain, among each one's best few candidates so far. This
//! module is the search alone; the GPU
//! side (`backend::cuda::chain_tune`) builds, checks and times the chains it asks for.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a table records of a chain search for one problem: the variant the chain ran fastest
/// with, and what the others measured when tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainPick {
    /// The model whose chain was searched (`qwen2.5-0.5b`).
    pub model: String,
    pub variant: String,
    /// The chain's µs per token with this pick and the others' final picks (from the closing
    /// comparison).
    pub chain_us: f64,
    /// µs per token of the chain with each candidate tried here, the other problems as they
    /// stood at that moment of the search (for a kept joint change, with its neighbour's
    /// candidate changed too).
    pub tried: BTreeMap<String, f64>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchSettings {
    /// At most this many passes over the problems.
    pub max_passes: usize,
    /// A candidate replaces the current pick only when the chain gets faster by more than this
    /// fraction: chain times move by a few tenths of a percent between replays.
    pub margin: f64,
    /// A joint change of a pair tries this many of each problem's fastest candidates so far
    /// (0: no joint changes).
    pub joint_top: usize,
}

impl SearchSettings {
    /// Whether a chain of `us` beats one of `best` by more than the margin.
    fn gains(&self, us: f64, best: f64) -> bool {
        us < best * (1.0 - self.margin)
    }
}

impl Default for SearchSettings {
    fn default() -> SearchSettings {
        SearchSettings {
            max_passes: 4,
            margin: 0.003,
            joint_top: 5,
        }
    }
}

/// A candidate the search could not time: its chain failed its check, or would not run.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub problem: usize,
    pub candidate: usize,
    /// For a joint change, the other problem and its candidate: the pair failed together, and
    /// neither candidate is ruled out alone.
    pub with: Option<(usize, usize)>,
    pub why: String,
}

impl Failure {
    /// Whether this is the failure of `candidate` of `problem`, alone (`with` `None`) or
    /// together with the other problem's candidate `with`.
    fn is_of(&self, problem: usize, candidate: usize, with: Option<(usize, usize)>) -> bool {
        self.problem == problem && self.candidate == candidate && self.with == with
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SearchOutcome {
    /// Per problem, the index of its pick among its candidates.
    pub picks: Vec<usize>,
    /// The chain's time with the starting choice, and with the picks as last measured.
    pub start_us: f64,
    pub best_us: f64,
    /// Per problem and candidate, the chain's time when that candidate was last tried alone
    /// (the other problems as they stood), or, for a kept joint change, the chain's time with
    /// the pair changed.
    pub tried: Vec<Vec<Option<f64>>>,
    pub failures: Vec<Failure>,
    /// Chains timed, and passes made.
    pub evaluations: usize,
    pub passes: usize,
    /// Joint changes of a pair of problems that were kept.
    pub joint_moves: usize,
}

/// Coordinate descent over per-problem candidates. `counts[p]` is how many candidates problem
/// `p` has, `start[p]` the one to start from, and `time(picks)` the chain's time with those
/// picks, or why it cannot be had. A failing candidate is recorded and not tried again; the
/// starting choice must not fail. No joint changes: [`chain_search`] with no pairs.
pub fn coordinate_descent(
    counts: &[usize],
    start: Vec<usize>,
    settings: &SearchSettings,
    time: impl FnMut(&[usize]) -> Result<f64, String>,
) -> Result<SearchOutcome, String> {
    chain_search(counts, start, settings, &[], time)
}

/// Coordinate descent as [`coordinate_descent`], and when a pass of single changes keeps
/// nothing, joint changes of each pair in `pairs` (problems that follow each other in the
/// chain): every combination of the two problems' `joint_top` fastest candidates so far, both
/// different from the current picks and neither failed alone. The fastest combination is timed
/// again, and kept when that fresh figure beats the chain by the margin (the fastest of many
/// noisy timings is biased low). A failing combination is recorded with both candidates, is
/// not tried again, and pins neither.
pub fn chain_search(
    counts: &[usize],
    start: Vec<usize>,
    settings: &SearchSettings,
    pairs: &[(usize, usize)],
    mut time: impl FnMut(&[usize]) -> Result<f64, String>,
) -> Result<SearchOutcome, String> {
    if start.len() != counts.len() || start.iter().zip(counts).any(|(s, c)| s >= c) {
        return Err(format!(
            "the starting choice {start:?} does not fit the candidate counts {counts:?}"
        ));
    }
    if let Some(&(a, b)) = pairs
        .iter()
        .find(|&&(a, b)| a == b || a >= counts.len() || b >= counts.len())
    {
        return Err(format!(
            "the pair ({a}, {b}) is not two of the {} problems",
            counts.len()
        ));
    }
    for (i, &(a, b)) in pairs.iter().enumerate() {
        if pairs[..i].contains(&(a, b)) || pairs[..i].contains(&(b, a)) {
            return Err(format!("the pair ({a}, {b}) is given twice"));
        }
    }
    let mut evaluations = 0;
    let mut timed = |picks: &[usize]| {
        evaluations += 1;
        time(picks)
    };
    let start_us = timed(&start).map_err(|why| format!("the starting choice: {why}"))?;
    let mut tried: Vec<Vec<Option<f64>>> = counts.iter().map(|&c| vec![None; c]).collect();
    let mut failures: Vec<Failure> = Vec::new();
    let mut picks = start;
    let mut best = start_us;
    let mut passes = 0;
    let mut joint_moves = 0;
    while passes < settings.max_passes {
        if passes > 0 {
            // The figure to beat is a fresh one: the last accepted time was the lowest of
            // several noisy ones, which would make every later change look worse than it is.
            best = timed(&picks).map_err(|why| format!("the current choice: {why}"))?;
        }
        passes += 1;
        let mut changed = false;
        for problem in 0..counts.len() {
            tried[problem][picks[problem]] = Some(best);
            // Indexes, not an iterator over `tried`: the loop body changes `picks` and `tried`.
            #[allow(clippy::needless_range_loop)]
            for candidate in 0..counts[problem] {
                let failed = |f: &Failure| f.is_of(problem, candidate, None);
                if candidate == picks[problem] || failures.iter().any(failed) {
                    continue;
                }
                let mut trial = picks.clone();
                trial[problem] = candidate;
                match timed(&trial) {
                    Ok(us) => {
                        tried[problem][candidate] = Some(us);
                        if settings.gains(us, best) {
                            picks = trial;
                            best = us;
                            changed = true;
                        }
                    }
                    Err(why) => failures.push(Failure {
                        problem,
                        candidate,
                        with: None,
                        why,
                    }),
                }
            }
        }
        if !changed && settings.joint_top > 0 {
            for &(a, b) in pairs {
                let fastest =
                    fastest_pair((a, b), &picks, &tried, &mut failures, settings, &mut timed);
                let Some((us, trial)) = fastest else { continue };
                if !settings.gains(us, best) {
                    continue;
                }
                // Confirmed on a fresh figure: the fastest of many noisy ones is biased low.
                let fresh = timed(&trial).map_err(|why| {
                    format!(
                        "a joint change that had run ({a}: {}, {b}: {}): {why}",
                        trial[a], trial[b]
                    )
                })?;
                if settings.gains(fresh, best) {
                    tried[a][trial[a]] = Some(fresh);
                    tried[b][trial[b]] = Some(fresh);
                    picks = trial;
                    best = fresh;
                    changed = true;
                    joint_moves += 1;
                }
            }
        }
        if !changed {
            break;
        }
    }
    Ok(SearchOutcome {
        picks,
        start_us,
        best_us: best,
        tried,
        failures,
        evaluations,
        passes,
        joint_moves,
    })
}

/// The fastest chain, and its picks, among the joint changes of `pair` from `picks`: every
/// combination of the two problems' fastest candidates so far (`fastest_others`) that has not
/// failed together before. A combination that fails now is recorded in `failures`.
fn fastest_pair(
    (a, b): (usize, usize),
    picks: &[usize],
    tried: &[Vec<Option<f64>>],
    failures: &mut Vec<Failure>,
    settings: &SearchSettings,
    timed: &mut impl FnMut(&[usize]) -> Result<f64, String>,
) -> Option<(f64, Vec<usize>)> {
    let others_a = fastest_others(&tried[a], picks[a], failures, a, settings.joint_top);
    let others_b = fastest_others(&tried[b], picks[b], failures, b, settings.joint_top);
    let mut fastest: Option<(f64, Vec<usize>)> = None;
    for &ca in &others_a {
        for &cb in &others_b {
            if failures.iter().any(|f| f.is_of(a, ca, Some((b, cb)))) {
                continue;
            }
            let mut trial = picks.to_vec();
            trial[a] = ca;
            trial[b] = cb;
            match timed(&trial) {
                Ok(us) if fastest.as_ref().is_none_or(|(f, _)| us < *f) => {
                    fastest = Some((us, trial))
                }
                Ok(_) => {}
                Err(why) => failures.push(Failure {
                    problem: a,
                    candidate: ca,
                    with: Some((b, cb)),
                    why,
                }),
            }
        }
    }
    fastest
}

/// The indexes of problem `problem`'s `top` fastest candidates timed so far other than `pick`
/// (a candidate never timed, or that failed alone, is not among them).
fn fastest_others(
    tried: &[Option<f64>],
    pick: usize,
    failures: &[Failure],
    problem: usize,
    top: usize,
) -> Vec<usize> {
    let mut timed: Vec<(usize, f64)> = tried
        .iter()
        .enumerate()
        .filter(|&(c, _)| c != pick && !failures.iter().any(|f| f.is_of(problem, c, None)))
        .filter_map(|(c, t)| Some((c, (*t)?)))
        .collect();
    timed.sort_by(|x, y| x.1.total_cmp(&y.1));
    timed.into_iter().take(top).map(|(c, _)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain whose time is the sum of each problem's cost of its candidate.
    fn separable(costs: &[Vec<f64>]) -> impl FnMut(&[usize]) -> Result<f64, String> + '_ {
        move |picks: &[usize]| Ok(picks.iter().enumerate().map(|(p, &c)| costs[p][c]).sum())
    }

    #[test]
    fn finds_the_fastest_candidate_of_every_problem_when_they_do_not_interact() {
        let costs = vec![
            vec![10.0, 8.0, 9.0],
            vec![50.0, 51.0],
            vec![5.0, 7.0, 3.0, 4.0],
        ];
        let counts: Vec<usize> = costs.iter().map(Vec::len).collect();
        let out = coordinate_descent(
            &counts,
            vec![0, 1, 0],
            &SearchSettings::default(),
            separable(&costs),
        )
        .unwrap();
        assert_eq!(out.picks, vec![1, 0, 2]);
        assert_eq!(out.start_us, 10.0 + 51.0 + 5.0);
        assert_eq!(out.best_us, 8.0 + 50.0 + 3.0);
        assert!(out.failures.is_empty());
        // The second pass changed nothing, so there was no third.
        assert_eq!(out.passes, 2);
    }

    #[test]
    fn a_gain_inside_the_margin_does_not_move_the_pick() {
        // 0.1 % faster, against a 0.3 % margin.
        let costs = vec![vec![1000.0, 999.0]];
        let out = coordinate_descent(&[2], vec![0], &SearchSettings::default(), separable(&costs))
            .unwrap();
        assert_eq!(out.picks, vec![0]);
        assert_eq!(out.tried[0], vec![Some(1000.0), Some(999.0)]);
    }

    #[test]
    fn an_interaction_is_followed_across_passes() {
        // Problem 1's second candidate pays only once problem 0 has moved to its second.
        let mut time = |picks: &[usize]| -> Result<f64, String> {
            Ok(match (picks[0], picks[1]) {
                (0, 0) => 100.0,
                (0, 1) => 105.0,
                (1, 0) => 90.0,
                _ => 80.0,
            })
        };
        let out =
            coordinate_descent(&[2, 2], vec![0, 0], &SearchSettings::default(), &mut time).unwrap();
        assert_eq!(out.picks, vec![1, 1]);
        assert_eq!(out.best_us, 80.0);
    }

    #[test]
    fn a_failing_candidate_is_recorded_once_and_never_picked() {
        let mut calls_of_bad = 0;
        let mut time = |picks: &[usize]| -> Result<f64, String> {
            match picks[0] {
                1 => {
                    calls_of_bad += 1;
                    Err("chain check failed at step 3".into())
                }
                2 => Ok(40.0),
                _ => Ok(50.0),
            }
        };
        let out = coordinate_descent(&[3], vec![0], &SearchSettings::default(), &mut time).unwrap();
        assert_eq!(out.picks, vec![2]);
        assert_eq!(calls_of_bad, 1);
        assert_eq!(out.failures.len(), 1);
        assert_eq!(out.failures[0].candidate, 1);
        assert!(out.failures[0].why.contains("step 3"));
    }

    #[test]
    fn a_failing_start_or_a_start_out_of_range_is_an_error() {
        let err = coordinate_descent(&[2], vec![0], &SearchSettings::default(), |_| {
            Err("launch failed".into())
        })
        .unwrap_err();
        assert!(err.contains("starting choice") && err.contains("launch failed"));
        let err =
            coordinate_descent(&[2], vec![2], &SearchSettings::default(), |_| Ok(1.0)).unwrap_err();
        assert!(err.contains("does not fit"));
    }

    #[test]
    fn passes_stop_at_the_limit() {
        // Every trial is faster than the last: the search would never settle on its own.
        let mut clock = 1000.0;
        let mut time = |_: &[usize]| -> Result<f64, String> {
            clock -= 10.0;
            Ok(clock)
        };
        let settings = SearchSettings {
            max_passes: 2,
            margin: 0.0,
            joint_top: 0,
        };
        let out = coordinate_descent(&[2], vec![0], &settings, &mut time).unwrap();
        assert_eq!(out.passes, 2);
        // Start and pass one's trial (candidate 1 taken); pass two's fresh figure, its trial of
        // candidate 0 (taken) and of candidate 1 again, now no longer the pick.
        assert_eq!(out.evaluations, 5);
    }

    /// Two problems whose second candidates pay only together: no single change gains.
    fn only_together(picks: &[usize]) -> Result<f64, String> {
        Ok(match (picks[0], picks[1]) {
            (1, 1) => 90.0,
            (0, 0) => 100.0,
            _ => 101.0,
        })
    }

    #[test]
    fn a_change_that_pays_only_with_the_neighbours_is_found_by_a_joint_move() {
        let settings = SearchSettings::default();
        let alone = coordinate_descent(&[2, 2], vec![0, 0], &settings, only_together).unwrap();
        assert_eq!(alone.picks, vec![0, 0], "no single change gains");
        assert_eq!(alone.joint_moves, 0);
        let joint = chain_search(&[2, 2], vec![0, 0], &settings, &[(0, 1)], only_together).unwrap();
        assert_eq!(joint.picks, vec![1, 1]);
        assert_eq!(joint.best_us, 90.0);
        assert_eq!(joint.joint_moves, 1);
        assert_eq!(joint.tried[0][1], Some(90.0));
        // Without joint candidates the pair is not tried.
        let off = SearchSettings {
            joint_top: 0,
            ..settings
        };
        let none = chain_search(&[2, 2], vec![0, 0], &off, &[(0, 1)], only_together).unwrap();
        assert_eq!(none.picks, vec![0, 0]);
    }

    #[test]
    fn a_joint_move_tries_only_each_problems_fastest_candidates() {
        // Problem 0's candidates 1..=3 cost 101, 102, 103 alone; problem 1's 1..=2 likewise.
        // Only (3, 2) together is fast, and candidate 3 is not among problem 0's fastest two.
        let time = |picks: &[usize]| -> Result<f64, String> {
            Ok(match (picks[0], picks[1]) {
                (3, 2) => 50.0,
                (0, 0) => 100.0,
                (a, 0) => 100.0 + a as f64,
                (0, b) => 100.0 + b as f64,
                _ => 110.0,
            })
        };
        let settings = SearchSettings {
            joint_top: 2,
            ..SearchSettings::default()
        };
        let out = chain_search(&[4, 3], vec![0, 0], &settings, &[(0, 1)], time).unwrap();
        assert_eq!(out.picks, vec![0, 0]);
        let wider = SearchSettings {
            joint_top: 3,
            ..settings
        };
        let out = chain_search(&[4, 3], vec![0, 0], &wider, &[(0, 1)], time).unwrap();
        assert_eq!(out.picks, vec![3, 2]);
    }

    #[test]
    fn a_pair_that_is_not_two_problems_is_an_error() {
        let settings = SearchSettings::default();
        let err =
            chain_search(&[2, 2], vec![0, 0], &settings, &[(0, 0)], only_together).unwrap_err();
        assert!(err.contains("pair (0, 0)"));
        let err =
            chain_search(&[2, 2], vec![0, 0], &settings, &[(0, 2)], only_together).unwrap_err();
        assert!(err.contains("pair (0, 2)"));
        let err = chain_search(
            &[2, 2],
            vec![0, 0],
            &settings,
            &[(0, 1), (1, 0)],
            only_together,
        )
        .unwrap_err();
        assert!(err.contains("given twice"));
    }

    #[test]
    fn a_failing_joint_change_is_recorded_with_both_candidates_and_the_next_fastest_is_kept() {
        // Alone every change loses; together (1, 1) fails its check and (2, 2) gains.
        let time = |picks: &[usize]| -> Result<f64, String> {
            match (picks[0], picks[1]) {
                (1, 1) => Err("chain check failed at step 7".into()),
                (2, 2) => Ok(90.0),
                (0, 0) => Ok(100.0),
                (a, b) => Ok(100.0 + (a + b) as f64),
            }
        };
        let out = chain_search(
            &[3, 3],
            vec![0, 0],
            &SearchSettings::default(),
            &[(0, 1)],
            time,
        )
        .unwrap();
        assert_eq!(out.picks, vec![2, 2]);
        assert_eq!(out.joint_moves, 1);
        assert_eq!(out.failures.len(), 1, "{:?}", out.failures);
        let f = &out.failures[0];
        assert_eq!((f.problem, f.candidate, f.with), (0, 1, Some((1, 1))));
        assert!(f.why.contains("step 7"));
    }

    #[test]
    fn a_joint_change_is_kept_only_if_a_fresh_timing_confirms_it() {
        // The pair (1, 1) times 90 once, then 100 every time after: noise, not a gain.
        let mut seen = 0;
        let time = |picks: &[usize]| -> Result<f64, String> {
            Ok(match (picks[0], picks[1]) {
                (1, 1) => {
                    seen += 1;
                    if seen == 1 {
                        90.0
                    } else {
                        100.0
                    }
                }
                (0, 0) => 100.0,
                _ => 101.0,
            })
        };
        let out = chain_search(
            &[2, 2],
            vec![0, 0],
            &SearchSettings::default(),
            &[(0, 1)],
            time,
        )
        .unwrap();
        assert_eq!(out.picks, vec![0, 0]);
        assert_eq!(out.joint_moves, 0);
        // Start, two single changes, the joint one, and its fresh timing: one pass.
        assert_eq!((out.evaluations, out.passes), (5, 1));
    }
}
