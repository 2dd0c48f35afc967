//! The gallery of enrolled faces and open-set 1:N matching.
//!
//! The gallery keeps every embedding twice in contiguous memory: exact `f32` rows for the final
//! answer and int8 rows (with a per-row scale) for the scan, which reads a quarter of the bytes.
//! A query scans the int8 rows, keeps the best few, and re-scores those exactly. The answer is
//! "unknown" unless the best *person* clears the threshold and beats the second-best *person*
//! by a margin. No allocation per query once a [`SearchScratch`] has been warmed up.
//!
//! Pure maths: no I/O, no clock. Loading embeddings from SQLite is `store`'s job.

use std::collections::HashMap;

use crate::ids::{Similarity, StaffId};

/// How two embeddings are compared; every metric is turned into "higher is more alike".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Cosine of L2-normalised vectors (ArcFace family).
    Cosine,
    /// Euclidean distance of raw vectors (dlib); the similarity is the negated distance.
    Euclidean,
}

/// Why an embedding cannot join the gallery.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GalleryError {
    #[error("embedding for {staff} has {got} values; the gallery's model gives {expected}")]
    WrongDimension {
        staff: StaffId,
        expected: usize,
        got: usize,
    },
    #[error("embedding for {staff} holds a value that is not a finite number")]
    NotFinite { staff: StaffId },
    #[error("embedding for {staff} is all zeros")]
    Zero { staff: StaffId },
}

/// Enrolled embeddings of many people, ready to search.
#[derive(Debug, Clone)]
pub struct Gallery {
    dim: usize,
    metric: Metric,
    exact: Vec<f32>,
    quant: Vec<i8>,
    row_scale: Vec<f32>,
    row_bias: Vec<f32>,
    sq_norm: Vec<f32>,
    owner: Vec<u32>,
    people: Vec<StaffId>,
    index: HashMap<StaffId, u32>,
    rows_per_person: Vec<u32>,
}

/// One person and how alike the query is to their closest embedding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate<'g> {
    pub staff: &'g StaffId,
    pub score: Similarity,
}

/// The best and second-best *people* for a query (not rows: several rows of one person count once).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranking<'g> {
    pub best: Option<Candidate<'g>>,
    pub second: Option<Candidate<'g>>,
}

/// Reusable buffers for [`Gallery::search`]; keep one per thread.
#[derive(Debug, Default, Clone)]
pub struct SearchScratch {
    query8: Vec<i8>,
    approx: Vec<f32>,
    top: Vec<(f32, u32)>,
}

/// Rows re-scored exactly after the int8 scan, at least.
const MIN_RECHECK: usize = 32;

impl Gallery {
    /// An empty gallery for embeddings of `dim` values compared with `metric`.
    pub fn new(dim: usize, metric: Metric) -> Self {
        Gallery {
            dim,
            metric,
            exact: Vec::new(),
            quant: Vec::new(),
            row_scale: Vec::new(),
            row_bias: Vec::new(),
            sq_norm: Vec::new(),
            owner: Vec::new(),
            people: Vec::new(),
            index: HashMap::new(),
            rows_per_person: Vec::new(),
        }
    }

    /// Reserves room for `rows` more embeddings.
    pub fn reserve(&mut self, rows: usize) {
        self.exact.reserve(rows * self.dim);
        self.quant.reserve(rows * self.dim);
        self.row_scale.reserve(rows);
        self.row_bias.reserve(rows);
        self.sq_norm.reserve(rows);
        self.owner.reserve(rows);
    }

    pub fn dim(&self) -> usize {
        self.dim
    }
    pub fn metric(&self) -> Metric {
        self.metric
    }
    /// Number of embeddings.
    pub fn len(&self) -> usize {
        self.owner.len()
    }
    pub fn is_empty(&self) -> bool {
        self.owner.is_empty()
    }
    /// Number of distinct people.
    pub fn people(&self) -> usize {
        self.people.len()
    }
    /// Bytes the gallery's vectors take.
    pub fn bytes(&self) -> usize {
        self.exact.len() * 4 + self.quant.len() + self.owner.len() * 16
    }
    /// Bytes one scan reads (int8 rows plus per-row scale and bias).
    pub fn scan_bytes(&self) -> usize {
        self.quant.len() + self.owner.len() * 8
    }

    /// Adds one embedding of `staff`.
    ///
    /// # Errors
    /// [`GalleryError`] when the length is not the gallery's dimension, a value is not finite, or
    /// the vector is all zeros.
    pub fn add(&mut self, staff: &StaffId, vector: &[f32]) -> Result<(), GalleryError> {
        if vector.len() != self.dim {
            return Err(GalleryError::WrongDimension {
                staff: staff.clone(),
                expected: self.dim,
                got: vector.len(),
            });
        }
        if vector.iter().any(|v| !v.is_finite()) {
            return Err(GalleryError::NotFinite {
                staff: staff.clone(),
            });
        }
        let max_abs = vector.iter().fold(0f32, |m, v| m.max(v.abs()));
        if max_abs == 0.0 {
            return Err(GalleryError::Zero {
                staff: staff.clone(),
            });
        }
        let person = match self.index.get(staff) {
            Some(&p) => p,
            None => {
                let p = self.people.len() as u32;
                self.people.push(staff.clone());
                self.index.insert(staff.clone(), p);
                self.rows_per_person.push(0);
                p
            }
        };
        self.rows_per_person[person as usize] += 1;
        let scale = max_abs / 127.0;
        self.exact.extend_from_slice(vector);
        self.quant.extend(
            vector
                .iter()
                .map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8),
        );
        let sq: f32 = vector.iter().map(|v| v * v).sum();
        self.row_scale.push(scale);
        self.row_bias.push(match self.metric {
            Metric::Cosine => 0.0,
            Metric::Euclidean => sq * 0.5,
        });
        self.sq_norm.push(sq);
        self.owner.push(person);
        Ok(())
    }

    /// Exact similarity between two embeddings under this gallery's metric.
    pub fn similarity(&self, a: &[f32], b: &[f32]) -> Similarity {
        similarity(self.metric, a, b)
    }

    /// Finds the best and second-best person for `query`.
    ///
    /// A query of the wrong length, or an empty gallery, gives an empty ranking.
    pub fn search<'g>(&'g self, query: &[f32], scratch: &mut SearchScratch) -> Ranking<'g> {
        let none = Ranking {
            best: None,
            second: None,
        };
        let n = self.len();
        if n == 0 || query.len() != self.dim {
            return none;
        }
        let qmax = query.iter().fold(0f32, |m, v| m.max(v.abs()));
        if !qmax.is_finite() || qmax == 0.0 {
            return none;
        }
        let qscale = qmax / 127.0;
        scratch.query8.clear();
        scratch.query8.extend(
            query
                .iter()
                .map(|v| (v / qscale).round().clamp(-127.0, 127.0) as i8),
        );
        scratch.approx.resize(n, 0.0);
        let rows = Int8Rows {
            values: &self.quant,
            dim: self.dim,
            scale: &self.row_scale,
            bias: &self.row_bias,
        };
        scan_int8(&scratch.query8, qscale, rows, &mut scratch.approx);

        // Keep the best `k` rows by approximate score, sorted best first.
        let most_rows = self.rows_per_person.iter().copied().max().unwrap_or(0) as usize;
        let k = (most_rows + 8).max(MIN_RECHECK).min(n);
        let top = &mut scratch.top;
        top.clear();
        for (row, &s) in scratch.approx.iter().enumerate() {
            if top.len() < k {
                top.push((s, row as u32));
                if top.len() == k {
                    top.sort_by(|a, b| b.0.total_cmp(&a.0));
                }
            } else if s > top[k - 1].0 {
                let pos = top.partition_point(|e| e.0 >= s);
                top.insert(pos, (s, row as u32));
                top.pop();
            }
        }

        // Exact re-check of the kept rows, then the best row of the best two people.
        let q_sq: f32 = query.iter().map(|v| v * v).sum();
        let mut best: Option<(f32, u32)> = None;
        let mut second: Option<(f32, u32)> = None;
        for &(_, row) in top.iter() {
            let r = row as usize;
            let dot = dot_f32(query, &self.exact[r * self.dim..(r + 1) * self.dim]);
            let score = match self.metric {
                Metric::Cosine => dot,
                Metric::Euclidean => -(q_sq + self.sq_norm[r] - 2.0 * dot).max(0.0).sqrt(),
            };
            let person = self.owner[r];
            match best {
                Some((bs, bp)) if bp == person => {
                    if score > bs {
                        best = Some((score, person));
                    }
                }
                Some((bs, _)) if score > bs => {
                    second = best;
                    best = Some((score, person));
                }
                None => best = Some((score, person)),
                _ => {
                    if second.is_none_or(|(ss, _)| score > ss) {
                        second = Some((score, person));
                    }
                }
            }
        }
        let cand = |e: Option<(f32, u32)>| {
            e.map(|(s, p)| Candidate {
                staff: &self.people[p as usize],
                score: Similarity(s),
            })
        };
        Ranking {
            best: cand(best),
            second: cand(second),
        }
    }
}

/// Exact similarity of two embeddings under `metric` (higher is more alike).
pub fn similarity(metric: Metric, a: &[f32], b: &[f32]) -> Similarity {
    match metric {
        Metric::Cosine => Similarity(dot_f32(a, b)),
        Metric::Euclidean => {
            let d: f32 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
            Similarity(-d.sqrt())
        }
    }
}

/// Scales `v` to unit length in place; leaves a zero vector alone.
pub fn l2_normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// Dot product, eight lanes at a time so the compiler vectorises it.
pub fn dot_f32(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// The gallery's int8 rows as the scan reads them: `dim` values a row, each row with its scale
/// and bias.
#[derive(Clone, Copy)]
struct Int8Rows<'a> {
    values: &'a [i8],
    dim: usize,
    scale: &'a [f32],
    bias: &'a [f32],
}

impl Int8Rows<'_> {
    fn row(&self, r: usize) -> &[i8] {
        &self.values[r * self.dim..(r + 1) * self.dim]
    }

    /// Row `r`'s approximate score, from its int8 dot product with a query quantised by `qscale`.
    fn score(&self, r: usize, dot: i32, qscale: f32) -> f32 {
        dot as f32 * self.scale[r] * qscale - self.bias[r]
    }
}

/// Writes each row's approximate score against the quantised query `q` to `out`.
fn scan_int8(q: &[i8], qscale: f32, rows: Int8Rows<'_>, out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { scan_int8_avx2(q, qscale, rows, out) };
            return;
        }
    }
    for (r, o) in out.iter_mut().enumerate() {
        *o = rows.score(r, dot_i8(q, rows.row(r)), qscale);
    }
}

/// Portable int8 dot product; written in 16-lane blocks so LLVM vectorises it (NEON on the Pi).
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let mut acc = [0i32; 16];
    let ca = a.chunks_exact(16);
    let cb = b.chunks_exact(16);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            acc[i] += i32::from(i16::from(x[i]) * i16::from(y[i]));
        }
    }
    let mut s: i32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        s += i32::from(*x) * i32::from(*y);
    }
    s
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn scan_int8_avx2(q: &[i8], qscale: f32, rows: Int8Rows<'_>, out: &mut [f32]) {
    use std::arch::x86_64::*;
    let dim = rows.dim;
    let blocks = dim / 32;
    let ones = _mm256_set1_epi16(1);
    for (r, o) in out.iter_mut().enumerate() {
        let row = rows.row(r);
        let mut acc = _mm256_setzero_si256();
        for b in 0..blocks {
            // SAFETY: b * 32 + 32 <= dim == row.len() == q.len(); unaligned loads.
            let va = _mm256_loadu_si256(q.as_ptr().add(b * 32) as *const __m256i);
            let vb = _mm256_loadu_si256(row.as_ptr().add(b * 32) as *const __m256i);
            // |a| * (b * sign a): values are within -127..=127, so no lane overflows.
            let p16 = _mm256_maddubs_epi16(_mm256_sign_epi8(va, va), _mm256_sign_epi8(vb, va));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(p16, ones));
        }
        let lo = _mm256_castsi256_si128(acc);
        let hi = _mm256_extracti128_si256(acc, 1);
        let s4 = _mm_add_epi32(lo, hi);
        let s2 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0b01_00_11_10));
        let s1 = _mm_add_epi32(s2, _mm_shuffle_epi32(s2, 0b10_11_00_01));
        let mut d = _mm_cvtsi128_si32(s1);
        for i in blocks * 32..dim {
            d += i32::from(q[i]) * i32::from(row[i]);
        }
        *o = rows.score(r, d, qscale);
    }
}

/// The settings of an open-set decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchPolicy {
    /// The best person's similarity must reach this.
    pub threshold: f32,
    /// And beat the second-best person's by at least this much.
    pub margin: f32,
}

/// Why a face was not matched to anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownReason {
    EmptyGallery,
    BelowThreshold,
    Ambiguous,
}

/// The outcome of one face against the gallery.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Known {
        staff: StaffId,
        score: Similarity,
        margin: f32,
    },
    Unknown {
        reason: UnknownReason,
        best: Option<(StaffId, Similarity)>,
    },
}

impl MatchPolicy {
    /// Turns a ranking into a decision.
    pub fn decide(&self, ranking: &Ranking<'_>) -> Decision {
        let Some(best) = ranking.best else {
            return Decision::Unknown {
                reason: UnknownReason::EmptyGallery,
                best: None,
            };
        };
        let margin = match ranking.second {
            Some(s) => best.score.0 - s.score.0,
            None => f32::INFINITY,
        };
        let best_pair = Some((best.staff.clone(), best.score));
        if best.score.0 < self.threshold {
            Decision::Unknown {
                reason: UnknownReason::BelowThreshold,
                best: best_pair,
            }
        } else if margin < self.margin {
            Decision::Unknown {
                reason: UnknownReason::Ambiguous,
                best: best_pair,
            }
        } else {
            Decision::Known {
                staff: best.staff.clone(),
                score: best.score,
                margin,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> StaffId {
        StaffId::new(s).unwrap()
    }

    /// A deterministic pseudo-random unit vector.
    fn unit(seed: u64, dim: usize) -> Vec<f32> {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut v: Vec<f32> = (0..dim)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 33) as f32 / (1u64 << 31) as f32) - 0.5
            })
            .collect();
        l2_normalize(&mut v);
        v
    }

    fn mix(a: &[f32], b: &[f32], t: f32) -> Vec<f32> {
        let mut v: Vec<f32> = a
            .iter()
            .zip(b)
            .map(|(x, y)| x * (1.0 - t) + y * t)
            .collect();
        l2_normalize(&mut v);
        v
    }

    #[test]
    fn finds_the_right_person_among_many() {
        let dim = 512;
        let mut g = Gallery::new(dim, Metric::Cosine);
        for p in 0..500u64 {
            for e in 0..3u64 {
                let base = unit(p, dim);
                let v = mix(&base, &unit(10_000 + p * 7 + e, dim), 0.3);
                g.add(&id(&format!("p{p}")), &v).unwrap();
            }
        }
        let mut scratch = SearchScratch::default();
        for p in [0u64, 17, 250, 499] {
            let probe = mix(&unit(p, dim), &unit(99_999 + p, dim), 0.3);
            let r = g.search(&probe, &mut scratch);
            let best = r.best.unwrap();
            assert_eq!(best.staff.as_str(), format!("p{p}"));
            let second = r.second.unwrap();
            assert_ne!(second.staff, best.staff);
            // The exact best equals a brute-force maximum over that person's rows.
            assert!(best.score.0 > second.score.0 + 0.2, "{r:?}");
        }
    }

    #[test]
    fn int8_scan_agrees_with_exact_order() {
        let dim = 128;
        let mut g = Gallery::new(dim, Metric::Cosine);
        let rows: Vec<Vec<f32>> = (0..300).map(|i| unit(i, dim)).collect();
        for (i, r) in rows.iter().enumerate() {
            g.add(&id(&format!("r{i}")), r).unwrap();
        }
        let q = unit(7_777, dim);
        let mut s = SearchScratch::default();
        let got = g.search(&q, &mut s);
        let mut exact: Vec<(f32, usize)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (dot_f32(&q, r), i))
            .collect();
        exact.sort_by(|a, b| b.0.total_cmp(&a.0));
        assert_eq!(got.best.unwrap().staff.as_str(), format!("r{}", exact[0].1));
        assert!((got.best.unwrap().score.0 - exact[0].0).abs() < 1e-5);
        assert_eq!(
            got.second.unwrap().staff.as_str(),
            format!("r{}", exact[1].1)
        );
    }

    #[test]
    fn dot_kernels_agree() {
        let a: Vec<i8> = (0..517).map(|i| (i * 37 % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..517).map(|i| (i * 91 % 255 - 127) as i8).collect();
        let want: i32 = a
            .iter()
            .zip(&b)
            .map(|(x, y)| i32::from(*x) * i32::from(*y))
            .sum();
        assert_eq!(dot_i8(&a, &b), want);
        let dim = 512;
        let mut out = vec![0f32; 1];
        let rows = Int8Rows {
            values: &b[..dim],
            dim,
            scale: &[1.0],
            bias: &[0.0],
        };
        scan_int8(&a[..dim], 1.0, rows, &mut out);
        assert_eq!(out[0] as i32, dot_i8(&a[..dim], &b[..dim]));
    }

    #[test]
    fn euclidean_metric_ranks_by_distance() {
        let mut g = Gallery::new(3, Metric::Euclidean);
        g.add(&id("near"), &[1.0, 1.0, 1.0]).unwrap();
        g.add(&id("far"), &[3.0, 3.0, 3.0]).unwrap();
        let mut s = SearchScratch::default();
        let r = g.search(&[1.1, 1.0, 0.9], &mut s);
        assert_eq!(r.best.unwrap().staff.as_str(), "near");
        assert!((r.best.unwrap().score.0 + 0.141_421).abs() < 1e-3);
        assert_eq!(r.second.unwrap().staff.as_str(), "far");
    }

    #[test]
    fn rejects_bad_embeddings() {
        let mut g = Gallery::new(4, Metric::Cosine);
        assert_eq!(
            g.add(&id("a"), &[1.0, 0.0]).unwrap_err().to_string(),
            "embedding for a has 2 values; the gallery's model gives 4"
        );
        assert!(matches!(
            g.add(&id("a"), &[f32::NAN, 0.0, 0.0, 0.0]),
            Err(GalleryError::NotFinite { .. })
        ));
        assert!(matches!(
            g.add(&id("a"), &[0.0; 4]),
            Err(GalleryError::Zero { .. })
        ));
        assert!(g.is_empty());
    }

    #[track_caller]
    fn check_decision(best: Option<f32>, second: Option<f32>, want: &str) {
        let a = id("a");
        let b = id("b");
        let ranking = Ranking {
            best: best.map(|s| Candidate {
                staff: &a,
                score: Similarity(s),
            }),
            second: second.map(|s| Candidate {
                staff: &b,
                score: Similarity(s),
            }),
        };
        let policy = MatchPolicy {
            threshold: 0.4,
            margin: 0.1,
        };
        let got = match policy.decide(&ranking) {
            Decision::Known { staff, .. } => format!("known {staff}"),
            Decision::Unknown { reason, .. } => format!("unknown {reason:?}"),
        };
        assert_eq!(got, want);
    }

    #[test]
    fn open_set_decisions() {
        check_decision(None, None, "unknown EmptyGallery");
        check_decision(Some(0.39), None, "unknown BelowThreshold");
        check_decision(Some(0.40), None, "known a");
        check_decision(Some(0.60), Some(0.55), "unknown Ambiguous");
        check_decision(Some(0.60), Some(0.49), "known a");
        check_decision(Some(0.30), Some(0.29), "unknown BelowThreshold");
    }

    #[test]
    fn person_with_many_rows_still_yields_a_second_person() {
        let dim = 64;
        let mut g = Gallery::new(dim, Metric::Cosine);
        let base = unit(1, dim);
        for e in 0..60 {
            g.add(&id("many"), &mix(&base, &unit(100 + e, dim), 0.05))
                .unwrap();
        }
        g.add(&id("other"), &unit(2, dim)).unwrap();
        let mut s = SearchScratch::default();
        let r = g.search(&base, &mut s);
        assert_eq!(r.best.unwrap().staff.as_str(), "many");
        assert_eq!(r.second.unwrap().staff.as_str(), "other");
    }
}
