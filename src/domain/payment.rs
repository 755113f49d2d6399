//! A co-pay taken at the kiosk, as kiosk and office both record it: what was due, what the
//! card terminal said, and how the payment ended. Card data never reaches us: the card is
//! only ever the masked number the terminal printed.

use super::money::Cents;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a payment text from the terminal was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentTextError {
    #[error("masked card must be 4 to 23 digits and mask characters, at most 10 digits shown")]
    MaskedCard,
    #[error("auth code must be 1 to 12 letters or digits")]
    AuthCode,
}

/// A card number as the terminal printed it, masked (`************1234`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MaskedCard(String);

impl MaskedCard {
    /// PCI DSS allows at most the first six and last four digits on a receipt.
    const MAX_DIGITS: usize = 10;

    pub fn new(text: &str) -> Result<Self, PaymentTextError> {
        let text = text.trim();
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let masks = text
            .chars()
            .filter(|c| matches!(c, '*' | 'X' | 'x'))
            .count();
        let allowed = text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '*' | 'X' | 'x' | ' '));
        if !allowed || masks == 0 || digits > Self::MAX_DIGITS || !(4..=23).contains(&text.len()) {
            return Err(PaymentTextError::MaskedCard);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MaskedCard {
    type Error = PaymentTextError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::new(&text)
    }
}

impl From<MaskedCard> for String {
    fn from(card: MaskedCard) -> Self {
        card.0
    }
}

/// The authorisation code the terminal printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AuthCode(String);

impl AuthCode {
    pub fn new(text: &str) -> Result<Self, PaymentTextError> {
        let text = text.trim();
        if !(1..=12).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(PaymentTextError::AuthCode);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AuthCode {
    type Error = PaymentTextError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::new(&text)
    }
}

impl From<AuthCode> for String {
    fn from(code: AuthCode) -> Self {
        code.0
    }
}

/// The terminal's own number for a transaction (ZVT's receipt number, BMP 87: four BCD
/// digits), which a reversal names and reconciliation compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TerminalReceiptNo(u16);

impl TerminalReceiptNo {
    pub const MAX: u16 = 9999;

    pub fn new(number: u16) -> Option<Self> {
        (number <= Self::MAX).then_some(Self(number))
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for TerminalReceiptNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

/// What the office bills at check-in: today's co-pay, and any balance left from earlier
/// visits, which the patient may pay with it or leave for the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AmountDue {
    pub copay: Cents,
    #[serde(default)]
    pub balance: Cents,
}

impl AmountDue {
    /// Nothing to pay: the payment step is skipped.
    pub fn is_nothing(self) -> bool {
        self.copay == Cents::ZERO && self.balance == Cents::ZERO
    }
}

/// Why a payment ended with the front desk instead of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentProblem {
    /// The kiosk stopped (crash, power cut) or lost the terminal mid-payment, and the
    /// terminal could not tell afterwards whether the card was charged.
    OutcomeUnknown,
    /// The terminal's last transaction does not match what the kiosk asked for.
    TerminalDisagrees,
    /// The terminal did not answer or reported a fault before it could take the card.
    TerminalFault,
}

/// How a payment ended, as the kiosk reports it to the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PaymentOutcome {
    /// The terminal approved the amount once.
    Paid {
        amount: Cents,
        card: MaskedCard,
        auth_code: AuthCode,
        receipt_no: TerminalReceiptNo,
        /// Found approved by reconciliation after a restart, not seen live.
        #[serde(default)]
        recovered: bool,
    },
    /// The patient chose to pay at the desk, before or after `declines` declined attempts.
    PayAtDesk { declines: u8 },
    /// The payment was cut short (the kiosk restarted mid-payment) and reconciliation
    /// found that the terminal charged nothing.
    NotPaid,
    /// Not paid, and the kiosk could not settle why: staff must look at the terminal.
    NeedsStaff { problem: PaymentProblem },
}

impl PaymentOutcome {
    /// The stable text for the queue and the database.
    pub fn status_str(&self) -> &'static str {
        match self {
            PaymentOutcome::Paid { .. } => "paid",
            PaymentOutcome::PayAtDesk { declines: 0 } => "pay_at_desk",
            PaymentOutcome::PayAtDesk { .. } => "declined",
            PaymentOutcome::NotPaid => "not_paid",
            PaymentOutcome::NeedsStaff { .. } => "needs_staff",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_card_shows_at_most_ten_digits() {
        assert!(MaskedCard::new("************1234").is_ok());
        assert!(MaskedCard::new("411111XXXXXX1111").is_ok());
        assert_eq!(
            MaskedCard::new("4111111111111111"),
            Err(PaymentTextError::MaskedCard)
        );
        assert_eq!(
            MaskedCard::new("4111*11111111111"),
            Err(PaymentTextError::MaskedCard)
        );
        assert_eq!(AuthCode::new("12 34"), Err(PaymentTextError::AuthCode));
    }

    #[test]
    fn outcomes_travel_as_tagged_json() {
        let paid = PaymentOutcome::Paid {
            amount: Cents::new(2500),
            card: MaskedCard::new("************0019").unwrap(),
            auth_code: AuthCode::new("A1B2C3").unwrap(),
            receipt_no: TerminalReceiptNo::new(42).unwrap(),
            recovered: false,
        };
        let json = serde_json::to_string(&paid).unwrap();
        assert!(json.contains("\"status\":\"paid\""), "{json}");
        assert_eq!(serde_json::from_str::<PaymentOutcome>(&json).unwrap(), paid);
        let forged = json.replace("************0019", "4111111111111111");
        assert!(serde_json::from_str::<PaymentOutcome>(&forged).is_err());
        assert_eq!(TerminalReceiptNo::new(10_000), None);
    }
}
