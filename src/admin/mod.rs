//! The admin side: report export (terminal table, CSV, JSON, Excel) and punch import formats.
//! The local web console (issue 5) will live here too.
