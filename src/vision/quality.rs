//! The quality gate: is this face good enough to recognise or enrol? Every rejection has a named
//! reason with a hint a person at the door understands (Chinese first, English beside it).
//!
//! Measures come from the landmarks and the aligned crop; thresholds are settings.

use super::detector::Face;

/// What was measured about one face.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QualityReport {
    /// Detector score, 0..1.
    pub score: f32,
    /// Distance between the eyes, in frame pixels.
    pub eye_px: f32,
    /// Variance of the Laplacian over the aligned crop's centre (higher is sharper).
    pub sharpness: f32,
    /// Nose offset from the eyes' midpoint over the eye distance: 0 frontal, ±0.5 well turned.
    pub yaw: f32,
    /// Nose height between eyes (0) and mouth (1): about 0.5 for a level face.
    pub pitch: f32,
    /// Angle of the eye line in degrees.
    pub roll_deg: f32,
    /// Mean luma of the face (0..255).
    pub brightness: f32,
    /// Mean luma of the whole frame (0..255).
    pub scene_brightness: f32,
}

/// Why a face was not used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rejection {
    NoFace,
    OutsideRegion,
    TooSmall { eye_px: f32, min: f32 },
    LowScore { score: f32, min: f32 },
    Blurry { sharpness: f32, min: f32 },
    TurnedAway { yaw: f32, max: f32 },
    Tilted { pitch: f32 },
    Rolled { roll_deg: f32, max: f32 },
    TooDark { brightness: f32, min: f32 },
    TooBright { brightness: f32, max: f32 },
    BackLit { face: f32, scene: f32 },
    SeveralFaces { count: usize },
}

impl Rejection {
    /// A stable machine name, for logs, metrics and JSON.
    pub fn code(&self) -> &'static str {
        self.names().code
    }

    /// What to tell the person, in Chinese.
    pub fn hint_zh(&self) -> &'static str {
        self.names().zh
    }

    /// What to tell the person, in English (the console's English pages).
    pub fn hint_en(&self) -> &'static str {
        self.names().en
    }

    /// The code and both hints of a rejection, one row a kind.
    fn names(&self) -> RejectionNames {
        let (code, zh, en) = match self {
            Rejection::NoFace => ("no_face", "未检测到人脸", "No face found"),
            Rejection::OutsideRegion => (
                "outside_region",
                "请站到摄像头正前方",
                "Stand in front of the camera",
            ),
            Rejection::TooSmall { .. } => ("too_small", "请靠近一点", "Come closer"),
            Rejection::LowScore { .. } => ("low_score", "请正对摄像头", "Face the camera"),
            Rejection::Blurry { .. } => ("blurry", "请稍停,不要晃动", "Hold still"),
            Rejection::TurnedAway { .. } => {
                ("turned_away", "请正视摄像头", "Look straight at the camera")
            }
            Rejection::Tilted { .. } => ("tilted", "请不要抬头或低头", "Do not look up or down"),
            Rejection::Rolled { .. } => ("rolled", "请摆正头部", "Hold your head straight"),
            Rejection::TooDark { .. } => ("too_dark", "光线太暗", "Too dark"),
            Rejection::TooBright { .. } => ("too_bright", "光线太强", "Too bright"),
            Rejection::BackLit { .. } => ("back_lit", "逆光,请调整位置", "Light behind you: move"),
            Rejection::SeveralFaces { .. } => (
                "several_faces",
                "照片中有多张人脸",
                "Several faces: one person at a time",
            ),
        };
        RejectionNames { code, zh, en }
    }
}

/// A rejection's machine name and its hints (see [`Rejection::code`]).
struct RejectionNames {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::NoFace => write!(f, "no face found"),
            Rejection::OutsideRegion => write!(f, "the face is outside the region of interest"),
            Rejection::TooSmall { eye_px, min } => {
                write!(
                    f,
                    "face too small: eyes {eye_px:.0} px apart, need {min:.0} (come closer)"
                )
            }
            Rejection::LowScore { score, min } => {
                write!(f, "detector unsure: score {score:.2}, need {min:.2}")
            }
            Rejection::Blurry { sharpness, min } => {
                write!(f, "blurry: sharpness {sharpness:.0}, need {min:.0}")
            }
            Rejection::TurnedAway { yaw, max } => {
                write!(
                    f,
                    "head turned: yaw {yaw:+.2}, allowed ±{max:.2} (face the camera)"
                )
            }
            Rejection::Tilted { pitch } => write!(f, "head tilted up or down: pitch {pitch:.2}"),
            Rejection::Rolled { roll_deg, max } => {
                write!(f, "head leaning: {roll_deg:+.0}°, allowed ±{max:.0}°")
            }
            Rejection::TooDark { brightness, min } => {
                write!(f, "too dark: face luma {brightness:.0}, need {min:.0}")
            }
            Rejection::TooBright { brightness, max } => {
                write!(f, "too bright: face luma {brightness:.0}, at most {max:.0}")
            }
            Rejection::BackLit { face, scene } => {
                write!(
                    f,
                    "back-lit: face luma {face:.0} against a scene of {scene:.0}"
                )
            }
            Rejection::SeveralFaces { count } => {
                write!(f, "{count} faces in the photo; expected one")
            }
        }
    }
}

/// A scene at least this bright (mean luma) can back-light a face; a darker one just makes it dark.
const BACKLIT_MIN_SCENE: f32 = 120.0;

/// The gate's thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityGate {
    pub min_eye_px: f32,
    pub min_score: f32,
    pub min_sharpness: f32,
    pub max_yaw: f32,
    pub pitch_range: (f32, f32),
    pub max_roll_deg: f32,
    pub min_brightness: f32,
    pub max_brightness: f32,
    /// Back-lit when the face is darker than this fraction of the scene.
    pub backlit_ratio: f32,
}

impl QualityGate {
    /// Thresholds for the door camera at 640x480.
    pub fn door_defaults() -> Self {
        QualityGate {
            min_eye_px: 20.0,
            min_score: 0.75,
            min_sharpness: 40.0,
            max_yaw: 0.45,
            pitch_range: (0.2, 0.85),
            max_roll_deg: 30.0,
            min_brightness: 40.0,
            max_brightness: 225.0,
            backlit_ratio: 0.45,
        }
    }

    /// Stricter thresholds for an enrolment photo, which is taken once and matched for years.
    pub fn enrolment_defaults() -> Self {
        QualityGate {
            min_eye_px: 28.0,
            min_score: 0.8,
            max_yaw: 0.35,
            ..Self::door_defaults()
        }
    }

    /// A gate that lets every detected face through (for measuring the recogniser alone).
    pub fn open() -> Self {
        QualityGate {
            min_eye_px: 0.0,
            min_score: 0.0,
            min_sharpness: 0.0,
            max_yaw: f32::INFINITY,
            pitch_range: (f32::NEG_INFINITY, f32::INFINITY),
            max_roll_deg: f32::INFINITY,
            min_brightness: 0.0,
            max_brightness: 256.0,
            backlit_ratio: 0.0,
        }
    }

    /// Every reason to reject, most actionable first; empty when the face passes.
    pub fn check(&self, r: &QualityReport) -> Vec<Rejection> {
        let mut out = Vec::new();
        if r.eye_px < self.min_eye_px {
            out.push(Rejection::TooSmall {
                eye_px: r.eye_px,
                min: self.min_eye_px,
            });
        }
        if r.yaw.abs() > self.max_yaw {
            out.push(Rejection::TurnedAway {
                yaw: r.yaw,
                max: self.max_yaw,
            });
        }
        if r.pitch < self.pitch_range.0 || r.pitch > self.pitch_range.1 {
            out.push(Rejection::Tilted { pitch: r.pitch });
        }
        if r.roll_deg.abs() > self.max_roll_deg {
            out.push(Rejection::Rolled {
                roll_deg: r.roll_deg,
                max: self.max_roll_deg,
            });
        }
        if r.scene_brightness >= BACKLIT_MIN_SCENE
            && r.brightness < self.backlit_ratio * r.scene_brightness
        {
            out.push(Rejection::BackLit {
                face: r.brightness,
                scene: r.scene_brightness,
            });
        } else if r.brightness < self.min_brightness {
            out.push(Rejection::TooDark {
                brightness: r.brightness,
                min: self.min_brightness,
            });
        }
        if r.brightness > self.max_brightness {
            out.push(Rejection::TooBright {
                brightness: r.brightness,
                max: self.max_brightness,
            });
        }
        if r.sharpness < self.min_sharpness {
            out.push(Rejection::Blurry {
                sharpness: r.sharpness,
                min: self.min_sharpness,
            });
        }
        if r.score < self.min_score {
            out.push(Rejection::LowScore {
                score: r.score,
                min: self.min_score,
            });
        }
        out
    }
}

/// Pose measures from the five landmarks: (yaw, pitch, roll in degrees).
pub fn pose(face: &Face) -> (f32, f32, f32) {
    let [le, re, nose, lm, rm] = face.landmarks;
    let eye_mid_x = (le.x + re.x) * 0.5;
    let eye_mid_y = (le.y + re.y) * 0.5;
    let mouth_mid_y = (lm.y + rm.y) * 0.5;
    let d = face.eye_distance().max(1e-3);
    let yaw = (nose.x - eye_mid_x) / d;
    let span = mouth_mid_y - eye_mid_y;
    let pitch = if span.abs() < 1e-3 {
        0.0
    } else {
        (nose.y - eye_mid_y) / span
    };
    let roll = (re.y - le.y).atan2(re.x - le.x).to_degrees();
    (yaw, pitch, roll)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::geometry::{BoxF, Point};

    fn frontal() -> Face {
        Face {
            bbox: BoxF {
                x0: 0.0,
                y0: 0.0,
                x1: 100.0,
                y1: 120.0,
            },
            score: 0.9,
            landmarks: [
                Point::new(30.0, 50.0),
                Point::new(70.0, 50.0),
                Point::new(50.0, 70.0),
                Point::new(35.0, 90.0),
                Point::new(65.0, 90.0),
            ],
        }
    }

    fn good() -> QualityReport {
        QualityReport {
            score: 0.9,
            eye_px: 40.0,
            sharpness: 200.0,
            yaw: 0.0,
            pitch: 0.5,
            roll_deg: 0.0,
            brightness: 120.0,
            scene_brightness: 110.0,
        }
    }

    #[test]
    fn pose_of_a_frontal_face() {
        let (yaw, pitch, roll) = pose(&frontal());
        assert!(yaw.abs() < 1e-6 && (pitch - 0.5).abs() < 1e-6 && roll.abs() < 1e-6);
        let mut turned = frontal();
        turned.landmarks[2].x = 66.0;
        assert!((pose(&turned).0 - 0.4).abs() < 1e-6);
    }

    #[track_caller]
    fn check(change: impl Fn(&mut QualityReport), want: &[&str]) {
        let mut r = good();
        change(&mut r);
        let got: Vec<&str> = QualityGate::door_defaults()
            .check(&r)
            .iter()
            .map(|x| x.code())
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn each_reason_is_named() {
        check(|_| {}, &[]);
        check(|r| r.eye_px = 10.0, &["too_small"]);
        check(|r| r.yaw = -0.6, &["turned_away"]);
        check(|r| r.pitch = 0.95, &["tilted"]);
        check(|r| r.roll_deg = 40.0, &["rolled"]);
        check(|r| r.brightness = 20.0, &["too_dark"]);
        check(
            |r| {
                r.brightness = 40.0;
                r.scene_brightness = 200.0
            },
            &["back_lit"],
        );
        check(|r| r.brightness = 240.0, &["too_bright"]);
        check(|r| r.sharpness = 5.0, &["blurry"]);
        check(|r| r.score = 0.5, &["low_score"]);
        check(
            |r| {
                r.eye_px = 5.0;
                r.sharpness = 1.0
            },
            &["too_small", "blurry"],
        );
    }

    #[test]
    fn messages() {
        let r = Rejection::TooSmall {
            eye_px: 12.4,
            min: 20.0,
        };
        assert_eq!(
            r.to_string(),
            "face too small: eyes 12 px apart, need 20 (come closer)"
        );
        assert_eq!(r.hint_zh(), "请靠近一点");
    }
}
