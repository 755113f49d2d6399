//! Wiring: shared state, routes, and serving until told to stop.

use super::auth::KioskRegistry;
use super::config::{ConfigError, OfficeConfig};
use super::error::ApiError;
use super::events::Events;
use super::intake::Intake;
use super::keys::{self, KeyError};
use super::store::{OfficeStore, StoreError, StoreHandle};
use super::{details_review, kiosk_api, payments, registrations, staff, staff_needs};
use crate::seal::SealSecretKey;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use ed25519_dalek::SigningKey;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Largest request body the API reads; a check-in is a few hundred bytes.
pub const MAX_BODY: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot create data directory: {0}")]
    DataDir(std::io::Error),
    #[error("server failed: {0}")]
    Serve(std::io::Error),
    #[error("cannot start the check-in writer: {0}")]
    Thread(std::io::Error),
    #[error("[insurance] {0}")]
    Insurance(#[from] super::coverage::SetupError),
    #[error("[tls] {0}")]
    Tls(#[from] super::tls::TlsError),
}

/// State every handler sees.
#[derive(Clone)]
pub struct AppState {
    pub store: StoreHandle,
    /// Where arriving check-ins go: committed in groups (see [`Intake`]).
    pub intake: Intake,
    pub signing_key: Arc<SigningKey>,
    /// Opens the outbox rows kiosks seal to its public half.
    pub seal_key: Arc<SealSecretKey>,
    /// Derives each day's name + date-of-birth hashing key.
    pub identity_secret: Arc<keys::IdentitySecret>,
    pub config: Arc<OfficeConfig>,
    pub timezone: TimeZone,
    pub events: Events,
    pub kiosks: Arc<KioskRegistry>,
    /// The consent documents and questionnaires published to kiosks, every version.
    pub forms: Arc<super::forms::FormsLibrary>,
    /// The payer list, trusted card issuers and the clearinghouse.
    pub insurance: Arc<super::coverage::Insurance>,
    /// Turns true when the server is stopping, so live streams end and shutdown is quick.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// The certificate served over HTTPS; `None`: plain HTTP on loopback.
    pub tls: Option<Arc<super::tls::OfficeCertificate>>,
    /// The HL7 v2 interface's live state (issue 14).
    pub hl7: Arc<super::hl7::Hl7Link>,
    /// The FHIR interface's live state (issue 14).
    pub fhir: Arc<super::fhir::FhirLink>,
    /// Kiosks waiting to be paired (see `pairing`).
    pub pairing: Arc<super::pairing::PairingBook>,
    /// Marked whenever staff sessions may have ended before their time (a sign-out, a
    /// user disabled, a role or password changed), so open live streams look again at
    /// theirs at once rather than at their next keep-alive.
    pub sessions_changed: Arc<tokio::sync::watch::Sender<()>>,
}

impl AppState {
    /// Runs a store call off the async threads (SQLite blocks).
    pub async fn db<T, F>(&self, call: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut OfficeStore) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || call(&mut *store.get()?))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)
    }

    /// Reads the form files again (SIGHUP): publishes them, or keeps the last good set
    /// and shows why on the staff page. Staff pages are told either way.
    pub async fn reload_forms(&self) -> Result<super::forms::Reloaded, ApiError> {
        let forms = self.forms.clone();
        let reloaded = self
            .db(move |db| forms.reload(db, Timestamp::now()))
            .await?;
        self.events.publish(super::events::QueueEvent::FormsChanged);
        Ok(reloaded)
    }

    /// Today in the clinic's zone.
    pub fn today(&self, now: Timestamp) -> jiff::civil::Date {
        now.to_zoned(self.timezone.clone()).date()
    }

    /// The instant a clinic day begins (`None` only at the ends of the calendar).
    pub fn day_start(&self, day: jiff::civil::Date) -> Option<Timestamp> {
        day.to_zoned(self.timezone.clone())
            .ok()
            .map(|z| z.timestamp())
    }

    /// The instants a clinic day begins and ends.
    pub fn day_bounds(&self, day: jiff::civil::Date) -> Option<(Timestamp, Timestamp)> {
        Some((self.day_start(day)?, self.day_start(day.tomorrow().ok()?)?))
    }
}

/// The office hub, ready to serve.
pub struct Office {
    state: AppState,
    stopping: tokio::sync::watch::Sender<bool>,
    /// The HL7 listener, bound at open so its address is known before serving.
    hl7_listener: Option<std::net::TcpListener>,
}

impl Office {
    /// Opens the data directory (database, signing and sealing keys) described by `config`.
    pub fn open(config: OfficeConfig) -> Result<Self, OfficeError> {
        config.validate()?;
        std::fs::create_dir_all(&config.data_dir).map_err(OfficeError::DataDir)?;
        let signing_key = keys::load_or_create(&config.data_dir)?;
        let seal_key = keys::load_or_create_sealing(&config.data_dir)?;
        let identity_secret = keys::load_or_create_identity(&config.data_dir)?;
        let tls = match &config.tls {
            Some(tls) => Some(Arc::new(super::tls::OfficeCertificate::load_or_create(
                tls,
                &config.data_dir,
                config.listen,
                Timestamp::now(),
            )?)),
            None => None,
        };
        let handle = StoreHandle::open(&config.database, config.clinic_id, &config.data_dir)?;
        handle.set_outbound(config.hl7.peer.is_some(), super::fhir::writes(&config.fhir))?;
        let mut store = handle.get()?;
        let hl7 = Arc::new(super::hl7::Hl7Link::default());
        let hl7_listener = match config.hl7.listen {
            Some(addr) => {
                let listener = std::net::TcpListener::bind(addr).map_err(OfficeError::Serve)?;
                hl7.set_listening(listener.local_addr().map_err(OfficeError::Serve)?);
                Some(listener)
            }
            None => None,
        };
        // A check the last run did not finish will never be: say so (staff can re-check).
        let interrupted = super::coverage::EligibilityFinding::not_verified(
            super::coverage::NotVerified::Interrupted,
        );
        for check in store.unfinished_eligibility_checks()? {
            store.finish_eligibility_check(check, &interrupted, Timestamp::now())?;
        }
        let forms =
            super::forms::FormsLibrary::open(config.forms.clone(), &mut store, Timestamp::now())?;
        let timezone = config.time_zone()?;
        let insurance = super::coverage::Insurance::new(
            super::coverage::InsuranceSetup::load(&config.insurance)?,
            super::coverage::EligibilitySettings::from_config(&config.eligibility)?,
        );
        let kiosks = KioskRegistry::new(config.kiosks.clone());
        kiosks.set_paired(store.kiosk_credentials()?);
        let seal_key = Arc::new(seal_key);
        let pairing = super::pairing::PairingBook::new(&config.pairing, seal_key.clone());
        let (stopping, stopping_rx) = tokio::sync::watch::channel(false);
        drop(store);
        let store = handle;
        let events = Events::new(Timestamp::now());
        let intake = Intake::start(store.clone(), events.clone()).map_err(OfficeError::Thread)?;
        Ok(Self {
            stopping,
            hl7_listener,
            state: AppState {
                store,
                intake,
                signing_key: Arc::new(signing_key),
                seal_key,
                identity_secret: Arc::new(identity_secret),
                config: Arc::new(config),
                timezone,
                events,
                kiosks: Arc::new(kiosks),
                forms: Arc::new(forms),
                insurance: Arc::new(insurance),
                stopping: stopping_rx,
                tls,
                hl7,
                fhir: Arc::new(super::fhir::FhirLink::default()),
                pairing: Arc::new(pairing),
                sessions_changed: Arc::new(tokio::sync::watch::Sender::new(())),
            },
        })
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// All routes. Every staff route sits in the router of the role it needs, behind
    /// that role's sign-in gate (`signin::guarded`); the kiosk API (bearer tokens), the
    /// login page, the reminders' public link pages (`/r/`, `/u/`) and `/healthz` stay
    /// outside.
    pub fn router(&self) -> Router {
        use super::signin::{self, Role};
        let state = &self.state;
        // PHI and every change: front desk and above.
        let front_desk = Router::new()
            .merge(super::views::desk_routes())
            .merge(staff::routes())
            .merge(registrations::routes())
            .merge(staff_needs::routes())
            .merge(details_review::routes())
            .merge(payments::routes())
            .merge(super::consents::staff_routes())
            .merge(super::intake_answers::routes())
            .merge(super::coverage::staff_routes())
            .merge(signin::desk_routes())
            .merge(super::tls::routes())
            .merge(super::hl7::status::routes())
            .merge(super::fhir::status::routes())
            .merge(super::reminders::routes::routes());
        // The audit log: viewing and export.
        let manager = Router::new()
            .merge(super::views::manager_routes())
            .merge(super::audit::routes::routes());
        // Users and kiosk management.
        let admin = Router::new()
            .merge(super::views::admin_routes())
            .merge(signin::admin_routes())
            .merge(super::pairing::admin_routes());
        Router::new()
            .merge(kiosk_api::routes())
            .merge(super::pairing::kiosk_routes())
            .merge(super::forms_api::routes())
            .merge(super::consents::routes())
            .merge(super::coverage::routes())
            .merge(super::reminders::inbound::routes())
            .merge(super::reminders::delivery::routes())
            .merge(super::reminders::public::routes(state))
            .merge(signin::public_routes())
            .merge(super::views::asset_routes())
            .merge(signin::guarded(front_desk, Role::FrontDesk, state))
            .merge(signin::guarded(manager, Role::Manager, state))
            .merge(signin::guarded(admin, Role::Admin, state))
            .route("/healthz", axum::routing::get(|| async { "ok" }))
            .layer(DefaultBodyLimit::max(MAX_BODY))
            .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
            .with_state(self.state.clone())
    }

    /// Serves on `listener` until `shutdown` completes: HTTPS with the configured or
    /// self-signed certificate, or plain HTTP when `listener` is on loopback.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), OfficeError> {
        let app = self.router();
        super::hl7::start(&self.state, self.hl7_listener);
        super::fhir::start(&self.state);
        super::reminders::sender::start(&self.state);
        super::hubs::start(
            &self.state.store,
            &self.state.events,
            &self.state.kiosks,
            self.state.stopping.clone(),
        );
        let stopping = Arc::new(self.stopping);
        let stop_on_signal = stopping.clone();
        let address = listener.local_addr().map_err(OfficeError::Serve)?;
        // The configuration was checked, but the listener may come from elsewhere.
        if self.state.tls.is_none() && !address.ip().is_loopback() {
            return Err(ConfigError::PlainHttpNotLoopback(address).into());
        }
        // Signs the audit chain's tail now and then, and once more when stopping.
        let checkpoints = std::sync::Arc::new(super::audit::checkpoint::Checkpointer::new(
            &self.state.config.data_dir,
            self.state.signing_key.clone(),
        ));
        let checkpointing =
            tokio::spawn(checkpoints.run(self.state.store.clone(), self.state.stopping.clone()));
        if let Some(policy) =
            super::retention::RetentionPolicy::of(&self.state.config, self.state.timezone.clone())
        {
            tokio::spawn(super::retention::run(self.state.clone(), policy));
        }
        let on_stop = async move {
            shutdown.await;
            let _ = stop_on_signal.send(true);
        };
        let served = match self.state.tls.clone() {
            Some(certificate) => serve_tls(listener, app, &certificate, on_stop).await,
            // Connection info gives audit entries the peer address (`audit::Origin`) and
            // the login lockout its per-address key.
            None => axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(on_stop)
            .await
            .map_err(OfficeError::Serve),
        };
        // Also when serving failed: the last checkpoint is written either way.
        let _ = stopping.send(true);
        let _ = checkpointing.await;
        served
    }
    /// Serves on `listener` from a thread of its own with its own runtime, for tests,
    /// benchmarks and anything else that embeds the hub; it stops when the handle is
    /// dropped (or [`BackgroundOffice::stop`]ped).
    pub fn serve_in_background(
        self,
        listener: std::net::TcpListener,
    ) -> Result<BackgroundOffice, OfficeError> {
        listener.set_nonblocking(true).map_err(OfficeError::Serve)?;
        let addr = listener.local_addr().map_err(OfficeError::Serve)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(OfficeError::Thread)?;
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("office".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let served = match TcpListener::from_std(listener) {
                        Ok(listener) => {
                            self.serve(listener, async {
                                let _ = stop.await;
                            })
                            .await
                        }
                        Err(error) => Err(OfficeError::Serve(error)),
                    };
                    if let Err(error) = served {
                        tracing::error!(%error, "office stopped");
                    }
                });
            })
            .map_err(OfficeError::Thread)?;
        Ok(BackgroundOffice {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

/// A request's span (debug level, like `TraceLayer`'s own): method and path, without the
/// query or a reminder link's token (it opens a page).
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = %super::reminders::public::loggable_path(request.uri().path()),
    )
}

/// The longest a stopping HTTPS server waits for open requests (live streams end at once).
const TLS_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves `app` over HTTPS on `listener` until `shutdown` completes.
async fn serve_tls(
    listener: TcpListener,
    app: Router,
    certificate: &super::tls::OfficeCertificate,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), OfficeError> {
    let address = listener.local_addr().map_err(OfficeError::Serve)?;
    // A public value, for the IT person to compare with a kiosk's pin; no PHI.
    tracing::info!(
        %address,
        fingerprint = %certificate.fingerprint(),
        not_after = %certificate.not_after(),
        "serving HTTPS"
    );
    let handle = axum_server::Handle::new();
    let stop = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.graceful_shutdown(Some(TLS_GRACE));
    });
    let listener = listener.into_std().map_err(OfficeError::Serve)?;
    let config = axum_server::tls_rustls::RustlsConfig::from_config(certificate.server_config());
    axum_server::from_tcp_rustls(listener, config)
        .map_err(OfficeError::Serve)?
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .await
        .map_err(OfficeError::Serve)
}

/// An office serving from its own thread; see [`Office::serve_in_background`].
pub struct BackgroundOffice {
    addr: std::net::SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundOffice {
    /// Where it listens.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Stops serving and waits until the listener is closed.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BackgroundOffice {
    fn drop(&mut self) {
        self.halt();
    }
}
