//! Identifiers. Each kind of record has its own type so one can never be passed for another.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map($name)
                    .ok_or_else(|| crate::ParseError::new("id", "That is not a valid reference number."))
            }
        }
    };
}

id_type!(
    /// A person: learner, guardian, member of staff or volunteer. One person may hold many roles.
    PersonId
);
id_type!(
    /// An organisation: a collaborative, a school, or a unit inside a school.
    OrgId
);
id_type!(
    /// A group of learners: class, set, tutor group or community of interest.
    GroupId
);
id_type!(
    /// One relationship record between two people.
    RelationshipId
);
