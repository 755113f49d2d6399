//! Reading a 005010X279A1 271 eligibility response into what the office needs.

use super::request::ServiceTypeCode;
use super::x12::{Segment, X12Error, split_interchange};
use crate::domain::Cents;
use std::collections::BTreeMap;

/// Why the subscriber was not found (AAA03 in the subscriber or dependent loop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// 72: invalid or missing member id.
    InvalidMemberId,
    /// 75: subscriber or insured not found.
    SubscriberNotFound,
    /// 73: invalid or missing subscriber name.
    InvalidName,
    /// 71 / 58: the date of birth does not match or is missing.
    DateOfBirth,
    /// 76: duplicate subscriber or insured id.
    DuplicateMemberId,
    /// Any other reject reason code (two letters or digits; `??` if garbled).
    Other(String),
}

impl RejectReason {
    fn from_code(code: &str) -> Self {
        match code {
            "72" => Self::InvalidMemberId,
            "75" => Self::SubscriberNotFound,
            "73" => Self::InvalidName,
            "71" | "58" => Self::DateOfBirth,
            "76" => Self::DuplicateMemberId,
            c if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Self::Other(c.to_owned())
            }
            _ => Self::Other("??".into()),
        }
    }
}

/// Active, inactive, or not found by the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EligibilityStatus {
    Active,
    Inactive,
    NotFound(RejectReason),
}

/// What a 271 says about one subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityResult {
    pub status: EligibilityStatus,
    /// The plan's description (EB05 of the first benefit that has one).
    pub plan_name: Option<String>,
    /// The co-payment per service type (EB*B with a monetary amount; in-network preferred).
    pub copays: BTreeMap<ServiceTypeCode, Cents>,
    /// BHT03: the reference the 270 gave, when the payer echoes it.
    pub reference: Option<String>,
}

impl EligibilityResult {
    /// The co-pay for a visit of this service type, else the plan's general one (30).
    pub fn copay_for(&self, service: &ServiceTypeCode) -> Option<Cents> {
        self.copays
            .get(service)
            .or_else(|| self.copays.get(&ServiceTypeCode::plan_coverage()))
            .copied()
    }
}

/// Why a 271 could not be read: the caller shows "not verified". Never carries PHI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Envelope(#[from] X12Error),
    #[error("the interchange holds no 271 transaction")]
    NotA271,
    #[error("the interchange is cut short: no {0} segment")]
    Truncated(&'static str),
    #[error("SE declares {declared} segments but the transaction has {actual}")]
    SegmentCount { declared: String, actual: usize },
    #[error("the control numbers of {0} do not match")]
    ControlMismatch(&'static str),
    #[error("segment {segment} has a monetary amount that is not a non-negative dollar amount")]
    BadAmount { segment: usize },
    #[error("the payer could not answer (AAA reason {code})")]
    PayerRejected { code: String },
    #[error("the 271 has neither a benefit nor a rejection for the subscriber")]
    NoAnswer,
}

fn short_code(code: &str) -> String {
    if (1..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        code.to_owned()
    } else {
        "??".into()
    }
}

fn amount(text: &str) -> Option<Cents> {
    let text = text.trim();
    let text = if text.starts_with('.') {
        format!("0{text}")
    } else {
        text.to_owned()
    };
    Cents::parse_dollars(&text)
        .ok()
        .filter(|_| !text.starts_with('$'))
}

fn clean_text(text: &str) -> Option<String> {
    let text: String = text.chars().filter(|c| !c.is_control()).take(80).collect();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Network preference of a co-pay (EB12): in network beats not stated beats out of network.
fn network_rank(eb12: &str) -> u8 {
    match eb12 {
        "Y" => 2,
        "N" => 0,
        _ => 1,
    }
}

/// What one loop (the subscriber's, or the dependent's) of a 271 says.
#[derive(Default)]
struct LoopAnswer {
    active: bool,
    inactive: bool,
    rejected: Option<RejectReason>,
    plan_name: Option<String>,
    copays: BTreeMap<ServiceTypeCode, (u8, Cents)>,
}

impl LoopAnswer {
    fn says_anything(&self) -> bool {
        self.active || self.inactive || self.rejected.is_some()
    }

    /// One EB segment (`number` is its place in the interchange, for errors).
    fn benefit(
        &mut self,
        seg: &Segment<'_>,
        number: usize,
        repetition: Option<char>,
    ) -> Result<(), ReadError> {
        let code = seg.el(1);
        match code {
            "1" | "2" | "3" | "4" | "5" => self.active = true,
            "6" | "7" | "8" => self.inactive = true,
            _ => {}
        }
        if self.plan_name.is_none() && matches!(code, "1" | "2" | "3" | "4" | "5" | "6") {
            self.plan_name = clean_text(seg.el(5));
        }
        if code == "B" && !seg.el(7).is_empty() {
            let cents = amount(seg.el(7)).ok_or(ReadError::BadAmount { segment: number })?;
            let rank = network_rank(seg.el(12));
            let services: Vec<&str> = match (seg.el(3), repetition) {
                ("", _) => vec!["30"],
                (s, Some(r)) => s.split(r).collect(),
                (s, None) => vec![s],
            };
            for service in services {
                let Ok(service) = ServiceTypeCode::new(service) else {
                    continue;
                };
                let entry = self.copays.entry(service).or_insert((rank, cents));
                if rank > entry.0 {
                    *entry = (rank, cents);
                }
            }
        }
        Ok(())
    }
}

/// Reads a 271 interchange. An answer in the dependent loop (2000D) is the patient's and
/// wins over the subscriber loop's. Delimiters are taken from its ISA segment; the envelope's
/// counts and control numbers are checked; anything unexpected is a `ReadError`, never a
/// panic.
pub fn read_271(bytes: &[u8]) -> Result<EligibilityResult, ReadError> {
    let (delimiters, segments) = split_interchange(bytes)?;
    let isa13 = segments[0].el(13);
    let last = segments.last().ok_or(ReadError::Truncated("IEA"))?;
    if last.id() != "IEA" {
        return Err(ReadError::Truncated("IEA"));
    }
    if last.el(2) != isa13 {
        return Err(ReadError::ControlMismatch("ISA/IEA"));
    }
    let st = segments
        .iter()
        .position(|s| s.id() == "ST" && s.el(1) == "271")
        .ok_or(ReadError::NotA271)?;
    let se = segments[st..]
        .iter()
        .position(|s| s.id() == "SE")
        .map(|i| st + i)
        .ok_or(ReadError::Truncated("SE"))?;
    let actual = se - st + 1;
    if segments[se].el(1).parse::<usize>().ok() != Some(actual) {
        return Err(ReadError::SegmentCount {
            declared: short_code(segments[se].el(1)),
            actual,
        });
    }
    if segments[se].el(2) != segments[st].el(2) {
        return Err(ReadError::ControlMismatch("ST/SE"));
    }
    let body: &[Segment<'_>] = &segments[st + 1..se];

    let mut level = "";
    let mut reference = None;
    // What the subscriber loop (2000C) and the dependent loop (2000D) each say: when the
    // 270 asked about a dependent, the payer answers in 2000D, and the patient's benefits
    // (their co-pay) are those, not the subscriber's.
    let mut subscriber = LoopAnswer::default();
    let mut dependent = LoopAnswer::default();
    for (i, seg) in body.iter().enumerate() {
        let number = st + 1 + i + 1;
        let answer = match level {
            "22" => Some(&mut subscriber),
            "23" => Some(&mut dependent),
            _ => None,
        };
        match (seg.id(), answer) {
            ("BHT", _) => reference = clean_text(seg.el(3)),
            ("HL", _) => level = seg.el(3),
            ("AAA", Some(answer)) => {
                answer
                    .rejected
                    .get_or_insert(RejectReason::from_code(seg.el(3)));
            }
            ("AAA", None) => {
                return Err(ReadError::PayerRejected {
                    code: short_code(seg.el(3)),
                });
            }
            ("EB", Some(answer)) => answer.benefit(seg, number, delimiters.repetition)?,
            _ => {}
        }
    }
    let LoopAnswer {
        active,
        inactive,
        rejected,
        plan_name,
        mut copays,
    } = if dependent.says_anything() {
        dependent
    } else {
        subscriber
    };
    let status = match (rejected, active, inactive) {
        (Some(reason), _, _) => EligibilityStatus::NotFound(reason),
        (None, true, _) => EligibilityStatus::Active,
        (None, false, true) => EligibilityStatus::Inactive,
        (None, false, false) => return Err(ReadError::NoAnswer),
    };
    // A subscriber the payer did not find has no benefits, whatever else the 271 lists.
    if matches!(status, EligibilityStatus::NotFound(_)) {
        copays.clear();
    }
    Ok(EligibilityResult {
        status,
        plan_name,
        copays: copays.into_iter().map(|(k, (_, c))| (k, c)).collect(),
        reference,
    })
}
