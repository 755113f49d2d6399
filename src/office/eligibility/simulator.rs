//! A clearinghouse simulator: answers 271s for synthetic members, for tests and the demo.
//!
//! `POST /270` with a 270 interchange. Members (payer "Testpayer Health Plan"):
//! - `TST0001`: active, plan "TESTPAYER GOLD PPO", co-pays $25.00 (30, plan coverage),
//!   $30.00 (98, office visit; $60.00 out of network), $75.00 (UC, urgent care);
//! - `TST0002`: inactive;
//! - `TST0003`: active like `TST0001`, answered only after the slow delay (timeouts);
//! - any other id starting `TST`: not found (AAA 75); any other id: invalid (AAA 72).
//!
//! A 270 asking about a dependent (a 2000D loop, `NM1*03`) is answered in a 2000D loop
//! too, and an active dependent's office-visit co-pay is $20.00 (not the subscriber's
//! $30.00), so a test can tell whose benefits were read.
//!
//! A body that is not a 270 gets HTTP 400.

use crate::eligibility::Delimiters;
use crate::eligibility::split_interchange;
use crate::eligibility::x12::Writer;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use std::time::Duration;
use tokio::net::TcpListener;

/// What the simulator needs from a 270.
struct Asked {
    control: String,
    reference: String,
    payer: Vec<String>,
    provider: Vec<String>,
    subscriber: Vec<String>,
    /// The dependent's NM1 (`NM1*03`), when the 270 asks about one.
    dependent: Option<Vec<String>>,
    member_id: String,
}

fn read_270(body: &[u8]) -> Option<Asked> {
    let (_, segments) = split_interchange(body).ok()?;
    segments
        .iter()
        .find(|s| s.id() == "ST" && s.el(1) == "270")?;
    let find = |id: &str, qualifier: &str| {
        segments
            .iter()
            .find(|s| s.id() == id && s.el(1) == qualifier)
            .map(|s| s.elements.iter().map(|e| e.to_string()).collect::<Vec<_>>())
    };
    let subscriber = find("NM1", "IL")?;
    Some(Asked {
        control: segments[0].el(13).to_owned(),
        reference: segments
            .iter()
            .find(|s| s.id() == "BHT")
            .map(|s| s.el(3).to_owned())
            .unwrap_or_default(),
        payer: find("NM1", "PR")?,
        provider: find("NM1", "1P")?,
        member_id: subscriber.get(9).cloned().unwrap_or_default(),
        dependent: find("NM1", "03"),
        subscriber,
    })
}

enum Answer {
    Active,
    Inactive,
    Reject(&'static str),
}

/// The 271 for one 270 (the simulator's answer, without the delay).
fn answer(asked: &Asked) -> String {
    let kind = match asked.member_id.as_str() {
        "TST0001" | "TST0003" => Answer::Active,
        "TST0002" => Answer::Inactive,
        id if id.starts_with("TST") => Answer::Reject("75"),
        _ => Answer::Reject("72"),
    };
    let mut w = Writer::default();
    let d = Delimiters::STANDARD;
    let control = format!("{:0>9}", asked.control.trim());
    let control = &control[control.len() - 9..];
    let strings = |v: &[String]| v.to_vec();
    w.segment(&[
        "ISA",
        "00",
        "          ",
        "00",
        "          ",
        "ZZ",
        "TESTCLEARING   ",
        "ZZ",
        "FRONTDESK      ",
        "261203",
        "0900",
        &d.repetition.unwrap_or('^').to_string(),
        "00501",
        control,
        "0",
        "T",
        &d.component.to_string(),
    ]);
    w.segment(&[
        "GS",
        "HB",
        "TESTCLEARING",
        "FRONTDESK",
        "20261203",
        "0900",
        "1",
        "X",
        "005010X279A1",
    ]);
    w.segment(&["ST", "271", "0001", "005010X279A1"]);
    w.segment(&["BHT", "0022", "11", &asked.reference, "20261203", "0900"]);
    w.segment(&["HL", "1", "", "20", "1"]);
    let payer = strings(&asked.payer);
    w.segment(&payer.iter().map(String::as_str).collect::<Vec<_>>());
    w.segment(&["HL", "2", "1", "21", "1"]);
    let provider = strings(&asked.provider);
    w.segment(&provider.iter().map(String::as_str).collect::<Vec<_>>());
    let has_child = if asked.dependent.is_some() { "1" } else { "0" };
    w.segment(&["HL", "3", "2", "22", has_child]);
    let subscriber = strings(&asked.subscriber);
    w.segment(&subscriber.iter().map(String::as_str).collect::<Vec<_>>());
    // The benefits are the patient's: the dependent's loop when there is one.
    let office_visit = match &asked.dependent {
        Some(dependent) => {
            w.segment(&["HL", "4", "3", "23", "0"]);
            w.segment(&dependent.iter().map(String::as_str).collect::<Vec<_>>());
            "20.00"
        }
        None => "30.00",
    };
    match kind {
        Answer::Reject(code) => w.segment(&["AAA", "N", "", code, "C"]),
        Answer::Inactive => {
            w.segment(&["EB", "6", "IND", "30", "", "TESTPAYER GOLD PPO"]);
        }
        Answer::Active => {
            let eb = |w: &mut Writer, service: &str, amount: &str, network: &str| {
                w.segment(&[
                    "EB",
                    "B",
                    "IND",
                    service,
                    "",
                    "TESTPAYER GOLD PPO",
                    "27",
                    amount,
                    "",
                    "",
                    "",
                    "",
                    network,
                ]);
            };
            w.segment(&["EB", "1", "IND", "30", "", "TESTPAYER GOLD PPO"]);
            eb(&mut w, "30", "25", "Y");
            eb(&mut w, "98", "60", "N");
            eb(&mut w, "98", office_visit, "Y");
            eb(&mut w, "UC", "75", "Y");
        }
    }
    let count = (w.in_transaction + 1).to_string();
    w.segment(&["SE", &count, "0001"]);
    w.segment(&["GE", "1", "1"]);
    w.segment(&["IEA", "1", control]);
    w.out
}

async fn handle_270(
    State(slow): State<Duration>,
    body: axum::body::Bytes,
) -> Result<String, (StatusCode, &'static str)> {
    let asked = read_270(&body).ok_or((StatusCode::BAD_REQUEST, "not a 270 interchange\n"))?;
    if asked.member_id == "TST0003" {
        tokio::time::sleep(slow).await;
    }
    Ok(answer(&asked))
}

/// The simulator's routes; `slow` is how long member `TST0003` waits.
pub fn router(slow: Duration) -> Router {
    Router::new()
        .route("/270", post(handle_270))
        .with_state(slow)
}

/// Serves the simulator on `listener` until the task is dropped or the listener fails.
pub async fn serve(listener: TcpListener, slow: Duration) -> std::io::Result<()> {
    axum::serve(listener, router(slow)).await
}
