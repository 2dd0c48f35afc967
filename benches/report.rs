//! The month report of a 200-person hall: about 20,000 punches in November 2026, with leave, a
//! duty roster, meetings and 100 A/B posts, in a real SQLite file. Measures the whole path the
//! supervisor waits for — store load + classify + tally + render (table, JSON, CSV) — and prints
//! the figure; the target is under one second.
//!
//! This bench only builds its own data and times the public API; it must not touch the real
//! database or the face models.

use std::time::{Duration, Instant};

use criterion::Criterion;
use jiff::civil::{date, Date, Time};
use jiff::{Timestamp, ToSpan};

use hallclock::admin::export::{render_csv, render_json, render_table, write_xlsx};
use hallclock::admin::report::{self, ReportInput, ReportKind, ScoredPart};
use hallclock::core::rules::{classify, Period};
use hallclock::store::FactsQuery;

#[allow(unused_imports, dead_code)]
#[path = "common/hall.rs"]
mod hall;
use hall::{build, Fixture, STAFF};

/// Timings of one month report.
struct Timings {
    load: Duration,
    classify: Duration,
    report: Duration,
    render: Duration,
    bytes: usize,
}

fn month_report(f: &Fixture, xlsx: Option<&std::path::Path>) -> Timings {
    let first = date(2026, 11, 1);
    let period = Period {
        first,
        last: first.last_of_month(),
    };
    let now: Timestamp = "2026-12-01T02:00:00Z".parse().expect("instant");
    let schedule = &f.rules.schedule;
    let midnight = |d: Date| {
        schedule
            .to_instant(d.to_datetime(Time::midnight()))
            .expect("midnight")
    };
    let t0 = Instant::now();
    let facts = f
        .store
        .load_facts(&FactsQuery {
            first: period.first,
            last: period.last,
            from: midnight(period.first.yesterday().expect("day")),
            until: midnight(period.last + 2.days()),
            summer_rule: hallclock::core::calendar::SummerRule::hall_defaults(),
        })
        .expect("load");
    let t1 = Instant::now();
    let attendance = classify(&f.rules, &facts.facts(), period, now).expect("classify");
    let t2 = Instant::now();
    let parts = [ScoredPart {
        label: "2026-11".into(),
        attendance,
    }];
    let built = report::build(&ReportInput {
        kind: ReportKind::Month,
        label: "2026-11",
        period,
        parts: &parts,
        names: &facts.names,
        departments: &std::collections::BTreeMap::new(),
        leaves: &facts.leaves,
        calendar: &facts.calendar,
        posts: &facts.posts,
        rules: &f.rules,
        scoring: &f.scoring,
        zone: "Asia/Shanghai",
        now,
        only: None,
        spoofs: &std::collections::BTreeMap::new(),
    });
    let t3 = Instant::now();
    let table = render_table(&built);
    let json = serde_json::to_string(&render_json(&built)).expect("json");
    let csv = render_csv(&built).expect("csv");
    let t4 = Instant::now();
    if let Some(path) = xlsx {
        write_xlsx(&built, path).expect("xlsx");
    }
    Timings {
        load: t1 - t0,
        classify: t2 - t1,
        report: t3 - t2,
        render: t4 - t3,
        bytes: table.len() + json.len() + csv.len(),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let fixture = build();
    let runs = 10;
    let mut all: Vec<Timings> = (0..runs).map(|_| month_report(&fixture, None)).collect();
    all.sort_by_key(|t| t.load + t.classify + t.report + t.render);
    let median = &all[runs / 2];
    let total = median.load + median.classify + median.report + median.render;
    println!(
        "month report, {STAFF} staff, {} punches, 40 leaves, 80 duty entries, 2 meetings: \
         median of {runs} runs {:.1} ms (store load {:.1} ms, classify {:.1} ms, tally+report \
         {:.1} ms, render table+JSON+CSV {:.1} ms, {} bytes); target < 1000 ms",
        fixture.punches,
        ms(total),
        ms(median.load),
        ms(median.classify),
        ms(median.report),
        ms(median.render),
        median.bytes
    );
    let out = fixture._dir.path().join("month.xlsx");
    let started = Instant::now();
    let with_xlsx = month_report(&fixture, Some(&out));
    let all_in = started.elapsed();
    let rest = with_xlsx.load + with_xlsx.classify + with_xlsx.report + with_xlsx.render;
    println!(
        "the same month report also written as .xlsx: {:.1} ms in all ({:.1} ms for the workbook)",
        ms(all_in),
        ms(all_in.saturating_sub(rest))
    );
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("month_report_200_staff", |b| {
        b.iter(|| month_report(&fixture, None))
    });
    c.final_summary();
}
