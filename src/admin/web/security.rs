//! Who may do what in the door's console: its roles, its permissions and the table joining
//! them. The security functions both consoles share (lock-out, CSRF, tokens, argon2 passwords,
//! the password rules, the per-client buckets) are `hallclock_web::security`, re-exported here
//! for the pages. Nothing here reads the clock or does I/O.

pub use hallclock_web::security::*;

/// A console account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads reports, the calendar, the staff list and the status page.
    Viewer,
    /// A viewer who also enters and approves leave and amends punches.
    Supervisor,
    /// Everything: enrolment, deactivation, the audit log.
    Admin,
}

impl Role {
    /// `admin`, `supervisor`, `viewer` (as stored).
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Viewer => "viewer",
        }
    }

    /// Reads a stored or typed role.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "supervisor" => Some(Role::Supervisor),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// Declares [`Permission`], [`Permission::ALL`] and, in [`need`], one marker type per
/// permission for the extractors' parameter, from one list.
macro_rules! permissions {
    ($($(#[doc = $doc:literal])* $name:ident),* $(,)?) => {
        /// What a request wants to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Permission {
            $($(#[doc = $doc])* $name,)*
        }

        impl Permission {
            /// Every permission, in declaration order.
            pub const ALL: &'static [Permission] = &[$(Permission::$name),*];
        }

        /// The permissions of [`Permission`] as types: a handler names what its route needs in
        /// its signature (`SignedIn<need::Enrol>`).
        pub mod need {
            use super::Permission;

            /// A permission a route needs.
            pub trait Need {
                const WHAT: Permission;
            }

            $(
                #[doc = concat!("Needs [`Permission::", stringify!($name), "`].")]
                pub struct $name;
                impl Need for $name {
                    const WHAT: Permission = Permission::$name;
                }
            )*
        }
    };
}

permissions!(
    ViewStaff,
    ViewReports,
    ViewStatus,
    EnterLeave,
    ApproveLeave,
    AmendPunches,
    Enrol,
    ViewAudit,
    /// Window posts, the duty roster, meetings.
    EditRoster,
    /// The holiday calendar.
    EditCalendar,
    /// Evidence frames of suspected spoofs (face images kept on the device).
    ViewEvidence,
);

pub fn allowed(role: Role, what: Permission) -> bool {
    use Permission::*;
    match what {
        ViewStaff | ViewReports | ViewStatus => true,
        EnterLeave | ApproveLeave | AmendPunches | EditRoster => role >= Role::Supervisor,
        Enrol | ViewAudit | EditCalendar | ViewEvidence => role == Role::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table() {
        use Permission::*;
        let all = Permission::ALL;
        let table: Vec<(Role, Vec<Permission>)> = [Role::Viewer, Role::Supervisor, Role::Admin]
            .into_iter()
            .map(|r| (r, all.iter().copied().filter(|p| allowed(r, *p)).collect()))
            .collect();
        // A supervisor may do what a viewer may, and change leave, punches and the roster.
        let viewer = vec![ViewStaff, ViewReports, ViewStatus];
        let supervisor = [
            &viewer[..],
            &[EnterLeave, ApproveLeave, AmendPunches, EditRoster],
        ]
        .concat();
        assert_eq!(
            table,
            vec![
                (Role::Viewer, viewer),
                (Role::Supervisor, supervisor),
                (Role::Admin, all.to_vec()),
            ]
        );
        for r in [Role::Viewer, Role::Supervisor, Role::Admin] {
            assert_eq!(Role::parse(r.key()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
