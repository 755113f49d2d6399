//! Insurance in the office database: the patient's answer at the insurance step (stored
//! once by the kiosk-made id, its coverages one row each), card photos, every eligibility
//! check with its result, and the co-pay an eligibility check set for an appointment.
//! PHI (member ids, names, photos) lives only here.

use super::db::{Connection, OptionalExtension, params};
use super::forms::{patient_of, subject_columns, subject_from_columns};
use super::{Actor, OfficeStore, StoreError, audit_in, parse, ts};
use crate::api::{CardPhotoSubmission, CoverageSubmission, FormSubject};
use crate::domain::{
    AppointmentId, CardPhotoId, CardSide, Cents, Coverage, CoverageAnswer, CoverageRank,
    CoverageSubmissionId, KioskId, NewPatientRegistration, PersonName, RegistrationId,
};
use crate::office::audit::AuditAction;
use crate::office::coverage::{
    CoverageRefused, Eligibility, EligibilityFinding, NotVerified, ShcCheck,
};
use jiff::Timestamp;
use jiff::civil::Date;

/// What storing a coverage answer or a card photo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoverageStored {
    /// Stored now; these coverages (their ranks) are to be checked with the payer.
    Accepted { to_check: Vec<CoverageRank> },
    /// Stored before (a retried delivery); nothing changed.
    AlreadyStored,
}

/// One coverage of an answer, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageItem {
    pub rank: CoverageRank,
    pub coverage: Coverage,
    /// For a smart health card source: whether the office verified it again.
    pub shc: Option<ShcCheck>,
    /// The newest eligibility check of it, if any was started.
    pub eligibility: Option<CheckRow>,
}

/// One eligibility check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub id: i64,
    pub requested_at: Timestamp,
    /// `None` while the check runs.
    pub finding: Option<(EligibilityFinding, Timestamp)>,
}

/// A card photo's particulars, without the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoMeta {
    pub id: CardPhotoId,
    pub rank: CoverageRank,
    pub side: CardSide,
    pub taken_at: Timestamp,
}

/// A patient's answer at the insurance step, with its coverages and photos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageAnswerRow {
    pub id: CoverageSubmissionId,
    pub subject: FormSubject,
    pub kiosk: KioskId,
    /// `coverages`, `unchanged_on_file` or `self_pay`.
    pub answer: String,
    pub received_at: Timestamp,
    /// For "unchanged": the answer whose coverages were copied forward (none on file: `None`).
    pub copied_from: Option<CoverageSubmissionId>,
    pub items: Vec<CoverageItem>,
    pub photos: Vec<PhotoMeta>,
}

fn answer_kind(answer: &CoverageAnswer) -> &'static str {
    match answer {
        CoverageAnswer::Coverages(_) => "coverages",
        CoverageAnswer::UnchangedOnFile => "unchanged_on_file",
        CoverageAnswer::SelfPay => "self_pay",
    }
}

fn shc_column(check: Option<ShcCheck>) -> Option<&'static str> {
    check.map(|c| match c {
        ShcCheck::Verified => "verified",
        ShcCheck::Unverified => "unverified",
    })
}

fn shc_from(text: Option<String>) -> Result<Option<ShcCheck>, StoreError> {
    match text.as_deref() {
        None => Ok(None),
        Some("verified") => Ok(Some(ShcCheck::Verified)),
        Some("unverified") => Ok(Some(ShcCheck::Unverified)),
        Some(_) => Err(StoreError::Corrupt("coverage source check")),
    }
}

fn rank_from(text: &str) -> Result<CoverageRank, StoreError> {
    CoverageRank::parse(text).ok_or(StoreError::Corrupt("coverage rank"))
}

/// The newest answer on file for the patient of `subject` that is not `except`: given for
/// this appointment or registration, the registration it was made from, or (by patient
/// number) any other visit.
fn latest_answer_for(
    tx: &Connection,
    subject: FormSubject,
    patient_id: Option<&str>,
    except: &str,
) -> Result<Option<String>, StoreError> {
    let (appointment, registration) = subject_columns(subject);
    Ok(tx
        .prepare_cached(
            "SELECT c.id FROM coverage_answers c
             WHERE c.id <> ?4 AND (
                   c.appointment = ?1
                OR c.registration = ?2
                OR c.registration IN (SELECT id FROM registrations WHERE appointment = ?1)
                OR ((c.patient_id = ?3
                    OR c.appointment IN (SELECT handle FROM appointments WHERE patient_id = ?3))))
             ORDER BY c.received_at DESC, c.rowid DESC LIMIT 1",
        )?
        .query_row(
            params![appointment, registration, patient_id, except],
            |row| row.get(0),
        )
        .optional()?)
}

fn record_coverage_in(
    tx: &Connection,
    writes: super::FhirWrites,
    submission: &CoverageSubmission,
    shc: &[(CoverageRank, ShcCheck)],
    kiosk: &KioskId,
    now: Timestamp,
) -> Result<Result<CoverageStored, CoverageRefused>, StoreError> {
    let id = submission.id.to_string();
    let body = serde_json::to_string(submission).map_err(|_| StoreError::Corrupt("coverage"))?;
    let stored: Option<String> = tx
        .prepare_cached("SELECT body FROM coverage_answers WHERE id = ?1")?
        .query_row([&id], |row| row.get(0))
        .optional()?;
    if let Some(stored) = stored {
        return Ok(if stored == body {
            Ok(CoverageStored::AlreadyStored)
        } else {
            Err(CoverageRefused::Conflict)
        });
    }
    let Some(patient_id) = patient_of(tx, submission.subject)? else {
        return Ok(Err(CoverageRefused::UnknownSubject));
    };
    let (appointment, registration) = subject_columns(submission.subject);
    let copied_from = match submission.answer {
        CoverageAnswer::UnchangedOnFile => {
            latest_answer_for(tx, submission.subject, patient_id.as_deref(), &id)?
        }
        _ => None,
    };
    tx.prepare_cached(
        "INSERT INTO coverage_answers
           (id, appointment, registration, patient_id, kiosk, answer, submitted_at,
            received_at, body, copied_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        id,
        appointment,
        registration,
        patient_id,
        kiosk.as_str(),
        answer_kind(&submission.answer),
        ts(submission.submitted_at),
        ts(now),
        body,
        copied_from,
    ])?;
    let mut to_check = Vec::new();
    match &submission.answer {
        CoverageAnswer::Coverages(coverages) => {
            let mut insert = tx.prepare_cached(
                "INSERT INTO coverage_items (answer, rank, coverage, shc) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for coverage in coverages.iter() {
                let json =
                    serde_json::to_string(coverage).map_err(|_| StoreError::Corrupt("coverage"))?;
                let check = shc
                    .iter()
                    .find(|(rank, _)| *rank == coverage.rank())
                    .map(|(_, c)| *c);
                insert.execute(params![
                    id,
                    coverage.rank().as_str(),
                    json,
                    shc_column(check)
                ])?;
                to_check.push(coverage.rank());
            }
        }
        CoverageAnswer::UnchangedOnFile => {
            if let Some(from) = &copied_from {
                let copied = tx
                    .prepare_cached(
                        "INSERT INTO coverage_items (answer, rank, coverage, shc)
                         SELECT ?1, rank, coverage, shc FROM coverage_items WHERE answer = ?2",
                    )?
                    .execute(params![id, from])?;
                let mut ranks = tx.prepare_cached(
                    "SELECT rank FROM coverage_items WHERE answer = ?1 ORDER BY rank",
                )?;
                for rank in ranks.query_map([&id], |row| row.get::<_, String>(0))? {
                    to_check.push(rank_from(&rank?)?);
                }
                debug_assert_eq!(copied, to_check.len());
            }
        }
        CoverageAnswer::SelfPay => {}
    }
    // A newer answer replaces what an older one's check set; its own checks set it again.
    if let Some(handle) = appointment {
        tx.prepare_cached("DELETE FROM verified_copays WHERE appointment = ?1")?
            .execute([handle])?;
    }
    audit_in(
        tx,
        now,
        &Actor::Kiosk(kiosk.clone()).into(),
        AuditAction::CoverageCreate,
        &id,
    )?;
    // Given after the check-in: the EHR hears of it now.
    super::fhir::enqueue_signed_for_subject_in(
        tx,
        writes,
        appointment,
        registration.as_deref(),
        now,
    )?;
    Ok(Ok(CoverageStored::Accepted { to_check }))
}

impl OfficeStore {
    /// Stores a coverage answer once by its id (with its audit entry); "unchanged" copies
    /// the coverages on file forward. A different answer under a stored id, or one for an
    /// unknown appointment or registration, is refused and nothing is written. `shc`: how
    /// the office's own verification of each smart health card source went.
    pub fn record_coverage(
        &mut self,
        submission: &CoverageSubmission,
        shc: &[(CoverageRank, ShcCheck)],
        kiosk: &KioskId,
        now: Timestamp,
    ) -> Result<Result<CoverageStored, CoverageRefused>, StoreError> {
        let tx = self.conn.transaction()?;
        let outcome = record_coverage_in(&tx, self.fhir_writes, submission, shc, kiosk, now)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Stores a card photo once by its id (with its audit entry). The answer it belongs to
    /// may arrive after it: rows travel independently.
    pub fn record_card_photo(
        &mut self,
        photo: &CardPhotoSubmission,
        kiosk: &KioskId,
        now: Timestamp,
    ) -> Result<Result<CoverageStored, CoverageRefused>, StoreError> {
        let tx = self.conn.transaction()?;
        let id = photo.id.to_string();
        let (appointment, registration) = subject_columns(photo.subject);
        type Same = (String, Option<i64>, Option<String>, String, String, Vec<u8>);
        let stored: Option<Same> = tx
            .prepare_cached(
                "SELECT coverage_answer, appointment, registration, rank, side, jpeg
                 FROM card_photos WHERE id = ?1",
            )?
            .query_row([&id], |row| Same::try_from(row))
            .optional()?;
        let outcome = if let Some(stored) = stored {
            let same = stored
                == (
                    photo.coverage.to_string(),
                    appointment,
                    registration.clone(),
                    photo.rank.as_str().to_owned(),
                    photo.side.as_str().to_owned(),
                    photo.jpeg.clone(),
                );
            if same {
                Ok(CoverageStored::AlreadyStored)
            } else {
                Err(CoverageRefused::Conflict)
            }
        } else if patient_of(&tx, photo.subject)?.is_none() {
            Err(CoverageRefused::UnknownSubject)
        } else {
            tx.prepare_cached(
                "INSERT INTO card_photos
                   (id, coverage_answer, appointment, registration, kiosk, rank, side,
                    taken_at, received_at, jpeg)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                id,
                photo.coverage.to_string(),
                appointment,
                registration,
                kiosk.as_str(),
                photo.rank.as_str(),
                photo.side.as_str(),
                ts(photo.taken_at),
                ts(now),
                photo.jpeg,
            ])?;
            audit_in(
                &tx,
                now,
                &Actor::Kiosk(kiosk.clone()).into(),
                AuditAction::CardPhotoCreate,
                &id,
            )?;
            Ok(CoverageStored::Accepted { to_check: vec![] })
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// The appointment's day and the coverages of the newest answer on file for its
    /// patient (empty: none, or the patient pays themselves). `None`: no such appointment.
    pub fn coverage_on_file(
        &self,
        appointment: AppointmentId,
    ) -> Result<Option<(Date, Vec<Coverage>)>, StoreError> {
        let found: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT day, patient_id FROM appointments WHERE handle = ?1",
                [appointment.get().cast_signed()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((day, patient_id)) = found else {
            return Ok(None);
        };
        let latest = latest_answer_for(
            &self.conn,
            FormSubject::Appointment(appointment),
            patient_id.as_deref(),
            "",
        )?;
        let coverages = match latest {
            None => Vec::new(),
            Some(answer) => self
                .items_of(&answer)?
                .into_iter()
                .map(|item| item.coverage)
                .collect(),
        };
        Ok(Some((parse(&day, "appointment day")?, coverages)))
    }

    fn items_of(&self, answer: &str) -> Result<Vec<CoverageItem>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rank, coverage, shc FROM coverage_items WHERE answer = ?1
             ORDER BY CASE rank WHEN 'primary' THEN 0 ELSE 1 END",
        )?;
        let rows = stmt
            .query_map([answer], |row| {
                <(String, String, Option<String>)>::try_from(row)
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(rank, coverage, shc)| {
                let rank = rank_from(&rank)?;
                Ok(CoverageItem {
                    rank,
                    coverage: serde_json::from_str(&coverage)
                        .map_err(|_| StoreError::Corrupt("coverage"))?,
                    shc: shc_from(shc)?,
                    eligibility: self.latest_check(answer, rank)?,
                })
            })
            .collect()
    }

    fn latest_check(
        &self,
        answer: &str,
        rank: CoverageRank,
    ) -> Result<Option<CheckRow>, StoreError> {
        type Raw = (
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<i64>,
        );
        let raw: Option<Raw> = self
            .conn
            .prepare_cached(
                "SELECT id, requested_at, checked_at, status, reason, plan_name, copay_cents
                 FROM eligibility_checks WHERE answer = ?1 AND rank = ?2
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![answer, rank.as_str()], |row| Raw::try_from(row))
            .optional()?;
        let Some((id, requested_at, checked_at, status, reason, plan_name, copay)) = raw else {
            return Ok(None);
        };
        let finding = match (checked_at, status) {
            (Some(at), Some(status)) => {
                let corrupt = || StoreError::Corrupt("eligibility status");
                let status = match status.as_str() {
                    "active" => Eligibility::Active,
                    "inactive" => Eligibility::Inactive,
                    "not_found" => Eligibility::NotFound,
                    "not_verified" => Eligibility::NotVerified(
                        reason
                            .as_deref()
                            .and_then(NotVerified::parse)
                            .ok_or_else(corrupt)?,
                    ),
                    _ => return Err(corrupt()),
                };
                let copay = copay
                    .map(|c| u32::try_from(c).map(Cents::new))
                    .transpose()
                    .map_err(|_| StoreError::Corrupt("eligibility co-pay"))?;
                Some((
                    EligibilityFinding {
                        status,
                        plan_name,
                        copay,
                    },
                    parse(&at, "eligibility time")?,
                ))
            }
            _ => None,
        };
        Ok(Some(CheckRow {
            id,
            requested_at: parse(&requested_at, "eligibility time")?,
            finding,
        }))
    }

    /// The newest answer given for this appointment or registration itself (not one on
    /// file from another visit), with its coverages, checks and photos.
    pub fn coverage_answer_of(
        &self,
        subject: FormSubject,
    ) -> Result<Option<CoverageAnswerRow>, StoreError> {
        let (appointment, registration) = subject_columns(subject);
        let id: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM coverage_answers
                 WHERE appointment = ?1 OR registration = ?2
                 ORDER BY received_at DESC, rowid DESC LIMIT 1",
            )?
            .query_row(params![appointment, registration], |row| row.get(0))
            .optional()?;
        id.map(|id| self.coverage_answer(&id)).transpose()
    }

    fn coverage_answer(&self, id: &str) -> Result<CoverageAnswerRow, StoreError> {
        type Columns = (
            Option<i64>,
            Option<String>,
            String,
            String,
            String,
            Option<String>,
        );
        let (appointment, registration, kiosk, answer, received_at, copied_from) =
            self.conn.query_row(
                "SELECT appointment, registration, kiosk, answer, received_at, copied_from
                 FROM coverage_answers WHERE id = ?1",
                [id],
                |row| Columns::try_from(row),
            )?;
        let subject = subject_from_columns(appointment, registration)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, rank, side, taken_at FROM card_photos WHERE coverage_answer = ?1
             ORDER BY CASE rank WHEN 'primary' THEN 0 ELSE 1 END,
                      CASE side WHEN 'front' THEN 0 ELSE 1 END, received_at",
        )?;
        let photos = stmt
            .query_map([id], |row| {
                <(String, String, String, String)>::try_from(row)
            })?
            .map(|r| {
                let (photo, rank, side, taken_at) = r?;
                Ok(PhotoMeta {
                    id: CardPhotoId::parse(&photo).ok_or(StoreError::Corrupt("photo id"))?,
                    rank: rank_from(&rank)?,
                    side: CardSide::parse(&side).ok_or(StoreError::Corrupt("photo side"))?,
                    taken_at: parse(&taken_at, "photo time")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let parse_id = |text: &str| {
            CoverageSubmissionId::parse(text).ok_or(StoreError::Corrupt("coverage id"))
        };
        Ok(CoverageAnswerRow {
            id: parse_id(id)?,
            subject,
            kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
            answer,
            received_at: parse(&received_at, "coverage time")?,
            copied_from: copied_from.as_deref().map(parse_id).transpose()?,
            items: self.items_of(id)?,
            photos,
        })
    }

    /// An answer by id, `None` when unknown.
    pub fn coverage_answer_by_id(
        &self,
        id: CoverageSubmissionId,
    ) -> Result<Option<CoverageAnswerRow>, StoreError> {
        let known: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM coverage_answers WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        known
            .map(|_| self.coverage_answer(&id.to_string()))
            .transpose()
    }

    /// A card photo's JPEG, `None` when unknown; empty once removed under the retention
    /// policy.
    pub fn card_photo(&self, id: CardPhotoId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT jpeg FROM card_photos WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// The patient's name and date of birth as the office has them (for a 270 when the
    /// patient is the subscriber). `None`: unknown subject.
    pub fn patient_of_subject(
        &self,
        subject: FormSubject,
    ) -> Result<Option<(PersonName, Option<Date>)>, StoreError> {
        match subject {
            FormSubject::Appointment(id) => Ok(self
                .appointment(id)?
                .map(|a| (a.patient, a.date_of_birth.map(|d| d.date())))),
            FormSubject::Registration(id) => {
                let body: Option<Option<String>> = self
                    .conn
                    .query_row(
                        "SELECT body FROM registrations WHERE id = ?1",
                        [id.to_string()],
                        |row| row.get(0),
                    )
                    .optional()?;
                body.flatten()
                    .map(|body| {
                        serde_json::from_str::<NewPatientRegistration>(&body)
                            .map(|r| (r.legal_name.value, Some(r.date_of_birth.value.date())))
                            .map_err(|_| StoreError::Corrupt("registration"))
                    })
                    .transpose()
            }
        }
    }

    /// Starts an eligibility check of one coverage; its number is the 270's control number.
    pub fn start_eligibility_check(
        &mut self,
        answer: CoverageSubmissionId,
        rank: CoverageRank,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "INSERT INTO eligibility_checks (answer, rank, requested_at) VALUES (?1, ?2, ?3)
             RETURNING id",
            params![answer.to_string(), rank.as_str(), ts(now)],
            |row| row.get(0),
        )?)
    }

    /// Checks started but never finished (the office stopped while they ran).
    pub fn unfinished_eligibility_checks(&self) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM eligibility_checks WHERE status IS NULL ORDER BY id")?;
        let ids = stmt.query_map([], |row| row.get(0))?;
        Ok(ids.collect::<Result<Vec<_>, _>>()?)
    }

    /// Records what a check found. A primary coverage of an appointment found active with
    /// a co-pay for the visit sets the appointment's co-pay; any other finding for it puts
    /// the scheduled co-pay back. Returns the answer's subject.
    pub fn finish_eligibility_check(
        &mut self,
        check: i64,
        finding: &EligibilityFinding,
        now: Timestamp,
    ) -> Result<Option<FormSubject>, StoreError> {
        let tx = self.conn.transaction()?;
        let (status, reason) = match finding.status {
            Eligibility::Active => ("active", None),
            Eligibility::Inactive => ("inactive", None),
            Eligibility::NotFound => ("not_found", None),
            Eligibility::NotVerified(why) => ("not_verified", Some(why.as_str())),
        };
        tx.prepare_cached(
            "UPDATE eligibility_checks SET checked_at = ?2, status = ?3, reason = ?4,
               plan_name = ?5, copay_cents = ?6 WHERE id = ?1",
        )?
        .execute(params![
            check,
            ts(now),
            status,
            reason,
            finding.plan_name,
            finding.copay.map(|c| i64::from(c.get())),
        ])?;
        let found: Option<(String, Option<i64>, Option<String>)> = tx
            .query_row(
                // The rank, the subject, and whether the answer is still the newest for
                // its appointment: an older answer's late check must not set the co-pay.
                "SELECT CASE WHEN c.id = (SELECT n.id FROM coverage_answers n
                                          WHERE n.appointment = c.appointment
                                          ORDER BY n.received_at DESC, n.rowid DESC LIMIT 1)
                             THEN e.rank ELSE 'superseded' END,
                        c.appointment, c.registration
                 FROM eligibility_checks e
                 JOIN coverage_answers c ON c.id = e.answer WHERE e.id = ?1",
                [check],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let subject = match found {
            Some((rank, Some(handle), None)) => {
                // Only the primary sets the co-pay the kiosk asks. A secondary is checked
                // and shown to staff, but what the patient owes once two plans share a
                // claim (coordination of benefits) is settled by the desk and the payers,
                // not guessed at the kiosk.
                if rank == "primary" {
                    match (finding.status, finding.copay) {
                        (Eligibility::Active, Some(copay)) => {
                            tx.prepare_cached(
                                "INSERT INTO verified_copays (appointment, copay_cents, check_id, set_at)
                                 VALUES (?1, ?2, ?3, ?4)
                                 ON CONFLICT (appointment) DO UPDATE SET
                                   copay_cents = excluded.copay_cents,
                                   check_id = excluded.check_id, set_at = excluded.set_at",
                            )?
                            .execute(params![handle, i64::from(copay.get()), check, ts(now)])?;
                        }
                        _ => {
                            tx.prepare_cached(
                                "DELETE FROM verified_copays WHERE appointment = ?1",
                            )?
                            .execute([handle])?;
                        }
                    }
                }
                Some(FormSubject::Appointment(AppointmentId::new(
                    handle.cast_unsigned(),
                )))
            }
            Some((_, None, Some(r))) => RegistrationId::parse(&r).map(FormSubject::Registration),
            _ => None,
        };
        tx.commit()?;
        Ok(subject)
    }

    /// The co-pay an eligibility check set for this appointment, if one did.
    pub fn verified_copay(&self, appointment: AppointmentId) -> Result<Option<Cents>, StoreError> {
        let cents: Option<i64> = self
            .conn
            .query_row(
                "SELECT copay_cents FROM verified_copays WHERE appointment = ?1",
                [appointment.get().cast_signed()],
                |row| row.get(0),
            )
            .optional()?;
        cents
            .map(|c| u32::try_from(c).map(Cents::new))
            .transpose()
            .map_err(|_| StoreError::Corrupt("verified co-pay"))
    }

    /// Every co-pay eligibility checks set for the appointments of `day`.
    pub fn verified_copays_on(
        &self,
        day: Date,
    ) -> Result<std::collections::HashMap<AppointmentId, Cents>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.appointment, v.copay_cents FROM verified_copays v
             JOIN appointments a ON a.handle = v.appointment WHERE a.day = ?1",
        )?;
        let rows = stmt.query_map([day.to_string()], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
        })?;
        rows.map(|r| {
            let (handle, cents) = r?;
            let cents = u32::try_from(cents).map_err(|_| StoreError::Corrupt("verified co-pay"))?;
            Ok((
                AppointmentId::new(handle.cast_unsigned()),
                Cents::new(cents),
            ))
        })
        .collect()
    }
}
