//! PHQ-2 and PHQ-9 results: totals, the positive screen and the severity bands.

/// A PHQ-2 result: items 1 and 2 of the PHQ-9, 0 to 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phq2 {
    pub total: u8,
}

impl Phq2 {
    /// A total of 3 or more is a positive screen (Kroenke et al. 2003).
    pub const POSITIVE_AT: u8 = 3;

    pub fn positive(self) -> bool {
        self.total >= Self::POSITIVE_AT
    }
}

/// PHQ-9 depression severity, from the published bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phq9Severity {
    /// 0–4
    NoneMinimal,
    /// 5–9
    Mild,
    /// 10–14
    Moderate,
    /// 15–19
    ModeratelySevere,
    /// 20–27
    Severe,
}

impl Phq9Severity {
    /// The band of a total; `None` above 27, which no PHQ-9 can score.
    pub fn from_total(total: u8) -> Option<Self> {
        Some(match total {
            0..=4 => Self::NoneMinimal,
            5..=9 => Self::Mild,
            10..=14 => Self::Moderate,
            15..=19 => Self::ModeratelySevere,
            20..=27 => Self::Severe,
            _ => return None,
        })
    }
}

/// A PHQ-9 result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phq9 {
    pub total: u8,
    pub severity: Phq9Severity,
    /// Item 9 (thoughts of being better off dead or of self-harm) answered anything but
    /// "not at all": staff must see and acknowledge it, whatever the total.
    pub item9_alert: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_bands_match_the_published_cut_points() {
        let expect = [
            (0, Phq9Severity::NoneMinimal),
            (4, Phq9Severity::NoneMinimal),
            (5, Phq9Severity::Mild),
            (9, Phq9Severity::Mild),
            (10, Phq9Severity::Moderate),
            (14, Phq9Severity::Moderate),
            (15, Phq9Severity::ModeratelySevere),
            (19, Phq9Severity::ModeratelySevere),
            (20, Phq9Severity::Severe),
            (27, Phq9Severity::Severe),
        ];
        for (total, band) in expect {
            assert_eq!(Phq9Severity::from_total(total), Some(band), "{total}");
        }
        assert_eq!(Phq9Severity::from_total(28), None);
    }

    #[test]
    fn phq2_is_positive_from_three() {
        assert!(!Phq2 { total: 2 }.positive());
        assert!(Phq2 { total: 3 }.positive());
        assert!(Phq2 { total: 6 }.positive());
    }
}
