//! A Slint platform with no display: the software renderer draws into memory. Used by
//! the kiosk where there is no screen (servers, CI), by the screen renderer, and by
//! benchmarks. Frames can be written to PNG so a person can see what a patient would.

use slint::Rgb8Pixel;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{EventLoopProxy, Platform, WindowAdapter};
use slint::{EventLoopError, PhysicalSize, PlatformError};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode PNG: {0}")]
    Png(#[from] png::EncodingError),
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Inbox {
    jobs: Mutex<VecDeque<Job>>,
    ready: Condvar,
    quit: AtomicBool,
}

struct Proxy(Arc<Inbox>);

impl EventLoopProxy for Proxy {
    fn quit_event_loop(&self) -> Result<(), EventLoopError> {
        self.0.quit.store(true, Ordering::SeqCst);
        self.0.ready.notify_all();
        Ok(())
    }

    fn invoke_from_event_loop(&self, event: Job) -> Result<(), EventLoopError> {
        self.0
            .jobs
            .lock()
            .map_err(|_| EventLoopError::EventLoopTerminated)?
            .push_back(event);
        self.0.ready.notify_all();
        Ok(())
    }
}

/// Called with each frame drawn: its pixels and size.
pub type FrameSink = Box<dyn FnMut(&[Rgb8Pixel], PhysicalSize)>;

/// The headless platform. Create it once per process with [`HeadlessPlatform::install`].
pub struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    inbox: Arc<Inbox>,
    sink: RefCell<Option<FrameSink>>,
    /// One frame's pixels, reused: a fresh 3 MB buffer per frame made the allocator's
    /// heap (and the process's resident size) creep up in steps over a day.
    frame: Rc<RefCell<Vec<Rgb8Pixel>>>,
}

/// A handle to the headless window, for rendering on demand.
#[derive(Clone)]
pub struct HeadlessWindow {
    window: Rc<MinimalSoftwareWindow>,
    frame: Rc<RefCell<Vec<Rgb8Pixel>>>,
}

impl HeadlessPlatform {
    /// Installs the platform for this process; returns the window all components use.
    pub fn install(
        size: PhysicalSize,
        sink: Option<FrameSink>,
    ) -> Result<HeadlessWindow, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        window.set_size(size);
        let platform = HeadlessPlatform {
            window: window.clone(),
            inbox: Arc::new(Inbox::default()),
            sink: RefCell::new(sink),
            frame: Rc::default(),
        };
        let frame = platform.frame.clone();
        slint::platform::set_platform(Box::new(platform))
            .map_err(|e| PlatformError::Other(e.to_string()))?;
        Ok(HeadlessWindow { window, frame })
    }
}

impl HeadlessWindow {
    pub fn set_size(&self, size: PhysicalSize) {
        self.window.set_size(size);
    }

    /// Draws the current frame now (even if nothing changed) into the window's one frame
    /// buffer and shows it to `look` with its size.
    pub fn redraw<T>(&self, look: impl FnOnce(&[Rgb8Pixel], PhysicalSize) -> T) -> Option<T> {
        slint::platform::update_timers_and_animations();
        self.window.request_redraw();
        let size = self.window.size();
        let mut pixels = self.frame.borrow_mut();
        self.window
            .draw_if_needed(|renderer| draw(renderer, size, &mut pixels))
            .then(|| look(&pixels, size))
    }
}

/// Draws the whole window into `pixels`, sized to fit.
fn draw(
    renderer: &slint::platform::software_renderer::SoftwareRenderer,
    size: PhysicalSize,
    pixels: &mut Vec<Rgb8Pixel>,
) {
    pixels.resize(
        size.width as usize * size.height as usize,
        Rgb8Pixel::new(0, 0, 0),
    );
    renderer.render(pixels, size.width as usize);
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    fn run_event_loop(&self) -> Result<(), PlatformError> {
        loop {
            slint::platform::update_timers_and_animations();
            let size = self.window.size();
            let mut pixels = self.frame.borrow_mut();
            let drawn = self
                .window
                .draw_if_needed(|renderer| draw(renderer, size, &mut pixels));
            if drawn && let Some(sink) = self.sink.borrow_mut().as_mut() {
                sink(&pixels, size);
            }
            drop(pixels);
            let jobs: Vec<Job> = {
                let mut queue = self
                    .inbox
                    .jobs
                    .lock()
                    .map_err(|_| PlatformError::Other("inbox poisoned".into()))?;
                if queue.is_empty() && !self.inbox.quit.load(Ordering::SeqCst) {
                    let wait = if self.window.has_active_animations() {
                        Duration::from_millis(16)
                    } else {
                        slint::platform::duration_until_next_timer_update()
                            .unwrap_or(Duration::from_secs(1))
                            .min(Duration::from_secs(1))
                    };
                    queue = self
                        .inbox
                        .ready
                        .wait_timeout(queue, wait)
                        .map_err(|_| PlatformError::Other("inbox poisoned".into()))?
                        .0;
                }
                queue.drain(..).collect()
            };
            for job in jobs {
                job();
            }
            if self.inbox.quit.load(Ordering::SeqCst) {
                return Ok(());
            }
        }
    }

    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        Some(Box::new(Proxy(self.inbox.clone())))
    }
}

/// Writes RGB pixels to a PNG file.
pub fn write_png(path: &Path, pixels: &[Rgb8Pixel], size: PhysicalSize) -> Result<(), FrameError> {
    let file = std::fs::File::create(path).map_err(|source| FrameError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), size.width, size.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    let bytes: Vec<u8> = pixels.iter().flat_map(|p| [p.r, p.g, p.b]).collect();
    writer.write_image_data(&bytes)?;
    writer.finish()?;
    Ok(())
}
