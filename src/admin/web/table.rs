//! Long tables and per-month lists, server-side: a table's page and sort order from the query
//! (`?page=2&sort=-name`), its sortable headers, the pager under it, and the previous/next month
//! links of every list that is per month. Every link keeps the page's other parameters (the
//! filters, the month, the language), so that an answer to a change can send the user back to
//! exactly where they were ([`back_to`]).
//!
//! Presentation only: nothing here decides who is shown (the port and the core do), and nothing
//! touches the store.

use std::fmt::Write;

use jiff::civil::Date;
use jiff::ToSpan;

use super::common::{url_component, Params};
use super::html::esc;
use super::i18n::{t, Lang};

/// Rows per page unless the query asks for another number (`per=`, 10 to 500).
pub(super) const PER_PAGE: usize = 50;

/// Parameters never carried from one page to the next: the form's token and a download's
/// format.
const NOT_CARRIED: [&str; 3] = ["csrf", "format", "done"];

/// Which page of a table, sorted how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Paging {
    /// From 1.
    pub page: usize,
    pub per_page: usize,
    /// One of the table's sort keys.
    pub sort: &'static str,
    pub descending: bool,
}

impl Paging {
    /// The paging the query asks for (`page`, `per`, `sort`: a key, `-key` for descending);
    /// an unknown sort key is the first of `keys`, a page past the end the last page.
    pub fn from_query(q: &Params, keys: &[&'static str]) -> Paging {
        let number = |k: &str| q.get(k).and_then(|v| v.trim().parse::<usize>().ok());
        let asked = q.get("sort").map(|s| s.trim()).unwrap_or_default();
        let (descending, key) = match asked.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, asked),
        };
        let sort = keys
            .iter()
            .copied()
            .find(|k| *k == key)
            .or_else(|| keys.first().copied())
            .unwrap_or("");
        Paging {
            page: number("page").unwrap_or(1).max(1),
            per_page: number("per").unwrap_or(PER_PAGE).clamp(10, 500),
            sort,
            descending: descending && sort == key,
        }
    }

    /// The number of pages for `rows` rows (at least 1).
    pub fn pages(&self, rows: usize) -> usize {
        rows.div_ceil(self.per_page).max(1)
    }

    /// This page's rows of `sorted`.
    pub fn slice<'a, T>(&self, sorted: &'a [T]) -> &'a [T] {
        let page = self.page.min(self.pages(sorted.len()));
        let start = (page - 1) * self.per_page;
        let end = (start + self.per_page).min(sorted.len());
        sorted.get(start..end).unwrap_or(&[])
    }

    /// Sorts `rows` by this paging's key, through `key_of` (which reads the key's value of a
    /// row), ascending or descending.
    pub fn sort<T, K: Ord>(&self, rows: &mut [T], key_of: impl Fn(&T, &str) -> K) {
        rows.sort_by(|a, b| {
            let order = key_of(a, self.sort).cmp(&key_of(b, self.sort));
            if self.descending {
                order.reverse()
            } else {
                order
            }
        });
    }
}

/// `path?query` with the query's parameters (but the form's token and a download's format),
/// `changes` applied (an empty value removes the parameter).
pub(super) fn link(path: &str, q: &Params, changes: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, &str)> = q
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .filter(|(k, _)| !NOT_CARRIED.contains(k) && !changes.iter().any(|(c, _)| c == k))
        .collect();
    pairs.extend(changes.iter().copied().filter(|(_, v)| !v.is_empty()));
    pairs.sort_unstable();
    if pairs.is_empty() {
        return path.to_string();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_component(k), url_component(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// A sortable header: a link that sorts by `key` (the other way when already sorted by it),
/// back on the first page, with an arrow on the current one.
pub(super) fn sort_header(
    path: &str,
    q: &Params,
    paging: &Paging,
    key: &str,
    label: &str,
) -> String {
    let current = paging.sort == key;
    let next = if current && !paging.descending {
        format!("-{key}")
    } else {
        key.to_string()
    };
    let arrow = match (current, paging.descending) {
        (true, false) => " ▲",
        (true, true) => " ▼",
        _ => "",
    };
    format!(
        "<th><a class=\"sort\" href=\"{}\">{}{arrow}</a></th>",
        esc(&link(path, q, &[("sort", &next), ("page", "")])),
        esc(label)
    )
}

/// The pager under a table of `rows` rows: 上一页, `page / pages`, 下一页, and the count.
pub(super) fn pager(path: &str, q: &Params, paging: &Paging, rows: usize, lang: Lang) -> String {
    let pages = paging.pages(rows);
    let page = paging.page.min(pages);
    let mut h = String::from("<p class=\"pager no-print\" id=\"pager\">");
    let go = |n: usize| link(path, q, &[("page", &n.to_string())]);
    if page > 1 {
        let _ = write!(
            h,
            "<a id=\"page-prev\" href=\"{}\">{}</a> ",
            esc(&go(page - 1)),
            esc(t(lang, "page.prev"))
        );
    }
    let _ = write!(
        h,
        "<span id=\"page-at\">{} {page} / {pages}</span> · {rows} {}",
        esc(t(lang, "page.page")),
        esc(t(lang, "page.rows"))
    );
    if page < pages {
        let _ = write!(
            h,
            " <a id=\"page-next\" href=\"{}\">{}</a>",
            esc(&go(page + 1)),
            esc(t(lang, "page.next"))
        );
    }
    h.push_str("</p>");
    h
}

/// The previous and next month links of a per-month list on `path`, keeping its other
/// parameters.
pub(super) fn month_nav(path: &str, q: &Params, month: Date, lang: Lang) -> String {
    let step = |n: i32| {
        month.checked_add(n.months()).ok().map(|m| {
            link(
                path,
                q,
                &[("month", &m.strftime("%Y-%m").to_string()), ("page", "")],
            )
        })
    };
    let mut h = String::from("<p class=\"month-nav no-print\">");
    if let Some(prev) = step(-1) {
        let _ = write!(
            h,
            "<a id=\"month-prev\" href=\"{}\">« {}</a> ",
            esc(&prev),
            esc(t(lang, "month.prev"))
        );
    }
    let _ = write!(
        h,
        "<strong>{}</strong>",
        esc(&month.strftime("%Y-%m").to_string())
    );
    if let Some(next) = step(1) {
        let _ = write!(
            h,
            " <a id=\"month-next\" href=\"{}\">{} »</a>",
            esc(&next),
            esc(t(lang, "month.next"))
        );
    }
    h.push_str("</p>");
    h
}

/// The hidden field a change's form carries to come back to the list it was made from: the
/// list's query (its filters, month and page).
pub(super) fn back_field(q: &Params) -> String {
    format!(
        "<input type=\"hidden\" name=\"back\" value=\"{}\">",
        esc(link("", q, &[]).trim_start_matches('?'))
    )
}

/// Where to send the user after a change made from `path`: the list as it was (the `back`
/// field of the form), with `done` (what was done, for the note).
pub(super) fn back_to(path: &str, form: &Params, done: &str) -> String {
    let back: Params = form
        .get("back")
        .map(|b| {
            b.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (decode(k), decode(v)))
                .collect()
        })
        .unwrap_or_default();
    link(path, &back, &[("done", ""), ("done", done)])
}

/// A percent-encoded query component, decoded (a bad escape is kept as typed).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => match std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(b'%');
                    i += 1;
                }
            },
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn paging_reads_the_query_and_slices() {
        let p = Paging::from_query(&q(&[("page", "3"), ("sort", "-name")]), &["id", "name"]);
        assert_eq!((p.page, p.sort, p.descending), (3, "name", true));
        let rows: Vec<usize> = (0..120).collect();
        assert_eq!(p.pages(rows.len()), 3);
        assert_eq!(p.slice(&rows), &rows[100..120]);
        let p = Paging::from_query(&q(&[("page", "9"), ("sort", "nope")]), &["id", "name"]);
        assert_eq!((p.sort, p.descending), ("id", false));
        assert_eq!(p.slice(&rows), &rows[100..120]);
    }

    #[test]
    fn links_keep_the_filters_and_come_back() {
        let query = q(&[("month", "2026-11"), ("csrf", "x"), ("q", "王")]);
        assert_eq!(
            link("/leave", &query, &[("page", "2")]),
            "/leave?month=2026-11&page=2&q=%E7%8E%8B"
        );
        let form = q(&[("back", "month=2026-10&page=2&q=%E7%8E%8B")]);
        assert_eq!(
            back_to("/leave", &form, "approved-1"),
            "/leave?done=approved-1&month=2026-10&page=2&q=%E7%8E%8B"
        );
    }
}
