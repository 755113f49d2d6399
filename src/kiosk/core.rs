//! `KioskCore`: the journey plus the hand-over of its effects to workers. No Slint here,
//! so end-to-end tests run a kiosk without a window, and nothing here waits on disk or
//! network: a `Persist` is queued to the outbox worker, a contact look-up to the look-up
//! worker, a payment to the payment worker, a card photo to the camera worker, a help
//! request to the sync thread.

use super::camera::CameraWorker;
use super::payments::PaymentWorker;
use super::workers::{LookupWorker, OutboxWorker};
use crate::checkin::{Effect, Event, InsuranceView, Journey, PageView, Screen};
use crate::domain::StaffNeed;
use crate::service::Health;
use jiff::Timestamp;

/// The journey and the workers that carry out its effects.
pub struct KioskCore {
    journey: Journey,
    outbox: OutboxWorker,
    lookup: LookupWorker,
    /// `None` on a kiosk without a card terminal (the journey then never asks to pay).
    payments: Option<PaymentWorker>,
    /// `None` on a kiosk without a camera (the journey then never asks for a photo).
    camera: Option<CameraWorker>,
    /// The camera's live preview runs (only while the photo page shows).
    previewing: bool,
    request_help: Box<dyn Fn(StaffNeed, Timestamp) + Send>,
}

impl KioskCore {
    pub fn new(
        journey: Journey,
        outbox: OutboxWorker,
        lookup: LookupWorker,
        request_help: impl Fn(StaffNeed, Timestamp) + Send + 'static,
    ) -> Self {
        Self {
            journey,
            outbox,
            lookup,
            payments: None,
            camera: None,
            previewing: false,
            request_help: Box::new(request_help),
        }
    }

    /// Adds the card terminal's worker.
    pub fn with_payments(mut self, payments: PaymentWorker) -> Self {
        self.payments = Some(payments);
        self
    }

    /// Whether every worker thread of the journey still runs.
    pub fn health(&self) -> Health {
        Health::of(&[
            ("outbox", self.outbox.is_running()),
            ("lookup", self.lookup.is_running()),
            (
                "payments",
                self.payments.as_ref().is_none_or(PaymentWorker::is_running),
            ),
            (
                "camera",
                self.camera.as_ref().is_none_or(CameraWorker::is_running),
            ),
        ])
    }

    /// Adds the card camera's worker.
    pub fn with_camera(mut self, camera: CameraWorker) -> Self {
        self.camera = Some(camera);
        self
    }

    /// Where the camera's preview frames go (the window); nowhere without a camera.
    pub fn set_preview_sink(&self, sink: super::camera::PreviewSink) {
        if let Some(camera) = &self.camera {
            camera.set_preview_sink(sink);
        }
    }

    /// Starts the camera's preview when the photo page shows, stops it on every other
    /// page (or when help covers it).
    fn follow_preview(&mut self, screen: &Screen) {
        let wanted = screen.overlay.is_none()
            && matches!(screen.page, PageView::Insurance(InsuranceView::Frame(_)));
        if let Some(camera) = &self.camera
            && wanted != self.previewing
        {
            self.previewing = wanted;
            camera.preview(wanted);
        }
    }

    /// The screen that should be showing.
    pub fn screen(&self) -> Screen {
        self.journey.screen()
    }

    /// Handles an event and hands its effects over; returns the screen to show if it
    /// changed.
    pub fn handle(&mut self, event: Event, now: Timestamp) -> Option<Screen> {
        let mut shown = None;
        for effect in self.journey.handle(event, now) {
            match effect {
                Effect::Show(screen) => {
                    self.follow_preview(&screen);
                    shown = Some(screen);
                }
                Effect::Persist { op, row } => self.outbox.persist(op, row),
                Effect::FetchContact { op, appointment } => self.lookup.fetch(op, appointment),
                Effect::FetchConsents { op, appointment } => {
                    self.lookup.fetch_consents(op, appointment);
                }
                Effect::FetchCoverage { op, appointment } => {
                    self.lookup.fetch_coverage(op, appointment);
                }
                Effect::FetchDue { op, appointment } => self.lookup.fetch_due(op, appointment),
                Effect::TakePayment { op, request } => match &self.payments {
                    Some(payments) => payments.take(op, request),
                    None => tracing::error!(%op, "payment asked of a kiosk without a terminal"),
                },
                Effect::CancelPayment { op } => {
                    if let Some(payments) = &self.payments {
                        payments.cancel(op);
                    }
                }
                Effect::SettlePayment {
                    op,
                    submission,
                    day,
                } => match &self.payments {
                    Some(payments) => payments.settle(op, submission, day),
                    None => tracing::error!(%op, "payment settled on a kiosk without a terminal"),
                },
                // Without a camera the journey never asks: it offers photos only while
                // the camera worker says `Ready`.
                Effect::TakeCardPhoto { op, side } => match &self.camera {
                    Some(camera) => camera.take(op, side),
                    None => tracing::error!(%op, "card photo asked of a kiosk without a camera"),
                },
                Effect::RequestHelp(need) => {
                    tracing::info!(need = need.as_str(), "patient needs the desk");
                    (self.request_help)(need, now);
                }
            }
        }
        shown
    }
}
