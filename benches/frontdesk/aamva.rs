//! Figure 9 (AAMVA parse): parsing a synthetic version 10 licence, timed one parse at a
//! time, against `Scan::classify` of the same text (what the kiosk already does to every
//! scan before parsing it) measured in the same run.

use crate::Scale;
use crate::report::{Report, median, percentile};
use frontdesk::devices::{Scan, ScanKind};
use frontdesk::scan::aamva;
use frontdesk::scan::aamva_sample::v10_licence;
use jiff::civil::Date;
use std::hint::black_box;
use std::time::Instant;

const TODAY: Date = Date::constant(2026, 11, 25);

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    let text = v10_licence();
    println!(
        "9. AAMVA parse: {} parses of a {}-byte v10 licence vs classifying it",
        scale.aamva_parses,
        text.len()
    );
    let parsed = aamva::parse(&text, TODAY);
    report.check("the synthetic v10 licence parses", parsed.is_ok());
    report.check(
        "the synthetic v10 licence classifies as a licence",
        Scan::classify(text.clone()).kind() == ScanKind::DriversLicence,
    );

    // Interleaved, so both see the same machine state.
    let warmup = scale.aamva_parses / 10;
    let mut parse_us = Vec::with_capacity(scale.aamva_parses);
    let mut classify_us = Vec::with_capacity(scale.aamva_parses);
    for i in 0..warmup + scale.aamva_parses {
        let started = Instant::now();
        let _ = black_box(aamva::parse(black_box(&text), TODAY));
        let parse = started.elapsed();
        let owned = text.clone();
        let started = Instant::now();
        let _ = black_box(Scan::classify(black_box(owned)));
        let classify = started.elapsed();
        if i >= warmup {
            parse_us.push(parse.as_secs_f64() * 1e6);
            classify_us.push(classify.as_secs_f64() * 1e6);
        }
    }
    report.figure(
        "9",
        format!("AAMVA parse, median of {}", scale.aamva_parses),
        (median(&parse_us), median(&classify_us)),
        "µs",
        "`Scan::classify` of the same licence",
    );
    report.figure(
        "9",
        format!("AAMVA parse, p99 of {}", scale.aamva_parses),
        (percentile(&parse_us, 99.0), percentile(&classify_us, 99.0)),
        "µs",
        "`Scan::classify` of the same licence",
    );
    Ok(())
}
