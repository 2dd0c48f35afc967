//! The admin side: report export (terminal table, CSV, JSON, Excel) and punch import formats.
//! The local web console (issue 5) lives in `web`, behind its own port.
//!
//! Everything here turns core values into the supervisor's formats and back; it decides nothing
//! about attendance (that is `core`) and touches no database (that is `store`; `cli` joins the
//! two). Writing a file is left to the caller except for `.xlsx`, whose writer needs a path.

pub mod export;
pub mod import;
pub mod report;
pub mod sheet;
pub mod web;
