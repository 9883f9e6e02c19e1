//! Organisations and groups.

use serde::{Deserialize, Serialize};

/// What an organisation is. A collaborative contains schools; a school may contain units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Collaborative,
    School,
    Unit,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Collaborative => "collaborative",
            OrgKind::School => "school",
            OrgKind::Unit => "unit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "collaborative" => OrgKind::Collaborative,
            "school" => OrgKind::School,
            "unit" => OrgKind::Unit,
            _ => return None,
        })
    }
}

/// The phase of a school, which decides its year groups and its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Primary,
    Secondary,
    Special,
    AllThrough,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Primary => "primary",
            Phase::Secondary => "secondary",
            Phase::Special => "special",
            Phase::AllThrough => "all_through",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "primary" => Phase::Primary,
            "secondary" => Phase::Secondary,
            "special" => Phase::Special,
            "all_through" => Phase::AllThrough,
            _ => return None,
        })
    }
}

/// Kinds of group. A set is formed by ability and may mix year groups; a tutor group may be
/// vertical (several year groups); a community of interest may be led by older pupils.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Class,
    Set,
    TutorGroup,
    Community,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Class => "class",
            GroupKind::Set => "set",
            GroupKind::TutorGroup => "tutor_group",
            GroupKind::Community => "community",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "class" => GroupKind::Class,
            "set" => GroupKind::Set,
            "tutor_group" => GroupKind::TutorGroup,
            "community" => GroupKind::Community,
            _ => return None,
        })
    }

    /// The word a UK school would use.
    pub fn label(self) -> &'static str {
        match self {
            GroupKind::Class => "Class",
            GroupKind::Set => "Set",
            GroupKind::TutorGroup => "Tutor group",
            GroupKind::Community => "Community of interest",
        }
    }
}
