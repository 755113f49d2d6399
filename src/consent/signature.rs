//! A handwritten signature as strokes of points on the pad, validated on construction,
//! smoothed for display, and a compact versioned JSON encoding for the outbox.
//!
//! Coordinates are normalised to `0..=PAD_MAX` on both axes of the pad, so the kiosk's
//! screen size does not matter; each point carries milliseconds since the first touch.
//! Wire form (version 1), delta-encoded so typical signatures stay small:
//! `{"v":1,"s":[[x0,y0,t0,dx1,dy1,dt1,...],...]}`.

use serde::{Deserialize, Serialize};

/// The pad's normalised extent on both axes.
pub const PAD_MAX: u16 = 10_000;
/// Most strokes in one signature.
pub const MAX_STROKES: usize = 64;
/// Most points in one signature, all strokes together.
pub const MAX_POINTS: usize = 4_000;
/// Least ink (sum of segment lengths, in pad units): a tap or a tiny scratch is no signature.
pub const MIN_INK: f64 = 400.0;
/// Latest time offset accepted (10 minutes).
pub const MAX_TIME_MS: u32 = 600_000;
/// Largest encoded signature accepted by the decoder.
pub const MAX_ENCODED_BYTES: usize = 128 * 1024;
/// The encoding version written and read.
pub const ENCODING_VERSION: u32 = 1;

/// Why a signature was refused. Never carries coordinates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature is empty")]
    Empty,
    #[error("stroke {stroke} has no points")]
    EmptyStroke { stroke: usize },
    #[error("signature has too little ink (a tap is not a signature)")]
    TooLittleInk,
    #[error("signature has more than {MAX_STROKES} strokes")]
    TooManyStrokes,
    #[error("signature has more than {MAX_POINTS} points")]
    TooManyPoints,
    #[error("stroke {stroke} point {point} is outside the pad")]
    OutOfPad { stroke: usize, point: usize },
    #[error("stroke {stroke} point {point} goes back in time or past {MAX_TIME_MS} ms")]
    BadTime { stroke: usize, point: usize },
    #[error("encoded signature is larger than {MAX_ENCODED_BYTES} bytes")]
    EncodedTooLarge,
    #[error(
        "encoded signature is not valid JSON of the expected shape (line {line}, column {column})"
    )]
    Garbled { line: usize, column: usize },
    #[error("encoded signature has version {0}, expected {ENCODING_VERSION}")]
    UnknownVersion(u32),
    #[error("encoded stroke {stroke} is not a list of x, y, t triples")]
    BadStrokeLength { stroke: usize },
}

/// One sample of a finger on the pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub x: u16,
    pub y: u16,
    /// Milliseconds since the signature's first touch.
    pub t_ms: u32,
}

/// A validated signature: 1..=MAX_STROKES non-empty strokes, at most MAX_POINTS points,
/// inside the pad, time never going back within a stroke, and at least MIN_INK of ink.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    strokes: Vec<Vec<Point>>,
}

/// PHI: show the shape's size, never its points.
impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("strokes", &self.strokes.len())
            .field("points", &self.point_count())
            .finish()
    }
}

impl Signature {
    pub fn new(strokes: Vec<Vec<Point>>) -> Result<Self, SignatureError> {
        if strokes.is_empty() {
            return Err(SignatureError::Empty);
        }
        if strokes.len() > MAX_STROKES {
            return Err(SignatureError::TooManyStrokes);
        }
        if strokes.iter().map(Vec::len).sum::<usize>() > MAX_POINTS {
            return Err(SignatureError::TooManyPoints);
        }
        let mut ink = 0.0;
        for (s, stroke) in strokes.iter().enumerate() {
            if stroke.is_empty() {
                return Err(SignatureError::EmptyStroke { stroke: s });
            }
            for (p, point) in stroke.iter().enumerate() {
                if point.x > PAD_MAX || point.y > PAD_MAX {
                    return Err(SignatureError::OutOfPad {
                        stroke: s,
                        point: p,
                    });
                }
                let back = p > 0 && point.t_ms < stroke[p - 1].t_ms;
                if back || point.t_ms > MAX_TIME_MS {
                    return Err(SignatureError::BadTime {
                        stroke: s,
                        point: p,
                    });
                }
            }
            ink += stroke
                .windows(2)
                .map(|w| {
                    let dx = f64::from(w[1].x) - f64::from(w[0].x);
                    let dy = f64::from(w[1].y) - f64::from(w[0].y);
                    dx.hypot(dy)
                })
                .sum::<f64>();
        }
        if ink < MIN_INK {
            return Err(SignatureError::TooLittleInk);
        }
        Ok(Self { strokes })
    }

    pub fn strokes(&self) -> &[Vec<Point>] {
        &self.strokes
    }

    pub fn point_count(&self) -> usize {
        self.strokes.iter().map(Vec::len).sum()
    }

    /// The compact wire form (see the module docs).
    pub fn encode(&self) -> String {
        serde_json::to_string(&Wire::from(self)).expect("integers always serialise")
    }

    /// Reads the wire form back; garbage is refused with a typed error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<Self, SignatureError> {
        if bytes.len() > MAX_ENCODED_BYTES {
            return Err(SignatureError::EncodedTooLarge);
        }
        let wire: Wire = serde_json::from_slice(bytes).map_err(|e| SignatureError::Garbled {
            line: e.line(),
            column: e.column(),
        })?;
        Self::try_from(wire)
    }
}

/// The versioned wire form. Deltas are `i32` so a garbled number cannot overflow the sums.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    v: u32,
    s: Vec<Vec<i32>>,
}

impl From<&Signature> for Wire {
    fn from(sig: &Signature) -> Self {
        let s = sig
            .strokes
            .iter()
            .map(|stroke| {
                let mut out = Vec::with_capacity(stroke.len() * 3);
                let mut prev = (0i32, 0i32, 0i32);
                for p in stroke {
                    let cur = (i32::from(p.x), i32::from(p.y), p.t_ms as i32);
                    out.extend([cur.0 - prev.0, cur.1 - prev.1, cur.2 - prev.2]);
                    prev = cur;
                }
                out
            })
            .collect();
        Wire {
            v: ENCODING_VERSION,
            s,
        }
    }
}

impl TryFrom<Wire> for Signature {
    type Error = SignatureError;

    fn try_from(wire: Wire) -> Result<Self, SignatureError> {
        if wire.v != ENCODING_VERSION {
            return Err(SignatureError::UnknownVersion(wire.v));
        }
        if wire.s.len() > MAX_STROKES {
            return Err(SignatureError::TooManyStrokes);
        }
        if wire.s.iter().map(|s| s.len() / 3).sum::<usize>() > MAX_POINTS {
            return Err(SignatureError::TooManyPoints);
        }
        let mut strokes = Vec::with_capacity(wire.s.len());
        for (s, deltas) in wire.s.iter().enumerate() {
            if deltas.len() % 3 != 0 {
                return Err(SignatureError::BadStrokeLength { stroke: s });
            }
            let mut acc = (0i64, 0i64, 0i64);
            let mut stroke = Vec::with_capacity(deltas.len() / 3);
            for (p, d) in deltas.chunks_exact(3).enumerate() {
                acc = (
                    acc.0 + i64::from(d[0]),
                    acc.1 + i64::from(d[1]),
                    acc.2 + i64::from(d[2]),
                );
                let out = SignatureError::OutOfPad {
                    stroke: s,
                    point: p,
                };
                let x = u16::try_from(acc.0).map_err(|_| out.clone())?;
                let y = u16::try_from(acc.1).map_err(|_| out)?;
                let t_ms = u32::try_from(acc.2).map_err(|_| SignatureError::BadTime {
                    stroke: s,
                    point: p,
                })?;
                // Keep the running sums in range so a long garbled stroke cannot grow them.
                if x > PAD_MAX || y > PAD_MAX {
                    return Err(SignatureError::OutOfPad {
                        stroke: s,
                        point: p,
                    });
                }
                if t_ms > MAX_TIME_MS {
                    return Err(SignatureError::BadTime {
                        stroke: s,
                        point: p,
                    });
                }
                stroke.push(Point { x, y, t_ms });
            }
            strokes.push(stroke);
        }
        Signature::new(strokes)
    }
}

impl Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        Signature::try_from(wire).map_err(serde::de::Error::custom)
    }
}

/// One piece of a smoothed stroke, in pad units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PathCommand {
    MoveTo {
        x: f32,
        y: f32,
    },
    /// Quadratic Bézier through control point `c` to `(x, y)`.
    QuadTo {
        cx: f32,
        cy: f32,
        x: f32,
        y: f32,
    },
    LineTo {
        x: f32,
        y: f32,
    },
}

/// Smooths a stroke by quadratic midpoints: each sampled point becomes the control point
/// of a curve between the midpoints of its neighbouring segments, so corners from the
/// touch sampling round off while the curve stays within the sampled hull. A single point
/// gives a zero-length line, which a round cap draws as a dot.
pub fn smooth(stroke: &[Point]) -> Vec<PathCommand> {
    let f = |p: &Point| (f32::from(p.x), f32::from(p.y));
    let Some(first) = stroke.first() else {
        return Vec::new();
    };
    let (x0, y0) = f(first);
    let mut path = vec![PathCommand::MoveTo { x: x0, y: y0 }];
    if stroke.len() > 2 {
        for w in stroke[1..].windows(2) {
            let (cx, cy) = f(&w[0]);
            let (nx, ny) = f(&w[1]);
            path.push(PathCommand::QuadTo {
                cx,
                cy,
                x: (cx + nx) / 2.0,
                y: (cy + ny) / 2.0,
            });
        }
    }
    let (xl, yl) = f(stroke.last().unwrap_or(first));
    path.push(PathCommand::LineTo { x: xl, y: yl });
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: u16) -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                x: 1000 + i * 50,
                y: 5000,
                t_ms: u32::from(i) * 10,
            })
            .collect()
    }

    #[test]
    fn smoothing_keeps_ends_and_uses_midpoints() {
        let path = smooth(&line(4));
        assert_eq!(
            path.first(),
            Some(&PathCommand::MoveTo {
                x: 1000.0,
                y: 5000.0
            })
        );
        assert_eq!(
            path[1],
            PathCommand::QuadTo {
                cx: 1050.0,
                cy: 5000.0,
                x: 1075.0,
                y: 5000.0
            }
        );
        assert_eq!(
            path.last(),
            Some(&PathCommand::LineTo {
                x: 1150.0,
                y: 5000.0
            })
        );
        assert_eq!(smooth(&line(1)).len(), 2);
        assert!(smooth(&[]).is_empty());
    }

    #[test]
    fn debug_hides_points() {
        let sig = Signature::new(vec![line(20)]).unwrap();
        assert_eq!(format!("{sig:?}"), "Signature { strokes: 1, points: 20 }");
    }

    #[test]
    fn time_must_not_go_back() {
        let mut stroke = line(20);
        stroke[5].t_ms = 0;
        assert_eq!(
            Signature::new(vec![stroke]),
            Err(SignatureError::BadTime {
                stroke: 0,
                point: 5
            })
        );
    }
}
