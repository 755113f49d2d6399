//! What a scanner read, by kind. (Interim: replaced by the devices branch.)

use std::fmt;

/// One complete scan, classified.
#[derive(Clone, PartialEq, Eq)]
pub enum Scan {
    CheckInCode(String),
    DriversLicence(String),
    SmartHealthCard(String),
    Other(String),
}

impl Scan {
    pub fn classify(text: String) -> Scan {
        if text.starts_with("FD") {
            Scan::CheckInCode(text)
        } else if text.starts_with("shc:/") {
            Scan::SmartHealthCard(text)
        } else if text.starts_with('@') {
            Scan::DriversLicence(text)
        } else {
            Scan::Other(text)
        }
    }
    pub fn text(&self) -> &str {
        match self {
            Scan::CheckInCode(t)
            | Scan::DriversLicence(t)
            | Scan::SmartHealthCard(t)
            | Scan::Other(t) => t,
        }
    }
}

impl fmt::Debug for Scan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scan {{ len: {} }}", self.text().len())
    }
}
