//! The signed check-in token printed as a QR code on appointment reminders.
//!
//! Hand-written compact format, because it has to fit a small QR code and no
//! standard token format does (PASETO/JWT carry JSON and base64, three times larger):
//!
//! ```text
//! "FD2:" BASE32( version:u8=2 | clinic:u32 | appointment handle:u64
//!               | valid_on:u16 (days since 1970-01-01) | starts_at:u16 (minutes after midnight)
//!               | expires_at:u32 (unix seconds) | ed25519 signature:64 over all bytes before it )
//! ```
//!
//! Every character is in the QR alphanumeric set, so the 85 bytes encode in 140 characters,
//! a version 6 code at error correction M (which holds 154). The token names no one: a
//! lost reminder reveals only that some appointment exists. It carries the appointment's
//! stable random handle, never a database row number, so a restored or moved database
//! cannot make a printed code point at someone else.
//!
//! Version 1 codes (`FD1:`) signed the office's row number; they are recognised and refused
//! as [`TokenError::OldFormat`] so the kiosk can say the reminder is out of date.

use crate::domain::{AppointmentId, ClinicId};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::Timestamp;
use jiff::civil::{Date, Time};

const PREFIX: &str = "FD2:";
const VERSION: u8 = 2;
const BODY_LEN: usize = 1 + 4 + 8 + 2 + 2 + 4;
const TOKEN_LEN: usize = BODY_LEN + 64;
/// Longest text worth decoding: anything longer cannot be a token.
const MAX_TEXT_LEN: usize = PREFIX.len() + 160;
const EPOCH: Date = Date::constant(1970, 1, 1);

/// The version 1 format: same alphabet, a row number and a 4-byte day.
const V1_PREFIX: &str = "FD1:";
const V1_TOKEN_LEN: usize = 1 + 4 + 8 + 4 + 2 + 4 + 64;

/// Why scanned text is not an acceptable check-in token, in the order checks run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a frontdesk check-in code")]
    NotAToken,
    #[error("check-in code is from an older reminder")]
    OldFormat,
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

/// Why a token cannot be written: a field the compact format cannot carry. Refused rather
/// than clamped, so no code silently says 1970 or never expires. Names no values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the appointment day is outside what a check-in code can carry (1970 to 2149)")]
    DayOutOfRange,
    #[error("the appointment time has seconds; a check-in code carries whole minutes")]
    StartNotWholeMinute,
    #[error("the code's expiry is outside what a check-in code can carry (1970 to 2106)")]
    ExpiryOutOfRange,
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
    fn body(&self) -> Result<[u8; BODY_LEN], SignError> {
        let days = self
            .valid_on
            .since((jiff::Unit::Day, EPOCH))
            .map_err(|_| SignError::DayOutOfRange)?
            .get_days();
        let days = u16::try_from(days).map_err(|_| SignError::DayOutOfRange)?;
        if self.starts_at.second() != 0 || self.starts_at.subsec_nanosecond() != 0 {
            return Err(SignError::StartNotWholeMinute);
        }
        // Both are small and non-negative (hour < 24, minute < 60), so these cannot fail.
        let minutes = u16::from(self.starts_at.hour().unsigned_abs()) * 60
            + u16::from(self.starts_at.minute().unsigned_abs());
        // Whole seconds, rounded down: a code never lasts longer than asked.
        let expires =
            u32::try_from(self.expires_at.as_second()).map_err(|_| SignError::ExpiryOutOfRange)?;
        let mut body = [0u8; BODY_LEN];
        body[0] = VERSION;
        body[1..5].copy_from_slice(&self.clinic.get().to_be_bytes());
        body[5..13].copy_from_slice(&self.appointment.get().to_be_bytes());
        body[13..15].copy_from_slice(&days.to_be_bytes());
        body[15..17].copy_from_slice(&minutes.to_be_bytes());
        body[17..21].copy_from_slice(&expires.to_be_bytes());
        Ok(body)
    }

    /// Signs the token; the text is what goes into the QR code.
    pub fn sign(&self, key: &SigningKey) -> Result<String, SignError> {
        let body = self.body()?;
        let signature = key.sign(&body);
        let mut bytes = Vec::with_capacity(TOKEN_LEN);
        bytes.extend_from_slice(&body);
        bytes.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{PREFIX}{}",
            data_encoding::BASE32_NOPAD.encode(&bytes)
        ))
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
        if let Some(old) = text.strip_prefix(V1_PREFIX) {
            return Err(old_format(old));
        }
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
        let field = |range: std::ops::Range<usize>| -> Result<&[u8], TokenError> {
            body.get(range).ok_or(TokenError::Malformed)
        };
        let be_u16 = |at: usize| -> Result<u16, TokenError> {
            let b = field(at..at + 2)?;
            Ok(u16::from_be_bytes([b[0], b[1]]))
        };
        let be_u32 = |at: usize| -> Result<u32, TokenError> {
            let mut b = [0u8; 4];
            b.copy_from_slice(field(at..at + 4)?);
            Ok(u32::from_be_bytes(b))
        };
        let clinic = ClinicId::new(be_u32(1)?).map_err(|_| TokenError::Malformed)?;
        let mut handle = [0u8; 8];
        handle.copy_from_slice(field(5..13)?);
        let appointment = AppointmentId::new(u64::from_be_bytes(handle));
        let valid_on = EPOCH
            .checked_add(jiff::Span::new().days(i64::from(be_u16(13)?)))
            .map_err(|_| TokenError::Malformed)?;
        let minutes = be_u16(15)?;
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
            Timestamp::from_second(i64::from(be_u32(17)?)).map_err(|_| TokenError::Malformed)?;
        Ok(Self {
            clinic,
            appointment,
            valid_on,
            starts_at,
            expires_at,
        })
    }
}

/// A `FD1:` code: an older reminder when it has the shape of one, damaged otherwise. Its
/// signature is not checked: it is refused either way, and the answer only picks the words.
fn old_format(encoded: &str) -> TokenError {
    if encoded.len() > MAX_TEXT_LEN {
        return TokenError::Malformed;
    }
    match data_encoding::BASE32_NOPAD.decode(encoded.as_bytes()) {
        Ok(bytes) if bytes.len() == V1_TOKEN_LEN && bytes[0] == 1 => TokenError::OldFormat,
        _ => TokenError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    /// A handle as the office makes them: random, using all 64 bits.
    const HANDLE: u64 = 0xD1CE_5EED_0BAD_F00D;

    fn token() -> CheckInToken {
        CheckInToken {
            clinic: ClinicId::new(7).unwrap(),
            appointment: AppointmentId::new(HANDLE),
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

    fn signed(token: &CheckInToken, seed: u8) -> String {
        token.sign(&key(seed)).expect("signs")
    }

    #[test]
    fn round_trips_and_fits_a_small_qr_code() {
        let text = signed(&token(), 1);
        assert_eq!(verify(&text), Ok(token()));
        // Version 6 at error correction M holds 154 alphanumeric characters.
        assert_eq!(text.len(), 140, "{text}");
        assert!(text.starts_with("FD2:"));
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b':')
        );
    }

    #[cfg(feature = "office")]
    #[test]
    fn the_office_renders_it_as_a_version_6_m_code() {
        let text = signed(&token(), 1);
        let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .unwrap();
        assert_eq!(qr.version(), qrcode::Version::Normal(6));
    }

    #[test]
    fn the_widest_values_round_trip() {
        let widest = CheckInToken {
            clinic: ClinicId::new(u32::MAX).unwrap(),
            appointment: AppointmentId::new(u64::MAX),
            valid_on: date(2149, 6, 6),
            starts_at: Time::constant(23, 59, 0, 0),
            expires_at: Timestamp::from_second(i64::from(u32::MAX)).unwrap(),
        };
        let text = signed(&widest, 1);
        assert_eq!(text.len(), 140);
        let decoded = CheckInToken::decode_signed(&text, &key(1).verifying_key()).unwrap();
        assert_eq!(decoded, widest);
    }

    #[test]
    fn what_the_format_cannot_carry_is_an_error_not_a_silent_clamp() {
        let refused = |change: fn(&mut CheckInToken)| {
            let mut t = token();
            change(&mut t);
            t.sign(&key(1)).unwrap_err()
        };
        assert_eq!(
            refused(|t| t.valid_on = date(1969, 12, 31)),
            SignError::DayOutOfRange
        );
        assert_eq!(
            refused(|t| t.valid_on = date(2149, 6, 7)),
            SignError::DayOutOfRange
        );
        assert_eq!(
            refused(|t| t.starts_at = Time::constant(10, 30, 15, 0)),
            SignError::StartNotWholeMinute
        );
        assert_eq!(
            refused(|t| t.expires_at = "1969-12-31T23:59:59Z".parse().unwrap()),
            SignError::ExpiryOutOfRange
        );
        assert_eq!(
            refused(|t| t.expires_at = "2106-02-07T06:28:16Z".parse().unwrap()),
            SignError::ExpiryOutOfRange
        );
    }

    #[test]
    fn expiry_rounds_down_to_the_second() {
        let mut t = token();
        t.expires_at = "2026-11-24T05:59:59.9Z".parse().unwrap();
        let decoded = verify(&signed(&t, 1)).unwrap();
        assert_eq!(decoded.expires_at, "2026-11-24T05:59:59Z".parse().unwrap());
    }

    #[test]
    fn rejects_a_token_signed_by_another_key() {
        assert_eq!(verify(&signed(&token(), 2)), Err(TokenError::Forged));
    }

    #[test]
    fn rejects_a_tampered_token() {
        let text = signed(&token(), 1);
        let mut bytes = data_encoding::BASE32_NOPAD
            .decode(&text.as_bytes()[PREFIX.len()..])
            .unwrap();
        bytes[12] ^= 1; // another appointment handle
        let tampered = format!("{PREFIX}{}", data_encoding::BASE32_NOPAD.encode(&bytes));
        assert_eq!(verify(&tampered), Err(TokenError::Forged));
    }

    /// A version 1 code as reminders printed before handles: a row number and an i32 day.
    fn v1_code(row: u64) -> String {
        let mut body = vec![1u8];
        body.extend_from_slice(&7u32.to_be_bytes());
        body.extend_from_slice(&row.to_be_bytes());
        body.extend_from_slice(&20_415i32.to_be_bytes());
        body.extend_from_slice(&630u16.to_be_bytes());
        body.extend_from_slice(&1_795_500_000u32.to_be_bytes());
        let signature = key(1).sign(&body);
        body.extend_from_slice(&signature.to_bytes());
        format!("FD1:{}", data_encoding::BASE32_NOPAD.encode(&body))
    }

    #[test]
    fn codes_from_before_handles_are_an_old_format() {
        let old = v1_code(3);
        assert_eq!(old.len(), 144);
        assert_eq!(verify(&old), Err(TokenError::OldFormat));
        // Whatever key signed it: it is refused either way, with the same words.
        assert_eq!(
            CheckInToken::verify(
                &old,
                &key(9).verifying_key(),
                ClinicId::new(7).unwrap(),
                date(2026, 11, 23),
                now(),
            ),
            Err(TokenError::OldFormat)
        );
        // Something that only starts like one is damaged, not old.
        assert_eq!(verify("FD1:AAAA"), Err(TokenError::Malformed));
        assert_eq!(verify(&old[..100]), Err(TokenError::Malformed));
        // A version 1 body behind the new prefix does not verify as a new code.
        let relabelled = old.replacen("FD1:", "FD2:", 1);
        assert_eq!(verify(&relabelled), Err(TokenError::Malformed));
    }

    fn expired() -> TokenError {
        TokenError::Expired {
            appointment: AppointmentId::new(HANDLE),
        }
    }

    #[test]
    fn rejects_other_clinic_expired_and_wrong_day() {
        let mut other = token();
        other.clinic = ClinicId::new(8).unwrap();
        assert_eq!(
            verify(&signed(&other, 1)),
            Err(TokenError::OtherClinic {
                clinic: ClinicId::new(8).unwrap(),
                appointment: AppointmentId::new(HANDLE)
            })
        );

        let mut old = token();
        old.expires_at = "2026-11-23T14:00:00Z".parse().unwrap();
        assert_eq!(verify(&signed(&old, 1)), Err(expired()));

        let mut yesterday = token();
        yesterday.valid_on = date(2026, 11, 22);
        assert_eq!(verify(&signed(&yesterday, 1)), Err(expired()));

        let mut tomorrow = token();
        tomorrow.valid_on = date(2026, 11, 24);
        tomorrow.expires_at = "2026-11-25T06:00:00Z".parse().unwrap();
        assert_eq!(
            verify(&signed(&tomorrow, 1)),
            Err(TokenError::WrongDay {
                valid_on: date(2026, 11, 24),
                appointment: AppointmentId::new(HANDLE)
            })
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for text in [
            "",
            "FD2:",
            "FD2:!!!!",
            "FD2:AAAA",
            "FD1:",
            "FD1:!!!!",
            "hello",
            &format!("FD2:{}", "A".repeat(500)),
            &format!("FD1:{}", "A".repeat(500)),
            &format!(
                "FD2:{}",
                data_encoding::BASE32_NOPAD.encode(&[0u8; TOKEN_LEN])
            ),
            &format!(
                "FD2:{}",
                data_encoding::BASE32_NOPAD.encode(&[VERSION; TOKEN_LEN])
            ),
        ] {
            assert!(verify(text).is_err(), "{text:?}");
        }
        assert_eq!(verify("hello"), Err(TokenError::NotAToken));
        // Every length and every version byte: errors, never panics.
        for len in 0..TOKEN_LEN + 2 {
            for version in [0, 1, 2, 3, 255] {
                let mut bytes = vec![0xA5; len];
                if let Some(first) = bytes.first_mut() {
                    *first = version;
                }
                let text = format!("FD2:{}", data_encoding::BASE32_NOPAD.encode(&bytes));
                assert!(verify(&text).is_err());
            }
        }
    }

    /// Found by the `token_verify` fuzzer: a correctly signed body whose day count is
    /// beyond what a date span holds panicked instead of being malformed.
    #[test]
    fn signed_bodies_with_absurd_fields_are_malformed_not_a_panic() {
        // The largest day, a time past midnight and a zero clinic, each correctly signed.
        let fields: [(std::ops::Range<usize>, &[u8]); 3] = [
            (13..15, &[0xff, 0xff]),
            (15..17, &[0xff, 0xff]),
            (1..5, &[0, 0, 0, 0]),
        ];
        for (range, value) in fields {
            let mut body = token().body().unwrap();
            body[range].copy_from_slice(value);
            let bytes = [&body[..], &key(1).sign(&body).to_bytes()].concat();
            let text = format!("{PREFIX}{}", data_encoding::BASE32_NOPAD.encode(&bytes));
            assert!(verify(&text).is_err(), "{text}");
        }
    }
}
