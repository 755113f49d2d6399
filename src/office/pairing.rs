//! Pairing kiosks from the staff page (the protocol is explained in `crate::pairing`):
//! the kiosk API's two unauthenticated routes (register a request, poll it), the book of
//! requests waiting for an administrator (kept in memory: a restart only makes kiosks show
//! a new code), and the administrators' Kiosks routes (pair, rename, disable, enable,
//! revoke), each audited.

use super::error::{ApiError, ApiJson};
use super::server::AppState;
use super::signin::StaffSession;
use super::store::{KioskIdTaken, KioskName, PairedKiosk, PairedState};
use crate::api::KioskConfig;
use crate::domain::KioskId;
use crate::office::audit::AuditAction;
use crate::pairing::{
    KioskCredential, LOCKOUT, MAX_WAITING, MAX_WRONG_CODES, PairingCode, PairingPoll,
    PairingRequest, PairingWaiting, PollAnswer, VerifiedRequest, proof_matches,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// `[pairing]` in office.toml.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct PairingConfig {
    /// How long a kiosk's code waits for an administrator (seconds, 1-3600; default 900).
    pub code_lifetime_secs: u64,
}

impl Default for PairingConfig {
    fn default() -> Self {
        Self {
            code_lifetime_secs: crate::pairing::CODE_LIFETIME.as_secs().unsigned_abs(),
        }
    }
}

impl PairingConfig {
    pub fn is_valid(&self) -> bool {
        (1..=3600).contains(&self.code_lifetime_secs)
    }
}

/// One request from a kiosk showing a code.
#[derive(Debug)]
struct Waiting {
    request: VerifiedRequest,
    expires_at: Timestamp,
    /// An administrator entered the code and the pairing is being stored: the code is
    /// used, and the kiosk's polls still hear "waiting" (not "gone", which would make it
    /// draw a new code) until [`PairingBook::approve`].
    taken: bool,
    /// Set once an administrator entered the code: what the kiosk's next poll collects.
    approved: Option<KioskCredential>,
}

/// The requests waiting for an administrator, and the wrong-code counter.
#[derive(Debug)]
pub struct PairingBook {
    lifetime: SignedDuration,
    inner: Mutex<Book>,
}

#[derive(Debug, Default)]
struct Book {
    waiting: HashMap<uuid::Uuid, Waiting>,
    wrong_codes: u32,
    locked_until: Option<Timestamp>,
}

impl Book {
    fn forget_expired(&mut self, now: Timestamp) {
        self.waiting.retain(|_, w| w.expires_at > now);
        if self.locked_until.is_some_and(|until| until <= now) {
            self.locked_until = None;
        }
    }
}

/// Why a kiosk's request was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestRefused {
    /// Its signature or encoding is wrong.
    Invalid,
    /// Too many requests wait already.
    Full,
    /// A request with this id exists.
    Duplicate,
}

/// What a poll finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Polled {
    Waiting(Timestamp),
    Approved(KioskId, KioskCredential),
    /// Unknown, expired or already collected.
    Gone,
    /// Not signed by the request's key.
    BadSignature,
}

/// Why an administrator's code was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRefused {
    /// Not a code at all (wrong length or characters); not counted.
    Malformed,
    /// No waiting request has this code: wrong, expired, or already used.
    NoSuchCode,
    /// Too many wrong codes: refused until then.
    Locked(Timestamp),
}

impl PairingBook {
    pub fn new(config: &PairingConfig) -> Self {
        let secs = i64::try_from(config.code_lifetime_secs).unwrap_or(900);
        Self {
            lifetime: SignedDuration::from_secs(secs),
            inner: Mutex::new(Book::default()),
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a kiosk's request; it waits until `now` + the code lifetime.
    pub fn register(
        &self,
        request: &PairingRequest,
        now: Timestamp,
    ) -> Result<Timestamp, RequestRefused> {
        let verified = request.verify().map_err(|_| RequestRefused::Invalid)?;
        let mut book = self.book();
        book.forget_expired(now);
        if book.waiting.contains_key(&verified.request_id) {
            return Err(RequestRefused::Duplicate);
        }
        if book.waiting.len() >= MAX_WAITING {
            return Err(RequestRefused::Full);
        }
        let expires_at = now.saturating_add(self.lifetime).unwrap_or(now);
        book.waiting.insert(
            verified.request_id,
            Waiting {
                request: verified,
                expires_at,
                taken: false,
                approved: None,
            },
        );
        Ok(expires_at)
    }

    /// A kiosk asks after its request; an approved one is handed over once.
    pub fn poll(&self, poll: &PairingPoll, now: Timestamp) -> Polled {
        let mut book = self.book();
        book.forget_expired(now);
        let Some(waiting) = book.waiting.get(&poll.request_id) else {
            return Polled::Gone;
        };
        if poll.verify(&waiting.request.public_key).is_err() {
            return Polled::BadSignature;
        }
        if waiting.approved.is_none() {
            return Polled::Waiting(waiting.expires_at);
        }
        match book.waiting.remove(&poll.request_id) {
            Some(Waiting {
                request,
                approved: Some(credential),
                ..
            }) => Polled::Approved(request.kiosk_id, credential),
            _ => Polled::Gone,
        }
    }

    /// An administrator entered `typed`: the waiting request it proves is taken out of
    /// the book (a code works once) and returned with a new credential for it.
    pub fn take_code(
        &self,
        typed: &str,
        now: Timestamp,
    ) -> Result<(VerifiedRequest, KioskCredential), CodeRefused> {
        let mut book = self.book();
        book.forget_expired(now);
        if let Some(until) = book.locked_until {
            return Err(CodeRefused::Locked(until));
        }
        let code = PairingCode::parse(typed).map_err(|_| CodeRefused::Malformed)?;
        let matching: Vec<uuid::Uuid> = book
            .waiting
            .values()
            .filter(|w| !w.taken && w.approved.is_none())
            .filter(|w| {
                proof_matches(
                    &code,
                    w.request.request_id,
                    &w.request.public_key,
                    &w.request.proof,
                )
            })
            .map(|w| w.request.request_id)
            .collect();
        // Two requests proving one code: one of them guessed it. Neither is trusted.
        let [found] = matching.as_slice() else {
            for id in &matching {
                book.waiting.remove(id);
            }
            book.wrong_codes += 1;
            if book.wrong_codes >= MAX_WRONG_CODES {
                book.wrong_codes = 0;
                let until = now.saturating_add(LOCKOUT).unwrap_or(now);
                book.locked_until = Some(until);
            }
            return Err(CodeRefused::NoSuchCode);
        };
        let credential = KioskCredential::random().map_err(|_| CodeRefused::NoSuchCode)?;
        let waiting = book.waiting.get_mut(found).ok_or(CodeRefused::NoSuchCode)?;
        waiting.taken = true;
        let request = waiting.request.clone();
        book.wrong_codes = 0;
        Ok((request, credential))
    }

    /// The request taken by [`Self::take_code`] is paired: its kiosk may collect
    /// `credential` until `now` + the code lifetime.
    pub fn approve(&self, request: VerifiedRequest, credential: KioskCredential, now: Timestamp) {
        let mut book = self.book();
        let expires_at = now.saturating_add(self.lifetime).unwrap_or(now);
        book.waiting.insert(
            request.request_id,
            Waiting {
                request,
                expires_at,
                taken: true,
                approved: Some(credential),
            },
        );
    }

    /// Requests waiting for a code, and when pairing is locked until.
    pub fn status(&self, now: Timestamp) -> (usize, Option<Timestamp>) {
        let mut book = self.book();
        book.forget_expired(now);
        let waiting = book
            .waiting
            .values()
            .filter(|w| w.approved.is_none())
            .count();
        (waiting, book.locked_until)
    }
}

/// The kiosk API's pairing routes: no bearer token (the kiosk has none yet).
pub fn kiosk_routes() -> Router<AppState> {
    Router::new()
        .route("/api/kiosk/v1/pairing", post(register))
        .route("/api/kiosk/v1/pairing/poll", post(poll))
}

/// The Kiosks view's routes (administrators).
pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/kiosks", get(list))
        .route("/api/staff/v1/kiosks/pair", post(pair))
        .route("/api/staff/v1/kiosks/{id}/name", post(rename))
        .route("/api/staff/v1/kiosks/{id}/disable", post(disable))
        .route("/api/staff/v1/kiosks/{id}/enable", post(enable))
        .route("/api/staff/v1/kiosks/{id}/revoke", post(revoke))
}

fn refused(status: StatusCode, code: &'static str, message: &str) -> ApiError {
    ApiError::BadRequest {
        status,
        code,
        message: message.into(),
    }
}

async fn register(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<PairingRequest>,
) -> Result<(StatusCode, Json<PairingWaiting>), ApiError> {
    match state.pairing.register(&request, Timestamp::now()) {
        Ok(expires_at) => {
            tracing::info!(kiosk = %request.kiosk_id, "kiosk waiting to be paired");
            Ok((StatusCode::ACCEPTED, Json(PairingWaiting { expires_at })))
        }
        Err(RequestRefused::Invalid) => Err(refused(
            StatusCode::BAD_REQUEST,
            "bad_pairing_request",
            "the pairing request's key or signature is not valid",
        )),
        Err(RequestRefused::Full) => Err(refused(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_waiting",
            "too many kiosks are waiting to be paired; try again later",
        )),
        Err(RequestRefused::Duplicate) => Err(refused(
            StatusCode::CONFLICT,
            "duplicate_request",
            "this pairing request was sent already",
        )),
    }
}

/// The configuration a kiosk gets from `/config`, also handed over with its credential.
pub fn kiosk_config(state: &AppState) -> KioskConfig {
    use base64::Engine as _;
    KioskConfig {
        clinic: state.config.clinic_id,
        clinic_name: state.config.clinic_name.clone(),
        timezone: state.config.time_zone_name(),
        token_public_key: base64::engine::general_purpose::STANDARD
            .encode(state.signing_key.verifying_key().as_bytes()),
        seal_public_key: state.seal_key.public_key(),
        sex_options: Some(state.config.sex_options.clone()),
    }
}

async fn poll(
    State(state): State<AppState>,
    ApiJson(poll): ApiJson<PairingPoll>,
) -> Result<Json<PollAnswer>, ApiError> {
    match state.pairing.poll(&poll, Timestamp::now()) {
        Polled::Waiting(expires_at) => Ok(Json(PollAnswer::Waiting { expires_at })),
        Polled::Approved(kiosk_id, credential) => {
            tracing::info!(kiosk = %kiosk_id, "paired kiosk collected its credential");
            Ok(Json(PollAnswer::Paired {
                kiosk_id,
                credential,
                config: Box::new(kiosk_config(&state)),
            }))
        }
        Polled::Gone => Err(refused(
            StatusCode::NOT_FOUND,
            "no_such_request",
            "no such pairing request: it expired or was used; show a new code",
        )),
        Polled::BadSignature => Err(ApiError::Unauthorized),
    }
}

/// `GET /api/staff/v1/kiosks`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KiosksView {
    pub kiosks: Vec<PairedKiosk>,
    /// Kiosks showing a code nobody has entered yet.
    pub waiting: usize,
    /// Too many wrong codes: no code is taken until then.
    pub locked_until: Option<Timestamp>,
}

async fn list(
    State(state): State<AppState>,
    _session: StaffSession,
) -> Result<Json<KiosksView>, ApiError> {
    let kiosks = state.db(|db| db.paired_kiosks()).await?;
    let (waiting, locked_until) = state.pairing.status(Timestamp::now());
    Ok(Json(KiosksView {
        kiosks,
        waiting,
        locked_until,
    }))
}

/// `POST /api/staff/v1/kiosks/pair`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairForm {
    /// As read off the kiosk's screen or scanned from its QR.
    pub code: String,
}

/// The answer to a successful pairing.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Paired {
    pub kiosk_id: KioskId,
}

/// Loads the paired kiosks' credentials into the kiosk API's gate.
pub async fn refresh_gate(state: &AppState) -> Result<(), ApiError> {
    let rows = state.db(|db| db.kiosk_credentials()).await?;
    state.kiosks.set_paired(rows);
    state.events.kiosks_changed();
    Ok(())
}

async fn pair(
    State(state): State<AppState>,
    session: StaffSession,
    ApiJson(form): ApiJson<PairForm>,
) -> Result<Json<Paired>, ApiError> {
    let now = Timestamp::now();
    let actor = session.actor();
    let (request, credential) = match state.pairing.take_code(&form.code, now) {
        Ok(taken) => taken,
        Err(refusal) => {
            let (status, code, message, subject) = match refusal {
                CodeRefused::Malformed => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "bad_code",
                    "a pairing code is 8 letters and digits, as the kiosk shows it",
                    "malformed",
                ),
                CodeRefused::NoSuchCode => (
                    StatusCode::NOT_FOUND,
                    "no_such_code",
                    "no kiosk is showing this code: check it, or the code expired or was used",
                    "no_such_code",
                ),
                CodeRefused::Locked(_) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "pairing_locked",
                    "too many wrong codes: pairing is locked for a while",
                    "locked",
                ),
            };
            state
                .db(move |db| db.audit(now, &actor, AuditAction::KioskPairRefused, subject))
                .await?;
            return Err(refused(status, code, message));
        }
    };
    let kiosk_id = request.kiosk_id.clone();
    let public_key = request.public_key;
    let digest = credential.digest();
    let stored = {
        let kiosk_id = kiosk_id.clone();
        state
            .db(move |db| db.pair_kiosk(&kiosk_id, &public_key, &digest, now, &actor))
            .await?
    };
    if let Err(KioskIdTaken) = stored {
        return Err(refused(
            StatusCode::CONFLICT,
            "kiosk_id_taken",
            "a paired kiosk already has this kiosk's id: revoke it first, or give the new kiosk another kiosk_id",
        ));
    }
    refresh_gate(&state).await?;
    state.pairing.approve(request, credential, now);
    tracing::info!(kiosk = %kiosk_id, user = %session.user, "kiosk paired");
    Ok(Json(Paired { kiosk_id }))
}

/// `POST /api/staff/v1/kiosks/{id}/name`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameForm {
    pub name: String,
}

fn kiosk_id(text: &str) -> Result<KioskId, ApiError> {
    KioskId::new(text).map_err(|_| ApiError::NotFound)
}

async fn rename(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
    ApiJson(form): ApiJson<RenameForm>,
) -> Result<StatusCode, ApiError> {
    let id = kiosk_id(&id)?;
    let name = KioskName::new(&form.name).map_err(|error| {
        refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_name",
            &error.to_string(),
        )
    })?;
    let now = Timestamp::now();
    let actor = session.actor();
    let changed = state
        .db(move |db| db.rename_kiosk(&id, &name, now, &actor))
        .await?;
    if changed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

async fn set_state(
    state: AppState,
    session: StaffSession,
    id: String,
    to: PairedState,
) -> Result<StatusCode, ApiError> {
    let id = kiosk_id(&id)?;
    let now = Timestamp::now();
    let actor = session.actor();
    let changed = state
        .db(move |db| db.set_kiosk_state(&id, to, now, &actor))
        .await?;
    if !changed {
        return Err(ApiError::NotFound);
    }
    refresh_gate(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn disable(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_state(state, session, id, PairedState::Disabled).await
}

async fn enable(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_state(state, session, id, PairedState::Active).await
}

async fn revoke(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_state(state, session, id, PairedState::Revoked).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::KioskKey;

    fn book(secs: u64) -> PairingBook {
        PairingBook::new(&PairingConfig {
            code_lifetime_secs: secs,
        })
    }

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + second).unwrap()
    }

    fn kiosk(code: &str) -> (KioskKey, PairingRequest) {
        let key = KioskKey::random().unwrap();
        let request = key.request(
            &PairingCode::parse(code).unwrap(),
            uuid::Uuid::new_v4(),
            KioskId::new("lobby-2").unwrap(),
        );
        (key, request)
    }

    #[test]
    fn the_right_code_pairs_once_and_the_credential_is_collected_once() {
        let book = book(60);
        let (key, request) = kiosk("ABCD-EFGH");
        book.register(&request, at(0)).unwrap();
        assert_eq!(
            book.register(&request, at(1)),
            Err(RequestRefused::Duplicate)
        );
        let poll = key.poll(request.request_id);
        assert_eq!(book.poll(&poll, at(1)), Polled::Waiting(at(60)));
        let (taken, credential) = book.take_code("abcd efgh", at(2)).unwrap();
        assert_eq!(taken.public_key, key.public_key());
        // While the pairing is being stored, the kiosk still hears "waiting".
        assert_eq!(book.poll(&poll, at(2)), Polled::Waiting(at(60)));
        // Used: the same code again finds nothing.
        assert_eq!(
            book.take_code("ABCD-EFGH", at(3)),
            Err(CodeRefused::NoSuchCode)
        );
        book.approve(taken, credential.clone(), at(3));
        // Only the kiosk's own key collects it.
        let stranger = KioskKey::random().unwrap().poll(request.request_id);
        assert_eq!(book.poll(&stranger, at(4)), Polled::BadSignature);
        assert_eq!(
            book.poll(&poll, at(4)),
            Polled::Approved(KioskId::new("lobby-2").unwrap(), credential)
        );
        assert_eq!(book.poll(&poll, at(5)), Polled::Gone);
    }

    #[test]
    fn codes_expire() {
        let book = book(60);
        let (key, request) = kiosk("ABCD-EFGH");
        book.register(&request, at(0)).unwrap();
        assert_eq!(book.status(at(59)).0, 1);
        assert_eq!(
            book.poll(&key.poll(request.request_id), at(60)),
            Polled::Gone
        );
        assert_eq!(
            book.take_code("ABCD-EFGH", at(61)),
            Err(CodeRefused::NoSuchCode)
        );
    }

    #[test]
    fn wrong_codes_lock_for_a_while_but_typos_do_not_count() {
        let book = book(3600);
        let (_, request) = kiosk("ABCD-EFGH");
        book.register(&request, at(0)).unwrap();
        for _ in 0..10 {
            assert_eq!(book.take_code("ABCD", at(1)), Err(CodeRefused::Malformed));
        }
        for n in 0..MAX_WRONG_CODES {
            assert_eq!(
                book.take_code("ABCD-EFGJ", at(i64::from(n))),
                Err(CodeRefused::NoSuchCode)
            );
        }
        let until = at(i64::from(MAX_WRONG_CODES) - 1)
            .saturating_add(LOCKOUT)
            .unwrap();
        assert_eq!(
            book.take_code("ABCD-EFGH", at(10)),
            Err(CodeRefused::Locked(until))
        );
        assert_eq!(book.status(at(10)).1, Some(until));
        assert!(book.take_code("ABCD-EFGH", until).is_ok());
    }

    #[test]
    fn a_code_two_requests_prove_pairs_neither() {
        let book = book(60);
        let (_, one) = kiosk("ABCD-EFGH");
        let (_, two) = kiosk("ABCD-EFGH");
        book.register(&one, at(0)).unwrap();
        book.register(&two, at(0)).unwrap();
        assert_eq!(
            book.take_code("ABCD-EFGH", at(1)),
            Err(CodeRefused::NoSuchCode)
        );
        assert_eq!(book.status(at(1)).0, 0);
    }

    #[test]
    fn the_book_holds_so_many_requests_and_refuses_forged_ones() {
        let book = book(60);
        for _ in 0..MAX_WAITING {
            book.register(&kiosk("ABCD-EFGH").1, at(0)).unwrap();
        }
        assert_eq!(
            book.register(&kiosk("ABCD-EFGH").1, at(1)),
            Err(RequestRefused::Full)
        );
        let mut forged = kiosk("ABCD-EFGH").1;
        forged.kiosk_id = KioskId::new("lobby-9").unwrap();
        assert_eq!(book.register(&forged, at(61)), Err(RequestRefused::Invalid));
        // Once the old ones expired there is room again.
        book.register(&kiosk("ABCD-EFGH").1, at(61)).unwrap();
    }
}
