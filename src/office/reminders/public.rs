//! The pages a reminder's links open, for patients (no staff session): `GET /r/{token}`
//! shows the check-in QR (`/r/{token}/qr.png`) with the visit's day and time and the
//! clinic's name, nothing else; `GET /u/{token}` asks, and `POST /u/{token}` opts the
//! patient out of reminders. In the patient's language; a link that is unknown, expired
//! or whose visit is gone gets a plain page in both (404 / 410). Pages from templates,
//! under the staff pages' strict policy. A token opens a page, so it reaches no log: the
//! request spans name these paths by [`loggable_path`].
//!
//! Everyone together gets at most `[reminders] public_pages_per_minute` of these requests
//! (a burst of as many, then one each `60 / n` seconds): behind a reverse proxy the hub
//! sees one address for all, so the limit is the hub's, not a sender's. A flood of
//! made-up tokens gets 429 and a page saying to try again later, and never holds the
//! store from kiosks and staff.

use super::links::{LinkPurpose, LinkToken};
use super::qr_png;
use crate::domain::Language;
use crate::office::error::ApiError;
use crate::office::server::AppState;
use crate::office::signin::STRICT_CSP;
use crate::office::store::LinkLookup;
use crate::office::templates::{self, Page};
use crate::wording::{clock_time, long_date};
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use jiff::Timestamp;
use serde::Serialize;
use std::num::NonZeroU32;
use std::sync::Arc;

/// The public link routes, under the hub-wide limit; each answers for a token of its own
/// purpose only.
pub fn routes(state: &AppState) -> Router<AppState> {
    let per_minute =
        NonZeroU32::new(state.config.reminders.public_pages_per_minute).unwrap_or(NonZeroU32::MIN);
    let limiter = Arc::new(RateLimiter::direct(Quota::per_minute(per_minute)));
    Router::new()
        .route("/r/{token}", get(code_page))
        .route("/r/{token}/qr.png", get(code_image))
        .route("/u/{token}", get(unsubscribe_page).post(unsubscribe))
        .route_layer(middleware::from_fn_with_state(
            (state.clone(), limiter),
            within_limit,
        ))
}

/// Passes a request on while the limit allows; else 429 with a page in both languages.
async fn within_limit(
    State((state, limiter)): State<(AppState, Arc<DefaultDirectRateLimiter>)>,
    request: Request,
    next: Next,
) -> Response {
    if limiter.check().is_ok() {
        return next.run(request).await;
    }
    let mut busy = link_page(&state, StatusCode::TOO_MANY_REQUESTS, LinkTrouble::Busy);
    busy.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
    busy
}

/// `path` as a log may show it: a link's token left out (`/r/{token}/qr.png`).
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in ["/r/", "/u/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |at| &rest[at..]);
            return format!("{prefix}{{token}}{tail}").into();
        }
    }
    path.into()
}

/// Headers of every page here: never cached (the page carries a live code), never sent
/// on as a referrer (the URL is the key), never indexed.
fn page(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, STRICT_CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        Html(html),
    )
        .into_response()
}

fn rendered(status: StatusCode, which: Page, context: impl Serialize) -> Response {
    match templates::render(which, context) {
        Ok(html) => page(status, html),
        Err(error) => error.into_response(),
    }
}

/// The page for a link that leads nowhere, in both languages (the patient's is not
/// known, or not to be told): 404 for an unknown one, 410 for one expired or whose visit
/// was cancelled.
fn nowhere(state: &AppState, found: &LinkLookup) -> Response {
    match found {
        LinkLookup::Expired => link_page(state, StatusCode::GONE, LinkTrouble::Expired),
        LinkLookup::Gone => link_page(state, StatusCode::GONE, LinkTrouble::Unknown),
        LinkLookup::Unknown | LinkLookup::Open(..) => {
            link_page(state, StatusCode::NOT_FOUND, LinkTrouble::Unknown)
        }
    }
}

/// Why a link page cannot be shown.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum LinkTrouble {
    Expired,
    Unknown,
    /// Over the hub-wide limit: try again in a minute.
    Busy,
}

/// The page saying why a link shows nothing, in both languages.
fn link_page(state: &AppState, status: StatusCode, trouble: LinkTrouble) -> Response {
    #[derive(Serialize)]
    struct Context<'a> {
        clinic: &'a str,
        phone: &'a str,
        trouble: LinkTrouble,
        languages: [&'static Words; 2],
    }
    rendered(
        status,
        Page::ReminderLinkGone,
        Context {
            clinic: &state.config.clinic_name,
            phone: &state.config.reminders.clinic_phone,
            trouble,
            languages: [Words::of(Language::English), Words::of(Language::Spanish)],
        },
    )
}

fn parse(token: &str) -> Option<LinkToken> {
    LinkToken::parse(token).ok()
}

/// `GET /r/{token}`: the check-in code page (audited when opened, and when expired).
async fn code_page(State(state): State<AppState>, Path(text): Path<String>) -> Response {
    let Some(token) = parse(&text) else {
        return nowhere(&state, &LinkLookup::Unknown);
    };
    let hash = token.hash();
    let now = Timestamp::now();
    let found = match state
        .db(move |db| db.open_reminder_link(&hash, LinkPurpose::CodePage, now))
        .await
    {
        Ok(found) => found,
        Err(error) => return error.into_response(),
    };
    let LinkLookup::Open(appointment, language) = &found else {
        return nowhere(&state, &found);
    };
    #[derive(Serialize)]
    struct Context<'a> {
        lang: &'static str,
        t: &'static Words,
        clinic: &'a str,
        date: String,
        time: String,
        image: String,
    }
    rendered(
        StatusCode::OK,
        Page::ReminderCode,
        Context {
            lang: language.code(),
            t: Words::of(*language),
            clinic: &state.config.clinic_name,
            date: long_date(appointment.day, *language),
            time: clock_time(appointment.starts_at, *language),
            // Relative, so the page works under a reverse proxy's path too.
            image: format!("{}/qr.png", token.as_text()),
        },
    )
}

/// `GET /r/{token}/qr.png`: the code page's image (the page's opening is the audited
/// one); 404 for anything but a live code-page link.
async fn code_image(State(state): State<AppState>, Path(text): Path<String>) -> Response {
    let Some(token) = parse(&text) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let hash = token.hash();
    let now = Timestamp::now();
    let found = state
        .db(move |db| db.reminder_link(&hash, LinkPurpose::CodePage, now))
        .await;
    let appointment = match found {
        Ok(LinkLookup::Open(appointment, _)) => appointment,
        Ok(_) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return error.into_response(),
    };
    let png = crate::office::staff::token_for(&state, &appointment)
        .map_err(ApiError::internal)
        .and_then(|code| qr_png::render(&code).map_err(ApiError::internal));
    match png {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-store"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            png,
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

#[derive(Serialize)]
struct UnsubscribeContext<'a> {
    lang: &'static str,
    t: &'static Words,
    clinic: &'a str,
    phone: &'a str,
    done: bool,
}

/// `GET /u/{token}`: asks before opting out (a mail scanner that follows links must not
/// unsubscribe anyone).
async fn unsubscribe_page(State(state): State<AppState>, Path(text): Path<String>) -> Response {
    let Some(token) = parse(&text) else {
        return nowhere(&state, &LinkLookup::Unknown);
    };
    let hash = token.hash();
    let now = Timestamp::now();
    match state
        .db(move |db| db.reminder_link(&hash, LinkPurpose::Unsubscribe, now))
        .await
    {
        Ok(LinkLookup::Open(_, language)) => unsubscribe_answer(&state, language, false),
        Ok(found) => nowhere(&state, &found),
        Err(error) => error.into_response(),
    }
}

/// `POST /u/{token}`: opts the patient out (audited) and says so.
async fn unsubscribe(State(state): State<AppState>, Path(text): Path<String>) -> Response {
    let Some(token) = parse(&text) else {
        return nowhere(&state, &LinkLookup::Unknown);
    };
    let hash = token.hash();
    let now = Timestamp::now();
    match state.db(move |db| db.unsubscribe_by_link(&hash, now)).await {
        Ok(LinkLookup::Open(appointment, language)) => {
            tracing::info!(appointment = %appointment.id, "reminders: opted out by link");
            unsubscribe_answer(&state, language, true)
        }
        Ok(found) => nowhere(&state, &found),
        Err(error) => error.into_response(),
    }
}

fn unsubscribe_answer(state: &AppState, language: Language, done: bool) -> Response {
    rendered(
        StatusCode::OK,
        Page::Unsubscribe,
        UnsubscribeContext {
            lang: language.code(),
            t: Words::of(language),
            clinic: &state.config.clinic_name,
            phone: &state.config.reminders.clinic_phone,
            done,
        },
    )
}

/// Every sentence of the pages, per language (plain text; the templates escape it).
#[derive(Debug, Serialize)]
pub struct Words {
    code_title: &'static str,
    code_visit: &'static str,
    code_how: &'static str,
    code_alt: &'static str,
    code_other_ways: &'static str,
    unsubscribe_title: &'static str,
    unsubscribe_ask: &'static str,
    unsubscribe_button: &'static str,
    unsubscribed: &'static str,
    unsubscribed_undo: &'static str,
    expired_title: &'static str,
    expired_text: &'static str,
    unknown_title: &'static str,
    unknown_text: &'static str,
    busy_title: &'static str,
    busy_text: &'static str,
    call: &'static str,
}

impl Words {
    fn of(language: Language) -> &'static Words {
        match language {
            Language::English => &ENGLISH,
            Language::Spanish => &SPANISH,
        }
    }
}

const ENGLISH: Words = Words {
    code_title: "Your check-in code",
    code_visit: "Your visit:",
    code_how: "When you arrive, scan this code at the check-in screen in the lobby.",
    code_alt: "Check-in code",
    code_other_ways: "You can also check in with your name and date of birth.",
    unsubscribe_title: "Stop appointment reminders",
    unsubscribe_ask: "Do you want to stop getting appointment reminders from this clinic?",
    unsubscribe_button: "Stop reminders",
    unsubscribed: "Done. You will get no more reminders.",
    unsubscribed_undo: "Changed your mind? Call us:",
    expired_title: "This link has expired",
    expired_text: "The link from your reminder works only until the end of the visit's day.",
    unknown_title: "This link does not work",
    unknown_text: "It may be mistyped, or the visit is no longer on the schedule.",
    busy_title: "This page is busy right now",
    busy_text: "Please try again in a minute.",
    call: "Questions? Call us:",
};

const SPANISH: Words = Words {
    code_title: "Su código de registro",
    code_visit: "Su cita:",
    code_how: "Al llegar, escanee este código en la pantalla de registro de la sala de espera.",
    code_alt: "Código de registro",
    code_other_ways: "También puede registrarse con su nombre y fecha de nacimiento.",
    unsubscribe_title: "No recibir más recordatorios",
    unsubscribe_ask: "¿Desea dejar de recibir recordatorios de citas de esta clínica?",
    unsubscribe_button: "No enviar más recordatorios",
    unsubscribed: "Listo. No recibirá más recordatorios.",
    unsubscribed_undo: "¿Cambió de opinión? Llámenos:",
    expired_title: "Este enlace ha caducado",
    expired_text: "El enlace de su recordatorio solo sirve hasta el final del día de la cita.",
    unknown_title: "Este enlace no funciona",
    unknown_text: "Puede que esté mal escrito o que la cita ya no esté en la agenda.",
    busy_title: "Esta página está ocupada en este momento",
    busy_text: "Inténtelo de nuevo en un minuto.",
    call: "¿Preguntas? Llámenos:",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_left_out_of_logged_paths() {
        assert_eq!(loggable_path("/r/SECRET"), "/r/{token}");
        assert_eq!(loggable_path("/r/SECRET/qr.png"), "/r/{token}/qr.png");
        assert_eq!(loggable_path("/u/SECRET"), "/u/{token}");
        assert_eq!(loggable_path("/api/staff/v1/queue"), "/api/staff/v1/queue");
    }

    #[test]
    fn every_sentence_is_translated() {
        let en = serde_json::to_value(&ENGLISH).unwrap();
        let es = serde_json::to_value(&SPANISH).unwrap();
        let en = en.as_object().unwrap();
        assert_eq!(en.len(), es.as_object().unwrap().len());
        for (key, english) in en {
            assert!(!english.as_str().unwrap().is_empty(), "{key}");
            assert_ne!(english, &es[key], "{key} left untranslated");
        }
    }
}
