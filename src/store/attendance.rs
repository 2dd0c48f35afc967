//! Attendance tables: punches (append-only), amendments, leave, posts, meetings, duty roster,
//! calendar. (being written)
