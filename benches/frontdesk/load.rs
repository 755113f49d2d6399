//! Simulated kiosks for the office benchmarks: each an HTTP client of its own (its own
//! connection) delivering sealed check-ins exactly as the kiosk's sync thread does.

use frontdesk::api::{CheckInSubmission, OutboxBody, SealedDelivery};
use frontdesk::domain::{AppointmentId, CheckInId, ClinicId};
use frontdesk::seal::SealPublicKey;
use std::time::Instant;

pub struct SimKiosk {
    client: reqwest::Client,
    url: String,
    token: String,
    /// The office's sealing key, as `/config` gives it.
    seal_key: SealPublicKey,
}

impl SimKiosk {
    pub fn new(base: &str, token: &str, seal_key: SealPublicKey) -> anyhow::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder().build()?,
            url: format!("{base}/api/kiosk/v1/outbox"),
            token: token.to_owned(),
            seal_key,
        })
    }

    /// A new check-in for `appointment`, sealed as the kiosk's outbox holds it, and its id.
    pub fn seal(&self, appointment: AppointmentId) -> anyhow::Result<(CheckInId, SealedDelivery)> {
        let submission = CheckInSubmission {
            id: CheckInId::random(),
            clinic: ClinicId::new(1)?,
            appointment,
            arrived_at: jiff::Timestamp::now(),
        };
        let id = submission.id;
        Ok((
            id,
            SealedDelivery::seal(&OutboxBody::CheckIn(submission), &self.seal_key)?,
        ))
    }

    /// Delivers a sealed check-in; returns the milliseconds to the office's
    /// acknowledgement (sent only once it is committed).
    pub async fn deliver(&self, delivery: &SealedDelivery) -> anyhow::Result<f64> {
        let started = Instant::now();
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(&self.token)
            .json(delivery)
            .send()
            .await?;
        let status = response.status();
        let _ = response.bytes().await?;
        if status != reqwest::StatusCode::CREATED {
            anyhow::bail!("office answered {status} to a new check-in");
        }
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    }

    /// Seals and delivers a new check-in for `appointment`; returns its id and the
    /// milliseconds to the acknowledgement. Sealing happens before the clock starts: a
    /// real kiosk seals when it writes its outbox, long before delivery.
    pub async fn check_in(&self, appointment: AppointmentId) -> anyhow::Result<(CheckInId, f64)> {
        let (id, delivery) = self.seal(appointment)?;
        Ok((id, self.deliver(&delivery).await?))
    }
}

/// A runtime for the load generator, apart from the office's own.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
