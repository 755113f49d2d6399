//! Staff users, their sessions, and failed-login counters (see `office::signin`).

use super::db::{OptionalExtension, params};
use super::{OfficeStore, StoreError, parse, ts};
use crate::office::signin::{
    CsrfToken, PasswordHash, Role, SessionLimits, StaffUserId, TokenDigest, Username,
};
use jiff::{SignedDuration, Timestamp};

/// A staff user as listed (no password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    pub id: StaffUserId,
    pub username: Username,
    pub role: Role,
    pub disabled: bool,
    pub created_at: Timestamp,
    /// When they last signed in; `None`: never.
    pub last_sign_in_at: Option<Timestamp>,
}

/// A live session, found by its token's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub user: StaffUserId,
    pub role: Role,
    pub csrf: CsrfToken,
}

/// Adding a user whose name is taken (in any case).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the username is taken")]
pub struct UsernameTaken;

fn role_from(text: &str) -> Result<Role, StoreError> {
    match text {
        "front_desk" => Ok(Role::FrontDesk),
        "manager" => Ok(Role::Manager),
        "admin" => Ok(Role::Admin),
        _ => Err(StoreError::Corrupt("staff role")),
    }
}

impl OfficeStore {
    /// Adds a user, enabled.
    pub fn add_staff_user(
        &mut self,
        username: &Username,
        role: Role,
        hash: &PasswordHash,
        now: Timestamp,
    ) -> Result<Result<StaffUserId, UsernameTaken>, StoreError> {
        let added: Option<i64> = self
            .conn
            .query_row(
                "INSERT INTO staff_users (username, role, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (username) DO NOTHING RETURNING id",
                params![username.as_str(), role.as_str(), hash.as_str(), ts(now)],
                |row| row.get(0),
            )
            .optional()?;
        Ok(added.map(StaffUserId::new).ok_or(UsernameTaken))
    }

    /// Every user, by id.
    pub fn staff_users(&self) -> Result<Vec<StaffUser>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, username, role, disabled, created_at, last_sign_in_at
             FROM staff_users ORDER BY id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, bool>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<String>>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (id, username, role, disabled, created_at, last_sign_in_at) = row?;
            Ok(StaffUser {
                id: StaffUserId::new(id),
                username: Username::new(&username)
                    .map_err(|_| StoreError::Corrupt("staff username"))?,
                role: role_from(&role)?,
                disabled,
                created_at: parse(&created_at, "staff user time")?,
                last_sign_in_at: last_sign_in_at
                    .map(|at| parse(&at, "staff sign-in time"))
                    .transpose()?,
            })
        })
        .collect()
    }

    /// An enabled user's id, role and password hash, by name (in any case).
    pub fn staff_credentials(
        &self,
        username: &Username,
    ) -> Result<Option<(StaffUserId, Role, PasswordHash)>, StoreError> {
        let found = self
            .conn
            .prepare_cached(
                "SELECT id, role, password_hash FROM staff_users
                 WHERE username = ?1 AND disabled = 0",
            )?
            .query_row([username.as_str()], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .optional()?;
        found
            .map(|(id, role, hash)| {
                Ok((
                    StaffUserId::new(id),
                    role_from(&role)?,
                    PasswordHash::from_stored(hash),
                ))
            })
            .transpose()
    }

    /// Disables or enables a user; a disabled user's sessions end at once.
    pub fn set_staff_user_disabled(
        &mut self,
        user: StaffUserId,
        disabled: bool,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE staff_users SET disabled = ?2 WHERE id = ?1",
            params![user.get(), disabled],
        )?;
        if disabled {
            tx.execute(
                "DELETE FROM staff_sessions WHERE user_id = ?1",
                [user.get()],
            )?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Changes a user's role (their open sessions have the new one at their next
    /// request); `false`: no such user.
    pub fn set_staff_user_role(
        &mut self,
        user: StaffUserId,
        role: Role,
    ) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE staff_users SET role = ?2 WHERE id = ?1",
            params![user.get(), role.as_str()],
        )? > 0)
    }

    /// Sets a user's password; their sessions end at once. `false`: no such user.
    pub fn set_staff_user_password(
        &mut self,
        user: StaffUserId,
        hash: &PasswordHash,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE staff_users SET password_hash = ?2 WHERE id = ?1",
            params![user.get(), hash.as_str()],
        )?;
        tx.execute(
            "DELETE FROM staff_sessions WHERE user_id = ?1",
            [user.get()],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// How many enabled administrators there are besides `user`.
    pub fn other_enabled_admins(&self, user: StaffUserId) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM staff_users WHERE role = 'admin' AND disabled = 0 AND id != ?1",
            [user.get()],
            |row| row.get(0),
        )?)
    }

    /// Records a new session (and the user's last sign-in).
    pub fn create_staff_session(
        &mut self,
        digest: TokenDigest,
        user: StaffUserId,
        csrf: &CsrfToken,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO staff_sessions (token_hash, user_id, csrf, created_at, last_seen_at)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![&digest.0[..], user.get(), csrf.as_str(), ts(now)],
        )?;
        tx.execute(
            "UPDATE staff_users SET last_sign_in_at = ?2 WHERE id = ?1",
            params![user.get(), ts(now)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The session behind `digest` at `now`, marked as used; an expired one is deleted and
    /// a disabled user's is not found.
    pub fn staff_session(
        &mut self,
        digest: TokenDigest,
        limits: SessionLimits,
        now: Timestamp,
    ) -> Result<Option<SessionRow>, StoreError> {
        let Some(found) = self.session_of_enabled_user(digest)? else {
            return Ok(None);
        };
        let (created, last_seen) = (found.created, found.last_seen);
        if limits.expired(created, last_seen, now) {
            self.delete_staff_session(digest)?;
            return Ok(None);
        }
        self.conn
            .prepare_cached("UPDATE staff_sessions SET last_seen_at = ?2 WHERE token_hash = ?1")?
            .execute(params![&digest.0[..], ts(now.max(last_seen))])?;
        Ok(Some(found.row))
    }

    /// Whether the session `digest` names is live at `now` (its user enabled, neither
    /// expiry reached), without counting this look as activity: an open live stream asks
    /// this, and must not keep an idle session alive by itself.
    pub fn staff_session_live(
        &mut self,
        digest: TokenDigest,
        limits: SessionLimits,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        Ok(self
            .session_of_enabled_user(digest)?
            .is_some_and(|found| !limits.expired(found.created, found.last_seen, now)))
    }

    /// The session `digest` names, with its times, if its user is enabled (expiry is the
    /// caller's to judge).
    fn session_of_enabled_user(
        &mut self,
        digest: TokenDigest,
    ) -> Result<Option<StoredSession>, StoreError> {
        let found = self
            .conn
            .prepare_cached(
                "SELECT s.user_id, u.role, s.csrf, s.created_at, s.last_seen_at
                 FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND u.disabled = 0",
            )?
            .query_row([&digest.0[..]], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            })
            .optional()?;
        let Some((user, role, csrf, created, last_seen)) = found else {
            return Ok(None);
        };
        Ok(Some(StoredSession {
            row: SessionRow {
                user: StaffUserId::new(user),
                role: role_from(&role)?,
                csrf: CsrfToken::from_stored(csrf),
            },
            created: parse(&created, "session time")?,
            last_seen: parse(&last_seen, "session time")?,
        }))
    }

    /// Ends a session (logout); `false` when there was none.
    pub fn delete_staff_session(&mut self, digest: TokenDigest) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM staff_sessions WHERE token_hash = ?1",
            [&digest.0[..]],
        )? > 0)
    }

    /// Until when `key` (a username's or an address's counter) is locked, if it is.
    pub fn login_locked_until(
        &self,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let until: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT locked_until FROM staff_login_failures WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?;
        let until = until
            .flatten()
            .map(|text| parse::<Timestamp>(&text, "lock time"))
            .transpose()?;
        Ok(until.filter(|until| *until > now))
    }

    /// Counts a failed login against `key`; locks it for `lock_for` on the
    /// `lock_after`th failure. Failures older than `lock_for` are forgotten. Returns the
    /// failures counted now.
    pub fn record_login_failure(
        &mut self,
        key: &str,
        lock_after: u32,
        lock_for: SignedDuration,
        now: Timestamp,
    ) -> Result<u32, StoreError> {
        let tx = self.conn.transaction()?;
        let before: Option<(u32, String)> = tx
            .query_row(
                "SELECT failures, last_failed_at FROM staff_login_failures WHERE key = ?1",
                [key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let mut failures = match before {
            Some((count, last)) if now.duration_since(parse(&last, "lock time")?) < lock_for => {
                count
            }
            _ => 0,
        };
        failures = failures.saturating_add(1);
        let locked_until = (failures >= lock_after).then(|| ts(now + lock_for));
        tx.execute(
            "INSERT INTO staff_login_failures (key, failures, last_failed_at, locked_until)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key) DO UPDATE SET failures = ?2, last_failed_at = ?3,
                locked_until = COALESCE(?4, staff_login_failures.locked_until)",
            params![key, failures, ts(now), locked_until],
        )?;
        tx.commit()?;
        Ok(failures)
    }

    /// Forgets `key`'s failures (a successful login).
    pub fn clear_login_failures(&mut self, key: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM staff_login_failures WHERE key = ?1", [key])?;
        Ok(())
    }
}

/// A session row as stored, with the times its expiry is judged by.
struct StoredSession {
    row: SessionRow,
    created: Timestamp,
    last_seen: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::office::signin::{Password, SessionToken, StaffConfig};

    fn store() -> (tempfile::TempDir, OfficeStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = OfficeStore::for_tests(dir.path());
        (dir, store)
    }

    #[test]
    fn usernames_are_unique_in_any_case_and_hashes_are_not_listed() {
        let (_dir, mut store) = store();
        let now: Timestamp = "2026-12-03T08:00:00Z".parse().unwrap();
        let hash = Password::new("correct horse battery".into())
            .unwrap()
            .hash()
            .unwrap();
        let id = store
            .add_staff_user(&Username::new("desk").unwrap(), Role::FrontDesk, &hash, now)
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .add_staff_user(&Username::new("DESK").unwrap(), Role::Admin, &hash, now)
                .unwrap(),
            Err(UsernameTaken)
        );
        let users = store.staff_users().unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!(
            (users[0].id, users[0].role, users[0].disabled),
            (id, Role::FrontDesk, false)
        );
        let (found, role, stored) = store
            .staff_credentials(&Username::new("Desk").unwrap())
            .unwrap()
            .unwrap();
        assert_eq!((found, role), (id, Role::FrontDesk));
        assert_eq!(stored, hash);
        assert!(store.set_staff_user_disabled(id, true).unwrap());
        assert!(
            store
                .staff_credentials(&Username::new("desk").unwrap())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn sessions_are_found_by_digest_touched_expired_and_deleted() {
        let (_dir, mut store) = store();
        let limits = StaffConfig::default().limits();
        let start: Timestamp = "2026-12-03T08:00:00Z".parse().unwrap();
        let at = |mins| start + SignedDuration::from_mins(mins);
        let hash = Password::new("correct horse battery".into())
            .unwrap()
            .hash()
            .unwrap();
        let user = store
            .add_staff_user(&Username::new("desk").unwrap(), Role::Manager, &hash, start)
            .unwrap()
            .unwrap();
        let token = SessionToken::random().unwrap();
        let csrf = CsrfToken::random().unwrap();
        store
            .create_staff_session(token.digest(), user, &csrf, start)
            .unwrap();
        // Used every 20 minutes: still there after an hour.
        for mins in [20, 40, 60] {
            let row = store
                .staff_session(token.digest(), limits, at(mins))
                .unwrap()
                .unwrap();
            assert_eq!((row.user, row.role), (user, Role::Manager));
            assert_eq!(row.csrf, csrf);
        }
        let other = SessionToken::random().unwrap();
        assert!(
            store
                .staff_session(other.digest(), limits, at(61))
                .unwrap()
                .is_none()
        );
        // Idle past 30 minutes: gone, and stays gone.
        assert!(
            store
                .staff_session(token.digest(), limits, at(90))
                .unwrap()
                .is_none()
        );
        assert!(!store.delete_staff_session(token.digest()).unwrap());
        // Logout.
        store
            .create_staff_session(token.digest(), user, &csrf, start)
            .unwrap();
        assert!(store.delete_staff_session(token.digest()).unwrap());
        assert!(
            store
                .staff_session(token.digest(), limits, at(1))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_live_stream_looks_at_its_session_without_keeping_it_alive() {
        let (_dir, mut store) = store();
        let limits = StaffConfig::default().limits();
        let start: Timestamp = "2026-12-03T08:00:00Z".parse().unwrap();
        let at = |mins| start + SignedDuration::from_mins(mins);
        let hash = Password::new("correct horse battery".into())
            .unwrap()
            .hash()
            .unwrap();
        let user = store
            .add_staff_user(
                &Username::new("desk").unwrap(),
                Role::FrontDesk,
                &hash,
                start,
            )
            .unwrap()
            .unwrap();
        let token = SessionToken::random().unwrap();
        let csrf = CsrfToken::random().unwrap();
        store
            .create_staff_session(token.digest(), user, &csrf, start)
            .unwrap();
        // Looked at every 10 minutes, it still goes idle at 30: looking is not activity.
        for mins in [10, 20, 29] {
            assert!(
                store
                    .staff_session_live(token.digest(), limits, at(mins))
                    .unwrap()
            );
        }
        assert!(
            !store
                .staff_session_live(token.digest(), limits, at(30))
                .unwrap()
        );
        // A disabled user's session is not live; nor is an unknown one.
        let token = SessionToken::random().unwrap();
        store
            .create_staff_session(token.digest(), user, &csrf, at(40))
            .unwrap();
        assert!(
            store
                .staff_session_live(token.digest(), limits, at(41))
                .unwrap()
        );
        store.set_staff_user_disabled(user, true).unwrap();
        assert!(
            !store
                .staff_session_live(token.digest(), limits, at(41))
                .unwrap()
        );
        let other = SessionToken::random().unwrap();
        assert!(
            !store
                .staff_session_live(other.digest(), limits, at(41))
                .unwrap()
        );
    }

    #[test]
    fn failures_lock_at_the_threshold_and_are_forgotten_later() {
        let (_dir, mut store) = store();
        let start: Timestamp = "2026-12-03T08:00:00Z".parse().unwrap();
        let lock_for = SignedDuration::from_mins(15);
        let at = |mins| start + SignedDuration::from_mins(mins);
        for n in 1..=2 {
            assert_eq!(
                store
                    .record_login_failure("user:desk", 3, lock_for, at(n))
                    .unwrap(),
                n as u32
            );
            assert_eq!(store.login_locked_until("user:desk", at(n)).unwrap(), None);
        }
        assert_eq!(
            store
                .record_login_failure("user:desk", 3, lock_for, at(3))
                .unwrap(),
            3
        );
        assert_eq!(
            store.login_locked_until("user:desk", at(4)).unwrap(),
            Some(at(18))
        );
        assert_eq!(store.login_locked_until("user:desk", at(18)).unwrap(), None);
        // Long after, the count starts again.
        assert_eq!(
            store
                .record_login_failure("user:desk", 3, lock_for, at(40))
                .unwrap(),
            1
        );
        store.clear_login_failures("user:desk").unwrap();
        assert_eq!(
            store
                .record_login_failure("user:desk", 3, lock_for, at(41))
                .unwrap(),
            1
        );
    }
}
