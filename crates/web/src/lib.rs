//! hallclock-web: what the door's console and the centre's pages share, written once
//! (issue 9): the security decisions (`security`: argon2 passwords, the password rules,
//! lock-out arithmetic, CSRF, tokens, per-client buckets), the stateful sign-in defences
//! (`guard`), the page language and shared strings (`lang`), HTML (`html`: escaping, the page
//! shell, forms, tables), HTTP (`http`: cookies, answers, security headers, the rate and time
//! limit layer) and the server with its timeouts and connection limit (`serve`).
//!
//! Holds no roles, no pages and no store: each side keeps its accounts, its roles and
//! permissions, its strings and its handlers. Links neither OpenCV, ONNX Runtime, SQLite nor
//! PostgreSQL.

pub mod guard;
pub mod html;
pub mod http;
pub mod lang;
pub mod security;
pub mod serve;

pub use guard::{Guard, GuardLimits, Turned};
pub use http::{ClientIp, Params};
pub use lang::Lang;
pub use serve::ServerLimits;
