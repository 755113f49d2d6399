//! The reminder worker: queues the reminders of upcoming appointments (at start, when
//! appointments change, and every minute), then sends what is due by the patient's
//! channel (email over SMTP, or a text through the SMS gateway), at most `per_minute` a
//! minute. A try that the mail server or gateway does not take is retried with backoff
//! until `max_attempts`, then marked failed; a permanent refusal marks it bounced.
//! Nothing of a message's content, address or number is logged.
//!
//! Exactly once: a reminder's row is settled in the same blocking call that hands it to
//! the mail server, and a stopping office waits for that call, so a restart neither
//! repeats nor loses one. Only a crash (power cut) between the server's "250 OK" and the
//! commit sends that one reminder again, with the same Message-ID.

use super::ReminderChannel;
use super::email::{self, Clinic, EmailError, Reminder};
use super::links;
use super::plan;
use super::sms::{self, HttpGateway, SmsGateway, TextMessage};
use crate::office::config::{RemindersConfig, SmtpSecurity};
use crate::office::events::QueueEvent;
use crate::office::server::AppState;
use crate::office::store::{ReminderItem, ReminderOutcome, StoreError};
use jiff::{SignedDuration, Timestamp};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{SmtpTransport, Transport};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How reminders leave the hub: each channel that is configured.
#[derive(Clone, Default)]
pub struct Channels {
    pub mail: Option<SmtpTransport>,
    pub sms: Option<Arc<dyn SmsGateway>>,
}

/// The first retry waits this long; each further one twice as long, up to the maximum.
const FIRST_BACKOFF_MS: u64 = 1000;
/// With nothing due, the queue is looked at again after this long at the latest.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// Appointments are looked at for new reminders this often (and whenever they change).
const QUEUE_EVERY: Duration = Duration::from_secs(60);

fn backoff(attempts: u32, max_ms: u64) -> SignedDuration {
    let factor = 1u64.checked_shl(attempts.min(30)).unwrap_or(u64::MAX);
    let ms = FIRST_BACKOFF_MS.saturating_mul(factor).min(max_ms);
    SignedDuration::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// The gap between two sends that keeps to `per_minute`.
fn send_gap(per_minute: u32) -> Duration {
    Duration::from_secs(60) / per_minute.max(1)
}

/// Starts the worker when a mail server or an SMS gateway is configured; it ends when the
/// office stops.
pub fn start(state: &AppState) {
    let config = &state.config.reminders;
    let mut channels = Channels::default();
    if let Some(host) = config.smtp_host.clone() {
        match transport(config, &host) {
            Ok(mailer) => channels.mail = Some(mailer),
            Err(error) => tracing::error!(%error, "reminders: cannot set up the mail server"),
        }
    }
    if config.sms.base_url.is_some() {
        let timeout = Duration::from_millis(config.timeout_ms);
        match HttpGateway::new(&config.sms, timeout, tokio::runtime::Handle::current()) {
            Ok(gateway) => channels.sms = Some(Arc::new(gateway)),
            Err(error) => tracing::error!(%error, "reminders: cannot set up the text gateway"),
        }
    }
    start_with(state, channels);
}

/// Starts the worker with `channels` (tests pass a gateway of their own).
pub fn start_with(state: &AppState, channels: Channels) {
    if channels.mail.is_some() || channels.sms.is_some() {
        tokio::spawn(run(state.clone(), channels));
    }
}

fn transport(
    config: &RemindersConfig,
    host: &str,
) -> Result<SmtpTransport, lettre::transport::smtp::Error> {
    let tls = match config.smtp_security {
        SmtpSecurity::None => Tls::None,
        SmtpSecurity::Starttls => Tls::Required(TlsParameters::new(host.to_owned())?),
        SmtpSecurity::Tls => Tls::Wrapper(TlsParameters::new(host.to_owned())?),
    };
    // The greeting names the sender's domain (the `hostname` feature would pull in a
    // crate for the machine's name, which in an office is rarely a real one).
    let hello = config
        .from
        .parse::<lettre::message::Mailbox>()
        .map(|m| m.email.domain().to_owned())
        .unwrap_or_else(|_| "localhost".into());
    let mut builder = SmtpTransport::builder_dangerous(host)
        .port(config.smtp_port)
        .tls(tls)
        .hello_name(ClientId::Domain(hello))
        .timeout(Some(Duration::from_millis(config.timeout_ms)));
    if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// Runs until the office stops.
async fn run(state: AppState, channels: Channels) {
    let config = state.config.reminders.clone();
    let gap = send_gap(config.per_minute);
    let mut stopping = state.stopping.clone();
    let mut events = state.events.subscribe();
    let mut last_queued: Option<Instant> = None;
    let mut next_send = Instant::now();
    let mut changed = true;
    loop {
        if *stopping.borrow() {
            return;
        }
        if changed || last_queued.is_none_or(|at| at.elapsed() >= QUEUE_EVERY) {
            changed = false;
            last_queued = Some(Instant::now());
            let queue_state = state.clone();
            let queued = state
                .db(move |db| queue_upcoming(db, &queue_state, Timestamp::now()))
                .await;
            if let Err(error) = queued {
                tracing::warn!(%error, "reminders: cannot queue");
            }
        }
        let now = Timestamp::now();
        let item = match state.db(move |db| db.next_reminder(now)).await {
            Ok(item) => item,
            Err(error) => {
                tracing::warn!(%error, "reminders: queue unreadable");
                None
            }
        };
        let Some(item) = item else {
            let due = state.db(|db| db.next_reminder_due()).await.ok().flatten();
            let wait = due
                .map(|at| {
                    let left = at.duration_since(Timestamp::now());
                    Duration::try_from(left).unwrap_or_default().min(IDLE_POLL)
                })
                .unwrap_or(IDLE_POLL);
            tokio::select! {
                event = events.recv() => {
                    changed = matches!(
                        event,
                        Ok(crate::office::events::Numbered { event: QueueEvent::AppointmentsChanged, .. })
                            | Err(_)
                    );
                }
                _ = tokio::time::sleep(wait) => {}
                _ = stopping.changed() => return,
            }
            continue;
        };
        tokio::select! {
            _ = tokio::time::sleep_until(next_send.into()) => {}
            _ = stopping.changed() => return,
        }
        let send_state = state.clone();
        let send_channels = channels.clone();
        let tried =
            tokio::task::spawn_blocking(move || attempt(&send_state, &send_channels, &item))
                .await
                .unwrap_or(true);
        if tried {
            next_send = Instant::now() + gap;
        }
    }
}

/// Queues the reminders of appointments from today up to `days_before` days ahead.
fn queue_upcoming(
    db: &mut crate::office::store::OfficeStore,
    state: &AppState,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let config = &state.config.reminders;
    let today = state.today(now);
    let last = today
        .checked_add(jiff::Span::new().days(i64::from(config.days_before)))
        .unwrap_or(today);
    let mut list = Vec::new();
    for (id, day, starts_at) in db.reminder_candidates(today, last)? {
        for planned in plan::reminders_for(day, starts_at, config, &state.timezone, now) {
            list.push((id, day, starts_at, planned));
        }
    }
    db.queue_reminders(&list, now)
}

/// One try of `item`, settled before returning. `true` when the mail server was tried
/// (it counts against the rate limit).
fn attempt(state: &AppState, channels: &Channels, item: &ReminderItem) -> bool {
    let now = Timestamp::now();
    let subject = match state
        .store
        .get()
        .and_then(|store| store.reminder_subject(item.appointment))
    {
        Ok(subject) => subject,
        Err(error) => {
            tracing::warn!(%error, "reminders: cannot read the appointment");
            return false;
        }
    };
    let skip = |reason: &str| ReminderOutcome::Skipped(reason.to_owned());
    let (outcome, tried) = match subject {
        None => (skip("appointment cancelled"), false),
        Some(s) if (s.appointment.day, s.appointment.starts_at) != (item.day, item.starts_at) => {
            (skip("appointment moved"), false)
        }
        Some(s) if s.opted_out => (ReminderOutcome::OptedOut, false),
        Some(s) if s.checked_in => (skip("patient checked in already"), false),
        Some(s) if s.channel == ReminderChannel::None => {
            (skip("patient wants no reminders"), false)
        }
        Some(s) if s.channel.by_letter(s.email.is_some(), s.phone.is_some()) => {
            (skip("by letter (printed by staff)"), false)
        }
        Some(_) if now >= item.latest_at => (skip("too late to send"), false),
        Some(s) => match (s.channel, &channels.mail, &channels.sms) {
            (ReminderChannel::Email, _, _) if s.email.is_none() => {
                (skip("no email address on file"), false)
            }
            (ReminderChannel::Email, Some(mailer), _) => (send(state, mailer, item, &s, now), true),
            (ReminderChannel::Email, None, _) => (skip("no mail server configured"), false),
            (ReminderChannel::Sms, _, Some(gateway)) => {
                (send_text(state, gateway.as_ref(), item, &s, now), true)
            }
            (ReminderChannel::Sms, _, None) => (skip("no text gateway configured"), false),
            (ReminderChannel::None, _, _) => (skip("patient wants no reminders"), false),
            (ReminderChannel::Letter, _, _) => (skip("by letter (printed by staff)"), false),
        },
    };
    let state_name = match &outcome {
        ReminderOutcome::Sent => "sent",
        ReminderOutcome::Retry { .. } => "retry",
        ReminderOutcome::Failed(_) => "failed",
        ReminderOutcome::Bounced(_) => "bounced",
        ReminderOutcome::OptedOut => "opted_out",
        ReminderOutcome::Skipped(_) => "skipped",
    };
    let settled = state
        .store
        .get()
        .and_then(|mut store| store.settle_reminder(item.row, &outcome, Timestamp::now()));
    if let Err(error) = settled {
        tracing::error!(%error, reminder = %item.message_id, "reminders: outcome not recorded");
    }
    tracing::info!(reminder = %item.message_id, outcome = state_name, "reminder");
    tried
}

/// Writes and sends the reminder; the outcome to record.
fn send(
    state: &AppState,
    mailer: &SmtpTransport,
    item: &ReminderItem,
    subject: &crate::office::store::ReminderSubject,
    now: Timestamp,
) -> ReminderOutcome {
    let config = &state.config.reminders;
    let Ok(token) = crate::office::staff::token_for(state, &subject.appointment) else {
        return ReminderOutcome::Failed("no check-in code can be made".into());
    };
    let links = match &config.public_url {
        None => None,
        Some(base) => match with_store(state, item, |store, day_ends| {
            links::make(store, base, item.appointment, day_ends, now)
        }) {
            Ok(links) => Some(links),
            Err(error) => return retry_or_fail(item, config, now, error.to_string()),
        },
    };
    let reminder = Reminder {
        to: subject.email.as_deref().unwrap_or_default(),
        first_name: subject.appointment.patient.first(),
        language: subject.language,
        kind: item.kind,
        day: item.day,
        starts_at: item.starts_at,
        copay: subject.appointment.copay,
        token: &token,
        message_id: &item.message_id,
        links: links.as_ref(),
    };
    let clinic = Clinic {
        name: state.config.clinic_name.clone(),
        address: config.clinic_address.clone(),
        phone: config.clinic_phone.clone(),
        from: config.from.clone(),
        reply_to: config.reply_to.clone(),
    };
    let message = match email::build(&reminder, &clinic) {
        Ok(message) => message,
        Err(EmailError::BadAddress) => {
            return ReminderOutcome::Bounced("email address on file is not usable".into());
        }
        Err(error) => return ReminderOutcome::Failed(error.to_string()),
    };
    match mailer.send(&message) {
        Ok(_) => ReminderOutcome::Sent,
        Err(error) => {
            // The server's text may quote the address: only its code is kept.
            let reason = match error.status() {
                Some(code) => format!("mail server answered {code}"),
                None if error.is_timeout() => "mail server timed out".to_owned(),
                None if error.is_tls() => "TLS with the mail server failed".to_owned(),
                None => "mail server unreachable".to_owned(),
            };
            if error.is_permanent() {
                ReminderOutcome::Bounced(reason)
            } else if item.attempts.saturating_add(1) >= config.max_attempts {
                ReminderOutcome::Failed(reason)
            } else {
                ReminderOutcome::Retry {
                    next_try: now + backoff(item.attempts, config.max_backoff_ms),
                    reason,
                }
            }
        }
    }
}

/// Writes the text with the appointment's short code and hands it to the gateway; the
/// outcome to record.
fn send_text(
    state: &AppState,
    gateway: &dyn SmsGateway,
    item: &ReminderItem,
    subject: &crate::office::store::ReminderSubject,
    now: Timestamp,
) -> ReminderOutcome {
    let config = &state.config.reminders;
    let Some(phone) = subject
        .phone
        .as_deref()
        .and_then(|p| crate::domain::PhoneNumber::parse(p).ok())
    else {
        return ReminderOutcome::Bounced("no usable phone number on file".into());
    };
    let code = state.identity_secret.short_code(subject.appointment.id);
    let link = match &config.public_url {
        None => None,
        Some(base) => match with_store(state, item, |store, day_ends| {
            links::make_one(
                store,
                base,
                links::LinkPurpose::CodePage,
                item.appointment,
                day_ends,
                now,
            )
        }) {
            Ok(link) => Some(link),
            Err(error) => return retry_or_fail(item, config, now, error.to_string()),
        },
    };
    let body = sms::text(
        &sms::TextReminder {
            first_name: subject.appointment.patient.first(),
            language: subject.language,
            kind: item.kind,
            day: item.day,
            starts_at: item.starts_at,
            code: &code,
            link: link.as_deref(),
        },
        &sms::TextClinic {
            name: &state.config.clinic_name,
            address: &config.clinic_address,
            phone: &config.clinic_phone,
        },
    );
    let message = TextMessage {
        to: &phone,
        body: &body,
        reference: &item.message_id,
    };
    match gateway.send(&message) {
        Ok(()) => ReminderOutcome::Sent,
        Err(error) if error.is_permanent() => ReminderOutcome::Bounced(error.to_string()),
        Err(error) if item.attempts.saturating_add(1) >= config.max_attempts => {
            ReminderOutcome::Failed(error.to_string())
        }
        Err(error) => ReminderOutcome::Retry {
            next_try: now + backoff(item.attempts, config.max_backoff_ms),
            reason: error.to_string(),
        },
    }
}

/// Runs `make` (which makes a reminder's links) with the store and the instant the
/// visit's day ends.
fn with_store<T>(
    state: &AppState,
    item: &ReminderItem,
    make: impl FnOnce(&mut crate::office::store::OfficeStore, Timestamp) -> Result<T, links::LinkError>,
) -> Result<T, links::LinkError> {
    let (_, day_ends) = state
        .day_bounds(item.day)
        .ok_or(links::LinkError::DayOutOfRange)?;
    let mut store = state.store.get()?;
    make(&mut store, day_ends)
}

/// Another try later, or *failed* when the tries are used up.
fn retry_or_fail(
    item: &ReminderItem,
    config: &RemindersConfig,
    now: Timestamp,
    reason: String,
) -> ReminderOutcome {
    if item.attempts.saturating_add(1) >= config.max_attempts {
        ReminderOutcome::Failed(reason)
    } else {
        ReminderOutcome::Retry {
            next_try: now + backoff(item.attempts, config.max_backoff_ms),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum_and_the_gap_keeps_the_rate() {
        assert_eq!(backoff(0, 60_000), SignedDuration::from_secs(1));
        assert_eq!(backoff(3, 60_000), SignedDuration::from_secs(8));
        assert_eq!(backoff(40, 60_000), SignedDuration::from_secs(60));
        assert_eq!(send_gap(30), Duration::from_secs(2));
        assert_eq!(send_gap(6000), Duration::from_millis(10));
    }
}
