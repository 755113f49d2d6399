//! The camera worker: answers [`Effect::TakeCardPhoto`](crate::checkin::Effect) off the UI
//! thread. One frame from the [`CardCamera`], judged (dark, blurred, empty →
//! `Unreadable`), JPEG-encoded for the sealed outbox row (at most
//! [`CardPhotoSubmission::MAX_JPEG`]) and read by Tesseract into a `CardReading` for the
//! patient to confirm. Posts [`Event::CameraReadiness`] at start and whenever it changes
//! (a failed photo, or the periodic check, finds the camera gone or back).
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
use std::time::{Duration, Instant};

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
    Take { op: OpId, side: CardSide },
}

/// The camera's thread. It ends when the worker is dropped (after the photo in hand).
pub struct CameraWorker {
    jobs: mpsc::Sender<Job>,
    thread: Option<std::thread::JoinHandle<()>>,
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
                loop {
                    let wait = if ready {
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
        })
    }

    /// Queues a photo of one side; the answer comes as an event.
    pub fn take(&self, op: OpId, side: CardSide) {
        if self.jobs.send(Job::Take { op, side }).is_err() {
            tracing::error!(%op, "camera worker has stopped");
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
    use std::sync::Arc;
    use std::sync::mpsc::Receiver;

    fn worker(dir: &std::path::Path) -> (CameraWorker, Receiver<Event>) {
        let (events, received) = mpsc::channel();
        let events = std::sync::Mutex::new(events);
        let post: Post = Arc::new(move |event| {
            let _ = events.lock().unwrap().send(event);
        });
        let worker = CameraWorker::start(
            Box::new(SimulatedCamera::new(dir.to_path_buf())),
            CardOcr::default(),
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
        events.recv_timeout(Duration::from_secs(60)).unwrap()
    }

    #[test]
    fn answers_a_photo_with_the_jpeg_and_the_reading() {
        let dir = tempfile::tempdir().unwrap();
        write_demo_cards(dir.path()).unwrap();
        let (worker, events) = worker(dir.path());
        assert!(matches!(
            next(&events),
            Event::CameraReadiness(CameraReadiness::Ready)
        ));
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
