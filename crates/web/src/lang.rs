//! The page language and the lookup of its strings: each side keeps its own table of
//! `(key, Chinese, English)` and falls back to [`SHARED`], the strings both consoles show
//! (sign-in, the error pages, printed sheets' signature lines). Chinese is the default.

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `zh` or `en` (as in `?lang=` and the cookie).
    pub fn key(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A table of strings: (key, Chinese, English).
pub type Strings = [(&'static str, &'static str, &'static str)];

/// The strings both consoles show.
pub const SHARED: &Strings = &[
    ("error", "出错了", "Error"),
    (
        "error.internal",
        "内部错误,已记录日志;请联系管理员。",
        "Internal error (logged); please tell the administrator.",
    ),
    ("error.signin", "请先登录。", "Please sign in first."),
    (
        "error.forbidden",
        "您的角色无权执行此操作。",
        "Your role may not do this.",
    ),
    (
        "error.csrf",
        "表单已失效(缺少或错误的安全令牌),请刷新页面后重试。",
        "The form has expired (missing or wrong security token); reload the page and try again.",
    ),
    ("login.title", "登录", "Sign in"),
    ("login.name", "用户名", "User name"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    (
        "login.wrong",
        "用户名或密码错误。",
        "Wrong user name or password.",
    ),
    (
        "login.locked",
        "密码错误次数过多,账号已锁定,请稍后再试。",
        "Too many wrong passwords: the account is locked; try again later.",
    ),
    (
        "login.failed",
        "登录失败:用户名或密码错误,或尝试次数过多(请稍后再试)。",
        "Sign-in failed: wrong user name or password, or too many attempts (try again later).",
    ),
    (
        "login.too_many",
        "此地址登录尝试过于频繁,请一分钟后再试。",
        "Too many sign-in attempts from this address: try again in a minute.",
    ),
    (
        "login.busy",
        "控制台正忙,请稍后再试。",
        "The console is busy: try again in a moment.",
    ),
    ("nav.logout", "退出", "Sign out"),
    ("print.made_by", "制表人", "Prepared by"),
    ("print.checked_by", "审核人", "Checked by"),
    ("print.date", "日期", "Date"),
    ("print.printed", "打印于", "printed"),
];

/// The text of `key` in `lang` from `table`, if it has the key.
pub fn lookup(table: &Strings, lang: Lang, key: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| match lang {
            Lang::Zh => *zh,
            Lang::En => *en,
        })
}

/// The text of `key` in `lang`: from `own` (a side's table), else from [`SHARED`], else `?`
/// (each side's tests forbid that).
pub fn text_in(own: &Strings, lang: Lang, key: &str) -> &'static str {
    lookup(own, lang, key)
        .or_else(|| lookup(SHARED, lang, key))
        .unwrap_or("?")
}

/// A shared string.
pub fn t(lang: Lang, key: &str) -> &'static str {
    text_in(&[], lang, key)
}

/// Whether `table` is a clean table beside [`SHARED`]: each key once, both texts present, no
/// key that shadows a shared one. The offending keys (empty: clean).
pub fn table_problems(table: &Strings) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut bad = Vec::new();
    for (k, zh, en) in table.iter().chain(SHARED.iter()) {
        if !seen.insert(*k) || zh.is_empty() || en.is_empty() {
            bad.push((*k).to_string());
        }
    }
    bad
}

/// The string literals of a source file that look like string keys (a dot, and only `a-z`,
/// `0-9`, `.` and `_`), for the tests that check every key a side uses is in a table.
pub fn literal_keys(src: &str) -> impl Iterator<Item = &str> {
    src.split('"').skip(1).step_by(2).filter(|piece| {
        piece.contains('.')
            && !piece.ends_with('.')
            && piece
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_table_is_clean_and_own_strings_win() {
        assert!(table_problems(&[]).is_empty());
        assert_eq!(t(Lang::Zh, "login.title"), "登录");
        assert_eq!(t(Lang::En, "login.title"), "Sign in");
        assert_eq!(t(Lang::En, "no.such"), "?");
        let own: &Strings = &[("app", "中心", "Centre")];
        assert_eq!(text_in(own, Lang::En, "app"), "Centre");
        assert_eq!(text_in(own, Lang::Zh, "error"), "出错了");
        assert_eq!(
            table_problems(&[("error", "x", "y")]),
            vec!["error".to_string()]
        );
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        let keys: Vec<&str> = literal_keys(r#"t(l, "a.b"), "x", "Hi.", "c_2.d""#).collect();
        assert_eq!(keys, ["a.b", "c_2.d"]);
    }
}
