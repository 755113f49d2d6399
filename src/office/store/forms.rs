//! Forms in the office database: every consent document and questionnaire version ever
//! published (with its text), the sets published (the last one is the last good set), and
//! the consents patients signed, stored once by the kiosk-made id.

use super::db::{Connection, OptionalExtension, Row, params};
use super::{Actor, OfficeStore, StoreError, audit_in, parse, ts};
use crate::api::{ConsentSubmission, FormSubject, FormsResponse};
use crate::consent::{DocumentId, Signature, SignedConsent, SignedVersion, Version};
use crate::domain::{
    AppointmentId, KioskId, Language, PersonName, RegistrationId, SignedConsentId,
};
use crate::office::audit::AuditAction;
use crate::office::consents::ConsentRefused;
use jiff::Timestamp;
use jiff::civil::Date;

/// One published form file version, as archived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedFile {
    /// `consent` or `questionnaire`.
    pub kind: &'static str,
    pub id: String,
    pub version: String,
    /// The consent's language code; empty for a questionnaire (it holds both).
    pub language: String,
    pub name: String,
    pub text: String,
}

/// What storing a consent did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentStored {
    Accepted,
    /// The same consent was stored before (a retried delivery); nothing changed.
    AlreadyStored,
}

/// A signed consent as the office holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    pub id: SignedConsentId,
    pub subject: FormSubject,
    pub kiosk: KioskId,
    pub received_at: Timestamp,
    pub document: DocumentId,
    pub version: Version,
    pub language: Language,
    pub signed_at: Timestamp,
    /// `None` once removed under the retention policy (the row stays: the version still
    /// counts as signed).
    pub signature: Option<Signature>,
}

impl ConsentRow {
    /// What answers "already signed this version".
    pub fn signed_version(&self) -> SignedVersion {
        SignedVersion {
            id: self.document.clone(),
            version: self.version,
        }
    }

    /// The consent as the patient signed it; `None` once its signature was removed.
    pub fn signed(&self) -> Option<SignedConsent> {
        let signature = self.signature.clone()?;
        Some(SignedConsent::new(
            self.document.clone(),
            self.version,
            self.language,
            self.signed_at,
            signature,
        ))
    }
}

const CONSENT_COLUMNS: &str = "c.id, c.appointment, c.registration, c.kiosk, c.document, \
     c.version, c.language, c.signed_at, c.received_at, c.signature";

fn language_of(code: &str) -> Option<Language> {
    Language::ALL.into_iter().find(|l| l.code() == code)
}

fn consent_from(row: &Row<'_>) -> super::db::Result<Result<ConsentRow, StoreError>> {
    let id: String = row.get(0)?;
    let appointment: Option<i64> = row.get(1)?;
    let registration: Option<String> = row.get(2)?;
    let kiosk: String = row.get(3)?;
    let document: String = row.get(4)?;
    let version: i64 = row.get(5)?;
    let language: String = row.get(6)?;
    let signed_at: String = row.get(7)?;
    let received_at: String = row.get(8)?;
    let signature: String = row.get(9)?;
    Ok((|| {
        let subject = subject_from_columns(appointment, registration)?;
        let corrupt = |_| StoreError::Corrupt("consent");
        Ok(ConsentRow {
            id: SignedConsentId::parse(&id).ok_or(StoreError::Corrupt("consent id"))?,
            subject,
            kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
            received_at: parse(&received_at, "consent time")?,
            document: DocumentId::new(&document).map_err(corrupt)?,
            version: Version::new(
                u32::try_from(version).map_err(|_| StoreError::Corrupt("consent"))?,
            )
            .map_err(corrupt)?,
            language: language_of(&language).ok_or(StoreError::Corrupt("consent language"))?,
            signed_at: parse(&signed_at, "consent time")?,
            // Emptied under the retention policy.
            signature: (!signature.is_empty())
                .then(|| Signature::decode(signature.as_bytes()))
                .transpose()
                .map_err(|_| StoreError::Corrupt("signature"))?,
        })
    })())
}

/// A subject back from its columns (see [`subject_columns`]).
pub(super) fn subject_from_columns(
    appointment: Option<i64>,
    registration: Option<String>,
) -> Result<FormSubject, StoreError> {
    match (appointment, registration) {
        (Some(handle), None) => Ok(FormSubject::Appointment(AppointmentId::new(
            handle.cast_unsigned(),
        ))),
        (None, Some(id)) => Ok(FormSubject::Registration(
            RegistrationId::parse(&id).ok_or(StoreError::Corrupt("form subject registration"))?,
        )),
        _ => Err(StoreError::Corrupt("form subject")),
    }
}

/// The subject's columns: (appointment handle, registration id).
pub(super) fn subject_columns(subject: FormSubject) -> (Option<i64>, Option<String>) {
    match subject {
        FormSubject::Appointment(id) => (Some(id.get().cast_signed()), None),
        FormSubject::Registration(id) => (None, Some(id.to_string())),
    }
}

/// appointment, registration, document, version, language, signed_at, signature: what a
/// redelivery must repeat exactly.
type StoredColumns = (
    Option<i64>,
    Option<String>,
    String,
    i64,
    String,
    String,
    String,
);

/// The patient number a subject is filed under (`Some(None)`: known, no number), or
/// `None` when the office does not know the subject (or a registration was discarded).
pub(super) fn patient_of(
    tx: &Connection,
    subject: FormSubject,
) -> Result<Option<Option<String>>, StoreError> {
    Ok(match subject {
        FormSubject::Appointment(handle) => tx
            .prepare_cached("SELECT patient_id FROM appointments WHERE handle = ?1")?
            .query_row([handle.get().cast_signed()], |row| row.get(0))
            .optional()?,
        FormSubject::Registration(id) => tx
            .prepare_cached(
                "SELECT NULL FROM registrations WHERE id = ?1 AND status <> 'rejected'",
            )?
            .query_row([id.to_string()], |row| row.get(0))
            .optional()?,
    })
}

fn record_consent_in(
    tx: &Connection,
    writes: super::FhirWrites,
    submission: &ConsentSubmission,
    kiosk: &KioskId,
    now: Timestamp,
) -> Result<Result<ConsentStored, ConsentRefused>, StoreError> {
    let id = submission.id.to_string();
    let consent = &submission.consent;
    let (appointment, registration) = subject_columns(submission.subject);
    let signature = consent.signature.encode();
    let signed_at = ts(consent.signed_at);
    let stored: Option<StoredColumns> = tx
        .prepare_cached(
            "SELECT appointment, registration, document, version, language, signed_at, signature
             FROM consents WHERE id = ?1",
        )?
        .query_row([&id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
            ))
        })
        .optional()?;
    if let Some(stored) = stored {
        let same = stored
            == (
                appointment,
                registration,
                consent.document.as_str().to_owned(),
                i64::from(consent.version.get()),
                consent.language.code().to_owned(),
                signed_at,
                signature,
            );
        return Ok(if same {
            Ok(ConsentStored::AlreadyStored)
        } else {
            Err(ConsentRefused::Conflict)
        });
    }
    let patient_id = patient_of(tx, submission.subject)?;
    let Some(patient_id) = patient_id else {
        return Ok(Err(ConsentRefused::UnknownSubject));
    };
    tx.prepare_cached(
        "INSERT INTO consents
           (id, appointment, registration, patient_id, kiosk, document, version, language,
            signed_at, received_at, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        id,
        appointment,
        registration,
        patient_id,
        kiosk.as_str(),
        consent.document.as_str(),
        i64::from(consent.version.get()),
        consent.language.code(),
        signed_at,
        ts(now),
        signature,
    ])?;
    audit_in(
        tx,
        now,
        &Actor::Kiosk(kiosk.clone()).into(),
        AuditAction::ConsentCreate,
        &id,
    )?;
    // Signed after the check-in: the EHR hears of it now.
    super::fhir::enqueue_signed_for_subject_in(
        tx,
        writes,
        appointment,
        registration.as_deref(),
        now,
    )?;
    Ok(Ok(ConsentStored::Accepted))
}

impl OfficeStore {
    /// Every form file version ever published.
    pub fn form_archive(&self) -> Result<Vec<PublishedFile>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, id, version, language, name, text FROM form_files
             ORDER BY first_published_at, kind, id, version, language",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })?;
        rows.map(|r| {
            let (kind, id, version, language, name, text) = r?;
            let kind = match kind.as_str() {
                "consent" => "consent",
                "questionnaire" => "questionnaire",
                _ => return Err(StoreError::Corrupt("form kind")),
            };
            Ok(PublishedFile {
                kind,
                id,
                version,
                language,
                name,
                text,
            })
        })
        .collect()
    }

    /// The last set published (the last good one), if any was.
    pub fn last_form_set(&self) -> Result<Option<FormsResponse>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM form_sets ORDER BY seq DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()?;
        body.map(|body| serde_json::from_str(&body).map_err(|_| StoreError::Corrupt("form set")))
            .transpose()
    }

    /// Publishes `set`: archives its files (a version archived before is kept as it was;
    /// the caller has checked the texts agree) and records the set, unless it is the last
    /// one again. Audited as `forms.publish` when the set is new.
    pub fn publish_form_set(
        &mut self,
        set: &FormsResponse,
        files: &[PublishedFile],
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let body = serde_json::to_string(set).map_err(|_| StoreError::Corrupt("form set"))?;
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO form_files
                   (kind, id, version, language, name, text, first_published_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            )?;
            for f in files {
                insert.execute(params![
                    f.kind,
                    f.id,
                    f.version,
                    f.language,
                    f.name,
                    f.text,
                    ts(now)
                ])?;
            }
        }
        let last: Option<String> = tx
            .query_row(
                "SELECT revision FROM form_sets ORDER BY seq DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()?;
        let new = last.as_deref() != Some(set.revision.as_str());
        if new {
            tx.execute(
                "INSERT INTO form_sets (revision, body, published_at) VALUES (?1, ?2, ?3)",
                params![set.revision, body, ts(now)],
            )?;
            audit_in(
                &tx,
                now,
                &Actor::System.into(),
                AuditAction::FormsPublish,
                &set.revision,
            )?;
        }
        tx.commit()?;
        Ok(new)
    }

    /// Stores a signed consent once by its id (with its audit entry); a different consent
    /// under a stored id, or one for an unknown appointment or registration (or a
    /// discarded one), is refused and nothing is written. The caller has checked the
    /// document version was published.
    pub fn record_consent(
        &mut self,
        submission: &ConsentSubmission,
        kiosk: &KioskId,
        now: Timestamp,
    ) -> Result<Result<ConsentStored, ConsentRefused>, StoreError> {
        let tx = self.conn.transaction()?;
        let outcome = record_consent_in(&tx, self.fhir_writes, submission, kiosk, now)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// A consent by id.
    pub fn consent(&self, id: SignedConsentId) -> Result<Option<ConsentRow>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {CONSENT_COLUMNS} FROM consents c WHERE c.id = ?1"),
                [id.to_string()],
                consent_from,
            )
            .optional()?
            .transpose()
    }

    /// The appointment's day and every consent on file for its patient, oldest first:
    /// signed for this appointment, for the registration it was made from, or, when it
    /// has a patient number, for any appointment with that number. `None`: no such
    /// appointment.
    pub fn consents_of_appointment(
        &self,
        appointment: AppointmentId,
    ) -> Result<Option<(Date, Vec<ConsentRow>)>, StoreError> {
        let handle = appointment.get().cast_signed();
        let found: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT day, patient_id FROM appointments WHERE handle = ?1",
                [handle],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((day, patient_id)) = found else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CONSENT_COLUMNS} FROM consents c
             WHERE c.appointment = ?1
                OR c.registration IN (SELECT id FROM registrations WHERE appointment = ?1)
                OR ((c.patient_id = ?2
                    OR c.appointment IN (SELECT handle FROM appointments WHERE patient_id = ?2)))
             ORDER BY c.signed_at, c.id"
        ))?;
        let rows = stmt
            .query_map(params![handle, patient_id], consent_from)?
            .map(|r| r?)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some((parse(&day, "appointment day")?, rows)))
    }

    /// The consents signed for a registration, oldest first.
    pub fn consents_of_registration(
        &self,
        registration: RegistrationId,
    ) -> Result<Vec<ConsentRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CONSENT_COLUMNS} FROM consents c WHERE c.registration = ?1
             ORDER BY c.signed_at, c.id"
        ))?;
        stmt.query_map([registration.to_string()], consent_from)?
            .map(|r| r?)
            .collect()
    }

    /// The name a signed copy prints: the appointment's patient, or the registration's
    /// legal name; `None` when no longer on file (a discarded registration).
    pub fn signer_name(&self, subject: FormSubject) -> Result<Option<PersonName>, StoreError> {
        Ok(self.patient_of_subject(subject)?.map(|(name, _)| name))
    }
}
