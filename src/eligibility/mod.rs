//! Insurance eligibility as a practice checks it: an ANSI X12 005010X279A1 270 request and
//! the payer's 271 answer (issue 10, office side).
//!
//! This part is pure (no I/O) and builds without the office feature so the 271 reader can
//! be fuzzed like the other parsers of outside bytes; the clearinghouse connector and its
//! simulator live in `office::eligibility`.
//!
//! The segments are written and read by hand rather than with `x12-types` 0.12: that crate
//! hard-codes `*` and `~`, so a 271 with other delimiters would need rewriting before it
//! could parse it (and a data element holding a `*` would be mangled by that rewrite), its
//! 270/271 types carry every optional loop of the guide, and what we need is a dozen
//! segments each way. Delimiters are always taken from the ISA segment.

mod request;
pub(crate) mod x12;
mod x270;
mod x271;

pub use request::{
    Dependent, DependentRelationship, EligibilityRequest, FieldError, InterchangeId, MemberId, Npi,
    OrgName, PayerId, PersonNamePart, ServiceTypeCode,
};
pub use x12::{Delimiters, Segment, X12Error, split_interchange};
pub use x270::{ControlNumbers, InterchangeParties, Usage, write_270};
pub use x271::{EligibilityResult, EligibilityStatus, ReadError, RejectReason, read_271};
