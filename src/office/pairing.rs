//! Pairing kiosks from the staff page (the protocol is explained in `crate::pairing`):
//! the kiosk API's two unauthenticated routes (register a request, poll it), the rules for
//! requests waiting for an administrator (kept in the store, so any hub of the practice
//! may take a kiosk's request, its code and its poll), and the administrators' Kiosks
//! routes (pair, rename, disable, enable, revoke), each audited.

use super::error::{ApiError, ApiJson};
use super::server::AppState;
use super::signin::StaffSession;
use super::store::{
    KioskIdTaken, KioskName, OfficeStore, PairedKiosk, PairedState, PairingLockout,
    PairingRequestState, StoreError,
};
use crate::api::KioskConfig;
use crate::domain::KioskId;
use crate::office::audit::AuditAction;
use crate::pairing::{
    KioskCredential, LOCKOUT, MAX_WAITING, MAX_WRONG_CODES, PairingCode, PairingPoll,
    PairingRequest, PairingWaiting, PollAnswer, VerifiedRequest, proof_matches,
};
use crate::seal::{SealError, SealSecretKey};
use axum::extract::Request;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use std::sync::Arc;

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

/// The pairing rules over the requests kept in the store (see `store::pairing`), so
/// every hub of a practice sees the same requests, codes and lockout.
#[derive(Debug)]
pub struct PairingBook {
    lifetime: SignedDuration,
    /// The practice's outbox key: a paired kiosk's credential waits in the store sealed
    /// to it (every hub of the practice has it; a copy of the database does not).
    seal_key: Arc<SealSecretKey>,
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
    pub fn new(config: &PairingConfig, seal_key: Arc<SealSecretKey>) -> Self {
        let secs = i64::try_from(config.code_lifetime_secs).unwrap_or(900);
        Self {
            lifetime: SignedDuration::from_secs(secs),
            seal_key,
        }
    }

    fn expiry(&self, now: Timestamp) -> Timestamp {
        now.saturating_add(self.lifetime).unwrap_or(now)
    }

    /// Takes a kiosk's request; it waits until `now` + the code lifetime.
    pub fn register(
        &self,
        store: &OfficeStore,
        request: &PairingRequest,
        now: Timestamp,
    ) -> Result<Result<Timestamp, RequestRefused>, StoreError> {
        let Ok(verified) = request.verify() else {
            return Ok(Err(RequestRefused::Invalid));
        };
        store.forget_expired_pairing(now)?;
        if store.pairing_request(verified.request_id)?.is_some() {
            return Ok(Err(RequestRefused::Duplicate));
        }
        if store.pairing_requests()?.len() >= MAX_WAITING {
            return Ok(Err(RequestRefused::Full));
        }
        let expires_at = self.expiry(now);
        if !store.add_pairing_request(&verified, now, expires_at)? {
            return Ok(Err(RequestRefused::Duplicate));
        }
        Ok(Ok(expires_at))
    }

    /// A kiosk asks after its request; an approved one is handed over once (by whichever
    /// hub the kiosk asks).
    pub fn poll(
        &self,
        store: &OfficeStore,
        poll: &PairingPoll,
        now: Timestamp,
    ) -> Result<Polled, StoreError> {
        store.forget_expired_pairing(now)?;
        let Some(row) = store.pairing_request(poll.request_id)? else {
            return Ok(Polled::Gone);
        };
        if poll.verify(&row.request.public_key).is_err() {
            return Ok(Polled::BadSignature);
        }
        let PairingRequestState::Approved { sealed_credential } = row.state else {
            return Ok(Polled::Waiting(row.expires_at));
        };
        let Some(credential) = self
            .seal_key
            .open(&sealed_credential)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            // Left for a hub that can open it; the kiosk goes on waiting.
            tracing::error!(
                kiosk = %row.request.kiosk_id,
                "cannot open a paired kiosk's credential: this hub's outbox-sealing.key is not the one of the hub that paired it"
            );
            return Ok(Polled::Waiting(row.expires_at));
        };
        if !store.remove_pairing_request(poll.request_id)? {
            return Ok(Polled::Gone);
        }
        Ok(Polled::Approved(
            row.request.kiosk_id,
            KioskCredential::from_presented(&credential),
        ))
    }

    /// An administrator entered `typed`: the waiting request it proves is taken (a code
    /// works once) and returned with a new credential for it.
    pub fn take_code(
        &self,
        store: &OfficeStore,
        typed: &str,
        now: Timestamp,
    ) -> Result<Result<(VerifiedRequest, KioskCredential), CodeRefused>, StoreError> {
        store.forget_expired_pairing(now)?;
        let mut lockout = store.pairing_lockout()?;
        if let Some(until) = lockout.locked_until {
            return Ok(Err(CodeRefused::Locked(until)));
        }
        let Ok(code) = PairingCode::parse(typed) else {
            return Ok(Err(CodeRefused::Malformed));
        };
        let matching: Vec<VerifiedRequest> = store
            .pairing_requests()?
            .into_iter()
            .filter(|row| row.state == PairingRequestState::Waiting)
            .map(|row| row.request)
            .filter(|r| proof_matches(&code, r.request_id, &r.public_key, &r.proof))
            .collect();
        // Two requests proving one code: one of them guessed it. Neither is trusted.
        let [found] = matching.as_slice() else {
            for request in &matching {
                store.remove_pairing_request(request.request_id)?;
            }
            lockout.wrong_codes += 1;
            if lockout.wrong_codes >= MAX_WRONG_CODES {
                lockout = PairingLockout {
                    wrong_codes: 0,
                    locked_until: Some(now.saturating_add(LOCKOUT).unwrap_or(now)),
                };
            }
            store.set_pairing_lockout(lockout)?;
            return Ok(Err(CodeRefused::NoSuchCode));
        };
        let Ok(credential) = KioskCredential::random() else {
            return Ok(Err(CodeRefused::NoSuchCode));
        };
        if !store.take_pairing_request(found.request_id)? {
            return Ok(Err(CodeRefused::NoSuchCode));
        }
        if lockout.wrong_codes != 0 {
            store.set_pairing_lockout(PairingLockout::default())?;
        }
        Ok(Ok((found.clone(), credential)))
    }

    /// `credential`, sealed for the store (see [`Self::approve`]).
    pub fn seal(&self, credential: &KioskCredential) -> Result<Vec<u8>, SealError> {
        self.seal_key
            .public_key()
            .seal(credential.expose().as_bytes())
    }

    /// The request taken by [`Self::take_code`] is paired: its kiosk may collect the
    /// credential sealed by [`Self::seal`] until `now` + the code lifetime.
    pub fn approve(
        &self,
        store: &OfficeStore,
        request: &VerifiedRequest,
        sealed_credential: &[u8],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        store.approve_pairing_request(request, sealed_credential, now, self.expiry(now))
    }

    /// Requests waiting for a code, and when pairing is locked until.
    pub fn status(
        &self,
        store: &OfficeStore,
        now: Timestamp,
    ) -> Result<(usize, Option<Timestamp>), StoreError> {
        store.forget_expired_pairing(now)?;
        let waiting = store
            .pairing_requests()?
            .iter()
            .filter(|row| !matches!(row.state, PairingRequestState::Approved { .. }))
            .count();
        Ok((waiting, store.pairing_lockout()?.locked_until))
    }
}

/// New pairing requests the hub takes a minute, all senders together: a kiosk sends one
/// per code it shows (every 15 minutes), so a practice's kiosks stay far below it, while
/// a flood of made-up requests (no token is needed to send one) cannot keep the store
/// busy for kiosks and staff. Unkeyed, like the reminder link pages' limit: behind a
/// proxy every sender has one address.
const NEW_REQUESTS_PER_MINUTE: NonZeroU32 = NonZeroU32::new(30).expect("not zero");

/// The kiosk API's pairing routes: no bearer token (the kiosk has none yet).
pub fn kiosk_routes() -> Router<AppState> {
    let limiter = Arc::new(RateLimiter::direct(Quota::per_minute(
        NEW_REQUESTS_PER_MINUTE,
    )));
    Router::new()
        .route(
            "/api/kiosk/v1/pairing",
            post(register).route_layer(middleware::from_fn_with_state(limiter, within_limit)),
        )
        .route("/api/kiosk/v1/pairing/poll", post(poll))
}

/// Passes a new request on while the limit allows; else 429 (the kiosk tries again).
async fn within_limit(
    State(limiter): State<Arc<DefaultDirectRateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    if limiter.check().is_ok() {
        return next.run(request).await;
    }
    let mut busy = refused(
        StatusCode::TOO_MANY_REQUESTS,
        "pairing_busy",
        "too many pairing requests right now; try again in a minute",
    )
    .into_response();
    busy.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
    busy
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
    let (book, now, kiosk) = (
        state.pairing.clone(),
        Timestamp::now(),
        request.kiosk_id.clone(),
    );
    match state.db(move |db| book.register(db, &request, now)).await? {
        Ok(expires_at) => {
            tracing::info!(%kiosk, "kiosk waiting to be paired");
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
    let (book, now) = (state.pairing.clone(), Timestamp::now());
    match state.db(move |db| book.poll(db, &poll, now)).await? {
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
    let (book, now) = (state.pairing.clone(), Timestamp::now());
    let (kiosks, (waiting, locked_until)) = state
        .db(move |db| Ok((db.paired_kiosks()?, book.status(db, now)?)))
        .await?;
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
    let book = state.pairing.clone();
    let taken = state
        .db(move |db| book.take_code(db, &form.code, now))
        .await?;
    let (request, credential) = match taken {
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
    let sealed = state
        .pairing
        .seal(&credential)
        .map_err(ApiError::internal)?;
    let book = state.pairing.clone();
    state
        .db(move |db| book.approve(db, &request, &sealed, now))
        .await?;
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

    /// The rules over a store of their own (SQLite, or PostgreSQL in the second pass).
    struct Book {
        book: PairingBook,
        store: OfficeStore,
        _dir: tempfile::TempDir,
    }

    impl Book {
        fn register(
            &self,
            request: &PairingRequest,
            now: Timestamp,
        ) -> Result<Timestamp, RequestRefused> {
            self.book.register(&self.store, request, now).unwrap()
        }

        fn poll(&self, poll: &PairingPoll, now: Timestamp) -> Polled {
            self.book.poll(&self.store, poll, now).unwrap()
        }

        fn take_code(
            &self,
            typed: &str,
            now: Timestamp,
        ) -> Result<(VerifiedRequest, KioskCredential), CodeRefused> {
            self.book.take_code(&self.store, typed, now).unwrap()
        }

        fn approve(&self, request: &VerifiedRequest, credential: &KioskCredential, now: Timestamp) {
            let sealed = self.book.seal(credential).unwrap();
            self.book
                .approve(&self.store, request, &sealed, now)
                .unwrap();
        }

        fn status(&self, now: Timestamp) -> (usize, Option<Timestamp>) {
            self.book.status(&self.store, now).unwrap()
        }
    }

    fn book(secs: u64) -> Book {
        let dir = tempfile::tempdir().unwrap();
        Book {
            book: PairingBook::new(
                &PairingConfig {
                    code_lifetime_secs: secs,
                },
                Arc::new(SealSecretKey::generate().unwrap()),
            ),
            store: OfficeStore::for_tests(dir.path()),
            _dir: dir,
        }
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
        book.approve(&taken, &credential, at(3));
        // The store holds the credential sealed, never as it is.
        let kept = book
            .store
            .pairing_request(request.request_id)
            .unwrap()
            .unwrap();
        let PairingRequestState::Approved { sealed_credential } = kept.state else {
            panic!("not approved: {kept:?}");
        };
        let plain = credential.expose().as_bytes();
        assert!(!sealed_credential.windows(plain.len()).any(|w| w == plain));
        // Only the kiosk's own key collects it.
        let stranger = KioskKey::random().unwrap().poll(request.request_id);
        assert_eq!(book.poll(&stranger, at(4)), Polled::BadSignature);
        assert_eq!(
            book.poll(&poll, at(4)),
            Polled::Approved(KioskId::new("lobby-2").unwrap(), credential)
        );
        assert_eq!(book.poll(&poll, at(5)), Polled::Gone);
        assert_eq!(book.store.pairing_requests().unwrap(), vec![]);
    }

    #[test]
    fn a_hub_without_the_practices_key_leaves_the_credential_for_one_with_it() {
        let book = book(60);
        let (key, request) = kiosk("ABCD-EFGH");
        book.register(&request, at(0)).unwrap();
        let (taken, credential) = book.take_code("ABCD-EFGH", at(1)).unwrap();
        book.approve(&taken, &credential, at(1));
        let poll = key.poll(request.request_id);
        let stranger = PairingBook::new(
            &PairingConfig::default(),
            Arc::new(SealSecretKey::generate().unwrap()),
        );
        assert_eq!(
            stranger.poll(&book.store, &poll, at(2)).unwrap(),
            Polled::Waiting(at(61))
        );
        assert!(matches!(book.poll(&poll, at(3)), Polled::Approved(..)));
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
