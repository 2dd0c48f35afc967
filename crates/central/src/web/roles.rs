//! Who may do what on the centre's pages: the centre's roles (not the door's), what each may
//! do, and which halls each sees. Pure: no I/O, no HTTP.
//!
//! The inspector records items and closes months; a hall's supervisor reads their own hall
//! only; the director reads the county; finance reads and downloads the fund sheets; the admin
//! may do everything.

/// A centre account's role; a supervisor's carries their hall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CentreRole {
    Inspector,
    Supervisor { hall: String },
    Director,
    Finance,
    Admin,
}

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// The county overview and the halls' month sheets.
    ViewSheets,
    /// A person's month (every record and punch) and the year's eligibility list.
    ViewPeople,
    /// The xlsx and CSV fund sheets.
    Download,
    /// Record and void the inspection office's items.
    Record,
    /// Close a month (its sheet is frozen for payment).
    CloseMonth,
}

/// A role that cannot be: an unknown name, or a hall given or missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("role {0:?} is not known; expected inspector, supervisor, director, finance or admin")]
    Unknown(String),
    #[error("a supervisor belongs to one hall: give --hall")]
    NoHall,
    #[error("only a supervisor has a hall; {0} sees every hall (leave out --hall)")]
    HallGiven(String),
}

impl CentreRole {
    /// The role as stored and typed.
    pub fn key(&self) -> &'static str {
        match self {
            CentreRole::Inspector => "inspector",
            CentreRole::Supervisor { .. } => "supervisor",
            CentreRole::Director => "director",
            CentreRole::Finance => "finance",
            CentreRole::Admin => "admin",
        }
    }

    /// A supervisor's hall.
    pub fn hall(&self) -> Option<&str> {
        match self {
            CentreRole::Supervisor { hall } => Some(hall),
            _ => None,
        }
    }

    /// Reads a stored or typed role and its hall.
    ///
    /// # Errors
    /// [`RoleError`].
    pub fn parse(role: &str, hall: Option<&str>) -> Result<CentreRole, RoleError> {
        let r = match role {
            "inspector" => CentreRole::Inspector,
            "director" => CentreRole::Director,
            "finance" => CentreRole::Finance,
            "admin" => CentreRole::Admin,
            "supervisor" => {
                return hall
                    .filter(|h| !h.is_empty())
                    .map(|h| CentreRole::Supervisor {
                        hall: h.to_string(),
                    })
                    .ok_or(RoleError::NoHall)
            }
            other => return Err(RoleError::Unknown(other.to_string())),
        };
        match hall {
            Some(_) => Err(RoleError::HallGiven(role.to_string())),
            None => Ok(r),
        }
    }

    /// Whether this role may do `what` (in the halls it sees).
    pub fn may(&self, what: Permission) -> bool {
        use Permission::*;
        match (self, what) {
            (CentreRole::Admin, _) => true,
            (_, ViewSheets | Download) => true,
            (CentreRole::Finance, ViewPeople) => false,
            (_, ViewPeople) => true,
            (CentreRole::Inspector, Record | CloseMonth) => true,
            (_, Record | CloseMonth) => false,
        }
    }

    /// Whether this role sees hall `hall` at all.
    pub fn sees(&self, hall: &str) -> bool {
        self.hall().is_none_or(|own| own == hall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn the_role_table() {
        let sup = CentreRole::Supervisor {
            hall: "east".into(),
        };
        let all = [ViewSheets, ViewPeople, Download, Record, CloseMonth];
        let table: Vec<(&str, Vec<Permission>)> = [
            CentreRole::Inspector,
            sup.clone(),
            CentreRole::Director,
            CentreRole::Finance,
            CentreRole::Admin,
        ]
        .iter()
        .map(|r| (r.key(), all.iter().copied().filter(|p| r.may(*p)).collect()))
        .collect();
        assert_eq!(
            table,
            vec![
                ("inspector", all.to_vec()),
                ("supervisor", vec![ViewSheets, ViewPeople, Download]),
                ("director", vec![ViewSheets, ViewPeople, Download]),
                ("finance", vec![ViewSheets, Download]),
                ("admin", all.to_vec()),
            ]
        );
        assert!(sup.sees("east") && !sup.sees("west"));
        assert!(CentreRole::Director.sees("west"));
        assert_eq!(CentreRole::parse("supervisor", Some("east")), Ok(sup));
        assert_eq!(
            CentreRole::parse("supervisor", None),
            Err(RoleError::NoHall)
        );
        assert!(CentreRole::parse("director", Some("east")).is_err());
        assert!(CentreRole::parse("viewer", None).is_err());
    }
}
