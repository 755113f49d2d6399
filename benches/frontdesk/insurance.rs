//! Figure 13 (insurance, issue 10): a 270 → 271 eligibility round trip through the
//! clearinghouse simulator on loopback (the office's own HTTP connector: the 270 written,
//! posted, the 271 read), against a POST of the same size the simulator refuses at once
//! (the HTTP round trip alone), measured in the same run; and verifying the synthetic
//! SMART Health Card (ES256 signature, inflate, the bundle's Coverage read) against
//! decoding its `shc:/` numeric QR text to the JWS (the step before).

use crate::Scale;
use crate::report::{Report, median, percentile};
use frontdesk::eligibility::{
    ControlNumbers, EligibilityRequest, EligibilityStatus, InterchangeId, InterchangeParties,
    MemberId, Npi, OrgName, PayerId, PersonNamePart, ServiceTypeCode, Usage,
};
use frontdesk::office::eligibility::{HttpClearinghouse, check_eligibility, simulator};
use frontdesk::scan::{shc, shc_sample};
use jiff::Timestamp;
use jiff::civil::date;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn request() -> anyhow::Result<EligibilityRequest> {
    Ok(EligibilityRequest {
        provider_npi: Npi::new("1234567893")?,
        provider_name: OrgName::new("Demo Family Practice")?,
        payer_id: PayerId::new("TSTPAYER1")?,
        payer_name: OrgName::new("Testpayer Health Plan")?,
        member_id: MemberId::new("TST0001")?,
        last_name: PersonNamePart::last("Testpatient")?,
        first_name: PersonNamePart::first("Ada")?,
        date_of_birth: date(1980, 2, 29),
        service_type: ServiceTypeCode::office_visit(),
        service_date: date(2026, 12, 3),
        dependent: None,
    })
}

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    let rounds = (scale.identity_lookups / 10).max(5);
    let verifies = (scale.aamva_parses / 10).max(20);
    println!(
        "13. insurance: {rounds} eligibility round trips through the simulator, {verifies} SHC verifies"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (eligibility_ms, baseline_ms, active) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/270", listener.local_addr()?);
        tokio::spawn(simulator::serve(listener, Duration::from_secs(30)));
        let clearinghouse = HttpClearinghouse::new(url.clone(), Duration::from_secs(10));
        let plain = reqwest::Client::new();
        let parties = InterchangeParties {
            sender: InterchangeId::new("FRONTDESK")?,
            receiver: InterchangeId::new("TESTCLEARING")?,
            usage: Usage::Test,
        };
        let request = request()?;
        let at = date(2026, 12, 3).at(9, 0, 0, 0);
        let filler = "X".repeat(
            frontdesk::eligibility::write_270(
                &request,
                &parties,
                ControlNumbers {
                    interchange: 1,
                    group: 1,
                    transaction: 1,
                },
                at,
            )
            .len(),
        );
        let mut eligibility_ms = Vec::with_capacity(rounds);
        let mut baseline_ms = Vec::with_capacity(rounds);
        let mut active = true;
        let warmup = rounds / 10 + 1;
        for i in 0..warmup + rounds {
            let n = u32::try_from(i + 1).unwrap_or(1);
            let control = ControlNumbers {
                interchange: n,
                group: n,
                transaction: n % 9999 + 1,
            };
            let started = Instant::now();
            let result = check_eligibility(&clearinghouse, &request, &parties, control, at).await;
            let round = started.elapsed();
            active &= matches!(result, Ok(ref r) if r.status == EligibilityStatus::Active);
            let started = Instant::now();
            let refused = plain.post(&url).body(filler.clone()).send().await?;
            let _ = refused.bytes().await?;
            let plain_round = started.elapsed();
            if i >= warmup {
                eligibility_ms.push(round.as_secs_f64() * 1e3);
                baseline_ms.push(plain_round.as_secs_f64() * 1e3);
            }
        }
        anyhow::Ok((eligibility_ms, baseline_ms, active))
    })?;
    report.check("every simulated check of TST0001 came back active", active);
    for (p, label) in [(50.0, "p50"), (99.0, "p99")] {
        report.figure(
            "13",
            format!("270 → 271 round trip via simulator, {label} of {rounds}"),
            (percentile(&eligibility_ms, p), percentile(&baseline_ms, p)),
            "ms",
            "a POST of the same size refused by the simulator",
        );
    }

    let now = Timestamp::now();
    let qr = shc_sample::card_qr(now.as_second() - 60);
    let trusted = shc_sample::trusted();
    report.check(
        "the synthetic health card verifies",
        shc::verify(&qr, &trusted, now).is_ok(),
    );
    let mut verify_us = Vec::with_capacity(verifies);
    let mut decode_us = Vec::with_capacity(verifies);
    for i in 0..verifies + verifies / 10 {
        let started = Instant::now();
        let _ = black_box(shc::verify(black_box(&qr), &trusted, now));
        let verify = started.elapsed();
        let started = Instant::now();
        let _ = black_box(shc::numeric_to_jws(black_box(&qr)));
        let decode = started.elapsed();
        if i >= verifies / 10 {
            verify_us.push(verify.as_secs_f64() * 1e6);
            decode_us.push(decode.as_secs_f64() * 1e6);
        }
    }
    report.figure(
        "13",
        format!("SHC verify, median of {verifies}"),
        (median(&verify_us), median(&decode_us)),
        "µs",
        "decoding the same shc:/ QR text to its JWS",
    );
    Ok(())
}
