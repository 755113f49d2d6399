//! "Needs staff" items: a kiosk sent a patient to the desk, and why. One open item per
//! kiosk at a time (the patient standing at it); staff answer it with "On my way".

use super::db::{Connection, OptionalExtension, params};
use super::{Actor, OfficeStore, StoreError, audit_in, parse, ts};
use crate::domain::{KioskId, StaffNeed};
use crate::office::audit::{AuditAction, AuditContext};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A "needs staff" item's number; names no one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NeedId(i64);

impl NeedId {
    /// Reads an id from a URL: a positive decimal number, else `None`.
    pub fn parse(text: &str) -> Option<Self> {
        text.parse().ok().filter(|n| *n > 0).map(Self)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for NeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "need-{}", self.0)
    }
}

/// A patient waiting at a kiosk for someone from the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenNeed {
    pub id: NeedId,
    pub kiosk: KioskId,
    pub reason: StaffNeed,
    /// When the kiosk first asked (the patient has waited since).
    pub raised_at: Timestamp,
}

/// What staff answering an item came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Answered {
        kiosk: KioskId,
    },
    /// Someone answered it first; nothing changed.
    AlreadyAnswered,
    NotFound,
}

/// [`OfficeStore::raise_need`] inside the caller's transaction (a payment that needs
/// staff raises its item in the transaction that stores it).
pub(super) fn raise_need_in(
    tx: &Connection,
    kiosk: &KioskId,
    need: StaffNeed,
    now: Timestamp,
) -> Result<NeedId, StoreError> {
    let open: Option<i64> = tx
        .query_row(
            "SELECT id FROM staff_needs WHERE kiosk = ?1 AND answered_at IS NULL
             ORDER BY id DESC LIMIT 1",
            [kiosk.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    let id = match open {
        Some(id) => {
            if need != StaffNeed::PatientAsked {
                tx.execute(
                    "UPDATE staff_needs SET reason = ?2 WHERE id = ?1",
                    params![id, need.as_str()],
                )?;
            }
            id
        }
        None => tx.query_row(
            "INSERT INTO staff_needs (kiosk, reason, raised_at) VALUES (?1, ?2, ?3)
                 RETURNING id",
            params![kiosk.as_str(), need.as_str(), ts(now)],
            |row| row.get(0),
        )?,
    };
    audit_in(
        tx,
        now,
        &Actor::Kiosk(kiosk.clone()).into(),
        AuditAction::staff_need_raised(need),
        &NeedId(id).to_string(),
    )?;
    Ok(NeedId(id))
}

impl OfficeStore {
    /// `kiosk` sends its patient to the desk for `need`. With an item of that kiosk still
    /// open (the same patient: "Call staff", then "I don't have a code"), that item is
    /// kept, with its time, and takes the newer reason, except that a bare "Call staff"
    /// never hides a more telling one. A retried request is therefore harmless.
    pub fn raise_need(
        &mut self,
        kiosk: &KioskId,
        need: StaffNeed,
        now: Timestamp,
    ) -> Result<NeedId, StoreError> {
        let tx = self.conn.transaction()?;
        let id = raise_need_in(&tx, kiosk, need, now)?;
        tx.commit()?;
        Ok(id)
    }

    /// Items nobody has answered yet, oldest first.
    pub fn open_needs(&self) -> Result<Vec<OpenNeed>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kiosk, reason, raised_at FROM staff_needs
             WHERE answered_at IS NULL ORDER BY raised_at, id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|r| {
            let (id, kiosk, reason, raised_at) = r?;
            Ok(OpenNeed {
                id: NeedId(id),
                kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                reason: StaffNeed::parse(&reason).ok_or(StoreError::Corrupt("staff need"))?,
                raised_at: parse(&raised_at, "staff need time")?,
            })
        })
        .collect()
    }

    /// Staff are on their way to item `id`; audited.
    pub fn answer_need(
        &mut self,
        id: NeedId,
        actor: impl Into<AuditContext>,
        now: Timestamp,
    ) -> Result<Answer, StoreError> {
        let actor = &actor.into();
        let tx = self.conn.transaction()?;
        let found: Option<(String, bool)> = tx
            .query_row(
                "SELECT kiosk, answered_at IS NOT NULL FROM staff_needs WHERE id = ?1",
                [id.0],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let answer = match found {
            None => Answer::NotFound,
            Some((_, true)) => Answer::AlreadyAnswered,
            Some((kiosk, false)) => {
                tx.execute(
                    "UPDATE staff_needs SET answered_at = ?2, answered_by = ?3 WHERE id = ?1",
                    params![id.0, ts(now), actor.actor.label()],
                )?;
                audit_in(
                    &tx,
                    now,
                    actor,
                    AuditAction::StaffNeedAnswer,
                    &id.to_string(),
                )?;
                Answer::Answered {
                    kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                }
            }
        };
        tx.commit()?;
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, OfficeStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = OfficeStore::for_tests(dir.path());
        (dir, store)
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    #[test]
    fn one_open_item_per_kiosk_takes_the_most_telling_reason_and_keeps_its_time() {
        let (_dir, mut store) = store();
        let lobby = KioskId::new("lobby-1").unwrap();
        let side = KioskId::new("lobby-2").unwrap();
        let first = store
            .raise_need(&lobby, StaffNeed::PatientAsked, at(0))
            .unwrap();
        assert_eq!(
            store.raise_need(&lobby, StaffNeed::NoMatch, at(5)).unwrap(),
            first
        );
        // A bare "Call staff" after that does not hide why.
        assert_eq!(
            store
                .raise_need(&lobby, StaffNeed::PatientAsked, at(9))
                .unwrap(),
            first
        );
        let other = store.raise_need(&side, StaffNeed::NoCode, at(7)).unwrap();
        assert_ne!(other, first);
        let open = store.open_needs().unwrap();
        assert_eq!(
            open,
            vec![
                OpenNeed {
                    id: first,
                    kiosk: lobby.clone(),
                    reason: StaffNeed::NoMatch,
                    raised_at: at(0),
                },
                OpenNeed {
                    id: other,
                    kiosk: side,
                    reason: StaffNeed::NoCode,
                    raised_at: at(7),
                },
            ]
        );
    }

    #[test]
    fn answering_closes_the_item_once_and_is_audited() {
        let (_dir, mut store) = store();
        let lobby = KioskId::new("lobby-1").unwrap();
        let id = store.raise_need(&lobby, StaffNeed::NotMe, at(0)).unwrap();
        let staff = Actor::Staff("front-desk".into());
        assert_eq!(
            store.answer_need(id, &staff, at(30)).unwrap(),
            Answer::Answered {
                kiosk: lobby.clone()
            }
        );
        assert_eq!(
            store.answer_need(id, &staff, at(31)).unwrap(),
            Answer::AlreadyAnswered
        );
        assert_eq!(
            store.answer_need(NeedId(999), &staff, at(31)).unwrap(),
            Answer::NotFound
        );
        assert!(store.open_needs().unwrap().is_empty());
        let log = store.audit_log(10).unwrap();
        let answers: Vec<_> = log
            .iter()
            .filter(|e| e.action == "staff_need.answer")
            .collect();
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0].subject, id.to_string());
        assert_eq!(answers[0].actor, "staff:front-desk");
        // The next patient at that kiosk is a new item.
        let next = store.raise_need(&lobby, StaffNeed::NoCode, at(60)).unwrap();
        assert_ne!(next, id);
        assert!(NeedId::parse("0").is_none() && NeedId::parse("x1").is_none());
        assert_eq!(NeedId::parse(&next.get().to_string()), Some(next));
    }
}
