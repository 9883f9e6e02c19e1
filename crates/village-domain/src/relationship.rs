//! Relationships: time-bounded, typed links from a person to a learner. Access to a child's
//! information follows these links and nothing else.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipKind {
    /// Parent or carer. Whether they hold parental responsibility is recorded separately.
    Guardian,
    /// Personal (form) tutor.
    Tutor,
    Mentor,
    /// A teaching assistant assigned to support this learner.
    TeachingAssistant,
    /// A learner who tutors this learner in a peer programme.
    PeerTutor,
    KeyWorker,
    CommunityTeacher,
}

impl RelationshipKind {
    pub const ALL: [RelationshipKind; 7] = [
        RelationshipKind::Guardian,
        RelationshipKind::Tutor,
        RelationshipKind::Mentor,
        RelationshipKind::TeachingAssistant,
        RelationshipKind::PeerTutor,
        RelationshipKind::KeyWorker,
        RelationshipKind::CommunityTeacher,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RelationshipKind::Guardian => "guardian",
            RelationshipKind::Tutor => "tutor",
            RelationshipKind::Mentor => "mentor",
            RelationshipKind::TeachingAssistant => "teaching_assistant",
            RelationshipKind::PeerTutor => "peer_tutor",
            RelationshipKind::KeyWorker => "key_worker",
            RelationshipKind::CommunityTeacher => "community_teacher",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        RelationshipKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The word shown to a pupil in "my people".
    pub fn label(self) -> &'static str {
        match self {
            RelationshipKind::Guardian => "Parent or carer",
            RelationshipKind::Tutor => "Tutor",
            RelationshipKind::Mentor => "Mentor",
            RelationshipKind::TeachingAssistant => "Teaching assistant",
            RelationshipKind::PeerTutor => "Peer tutor",
            RelationshipKind::KeyWorker => "Key worker",
            RelationshipKind::CommunityTeacher => "Community teacher",
        }
    }
}

/// How a guardian is related, for the words on the page ("Mum", "Carer"…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardianTitle {
    Parent,
    StepParent,
    Carer,
    Grandparent,
}

impl GuardianTitle {
    pub fn as_str(self) -> &'static str {
        match self {
            GuardianTitle::Parent => "parent",
            GuardianTitle::StepParent => "step_parent",
            GuardianTitle::Carer => "carer",
            GuardianTitle::Grandparent => "grandparent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "parent" => GuardianTitle::Parent,
            "step_parent" => GuardianTitle::StepParent,
            "carer" => GuardianTitle::Carer,
            "grandparent" => GuardianTitle::Grandparent,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            GuardianTitle::Parent => "Parent",
            GuardianTitle::StepParent => "Step-parent",
            GuardianTitle::Carer => "Carer",
            GuardianTitle::Grandparent => "Grandparent (carer)",
        }
    }
}
