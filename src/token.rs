//! The signed check-in token printed as a QR code on appointment reminders.
//!
//! Hand-written compact format, because it has to fit a small QR code and no
//! standard token format does (PASETO/JWT carry JSON and base64, three times larger):
//!
//! ```text
//! "FD1:" BASE32( version:u8=1 | clinic:u32 | appointment:u64 | valid_on:i32 (days since 1970-01-01)
//!               | starts_at:u16 (minutes after midnight) | expires_at:u32 (unix seconds)
//!               | ed25519 signature:64 over all bytes before it )
//! ```
//!
//! Every character is in the QR alphanumeric set, so the 87 bytes encode in 144 characters,
//! a version 6 code at error correction M. The token names no one: a lost reminder reveals
//! only that some appointment exists.

use crate::domain::{AppointmentId, ClinicId};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::Timestamp;
use jiff::civil::{Date, Time};

const PREFIX: &str = "FD1:";
const VERSION: u8 = 1;
const BODY_LEN: usize = 1 + 4 + 8 + 4 + 2 + 4;
const TOKEN_LEN: usize = BODY_LEN + 64;
/// Longest text worth decoding: anything longer cannot be a token.
const MAX_TEXT_LEN: usize = PREFIX.len() + 160;

/// Why scanned text is not an acceptable check-in token, in the order checks run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a frontdesk check-in code")]
    NotAToken,
    #[error("check-in code is damaged")]
    Malformed,
    #[error("check-in code signature does not verify")]
    Forged,
    #[error("check-in code for {appointment} is for clinic {clinic}")]
    OtherClinic {
        clinic: ClinicId,
        appointment: AppointmentId,
    },
    #[error("check-in code for {appointment} expired")]
    Expired { appointment: AppointmentId },
    #[error("check-in code for {appointment} is for {valid_on}, not today")]
    WrongDay {
        valid_on: Date,
        appointment: AppointmentId,
    },
}

/// What a verified token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInToken {
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    pub valid_on: Date,
    pub starts_at: Time,
    pub expires_at: Timestamp,
}

impl CheckInToken {
    fn body(&self) -> [u8; BODY_LEN] {
        let mut body = [0u8; BODY_LEN];
        let days = self
            .valid_on
            .since(Date::constant(1970, 1, 1))
            .map(|span| span.get_days())
            .unwrap_or(0);
        let minutes = u16::try_from(self.starts_at.hour()).unwrap_or(0) * 60
            + u16::try_from(self.starts_at.minute()).unwrap_or(0);
        let expires = u32::try_from(self.expires_at.as_second()).unwrap_or(u32::MAX);
        body[0] = VERSION;
        body[1..5].copy_from_slice(&self.clinic.get().to_be_bytes());
        body[5..13].copy_from_slice(&self.appointment.get().to_be_bytes());
        body[13..17].copy_from_slice(&days.to_be_bytes());
        body[17..19].copy_from_slice(&minutes.to_be_bytes());
        body[19..23].copy_from_slice(&expires.to_be_bytes());
        body
    }

    /// Signs the token; the text is what goes into the QR code.
    pub fn sign(&self, key: &SigningKey) -> String {
        let body = self.body();
        let signature = key.sign(&body);
        let mut bytes = Vec::with_capacity(TOKEN_LEN);
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&signature.to_bytes());
        format!("{PREFIX}{}", data_encoding::BASE32_NOPAD.encode(&bytes))
    }

    /// Decodes and checks a scanned token: signature, clinic, expiry and day, in that order,
    /// so a forged code is reported as forged whatever it claims.
    pub fn verify(
        text: &str,
        key: &VerifyingKey,
        clinic: ClinicId,
        today: Date,
        now: Timestamp,
    ) -> Result<Self, TokenError> {
        let token = Self::decode_signed(text, key)?;
        let appointment = token.appointment;
        if token.clinic != clinic {
            return Err(TokenError::OtherClinic {
                clinic: token.clinic,
                appointment,
            });
        }
        if now >= token.expires_at || today > token.valid_on {
            return Err(TokenError::Expired { appointment });
        }
        if today != token.valid_on {
            return Err(TokenError::WrongDay {
                valid_on: token.valid_on,
                appointment,
            });
        }
        Ok(token)
    }

    fn decode_signed(text: &str, key: &VerifyingKey) -> Result<Self, TokenError> {
        let encoded = text.strip_prefix(PREFIX).ok_or(TokenError::NotAToken)?;
        if text.len() > MAX_TEXT_LEN {
            return Err(TokenError::Malformed);
        }
        let bytes = data_encoding::BASE32_NOPAD
            .decode(encoded.as_bytes())
            .map_err(|_| TokenError::Malformed)?;
        if bytes.len() != TOKEN_LEN || bytes[0] != VERSION {
            return Err(TokenError::Malformed);
        }
        let (body, signature) = bytes.split_at(BODY_LEN);
        let signature = Signature::from_slice(signature).map_err(|_| TokenError::Malformed)?;
        key.verify(body, &signature)
            .map_err(|_| TokenError::Forged)?;
        Self::parse_body(body)
    }

    fn parse_body(body: &[u8]) -> Result<Self, TokenError> {
        let be_u32 = |range: std::ops::Range<usize>| -> u32 {
            let mut b = [0u8; 4];
            b.copy_from_slice(&body[range]);
            u32::from_be_bytes(b)
        };
        let clinic = ClinicId::new(be_u32(1..5)).map_err(|_| TokenError::Malformed)?;
        let mut appt = [0u8; 8];
        appt.copy_from_slice(&body[5..13]);
        let appointment = AppointmentId::new(u64::from_be_bytes(appt));
        let days = i32::from_be_bytes(be_u32(13..17).to_be_bytes());
        let valid_on = Date::constant(1970, 1, 1)
            .checked_add(
                jiff::Span::new()
                    .try_days(days)
                    .map_err(|_| TokenError::Malformed)?,
            )
            .map_err(|_| TokenError::Malformed)?;
        let minutes = u16::from_be_bytes([body[17], body[18]]);
        if minutes >= 24 * 60 {
            return Err(TokenError::Malformed);
        }
        let starts_at = Time::new(
            i8::try_from(minutes / 60).map_err(|_| TokenError::Malformed)?,
            i8::try_from(minutes % 60).map_err(|_| TokenError::Malformed)?,
            0,
            0,
        )
        .map_err(|_| TokenError::Malformed)?;
        let expires_at =
            Timestamp::from_second(i64::from(be_u32(19..23))).map_err(|_| TokenError::Malformed)?;
        Ok(Self {
            clinic,
            appointment,
            valid_on,
            starts_at,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn token() -> CheckInToken {
        CheckInToken {
            clinic: ClinicId::new(7).unwrap(),
            appointment: AppointmentId::new(1001),
            valid_on: date(2026, 11, 23),
            starts_at: Time::constant(10, 30, 0, 0),
            expires_at: "2026-11-24T06:00:00Z".parse().unwrap(),
        }
    }

    fn now() -> Timestamp {
        "2026-11-23T15:00:00Z".parse().unwrap()
    }

    fn verify(text: &str) -> Result<CheckInToken, TokenError> {
        CheckInToken::verify(
            text,
            &key(1).verifying_key(),
            ClinicId::new(7).unwrap(),
            date(2026, 11, 23),
            now(),
        )
    }

    #[test]
    fn round_trips_and_fits_a_small_qr_code() {
        let text = token().sign(&key(1));
        assert_eq!(verify(&text), Ok(token()));
        assert!(text.len() <= 150, "{} characters", text.len());
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b':')
        );
    }

    #[test]
    fn rejects_a_token_signed_by_another_key() {
        assert_eq!(verify(&token().sign(&key(2))), Err(TokenError::Forged));
    }

    #[test]
    fn rejects_a_tampered_token() {
        let text = token().sign(&key(1));
        let mut bytes = data_encoding::BASE32_NOPAD
            .decode(&text.as_bytes()[PREFIX.len()..])
            .unwrap();
        bytes[12] ^= 1; // another appointment id
        let tampered = format!("{PREFIX}{}", data_encoding::BASE32_NOPAD.encode(&bytes));
        assert_eq!(verify(&tampered), Err(TokenError::Forged));
    }

    fn expired() -> TokenError {
        TokenError::Expired {
            appointment: AppointmentId::new(1001),
        }
    }

    #[test]
    fn rejects_other_clinic_expired_and_wrong_day() {
        let mut other = token();
        other.clinic = ClinicId::new(8).unwrap();
        assert_eq!(
            verify(&other.sign(&key(1))),
            Err(TokenError::OtherClinic {
                clinic: ClinicId::new(8).unwrap(),
                appointment: AppointmentId::new(1001)
            })
        );

        let mut old = token();
        old.expires_at = "2026-11-23T14:00:00Z".parse().unwrap();
        assert_eq!(verify(&old.sign(&key(1))), Err(expired()));

        let mut yesterday = token();
        yesterday.valid_on = date(2026, 11, 22);
        assert_eq!(verify(&yesterday.sign(&key(1))), Err(expired()));

        let mut tomorrow = token();
        tomorrow.valid_on = date(2026, 11, 24);
        tomorrow.expires_at = "2026-11-25T06:00:00Z".parse().unwrap();
        assert_eq!(
            verify(&tomorrow.sign(&key(1))),
            Err(TokenError::WrongDay {
                valid_on: date(2026, 11, 24),
                appointment: AppointmentId::new(1001)
            })
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for text in [
            "",
            "FD1:",
            "FD1:!!!!",
            "FD1:AAAA",
            "hello",
            &format!("FD1:{}", "A".repeat(500)),
            &format!(
                "FD1:{}",
                data_encoding::BASE32_NOPAD.encode(&[0u8; TOKEN_LEN])
            ),
        ] {
            assert!(verify(text).is_err(), "{text:?}");
        }
        assert_eq!(verify("hello"), Err(TokenError::NotAToken));
    }

    /// Found by the `token_verify` fuzzer: a correctly signed body whose day count is
    /// beyond what a date span holds panicked instead of being malformed.
    #[test]
    fn a_signed_body_with_an_absurd_day_is_malformed_not_a_panic() {
        let mut body = token().body();
        body[13..17].copy_from_slice(&i32::MAX.to_be_bytes());
        let bytes = [&body[..], &key(1).sign(&body).to_bytes()].concat();
        let text = format!("{PREFIX}{}", data_encoding::BASE32_NOPAD.encode(&bytes));
        assert_eq!(verify(&text), Err(TokenError::Malformed));
    }
}
