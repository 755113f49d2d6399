//! Writing a 005010X279A1 270 eligibility request.

use super::request::{EligibilityRequest, InterchangeId};
use super::x12::{Delimiters, Writer};
use jiff::civil::DateTime;

/// Production or test data (ISA15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    Production,
    Test,
}

/// Who sends the interchange and who receives it (ISA06/ISA08, GS02/GS03).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterchangeParties {
    pub sender: InterchangeId,
    pub receiver: InterchangeId,
    pub usage: Usage,
}

/// The control numbers of one interchange, given by the caller (the office keeps a
/// counter) so output is reproducible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlNumbers {
    /// ISA13 / IEA02: 1 ..= 999,999,999, written as nine digits.
    pub interchange: u32,
    /// GS06 / GE02: 1 ..= 999,999,999.
    pub group: u32,
    /// ST02 / SE02: 1 ..= 9999, written as four digits at least.
    pub transaction: u32,
}

impl ControlNumbers {
    fn clamp(self) -> Self {
        let f = |n: u32| n.clamp(1, 999_999_999);
        Self {
            interchange: f(self.interchange),
            group: f(self.group),
            transaction: f(self.transaction),
        }
    }
}

fn date8(d: jiff::civil::Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// The 270 interchange for one request: ISA, GS, ST, BHT, the information source (payer,
/// HL 20), the information receiver (the practice by NPI, HL 21), the subscriber (HL 22:
/// name and member id, date of birth), the patient when a dependent (HL 23: name, date of
/// birth, relationship), the date of service and the service type asked about, SE, GE,
/// IEA. Written with `*`, `:`, `^` and `~` and a line break after each segment.
pub fn write_270(
    request: &EligibilityRequest,
    parties: &InterchangeParties,
    control: ControlNumbers,
    at: DateTime,
) -> String {
    let control = control.clamp();
    let d = Delimiters::STANDARD;
    let mut w = Writer::default();
    let yymmdd = format!("{:02}{:02}{:02}", at.year() % 100, at.month(), at.day());
    let hhmm = format!("{:02}{:02}", at.hour(), at.minute());
    let ccyymmdd = date8(at.date());
    let isa13 = format!("{:09}", control.interchange);
    let gs06 = control.group.to_string();
    let st02 = format!("{:04}", control.transaction);
    let sender = format!("{:<15}", parties.sender.as_str());
    let receiver = format!("{:<15}", parties.receiver.as_str());
    let rep = d.repetition.unwrap_or('^').to_string();
    let comp = d.component.to_string();
    let usage = match parties.usage {
        Usage::Production => "P",
        Usage::Test => "T",
    };
    w.segment(&[
        "ISA",
        "00",
        "          ",
        "00",
        "          ",
        "ZZ",
        &sender,
        "ZZ",
        &receiver,
        &yymmdd,
        &hhmm,
        &rep,
        "00501",
        &isa13,
        "0",
        usage,
        &comp,
    ]);
    w.segment(&[
        "GS",
        "HS",
        parties.sender.as_str(),
        parties.receiver.as_str(),
        &ccyymmdd,
        &hhmm,
        &gs06,
        "X",
        "005010X279A1",
    ]);
    w.segment(&["ST", "270", &st02, "005010X279A1"]);
    // BHT03: our reference for this request, echoed in the 271.
    let reference = format!("FD{isa13}");
    w.segment(&["BHT", "0022", "13", &reference, &ccyymmdd, &hhmm]);
    // 2000A / 2100A: the information source, the payer.
    w.segment(&["HL", "1", "", "20", "1"]);
    w.segment(&[
        "NM1",
        "PR",
        "2",
        request.payer_name.as_str(),
        "",
        "",
        "",
        "",
        "PI",
        request.payer_id.as_str(),
    ]);
    // 2000B / 2100B: the information receiver, the practice, by NPI.
    w.segment(&["HL", "2", "1", "21", "1"]);
    w.segment(&[
        "NM1",
        "1P",
        "2",
        request.provider_name.as_str(),
        "",
        "",
        "",
        "",
        "XX",
        request.provider_npi.as_str(),
    ]);
    // 2000C / 2100C: the subscriber; with a dependent patient, HL04 says a 2000D follows.
    let has_child = if request.dependent.is_some() {
        "1"
    } else {
        "0"
    };
    w.segment(&["HL", "3", "2", "22", has_child]);
    w.segment(&[
        "NM1",
        "IL",
        "1",
        request.last_name.as_str(),
        request.first_name.as_str(),
        "",
        "",
        "",
        "MI",
        request.member_id.as_str(),
    ]);
    w.segment(&["DMG", "D8", &date8(request.date_of_birth)]);
    match &request.dependent {
        None => {
            w.segment(&["DTP", "291", "D8", &date8(request.service_date)]);
            // 2110C: the service type asked about.
            w.segment(&["EQ", request.service_type.as_str()]);
        }
        Some(dependent) => {
            // 2000D / 2100D: the patient, a dependent without a member id of their own
            // (the payer finds them under the subscriber's); the date and the question
            // belong to the patient, so they move here (2110D).
            w.segment(&["HL", "4", "3", "23", "0"]);
            w.segment(&[
                "NM1",
                "03",
                "1",
                dependent.last_name.as_str(),
                dependent.first_name.as_str(),
            ]);
            w.segment(&["DMG", "D8", &date8(dependent.date_of_birth)]);
            w.segment(&["INS", "N", dependent.relationship.code()]);
            w.segment(&["DTP", "291", "D8", &date8(request.service_date)]);
            w.segment(&["EQ", request.service_type.as_str()]);
        }
    }
    let count = (w.in_transaction + 1).to_string();
    w.segment(&["SE", &count, &st02]);
    w.segment(&["GE", "1", &gs06]);
    w.segment(&["IEA", "1", &isa13]);
    w.out
}
