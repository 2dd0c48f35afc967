//! The month's scoring at county size (issue 9): 20 halls × 200 staff, a month of punches from
//! every door (about 350,000), a few inspection records; then the county's month sheet (every
//! hall scored: the punches merged and classified, the four parts, the fund) and one person's year,
//! each timed several times on a throwaway PostgreSQL cluster. Prints figures; asserts nothing
//! about time.
//!
//! `cargo bench -p hallclock-central --bench scoring` (release). `SCORING_HALLS` and
//! `SCORING_STAFF` change the size.

use std::path::PathBuf;
use std::time::Instant;

use hallclock_central::month;
use hallclock_central::store::{DbSettings, Store};
use hallclock_core::assessment::Month;
use hallclock_core::ids::StaffId;
use jiff::Timestamp;

// The tests' throwaway cluster; the bench never stops it early (its outage methods go unused).
#[allow(dead_code)]
#[path = "../tests/it/cluster.rs"]
mod cluster;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn millis(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "median {:.1} ms, best {:.1} ms, worst {:.1} ms ({} runs)",
        ms[ms.len() / 2],
        ms[0],
        ms[ms.len() - 1],
        ms.len()
    )
}

/// Halls `h01..`, staff `0001..` in posts of two, one door per hall, and September 2026's
/// punches: each working day 07:55, 11:35, 14:25 and 17:35 local, with a tenth of the mornings
/// late (08:07) so that classification has something to find.
const SETUP: &str = "
INSERT INTO halls (id, name) SELECT format('h%s', lpad(h::text, 2, '0')), format('第%s大厅', h)
  FROM generate_series(1, $HALLS) h;
INSERT INTO staff (hall, id, name, post, active_from)
  SELECT format('h%s', lpad(h::text, 2, '0')), lpad(s::text, 4, '0'), format('员工%s', s),
         format('W%s', (s + 1) / 2), DATE '2026-01-01'
  FROM generate_series(1, $HALLS) h, generate_series(1, $STAFF) s;
INSERT INTO devices (id, hall, token_sha256)
  SELECT format('door-h%s', lpad(h::text, 2, '0')), format('h%s', lpad(h::text, 2, '0')),
         sha256(convert_to(h::text, 'UTF8'))
  FROM generate_series(1, $HALLS) h;
INSERT INTO punches (device, seq, hall, staff_id, at, direction, clock_trusted, verdict,
                     late_minutes, early_minutes)
  SELECT format('door-h%s', lpad(h::text, 2, '0')),
         row_number() OVER (PARTITION BY h ORDER BY d, s, t),
         format('h%s', lpad(h::text, 2, '0')), lpad(s::text, 4, '0'),
         (d + CASE WHEN t = time '07:55' AND (s + extract(day FROM d)::int) % 10 = 0
                   THEN time '08:07' ELSE t END) AT TIME ZONE 'Asia/Shanghai',
         'in', true, 'unjudged', 0, 0
  FROM generate_series(1, $HALLS) h, generate_series(1, $STAFF) s,
       generate_series(DATE '2026-09-01', DATE '2026-09-30', interval '1 day') d,
       unnest(ARRAY[time '07:55', time '11:35', time '14:25', time '17:35']) t
  WHERE extract(isodow FROM d) < 6;
INSERT INTO item_records (hall, staff_id, item, day, times, note, author)
  SELECT format('h%s', lpad(h::text, 2, '0')), lpad((h * 7 % $STAFF + 1)::text, 4, '0'), 'C2',
         DATE '2026-09-10', 1, '投诉', '稽查督办科'
  FROM generate_series(1, $HALLS) h;
ANALYZE;
";

fn main() {
    let halls = env_or("SCORING_HALLS", 20);
    let staff = env_or("SCORING_STAFF", 200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let cluster = cluster::Cluster::start();
    rt.block_on(async {
        let settings = DbSettings {
            url: cluster.url.clone(),
            password_file: None,
        };
        let mut store = Store::connect(&settings).await.expect("connect");
        store.migrate().await.expect("migrate");
        let setup = Instant::now();
        let sql = SETUP
            .replace("$HALLS", &halls.to_string())
            .replace("$STAFF", &staff.to_string());
        let client = cluster::connect(&cluster.url).await;
        client.batch_execute(&sql).await.expect("setup");
        let punches: i64 = client
            .query_one("SELECT count(*) FROM punches", &[])
            .await
            .expect("count")
            .get(0);
        store
            .put_holiday_file(
                "holidays-2026.txt",
                &std::fs::read_to_string(repo().join("firmware-config/holidays-2026.txt"))
                    .expect("the holiday file"),
            )
            .await
            .expect("holidays");
        println!(
            "setup: {halls} halls × {staff} staff, {punches} punches in 2026-09, in {:.1} s",
            setup.elapsed().as_secs_f64()
        );

        let sep = Month::new(2026, 9).expect("month");
        let now: Timestamp = "2026-10-08T02:00:00Z".parse().expect("now");
        let ids = store.hall_ids().await.expect("halls");
        let mut county = Vec::new();
        let mut people = 0;
        for _ in 0..5 {
            let t = Instant::now();
            people = 0;
            for h in &ids {
                let sheet = month::sheet(&store, h, sep, now).await.expect("sheet");
                people += sheet.rows.len();
            }
            county.push(millis(t));
        }
        println!(
            "county month sheet ({} halls, {people} people, every door merged and classified): {}",
            ids.len(),
            summary(county)
        );

        let one = StaffId::new("0042").expect("id");
        let mut year = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            let lines = month::year(&store, "h01", 2026, now, Some(&one))
                .await
                .expect("year");
            assert_eq!(lines.len(), 1);
            year.push(millis(t));
        }
        println!(
            "one person's year (2026, through October): {}",
            summary(year)
        );

        let mut person = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            month::person(&store, "h01", &one, sep, now)
                .await
                .expect("person");
            person.push(millis(t));
        }
        println!(
            "one person's month page (the hall's sheet, their records and punches): {}",
            summary(person)
        );
    });
}
