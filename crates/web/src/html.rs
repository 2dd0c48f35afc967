//! HTML output both consoles share: the one escaping function every interpolated value goes
//! through, the page shell (inline CSS, no external asset: a hall's LAN has no internet; print
//! styles for A4 sheets), message boxes, forms built field by field, tables' heads and printed
//! sheets' head and signature lines. Each side adds its own navigation (its roles decide it).

use std::fmt::Write;

use crate::lang::{t, Lang};

/// Escapes text for an HTML element or a double-quoted attribute.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:'Noto Sans CJK SC','Noto Sans SC','Microsoft YaHei',sans-serif;margin:0;background:#f4f6f8;color:#222}\
header{background:#8b1a1a;color:#fff;padding:10px 18px;display:flex;gap:14px;align-items:center;flex-wrap:wrap}\
header a{color:#fff;text-decoration:none}header .who{margin-left:auto}\
main{padding:16px 20px}table{border-collapse:collapse;background:#fff;margin:8px 0}\
th,td{border:1px solid #ccd;padding:4px 8px;text-align:left;font-size:14px}th{background:#e8ecf0}\
.msg{padding:8px 12px;margin:8px 0;border-radius:4px}.ok{background:#e3f4e1}.err{background:#fbe3e3;white-space:pre-wrap}.warn{background:#fff4d6}\
form.card,.card{background:#fff;padding:12px 16px;border:1px solid #ccd;margin:10px 0;max-width:760px}\
label{display:block;margin:6px 0}input,select{font-size:14px;padding:3px}button{font-size:14px;padding:4px 14px}\
.cal td{width:110px;height:54px;vertical-align:top}.s{display:block;font-size:12px;padding:1px 3px;margin:1px 0;border-radius:3px}\
.grid td{font-size:11px;padding:2px 3px;white-space:nowrap}.grid .s{font-size:11px}\
.on_time{background:#cdeccd}.late{background:#ffd9a8}.early{background:#ffe9a8}.missing{background:#f6b8b8}.leave{background:#c9dcf7}.off{background:#eee}.pending{background:#fafafa}\
.print-only{display:none}\
@media print{@page{size:A4 landscape;margin:12mm 10mm 14mm 10mm;@bottom-center{content:counter(page) \" / \" counter(pages);font-size:9pt}}\
body{background:#fff}header,form,.no-print{display:none!important}main{padding:0}h1{font-size:15pt;margin:0 0 2px}\
.print-only{display:block}.print-head{font-size:11pt;margin:0 0 6px}\
table{margin:4px 0}tr{break-inside:avoid}th,td{font-size:8.5pt;padding:2px 4px}.grid td{font-size:7pt;padding:1px}.grid .s{font-size:7pt}\
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\
.signatures{display:flex;gap:28mm;margin-top:10mm;font-size:11pt;break-inside:avoid}}";

/// The line a printed sheet starts with (print only): the hall, what it is, the period and when
/// it was printed, in the hall's time.
pub fn print_head(hall: &str, what: &str, period: &str, printed: &str) -> String {
    format!(
        "<div class=\"print-only print-head\"><strong>{}</strong> · {} · {} · {}</div>",
        esc(hall),
        esc(what),
        esc(period),
        esc(printed)
    )
}

/// The signature lines a printed sheet ends with (print only): 制表人, 审核人 and the date.
pub fn signatures(lang: Lang) -> String {
    format!(
        "<div class=\"print-only signatures\"><span>{}：________________</span><span>{}：________________</span><span>{}：____年__月__日</span></div>",
        esc(t(lang, "print.made_by")),
        esc(t(lang, "print.checked_by")),
        esc(t(lang, "print.date"))
    )
}

/// A whole page: head, the navigation `nav` (HTML: the side's [`nav_bar`]),
/// the language switch, and `body` under the title. `app` is the console's name.
pub fn shell(lang: Lang, app: &str, title: &str, nav: Option<&str>, body: &str) -> String {
    let mut h = String::with_capacity(body.len() + 2048);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{} · {}</title><style>{CSS}</style></head><body><header><strong>{}</strong>",
        lang.html_code(),
        esc(title),
        esc(app),
        esc(app),
    );
    if let Some(nav) = nav {
        h.push_str(nav);
    }
    let other = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let _ = write!(
        h,
        "<a href=\"?lang={}\">{}</a></header><main><h1>{}</h1>{body}</main></body></html>",
        other.0,
        other.1,
        esc(title)
    );
    h
}

/// The navigation of a signed-in user: the `links` (href, text) their role may use, who they
/// are (and their role's name) and the sign-out form.
pub fn nav_bar(
    lang: Lang,
    links: &[(&str, &str)],
    account: &str,
    role: &str,
    csrf: &str,
) -> String {
    let mut h = String::new();
    for (href, text) in links {
        let _ = write!(h, "<a href=\"{}\">{}</a>", esc(href), esc(text));
    }
    let _ = write!(
        h,
        "<span class=\"who\">{} ({})</span><form method=\"post\" action=\"/logout\" style=\"margin:0\">{}<button>{}</button></form>",
        esc(account),
        esc(role),
        csrf_field(csrf),
        esc(t(lang, "nav.logout"))
    );
    h
}

/// A table row of texts, each escaped.
pub fn row<S: AsRef<str>>(cells: &[S]) -> String {
    cells.iter().fold(String::from("<tr>"), |mut h, c| {
        let _ = write!(h, "<td>{}</td>", esc(c.as_ref()));
        h
    }) + "</tr>"
}

/// A table row of cells that are HTML already (escaped by the caller).
pub fn row_html<S: AsRef<str>>(cells: &[S]) -> String {
    cells.iter().fold(String::from("<tr>"), |mut h, c| {
        let _ = write!(h, "<td>{}</td>", c.as_ref());
        h
    }) + "</tr>"
}

/// The sign-in form (the body of the sign-in page), with its pre-session CSRF `token` and the
/// refusal `error` when there is one.
pub fn sign_in_form(lang: Lang, error: Option<&str>, token: &str) -> String {
    let mut b = String::new();
    if let Some(e) = error {
        b.push_str(&message("err", e));
    }
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"login_csrf\" value=\"{}\"><label>{}<br><input name=\"name\" id=\"name\" autocomplete=\"username\" required></label><label>{}<br><input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"current-password\" required></label><button id=\"signin\">{}</button></form>",
        esc(token),
        esc(t(lang, "login.name")),
        esc(t(lang, "login.password")),
        esc(t(lang, "login.submit"))
    );
    b
}

/// A message box (`ok`, `err` or `warn`).
pub fn message(class: &str, text: &str) -> String {
    format!("<div class=\"msg {class}\">{}</div>", esc(text))
}

/// The hidden CSRF field of a form.
pub fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(token)
    )
}

/// A form in a card, built field by field; every label and value is escaped here. A `post`
/// form carries the CSRF field and puts each label above its field; a `get` form (a filter)
/// puts them side by side.
pub struct Form {
    html: String,
    stacked: bool,
}

impl Form {
    pub fn post(action: &str, csrf: &str) -> Form {
        Form {
            html: format!(
                "<form class=\"card\" method=\"post\" action=\"{}\">{}",
                esc(action),
                csrf_field(csrf)
            ),
            stacked: true,
        }
    }

    pub fn get(action: &str) -> Form {
        Form {
            html: format!(
                "<form class=\"card\" method=\"get\" action=\"{}\">",
                esc(action)
            ),
            stacked: false,
        }
    }

    /// `label` around `fields` (HTML from [`Input`], [`select`] or [`textarea`]).
    pub fn field(mut self, label: &str, fields: &str) -> Form {
        let gap = if self.stacked { "<br>" } else { " " };
        let _ = write!(self.html, "<label>{}{gap}{fields}</label>", esc(label));
        self
    }

    /// `label` around a required text [`Input`] named `name`, with the element id `id`.
    pub fn required_field(self, label: &str, name: &str, id: &str) -> Form {
        self.field(label, &Input::new(name, id).required().html())
    }

    /// The submit button (with `id`, when a test or a script needs it) and the end of the form.
    pub fn submit(mut self, id: Option<&str>, text: &str) -> String {
        match id {
            Some(id) => {
                let _ = write!(
                    self.html,
                    "<button id=\"{}\">{}</button>",
                    esc(id),
                    esc(text)
                );
            }
            None => {
                let _ = write!(self.html, "<button>{}</button>", esc(text));
            }
        }
        self.html.push_str("</form>");
        self.html
    }
}

/// An `<input>`: `name` and `id`, then what the form needs.
pub struct Input {
    html: String,
}

impl Input {
    pub fn new(name: &str, id: &str) -> Input {
        Input {
            html: format!("<input name=\"{}\" id=\"{}\"", esc(name), esc(id)),
        }
    }

    pub fn value(mut self, value: &str) -> Input {
        let _ = write!(self.html, " value=\"{}\"", esc(value));
        self
    }

    pub fn placeholder(mut self, example: &str) -> Input {
        let _ = write!(self.html, " placeholder=\"{}\"", esc(example));
        self
    }

    pub fn required(mut self) -> Input {
        self.html.push_str(" required");
        self
    }

    pub fn html(mut self) -> String {
        self.html.push('>');
        self.html
    }
}

/// A `<select>` of `(value, text)` options, the first selected.
pub fn select(name: &str, id: Option<&str>, options: &[(&str, &str)]) -> String {
    let mut h = format!("<select name=\"{}\"", esc(name));
    if let Some(id) = id {
        let _ = write!(h, " id=\"{}\"", esc(id));
    }
    h.push('>');
    for (value, text) in options {
        let _ = write!(h, "<option value=\"{}\">{}</option>", esc(value), esc(text));
    }
    h.push_str("</select>");
    h
}

/// A required `<textarea>` of `rows` × `cols`.
pub fn textarea(name: &str, id: &str, rows: u32, cols: u32, required: bool) -> String {
    format!(
        "<textarea name=\"{}\" id=\"{}\" rows=\"{rows}\" cols=\"{cols}\"{}></textarea>",
        esc(name),
        esc(id),
        if required { " required" } else { "" }
    )
}

/// `<table id="…">` and its header row.
pub fn table_head(id: &str, headers: &[&str]) -> String {
    let mut h = format!("<table id=\"{}\"><tr>", esc(id));
    for text in headers {
        let _ = write!(h, "<th>{}</th>", esc(text));
    }
    h.push_str("</tr>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("张三"), "张三");
    }

    #[test]
    fn the_shell_escapes_and_switches_language() {
        let p = shell(Lang::Zh, "中心<", "标题", None, "<p>x</p>");
        assert!(p.contains("<title>标题 · 中心&lt;</title>"));
        assert!(p.contains("?lang=en"));
        assert!(p.contains("<p>x</p>"));
        let nav = nav_bar(Lang::En, &[("/x", "X<")], "a\"b", "r", "tok");
        assert!(nav.contains("<a href=\"/x\">X&lt;</a>") && nav.contains("a&quot;b (r)"));
        assert!(nav.contains("Sign out") && nav.contains("value=\"tok\""));
        assert_eq!(row(&["<", "b"]), "<tr><td>&lt;</td><td>b</td></tr>");
        assert_eq!(row_html(&["<i>x</i>"]), "<tr><td><i>x</i></td></tr>");
    }
}
