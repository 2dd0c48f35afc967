//! Enrolment, shared by `hallclock enroll`, the demo and the console: a staff member's face from
//! one or more photos (files, or uploads decoded in memory), or from embeddings the door daemon
//! already computed (a capture at the console). All photos must pass, or nothing is written;
//! each refusal says which photo and why. A photo that does not pass, a person without a name, a
//! capture without a face, or a face already enrolled under someone else (unless the admin
//! confirms a re-enrolment of the same person, [`DuplicateFaces::SamePerson`]) is
//! [`AppError::Refused`]; the models or the store failing is [`AppError::Failed`].

use std::path::Path;

use jiff::Timestamp;

use crate::core::ids::StaffId;
use crate::core::matcher::{Gallery, SearchScratch};
use crate::hw::photo::encode_jpeg;
use crate::hw::{decode_photo, read_photo};
use crate::store::{Audit, NewEmbedding, Store};
use crate::vision::detector::DetectorSize;
use crate::vision::pipeline::measure;
use crate::vision::quality::{QualityGate, Rejection};

use super::setup::Vision;
use super::{AppError, FailedWhile};

/// One photo to enrol from: a file (the CLI) or bytes in memory (a console upload, never
/// written to disk: decoded where it lies).
#[derive(Debug, Clone, Copy)]
pub enum PhotoInput<'a> {
    File(&'a Path),
    Memory { name: &'a str, bytes: &'a [u8] },
}

impl PhotoInput<'_> {
    /// How the photo is named in messages.
    fn label(&self) -> String {
        match self {
            PhotoInput::File(p) => p.display().to_string(),
            PhotoInput::Memory { name, .. } => (*name).to_string(),
        }
    }

    /// The stored source name of its face.
    fn source(&self) -> Option<String> {
        match self {
            PhotoInput::File(p) => p.file_name().map(|f| f.to_string_lossy().into_owned()),
            PhotoInput::Memory { name, .. } => Some((*name).to_string()),
        }
    }

    /// Decodes it (one photo at a time: the caller drops each image before the next).
    fn decode(&self) -> Result<crate::core::image::BgrImage, crate::hw::PhotoError> {
        match self {
            PhotoInput::File(p) => read_photo(p),
            PhotoInput::Memory { name, bytes } => decode_photo(name, bytes),
        }
    }
}

/// What one enrolment did.
#[derive(Debug)]
pub struct Enrolled {
    pub faces: usize,
    /// (other id, similarity): the ids the face already matched, confirmed as the same person
    /// ([`DuplicateFaces::SamePerson`]); their face data is erased and they are inactive now.
    pub lookalikes: Vec<(StaffId, f32)>,
}

/// What to do when the new face already matches somebody else on the staff list: two people
/// with one face make both "unknown" at the door (the margin between them is nil).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateFaces<'a> {
    /// Refuse the enrolment, naming who the face matches (the default).
    Refuse,
    /// The admin confirmed a re-enrolment of the same person under this id: the enrolment goes
    /// ahead, and the ids it matched lose their face data and become inactive (as `staff
    /// remove`), so that the door knows the person by one id only.
    SamePerson,
    /// As [`DuplicateFaces::SamePerson`], confirmed by typing the id whose face data is erased
    /// (the console): a face that matches anybody else is refused.
    SamePersonTyped(&'a str),
}

/// The words a refusal for a face enrolled under someone else starts its English part with (the
/// CLI adds its flag's name to such a refusal).
pub const ALREADY_ENROLLED: &str = "this face is already enrolled as";

/// A face ready to be saved: its embedding, sharpness, source name and, when face images are
/// kept, its aligned crop as JPEG.
struct NewFace {
    vector: Vec<f32>,
    sharpness: f32,
    source: Option<String>,
    jpeg: Option<Vec<u8>>,
}

/// Who is enrolled, and on what terms: what [`enrol`] and [`enrol_embeddings`] both take.
#[derive(Debug, Clone, Copy)]
pub struct EnrolInput<'a> {
    pub id: &'a StaffId,
    /// Required when `id` is not on the staff list yet.
    pub name: Option<&'a str>,
    pub post: Option<&'a str>,
    pub duplicates: DuplicateFaces<'a>,
    pub now: Timestamp,
    /// The enrolment's audit record.
    pub by: &'a Audit,
}

/// Enrols `input.id` from `photos`: each must hold exactly one face that passes the enrolment
/// gate.
///
/// # Errors
/// [`AppError::Refused`] when a photo does not pass (every photo's reason, nothing saved), `id`
/// is new and has no name, or a face matches somebody else and `duplicates` is
/// [`DuplicateFaces::Refuse`]; [`AppError::Failed`] when the models or the store fail.
pub fn enrol(
    vision: &mut Vision,
    store: &mut Store,
    input: &EnrolInput<'_>,
    photos: &[PhotoInput<'_>],
    keep_images: bool,
) -> Result<Enrolled, AppError> {
    let id = input.id;
    let person = Person::resolve(store, id, input.name, input.post)?;
    let gate = QualityGate::enrolment_defaults();
    let mut checked = Vec::new();
    let mut refusals = Vec::new();
    for input in photos {
        let photo = input.label();
        let img = match input.decode() {
            Ok(i) => i,
            Err(e) => {
                refusals.push(e.to_string());
                continue;
            }
        };
        let faces = vision
            .recognizer
            .faces(&img, DetectorSize::Native { max_side: 1280 })
            .failed_while(|| format!("finding the faces in {photo}"))?;
        let Some(face) = faces
            .iter()
            .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
            .copied()
        else {
            refusals.push(format!(
                "{}: {} ({})",
                photo,
                Rejection::NoFace,
                Rejection::NoFace.hint_zh()
            ));
            continue;
        };
        // Another face of real size (not a poster far behind) makes the photo ambiguous.
        let others = faces
            .iter()
            .filter(|f| {
                **f != face && f.eye_distance() >= 0.3 * face.eye_distance() && f.score >= 0.7
            })
            .count();
        if others > 0 {
            let r = Rejection::SeveralFaces { count: others + 1 };
            refusals.push(format!("{}: {r} ({})", photo, r.hint_zh()));
            continue;
        }
        let Some(crop) = vision.recognizer.embedder.align(&img, &face) else {
            refusals.push(format!("{}: the face's landmarks cannot be aligned", photo));
            continue;
        };
        let report = measure(&img, &face, &crop);
        let reasons = gate.check(&report);
        if let Some(first) = reasons.first() {
            let all: Vec<String> = reasons.iter().map(ToString::to_string).collect();
            refusals.push(format!(
                "{}: {} ({})",
                photo,
                all.join("; "),
                first.hint_zh()
            ));
            continue;
        }
        let mut emb = vision
            .recognizer
            .embedder
            .embed(&[&crop], vision.recognizer.config.flip)
            .failed_while(|| format!("computing the embedding of {photo}"))?;
        let Some(e) = emb.pop() else {
            return Err(AppError::failed_because(format!(
                "the embedder returned nothing for {photo}"
            )));
        };
        let jpeg = if keep_images {
            Some(encode_jpeg(&crop).failed_while(|| "keeping the face image".into())?)
        } else {
            None
        };
        checked.push(NewFace {
            vector: e.0,
            sharpness: report.sharpness,
            source: input.source(),
            jpeg,
        });
    }
    if !refusals.is_empty() {
        return Err(AppError::refused(format!(
            "enrolment of {id} refused, nothing was saved:\n  {}",
            refusals.join("\n  ")
        )));
    }
    let from = format!("{} photo(s)", photos.len());
    save(vision, store, &person, &checked, &from, input)
}

/// Who an enrolment is for.
#[derive(Debug, Clone)]
struct Person<'a> {
    id: &'a StaffId,
    name: String,
    post: Option<&'a str>,
}

impl<'a> Person<'a> {
    /// `id` with the name given, else the one on the staff list.
    fn resolve(
        store: &Store,
        id: &'a StaffId,
        name: Option<&str>,
        post: Option<&'a str>,
    ) -> Result<Self, AppError> {
        let existing = store.staff(id)?;
        let name = match (name, &existing) {
            (Some(n), _) if !n.trim().is_empty() => n.trim().to_string(),
            (_, Some(rec)) => rec.name.clone(),
            _ => {
                return Err(AppError::refused(format!(
                    "{id} 不在人员名单上,请填写姓名 ({id} is not on the staff list yet: give their name)"
                )))
            }
        };
        Ok(Person { id, name, post })
    }
}

/// Saves checked faces for `person`: the duplicate check first (a refusal writes nothing), then
/// the staff row, the embeddings (and kept images) and, for a confirmed re-enrolment, the erasure
/// of the ids the face matched. `from` says where the faces came from, for the audit line.
fn save(
    vision: &mut Vision,
    store: &mut Store,
    person: &Person<'_>,
    faces: &[NewFace],
    from: &str,
    input: &EnrolInput<'_>,
) -> Result<Enrolled, AppError> {
    let (id, name, post) = (person.id, person.name.as_str(), person.post);
    let EnrolInput {
        duplicates,
        now,
        by,
        ..
    } = *input;
    let gallery = vision.gallery(store)?;
    let mut scratch = SearchScratch::default();
    let mut lookalikes: Vec<(StaffId, f32)> = Vec::new();
    for face in faces {
        note_lookalikes(
            vision,
            &gallery,
            &mut scratch,
            id,
            &face.vector,
            &mut lookalikes,
        );
    }
    if let DuplicateFaces::SamePersonTyped(typed) = duplicates {
        for (other, _) in &lookalikes {
            super::people::check_typed_id(other, typed)?;
        }
    }
    if duplicates == DuplicateFaces::Refuse && !lookalikes.is_empty() {
        let mut named = Vec::new();
        for (other, score) in &lookalikes {
            let who = store.staff(other)?.map(|r| r.name).unwrap_or_default();
            named.push(format!("{other} {who} (相似度 similarity {score:.3})"));
        }
        return Err(AppError::refused(format!(
            "此人脸已录入为 {},录入被拒绝,未保存任何数据;若确为同一人换工号重新录入,请确认“同一人重新录入”\n\
             ({ALREADY_ENROLLED} {}: enrolment of {id} refused, nothing was saved; \
             if it is the same person enrolled again under a new id, confirm the re-enrolment)",
            named.join("、"),
            named.join(", ")
        )));
    }
    store.upsert_staff(id, name, post, now, &staff_audit(by, id, name, post))?;
    let news: Vec<NewEmbedding<'_>> = faces
        .iter()
        .map(|f| NewEmbedding {
            vector: &f.vector,
            quality: Some(f.sharpness),
            source: f.source.as_deref(),
        })
        .collect();
    let images: Option<Vec<Vec<u8>>> = faces.iter().map(|f| f.jpeg.clone()).collect();
    let detail = format!("{id}: {} face(s) from {from}{}", news.len(), note(by));
    store.add_embeddings(
        id,
        &vision.model_key(),
        &news,
        images.as_deref(),
        now,
        &by.clone().with_detail(detail),
    )?;
    for (other, score) in &lookalikes {
        let audit = Audit {
            action: format!("{}-same-person", by.action),
            detail: format!(
                "{other}: face data erased and inactive, re-enrolled as {id} (similarity {score:.3})"
            ),
            ..by.clone()
        };
        store.remove_staff(other, &audit)?;
    }
    Ok(Enrolled {
        faces: news.len(),
        lookalikes,
    })
}

/// The caller's own words for the audit line (e.g. the consent notice), after a comma.
fn note(by: &Audit) -> String {
    if by.detail.is_empty() {
        String::new()
    } else {
        format!(", {}", by.detail)
    }
}

/// The audit line of the staff record an enrolment saves (the person's name and post).
fn staff_audit(by: &Audit, id: &StaffId, name: &str, post: Option<&str>) -> Audit {
    Audit {
        action: format!("{}-staff", by.action),
        detail: format!("{id} {name}, post {}", post.unwrap_or("-")),
        ..by.clone()
    }
}

/// Adds to `lookalikes` the other people `vector` already matches (the duplicate check).
fn note_lookalikes(
    vision: &Vision,
    gallery: &Gallery,
    scratch: &mut SearchScratch,
    id: &StaffId,
    vector: &[f32],
    lookalikes: &mut Vec<(StaffId, f32)>,
) {
    let ranking = gallery.search(vector, scratch);
    for cand in [ranking.best, ranking.second].into_iter().flatten() {
        if cand.staff != id
            && cand.score.0 >= vision.policy.threshold
            && !lookalikes.iter().any(|(s, _)| s == cand.staff)
        {
            lookalikes.push((cand.staff.clone(), cand.score.0));
        }
    }
}

/// A face's embedding computed elsewhere (the door daemon), with its sharpness and, when face
/// images are kept, its aligned crop as JPEG.
#[derive(Debug, Clone)]
pub struct FaceVector {
    pub vector: Vec<f32>,
    pub sharpness: f32,
    pub jpeg: Option<Vec<u8>>,
}

/// Enrols `input.id` from embeddings the door daemon already computed from frames that passed the
/// enrolment gate (a capture from the console's live preview): the same duplicate check and
/// storage as [`enrol`], with `source` as each face's source. The crops are kept when every
/// face has one: the caller encodes them only with `store.keep-face-images` on.
///
/// # Errors
/// When `id` is new and has no name, when `vectors` is empty, when a face matches somebody
/// else and `duplicates` is [`DuplicateFaces::Refuse`], or the store fails.
pub fn enrol_embeddings(
    vision: &mut Vision,
    store: &mut Store,
    input: &EnrolInput<'_>,
    vectors: &[FaceVector],
    source: &str,
) -> Result<Enrolled, AppError> {
    let id = input.id;
    if vectors.is_empty() {
        return Err(AppError::refused(format!(
            "未采集到人脸,录入被拒绝 (enrolment of {id} refused: no face was captured)"
        )));
    }
    let person = Person::resolve(store, id, input.name, input.post)?;
    let faces: Vec<NewFace> = vectors
        .iter()
        .map(|v| NewFace {
            vector: v.vector.clone(),
            sharpness: v.sharpness,
            source: Some(source.to_string()),
            jpeg: v.jpeg.clone(),
        })
        .collect();
    save(vision, store, &person, &faces, source, input)
}
