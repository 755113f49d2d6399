//! Eligibility at the office (issue 10): a 270 sent through a clearinghouse, its 271 read.
//!
//! Not wired into the staff page or the kiosk yet (that comes with the insurance step).
//! The X12 itself is pure and lives in `crate::eligibility`; here are the connector trait,
//! an HTTP connector and a clearinghouse simulator for tests and the demo.

mod http;
pub mod simulator;

pub use crate::eligibility::*;
pub use http::HttpClearinghouse;

use jiff::civil::DateTime;
use std::future::Future;
use std::pin::Pin;

/// Why no 271 came back. Never carries PHI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClearinghouseError {
    #[error("the clearinghouse did not answer in time")]
    Timeout,
    #[error("the clearinghouse could not be reached: {0}")]
    Unreachable(String),
    #[error("the clearinghouse answered HTTP {0}")]
    Status(u16),
    #[error("the clearinghouse's answer is larger than {max} bytes")]
    TooLarge { max: usize },
}

/// Why an eligibility check has no result: the staff page shows "not verified".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EligibilityError {
    #[error(transparent)]
    Clearinghouse(#[from] ClearinghouseError),
    #[error("the 271 could not be read: {0}")]
    Read(#[from] ReadError),
}

/// The future a clearinghouse returns: the 271's bytes.
pub type ExchangeFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<u8>, ClearinghouseError>> + Send + 'a>>;

/// Something that takes a 270 interchange and answers a 271, within its timeout.
pub trait Clearinghouse: Send + Sync {
    fn exchange(&self, x270: String) -> ExchangeFuture<'_>;
}

/// Writes the 270 for `request`, sends it and reads the 271.
pub async fn check_eligibility(
    clearinghouse: &dyn Clearinghouse,
    request: &EligibilityRequest,
    parties: &InterchangeParties,
    control: ControlNumbers,
    at: DateTime,
) -> Result<EligibilityResult, EligibilityError> {
    let x270 = write_270(request, parties, control, at);
    let x271 = clearinghouse.exchange(x270).await?;
    Ok(read_271(&x271)?)
}
