//! Unit tests of the fair-share checks: budgets, instance caps, the breaker, recording.

use super::*;

fn config() -> FairShareConfig {
    FairShareConfig {
        cpu_ms_per_second: 100,
        cpu_burst_ms: 300,
        cpu_ms_per_second_per_plugin: 0,
        cpu_burst_ms_per_plugin: 0,
        instances_per_webhook: 2,
        instances_per_plugin: 0,
        breaker_failures: 3,
        breaker_backoff_ms: 1_000,
        breaker_backoff_max_ms: 4_000,
    }
}

#[test]
fn budget_is_charged_refused_when_spent_and_refilled() {
    let fs = FairShare::new(config());
    let (hook, t0) = (Uuid::now_v7(), Instant::now());
    // 300 ms banked: three runs of 100 ms spend it.
    for _ in 0..3 {
        let ticket = fs.admit(hook, None, t0).unwrap();
        fs.finish(ticket, Duration::from_millis(100), RunVerdict::Healthy, t0);
    }
    let refusal = fs.admit(hook, None, t0).unwrap_err();
    assert_eq!(
        (refusal.status, refusal.code),
        (429, "plugin_budget_exhausted")
    );
    assert!(refusal.retry_after <= Duration::from_millis(10));
    // A run that overdraws leaves a debt that takes time to repay.
    let t1 = t0 + Duration::from_millis(50);
    let ticket = fs.admit(hook, None, t1).unwrap();
    fs.finish(ticket, Duration::from_millis(205), RunVerdict::Healthy, t1);
    let refusal = fs.admit(hook, None, t1).unwrap_err();
    assert_eq!(retry_after_secs(refusal.retry_after), 2);
    assert!(
        fs.admit(hook, None, t1 + Duration::from_millis(2_100))
            .is_ok()
    );
    // Other webhooks are not affected.
    assert!(fs.admit(Uuid::now_v7(), None, t1).is_ok());
    assert_eq!(fs.state(hook, t1).refused.budget, 2);
}

#[test]
fn instances_are_capped_per_webhook_and_per_plugin() {
    let fs = FairShare::new(FairShareConfig {
        instances_per_plugin: 3,
        ..config()
    });
    let (a, b, plugin, now) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Instant::now(),
    );
    let t1 = fs.admit(a, Some(plugin), now).unwrap();
    let _t2 = fs.admit(a, Some(plugin), now).unwrap();
    assert_eq!(
        fs.admit(a, Some(plugin), now).unwrap_err().code,
        "plugin_busy"
    );
    let _t3 = fs.admit(b, Some(plugin), now).unwrap();
    let refusal = fs.admit(b, Some(plugin), now).unwrap_err();
    assert!(refusal.message.contains("this plugin"), "{refusal:?}");
    // A finished (or dropped) run frees its slots.
    fs.finish(t1, Duration::ZERO, RunVerdict::Healthy, now);
    assert!(fs.admit(b, Some(plugin), now).is_ok());
    assert_eq!(fs.state(a, now).instances, 1);
}

#[test]
fn breaker_opens_refuses_half_opens_and_closes() {
    let fs = FairShare::new(FairShareConfig {
        cpu_ms_per_second: 0,
        ..config()
    });
    let (hook, t0) = (Uuid::now_v7(), Instant::now());
    let fail = |now| {
        let ticket = fs.admit(hook, None, now).unwrap();
        fs.finish(ticket, Duration::ZERO, RunVerdict::Misbehaved, now)
    };
    assert_eq!(fail(t0), None);
    assert_eq!(fail(t0), None);
    assert_eq!(
        fail(t0),
        Some(Quarantined {
            failures: 3,
            backoff: Duration::from_secs(1)
        })
    );
    let refusal = fs.admit(hook, None, t0).unwrap_err();
    assert_eq!((refusal.status, refusal.code), (503, "plugin_quarantined"));
    assert_eq!(fs.state(hook, t0).breaker, "open");
    // After the back-off, one probe at a time.
    let t1 = t0 + Duration::from_millis(1_001);
    let probe = fs.admit(hook, None, t1).unwrap();
    assert_eq!(
        fs.admit(hook, None, t1).unwrap_err().code,
        "plugin_quarantined"
    );
    // A failed probe doubles the back-off.
    assert_eq!(
        fs.finish(probe, Duration::ZERO, RunVerdict::Misbehaved, t1),
        None
    );
    assert!(
        fs.admit(hook, None, t1 + Duration::from_millis(1_500))
            .is_err()
    );
    let t2 = t1 + Duration::from_millis(2_001);
    let probe = fs.admit(hook, None, t2).unwrap();
    fs.finish(probe, Duration::ZERO, RunVerdict::Healthy, t2);
    assert_eq!(fs.state(hook, t2).breaker, "closed");
    assert!(fs.admit(hook, None, t2).is_ok());
}

#[test]
fn healthy_runs_reset_the_failure_count() {
    let fs = FairShare::new(config());
    let (hook, now) = (Uuid::now_v7(), Instant::now());
    for verdict in [
        RunVerdict::Misbehaved,
        RunVerdict::Misbehaved,
        RunVerdict::Healthy,
        RunVerdict::Misbehaved,
        RunVerdict::Misbehaved,
    ] {
        let ticket = fs.admit(hook, None, now).unwrap();
        assert_eq!(fs.finish(ticket, Duration::ZERO, verdict, now), None);
    }
    assert_eq!(fs.state(hook, now).consecutive_failures, 2);
}

#[test]
fn a_cancelled_probe_lets_the_next_request_probe() {
    let fs = FairShare::new(FairShareConfig {
        breaker_failures: 1,
        ..config()
    });
    let (hook, t0) = (Uuid::now_v7(), Instant::now());
    let ticket = fs.admit(hook, None, t0).unwrap();
    fs.finish(ticket, Duration::ZERO, RunVerdict::Misbehaved, t0);
    let t1 = t0 + Duration::from_secs(2);
    drop(fs.admit(hook, None, t1).unwrap());
    assert!(fs.admit(hook, None, t1).is_ok());
}

#[test]
fn refusals_are_recorded_at_most_once_a_second_and_idle_state_is_forgotten() {
    let fs = FairShare::new(config());
    let (hook, t0) = (Uuid::now_v7(), Instant::now());
    assert!(fs.should_record(hook, t0));
    let ticket = fs.admit(hook, None, t0).unwrap();
    fs.finish(ticket, Duration::from_millis(10), RunVerdict::Healthy, t0);
    assert!(fs.should_record(hook, t0));
    assert!(!fs.should_record(hook, t0 + Duration::from_millis(500)));
    assert!(fs.should_record(hook, t0 + Duration::from_millis(1_000)));
    fs.shrink(t0 + Duration::from_secs(10));
    assert_eq!(fs.lock().webhooks.len(), 0);
}
