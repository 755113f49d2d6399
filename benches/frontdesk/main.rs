//! The frontdesk benchmark suite: `cargo bench --bench frontdesk`.
//!
//! Six figures, each beside a baseline measured in the same run (see README, section
//! Performance): kiosk start-up and memory against headless Chromium, input → pixels,
//! hub ingest, queue freshness, outage drain, and kiosk memory over a day; and the AAMVA
//! licence parse and the name + date-of-birth match on a 2,000-appointment day, keyboard
//! tap → pixels and the taps a returning patient without a code needs (issue 9); and the
//! co-pay: a payment's kiosk overhead, frames while the terminal works, recovery after a
//! kill (issue 12); pointer move → ink while signing a consent (issue 11); a 270 → 271
//! eligibility round trip and SHC verification, and an insurance card photo → pre-filled
//! fields (issue 10); a check-in → its ADT^A04 acknowledged and an outage's ADT queue
//! drained, and the same for FHIR writes (issue 14); reminders queued and handed to a mail
//! server per second and the hub's memory over a 2,000-appointment day (issue 16); the
//! staff queue page with 200 check-ins (issue 13). Prints a
//! table and writes it with the machine description to `target/bench/frontdesk.md`.
//!
//! Under `cargo test` (no `--bench` argument) every figure runs at a small scale, as a
//! smoke test that the suite works; nothing asserts on time. Names after `--` choose
//! figures: `cargo bench --bench frontdesk -- start ingest`; `-- --quick` runs the small
//! scale with release binaries.

mod aamva;
mod audit;
mod card_photo;
mod drain;
mod fhir;
mod freshness;
mod hl7;
mod identity;
mod ingest;
mod insurance;
mod journey_taps;
mod kiosk_day;
mod load;
mod memory;
mod office_rig;
mod outbound;
mod payment;
mod queue_page;
mod reminders;
mod report;
mod signing;
mod startup;

use report::Report;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How big each figure's run is.
pub struct Scale {
    pub start_runs: usize,
    /// How long after start steady memory is read.
    pub settle: Duration,
    pub warmup_events: usize,
    pub timed_events: usize,
    pub day_check_ins: usize,
    pub rss_every: usize,
    pub idle_after: Duration,
    pub ingest_total: usize,
    pub fresh_rate: usize,
    pub fresh_secs: usize,
    pub drain_count: usize,
    pub aamva_parses: usize,
    pub identity_lookups: usize,
    pub card_photos: usize,
    /// Entries in the audit log verified.
    pub audit_entries: u64,
    /// Changes timed with and without their audit entry.
    pub audit_changes: usize,
    /// Appointments in the reminder day.
    pub reminder_day: usize,
    /// Queue page loads timed.
    pub queue_loads: usize,
}

const FULL: Scale = Scale {
    start_runs: 10,
    settle: Duration::from_secs(3),
    warmup_events: 30,
    timed_events: 1_000,
    day_check_ins: 5_000,
    rss_every: 500,
    idle_after: Duration::from_secs(125),
    ingest_total: 6_000,
    fresh_rate: 50,
    fresh_secs: 20,
    drain_count: 10_000,
    aamva_parses: 100_000,
    identity_lookups: 10_000,
    card_photos: 20,
    audit_entries: 1_000_000,
    audit_changes: 2_000,
    reminder_day: 2_000,
    queue_loads: 500,
};

const SMOKE: Scale = Scale {
    start_runs: 2,
    settle: Duration::from_secs(1),
    warmup_events: 3,
    timed_events: 30,
    day_check_ins: 20,
    rss_every: 10,
    idle_after: Duration::from_millis(100),
    ingest_total: 200,
    fresh_rate: 50,
    fresh_secs: 1,
    drain_count: 100,
    aamva_parses: 200,
    identity_lookups: 50,
    card_photos: 2,
    audit_entries: 2_000,
    audit_changes: 50,
    reminder_day: 20,
    queue_loads: 20,
};

const FIGURES: &[&str] = &[
    "start",
    "input",
    "ingest",
    "freshness",
    "drain",
    "aamva",
    "identity",
    "taps",
    "payment",
    "signing",
    "insurance",
    "photo",
    "audit",
    "hl7",
    "fhir",
    "reminders",
    "queue",
];

fn main() -> ExitCode {
    if let Ok(plan) = std::env::var(payment::CHILD_ENV) {
        return match payment::child_main(&plan) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bench paying kiosk: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    if let Ok(plan) = std::env::var(signing::CHILD_ENV) {
        return match signing::child_main(&plan) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bench signing kiosk: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    if let Ok(plan) = std::env::var(kiosk_day::CHILD_ENV) {
        return match kiosk_day::child_main(&plan) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("bench kiosk: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--quick");
    let chosen: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if let Some(unknown) = chosen.iter().find(|c| !FIGURES.contains(c)) {
        eprintln!("unknown figure {unknown:?}; choose from {FIGURES:?}");
        return ExitCode::FAILURE;
    }
    let wanted = |name: &str| chosen.is_empty() || chosen.contains(&name);
    let scale = if full { &FULL } else { &SMOKE };
    let mode = if full { "full run" } else { "smoke run" };
    println!("frontdesk benchmarks ({mode})");

    let started = Instant::now();
    let mut report = Report::default();
    let mut failures = Vec::new();
    let mut single_kiosk_rate = None;
    let mut attempt = |name: &str, result: anyhow::Result<()>| {
        if let Err(error) = result {
            eprintln!("{name}: FAILED: {error:#}");
            failures.push(name.to_owned());
        }
    };
    if wanted("start") {
        let result = startup::run(scale, &kiosk_binary(), &mut report);
        attempt("start", result);
    }
    if wanted("input") {
        let result = kiosk_day::run(scale, &mut report);
        attempt("input", result);
    }
    if wanted("ingest") || wanted("drain") {
        let result = ingest::run(scale, &mut report).map(|rate| single_kiosk_rate = Some(rate));
        attempt("ingest", result);
    }
    if wanted("freshness") {
        let result = freshness::run(scale, &mut report);
        attempt("freshness", result);
    }
    if wanted("drain")
        && let Some(rate) = single_kiosk_rate
    {
        let result = drain::run(scale, rate, &mut report);
        attempt("drain", result);
    }
    if wanted("aamva") {
        let result = aamva::run(scale, &mut report);
        attempt("aamva", result);
    }
    if wanted("identity") {
        let result = identity::run(scale, &mut report);
        attempt("identity", result);
    }

    if wanted("taps") {
        let result = journey_taps::run(&mut report);
        attempt("taps", result);
    }

    if wanted("payment") {
        let result = payment::run(scale, &mut report);
        attempt("payment", result);
    }

    if wanted("signing") {
        let result = signing::run(scale, &mut report);
        attempt("signing", result);
    }

    if wanted("insurance") {
        let result = insurance::run(scale, &mut report);
        attempt("insurance", result);
    }

    if wanted("photo") {
        let result = card_photo::run(scale, &mut report);
        attempt("photo", result);
    }

    if wanted("audit") {
        let result = audit::run(scale, &mut report);
        attempt("audit", result);
    }

    if wanted("hl7") {
        let result = hl7::run(scale, &mut report);
        attempt("hl7", result);
    }

    if wanted("fhir") {
        let result = fhir::run(scale, &mut report);
        attempt("fhir", result);
    }

    if wanted("reminders") {
        let result = reminders::run(scale, &mut report);
        attempt("reminders", result);
    }

    if wanted("queue") {
        let result = queue_page::run(scale, &mut report);
        attempt("queue", result);
    }

    let seconds = started.elapsed().as_secs_f64();
    println!("\n{}", report.table());
    let out = output_path(full);
    match report::write(&out, &report.markdown(mode, seconds)) {
        Ok(()) => println!("written to {}", out.display()),
        Err(error) => {
            eprintln!("cannot write {}: {error}", out.display());
            failures.push("report".into());
        }
    }
    if !report.passed() {
        failures.push("checks".into());
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("failed: {}", failures.join(", "));
        ExitCode::FAILURE
    }
}

/// The kiosk binary cargo built for this bench (release under `cargo bench`).
fn kiosk_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_frontdesk-kiosk"))
}

fn output_path(full: bool) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench").join(if full {
        "frontdesk.md"
    } else {
        "frontdesk-smoke.md"
    })
}
