//! The planner's progress: after each run it says which candidate leads
//! among those whose runs have all finished, by the plan's own ranking rule.

/// With every run finished the leader is the plan's own recommendation (the
/// same `rank` over the same candidates); before the first candidate
/// finishes there is none; the count of finished candidates only grows.
#[test]
fn plan_progress_leader_ends_as_the_recommendation() {
    let path = "scenarios/plan/three-metro.toml";
    let (text, sc) = ktopo::scenario::load_for_plan(std::path::Path::new(path)).expect("loads");
    let mut seen: Vec<ktopo::plan::PlanProgress> = Vec::new();
    let p = ktopo::plan::plan_observed(&text, &sc, 1, None, &mut |x| seen.push(x.clone()))
        .expect("plan runs");
    let first = seen.first().expect("progress reported");
    assert_eq!(first.done, 1);
    assert!(first.leader.is_none() || first.finished > 0);
    assert!(seen.windows(2).all(|w| w[0].finished <= w[1].finished));
    let last = seen.last().unwrap();
    assert_eq!(last.done, last.total);
    assert_eq!(last.finished, last.candidates);
    assert!(p.recommended.is_some(), "three-metro has a recommendation");
    assert_eq!(last.leader, p.recommended);
    assert!(last.leader_feasible);
}
