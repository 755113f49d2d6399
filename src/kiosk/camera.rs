//! The camera worker: answers [`Effect::TakeCardPhoto`](crate::checkin::Effect) off the UI
//! thread. One frame from the [`CardCamera`], judged (dark, blurred, empty →
//! `Unreadable`), JPEG-encoded for the sealed outbox row (at most
//! [`CardPhotoSubmission::MAX_JPEG`]) and read by Tesseract into a `CardReading` for the
//! patient to confirm. Posts [`Event::CameraReadiness`] at start and whenever it changes
//! (a failed photo, or the periodic check, finds the camera gone or back).
//!
//! While the photo page shows, it also streams a live preview: small frames (at most
//! [`PREVIEW_SIZE`], every [`PREVIEW_INTERVAL`]) to a [`PreviewSink`] that draws them
//! behind the frame guide, so the patient sees the card inside the frame before tapping
//! "Take photo". Preview frames are handed over and forgotten: nothing of one is kept by
//! the worker, and turning the preview off sends `None` so the screen drops the last.
//!
//! Logs carry the side, the measures and which fields were found; never the text read.

use super::workers::Post;
use crate::api::CardPhotoSubmission;
use crate::checkin::{
    CameraReadiness, CardPhotoOutcome, Completion, Event, OpId, OpResult, TakenCardPhoto,
};
use crate::devices::camera::{CameraError, CardCamera, Frame};
use crate::domain::{CardReading, CardSide};
use crate::scan::card_ocr::CardOcr;
use crate::scan::card_photo;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where preview frames go (the UI); `None`: the preview stopped, show nothing.
pub type PreviewSink = Arc<dyn Fn(Option<Frame>) + Send + Sync>;

/// The live preview's largest frame: 320×200 is enough to aim a card and cheap to scale
/// and draw several times a second on a Pi.
pub const PREVIEW_SIZE: (u32, u32) = (320, 200);
/// Time between preview frames: five a second.
pub const PREVIEW_INTERVAL: Duration = Duration::from_millis(200);

/// How often the camera is looked for while it is missing, and while it works.
#[derive(Debug, Clone, Copy)]
pub struct CameraWorkerSettings {
    pub recheck_missing: Duration,
    pub recheck_ready: Duration,
}

impl Default for CameraWorkerSettings {
    fn default() -> Self {
        Self {
            recheck_missing: Duration::from_secs(5),
            recheck_ready: Duration::from_secs(30),
        }
    }
}

enum Job {
    Take {
        op: OpId,
        side: CardSide,
    },
    /// Start (true) or stop (false) the live preview.
    Preview(bool),
}

/// The camera's thread. It ends when the worker is dropped (after the photo in hand).
pub struct CameraWorker {
    jobs: mpsc::Sender<Job>,
    thread: Option<std::thread::JoinHandle<()>>,
    sink: Arc<Mutex<Option<PreviewSink>>>,
}

impl CameraWorker {
    /// Whether the camera thread still runs (the watchdog asks).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }

    /// Starts the thread; it checks the camera and posts its readiness first.
    pub fn start(
        mut camera: Box<dyn CardCamera>,
        ocr: CardOcr,
        settings: CameraWorkerSettings,
        post: Post,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let sink: Arc<Mutex<Option<PreviewSink>>> = Arc::default();
        let thread_sink = sink.clone();
        let thread = std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || {
                if !ocr.available() {
                    tracing::warn!(
                        "tesseract not found: card photos are taken but not read \
                         (Debian: tesseract-ocr tesseract-ocr-eng)"
                    );
                }
                let mut shown = None;
                let mut report = |ready: bool| {
                    let readiness = if ready {
                        CameraReadiness::Ready
                    } else {
                        CameraReadiness::Unavailable
                    };
                    if shown != Some(readiness) {
                        shown = Some(readiness);
                        tracing::info!(?readiness, "card camera");
                        post(Event::CameraReadiness(readiness));
                    }
                };
                let mut ready = check(camera.as_mut());
                report(ready);
                let mut previewing = false;
                let mut next_frame = Instant::now();
                loop {
                    let wait = if previewing {
                        next_frame.saturating_duration_since(Instant::now())
                    } else if ready {
                        settings.recheck_ready
                    } else {
                        settings.recheck_missing
                    };
                    match queue.recv_timeout(wait) {
                        Ok(Job::Take { op, side }) => {
                            let (outcome, camera_ok) = take_photo(camera.as_mut(), &ocr, side);
                            ready = camera_ok;
                            report(ready);
                            post(Event::Completed(Completion {
                                op,
                                result: OpResult::CardPhoto(outcome),
                            }));
                        }
                        Ok(Job::Preview(on)) => {
                            if previewing && !on {
                                send_preview(&thread_sink, None);
                            }
                            previewing = on;
                            next_frame = Instant::now();
                        }
                        Err(RecvTimeoutError::Timeout) if previewing => {
                            next_frame = Instant::now() + PREVIEW_INTERVAL;
                            match preview_frame(camera.as_mut()) {
                                Some(frame) => send_preview(&thread_sink, Some(frame)),
                                None => {
                                    // The photo page then finds the camera gone at "Take
                                    // photo"; the preview just stops.
                                    previewing = false;
                                    send_preview(&thread_sink, None);
                                    ready = false;
                                    report(ready);
                                }
                            }
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            ready = check(camera.as_mut());
                            report(ready);
                        }
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })?;
        Ok(Self {
            jobs,
            thread: Some(thread),
            sink,
        })
    }

    /// Where preview frames go from now on (the UI, once its window exists).
    pub fn set_preview_sink(&self, sink: PreviewSink) {
        if let Ok(mut slot) = self.sink.lock() {
            *slot = Some(sink);
        }
    }

    /// Starts or stops the live preview.
    pub fn preview(&self, on: bool) {
        if self.jobs.send(Job::Preview(on)).is_err() {
            tracing::error!("camera worker has stopped");
        }
    }

    /// Queues a photo of one side; the answer comes as an event.
    pub fn take(&self, op: OpId, side: CardSide) {
        if self.jobs.send(Job::Take { op, side }).is_err() {
            tracing::error!(%op, "camera worker has stopped");
        }
    }
}

fn send_preview(sink: &Mutex<Option<PreviewSink>>, frame: Option<Frame>) {
    let sink = sink.lock().ok().and_then(|slot| slot.clone());
    if let Some(sink) = sink {
        sink(frame);
    }
}

/// One preview frame, made small; `None` when the camera did not give one (logged).
pub fn preview_frame(camera: &mut dyn CardCamera) -> Option<Frame> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| camera.preview())) {
        Ok(Ok(frame)) => Some(frame.scaled_within(PREVIEW_SIZE.0, PREVIEW_SIZE.1)),
        Ok(Err(error)) => {
            tracing::warn!(%error, "camera preview stopped");
            None
        }
        Err(_) => {
            tracing::error!("card camera driver panicked while previewing");
            None
        }
    }
}

/// Whether the camera answers. A driver that panics counts as not answering.
fn check(camera: &mut dyn CardCamera) -> bool {
    match std::panic::catch_unwind(AssertUnwindSafe(|| camera.check())) {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            tracing::warn!(%error, "card camera not available");
            false
        }
        Err(_) => {
            tracing::error!("card camera driver panicked while checking");
            false
        }
    }
}

/// Takes, judges, encodes and reads one photo; also says whether the camera answered.
pub fn take_photo(
    camera: &mut dyn CardCamera,
    ocr: &CardOcr,
    side: CardSide,
) -> (CardPhotoOutcome, bool) {
    let started = Instant::now();
    let frame: Result<Frame, CameraError> =
        match std::panic::catch_unwind(AssertUnwindSafe(|| camera.capture())) {
            Ok(result) => result,
            Err(_) => {
                tracing::error!("card camera driver panicked while capturing");
                return (CardPhotoOutcome::CameraUnavailable, false);
            }
        };
    let frame = match frame {
        Ok(frame) => frame,
        // A folder or file the simulator cannot decode is a bad frame, not a bad camera.
        Err(CameraError::Image(reason)) => {
            tracing::warn!(side = side.as_str(), %reason, "card photo not decodable");
            return (CardPhotoOutcome::Unreadable, true);
        }
        Err(error) => {
            tracing::warn!(side = side.as_str(), %error, "card photo not taken");
            return (CardPhotoOutcome::CameraUnavailable, false);
        }
    };
    let grey = frame.grey();
    let (measures, verdict) = card_photo::judge(&grey);
    if let Err(why) = verdict {
        tracing::info!(
            side = side.as_str(),
            reason = %why,
            brightness = measures.brightness,
            contrast = measures.contrast,
            sharpness = measures.sharpness,
            "card photo unusable"
        );
        return (CardPhotoOutcome::Unreadable, true);
    }
    let jpeg = match frame.to_jpeg(CardPhotoSubmission::MAX_JPEG) {
        Ok(jpeg) => jpeg,
        Err(error) => {
            tracing::error!(side = side.as_str(), %error, "card photo cannot be encoded");
            return (CardPhotoOutcome::Unreadable, true);
        }
    };
    let reading = match ocr.read(&grey) {
        Ok(reading) => reading,
        Err(error) => {
            tracing::warn!(side = side.as_str(), %error, "card photo not read");
            CardReading::default()
        }
    };
    tracing::info!(
        side = side.as_str(),
        jpeg_bytes = jpeg.len(),
        ?reading,
        ms = started.elapsed().as_millis(),
        "card photo taken"
    );
    (
        CardPhotoOutcome::Taken(Box::new(TakenCardPhoto {
            side,
            jpeg,
            reading,
        })),
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::camera::sim::SimulatedCamera;
    use crate::devices::camera::synthetic::write_demo_cards;
    use std::sync::mpsc::Receiver;

    fn worker(dir: &std::path::Path) -> (CameraWorker, Receiver<Event>) {
        let (events, received) = mpsc::channel();
        let events = std::sync::Mutex::new(events);
        let post: Post = Arc::new(move |event| {
            let _ = events.lock().unwrap().send(event);
        });
        let worker = CameraWorker::start(
            Box::new(SimulatedCamera::new(dir.to_path_buf())),
            // Hang guards, not speed goals: emulated arm64 (image/boot-test.sh) runs
            // Tesseract many times slower than a Pi.
            CardOcr {
                timeout: Duration::from_secs(300),
                ..CardOcr::default()
            },
            CameraWorkerSettings {
                recheck_missing: Duration::from_millis(20),
                recheck_ready: Duration::from_secs(3600),
            },
            post,
        )
        .unwrap();
        (worker, received)
    }

    fn next(events: &Receiver<Event>) -> Event {
        events.recv_timeout(Duration::from_secs(600)).unwrap()
    }

    /// A worker on the demo cards in `dir`, once it has said the camera is ready.
    fn ready_worker(dir: &std::path::Path) -> (CameraWorker, Receiver<Event>) {
        write_demo_cards(dir).unwrap();
        let (worker, events) = worker(dir);
        assert!(matches!(
            next(&events),
            Event::CameraReadiness(CameraReadiness::Ready)
        ));
        (worker, events)
    }

    #[test]
    fn answers_a_photo_with_the_jpeg_and_the_reading() {
        let dir = tempfile::tempdir().unwrap();
        let (worker, events) = ready_worker(dir.path());
        let op = OpId::first();
        worker.take(op, CardSide::Front);
        let Event::Completed(Completion {
            op: answered,
            result: OpResult::CardPhoto(CardPhotoOutcome::Taken(photo)),
        }) = next(&events)
        else {
            panic!("expected a taken photo");
        };
        assert_eq!(answered, op);
        assert_eq!(photo.side, CardSide::Front);
        assert!(photo.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
        assert!(photo.jpeg.len() <= CardPhotoSubmission::MAX_JPEG);
        assert_eq!(
            photo.reading.member_id.as_ref().map(|id| id.as_str()),
            Some("TST-000042")
        );
    }

    #[test]
    fn streams_small_preview_frames_only_while_asked() {
        let dir = tempfile::tempdir().unwrap();
        let (worker, events) = ready_worker(dir.path());
        let (frames, shown) = mpsc::channel();
        let frames = std::sync::Mutex::new(frames);
        worker.set_preview_sink(Arc::new(move |frame: Option<Frame>| {
            let _ = frames
                .lock()
                .unwrap()
                .send(frame.map(|f| (f.width, f.height)));
        }));
        worker.preview(true);
        for _ in 0..3 {
            let size = shown.recv_timeout(Duration::from_secs(30)).unwrap();
            let (width, height) = size.expect("a frame");
            assert!(width <= PREVIEW_SIZE.0 && height <= PREVIEW_SIZE.1);
            assert_eq!(width, PREVIEW_SIZE.0, "the card fills the width");
        }
        worker.preview(false);
        // Frames already on their way, then `None`, then nothing more.
        while shown
            .recv_timeout(Duration::from_secs(30))
            .unwrap()
            .is_some()
        {}
        assert!(shown.recv_timeout(Duration::from_millis(600)).is_err());
        // The preview moved nothing on: the first photo is still the front.
        worker.take(OpId::first(), CardSide::Front);
        let Event::Completed(Completion {
            result: OpResult::CardPhoto(CardPhotoOutcome::Taken(photo)),
            ..
        }) = next(&events)
        else {
            panic!("expected a taken photo");
        };
        assert_eq!(
            photo.reading.member_id.as_ref().map(|id| id.as_str()),
            Some("TST-000042")
        );
    }

    #[test]
    fn a_dark_frame_is_unreadable_and_a_missing_camera_is_reported_then_found() {
        let dir = tempfile::tempdir().unwrap();
        let cards = dir.path().join("cards");
        let (worker, events) = worker(&cards);
        assert!(matches!(
            next(&events),
            Event::CameraReadiness(CameraReadiness::Unavailable)
        ));
        let op = OpId::first();
        worker.take(op, CardSide::Back);
        assert!(matches!(
            next(&events),
            Event::Completed(Completion {
                result: OpResult::CardPhoto(CardPhotoOutcome::CameraUnavailable),
                ..
            })
        ));
        // The camera appears (a dark frame in the folder): found by the periodic check.
        std::fs::create_dir_all(&cards).unwrap();
        image::RgbImage::from_pixel(640, 400, image::Rgb([8, 8, 8]))
            .save(cards.join("dark.png"))
            .unwrap();
        assert!(matches!(
            next(&events),
            Event::CameraReadiness(CameraReadiness::Ready)
        ));
        let second = op.following();
        worker.take(second, CardSide::Front);
        assert!(matches!(
            next(&events),
            Event::Completed(Completion {
                op,
                result: OpResult::CardPhoto(CardPhotoOutcome::Unreadable),
            }) if op == second
        ));
    }
}
