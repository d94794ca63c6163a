//! The compare result assembled from what the runner collected so far (called after every
//! round, so an interrupted compare still writes what it measured).

use super::*;

/// Build the result (and its analysis) from what was collected so far.
pub(super) fn assemble(
    plan: &ComparePlan,
    contenders: &[Contender],
    active: &[String],
    settings: Settings,
    completed: u32,
    round_orders: Vec<Vec<String>>,
    total_secs: f64,
) -> CompareResult {
    let mut all: Vec<CompareWorkload> = plan
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| CompareWorkload {
            name: w.name.clone(),
            category: w.category.clone(),
            payload_size_bytes: w.payload_size_bytes(),
            endpoint: Endpoint { method: w.method.clone(), path: w.path.clone() },
            results: contenders
                .iter()
                .filter(|c| c.info.status == WorkloadStatus::Ok)
                .map(|c| framework_result(c.app.name(), &c.collected[i], settings.confidence))
                .collect(),
            comparison: None,
            unranked_because: BTreeMap::new(),
        })
        .collect();
    let mut refs: Vec<&mut CompareWorkload> = all.iter_mut().collect();
    let mut summary = analyze(&mut refs, active, settings);
    summary.total_duration_secs = (total_secs * 100.0).round() / 100.0;
    let reached = precision(&all);
    let suites: Vec<CompareSuite> = crate::run::chunks(&plan.suites, &all)
        .map(|(name, ws)| CompareSuite { name: name.to_string(), workloads: ws.to_vec() })
        .collect();
    CompareResult {
        mode: Mode::Compare,
        schema_version: SCHEMA_VERSION,
        complete: false,
        metadata: crate::run::metadata_with(&plan.repo_dir, &plan.load),
        configuration: CompareConfiguration {
            load: Configuration {
                duration_secs: plan.load.duration.as_secs_f64(),
                concurrency: plan.load.concurrency as u32,
                warmup_secs: plan.load.warmup.as_secs_f64(),
                rate: plan.load.rate,
                timeout_secs: plan.load.timeout.as_secs_f64(),
                load_generator: crate::run::load_generator_name(plan.load.protocol),
                workers: plan.workers,
                verified: plan.verify,
                target_url: None,
                server_cpus: plan.server_cpus.as_ref().map(|c| join(c)),
                loadgen_cpus: plan.load.loadgen_cpus.as_ref().map(|c| join(c)),
                pinning: Some(plan.load.pinning.clone()),
                sharding: None,
            },
            rounds: plan.rounds,
            rounds_completed: completed,
            alpha: plan.alpha,
            noise_floor_percent: plan.noise_floor,
            target_precision_percent: plan.target_precision,
            max_rounds: plan.max_rounds,
            precision_reached_percent: reached,
            round_orders,
            round_design: Some("williams".into()),
            block_rounds: None,
            time_budget_secs: None,
            stopped_because: None,
        },
        frameworks: contenders.iter().map(|c| c.info.clone()).collect(),
        suites,
        summary,
        notes: Vec::new(),
    }
}

fn join(cpus: &[usize]) -> String {
    cpus.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")
}
