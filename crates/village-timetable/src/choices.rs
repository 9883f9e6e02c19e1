//! A pupil's own timetable choices against a school's model: what they may choose (the
//! SECURE choices open to their year group, and the windows), checking a choice in their
//! words, and putting their choices into the model before a solve.
//!
//! A SECURE *choice* is what a pupil picks ("Mathematics: stretch"). A school usually
//! teaches it in several offers at different times (rounds); offers with the same
//! [`Offer::choice`] are interchangeable, and the solver places the pupil in one of them.

use crate::school::{Offer, PupilRequest, School};

/// What one pupil may choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceMenu {
    /// SECURE choices open to the pupil, in the model's order.
    pub secure: Vec<String>,
    /// Windows the school teaches in, for a preference.
    pub windows: Vec<String>,
    /// How many SECURE choices a pupil makes at most.
    pub periods: usize,
}

/// The choice an offer belongs to: its `choice`, or its subject and, when its id says so,
/// whether it stretches or consolidates.
pub fn choice_of(o: &Offer) -> String {
    if let Some(c) = &o.choice {
        return c.clone();
    }
    let id = o.id.to_ascii_lowercase();
    if id.contains("stretch") {
        format!("{}: stretch", o.subject)
    } else if id.contains("consolid") || id.contains("catch") {
        format!("{}: consolidate", o.subject)
    } else {
        o.subject.clone()
    }
}

fn open_to(o: &Offer, year: u32) -> bool {
    o.secure && (o.years.is_empty() || o.years.contains(&year))
}

/// What the pupil may choose, or `None` if the model does not have them.
pub fn menu(school: &School, pupil: &str) -> Option<ChoiceMenu> {
    let year = school.pupils.iter().find(|p| p.id == pupil)?.year;
    let mut secure: Vec<String> = Vec::new();
    for o in school.offers.iter().filter(|o| open_to(o, year)) {
        let c = choice_of(o);
        if !secure.contains(&c) {
            secure.push(c);
        }
    }
    let mut windows: Vec<String> = Vec::new();
    for o in &school.offers {
        let named = o
            .window
            .iter()
            .chain(o.sets.iter().filter_map(|s| s.window.as_ref()));
        for w in named {
            if !windows.contains(w) {
                windows.push(w.clone());
            }
        }
    }
    Some(ChoiceMenu {
        secure,
        windows,
        periods: school.secure_periods as usize,
    })
}

/// The pupil's window and SECURE choices as the model has them (before any made in Village).
pub fn current(school: &School, pupil: &str) -> (Option<String>, Vec<String>) {
    let Some(p) = school.pupils.iter().find(|p| p.id == pupil) else {
        return (None, Vec::new());
    };
    let mut out: Vec<String> = Vec::new();
    for r in &p.secure {
        let c = school
            .offers
            .iter()
            .find(|o| o.id == r.offer)
            .map_or_else(|| r.offer.clone(), choice_of);
        if !out.contains(&c) {
            out.push(c);
        }
    }
    (p.window.clone(), out)
}

/// Checks a pupil's choices; the error is in the pupil's words.
pub fn check(
    school: &School,
    pupil: &str,
    window: Option<&str>,
    secure: &[String],
) -> Result<(), String> {
    let Some(m) = menu(school, pupil) else {
        return Err("You are not in this school's timetable yet. Please ask your tutor.".into());
    };
    if let Some(w) = window {
        if !m.windows.iter().any(|x| x == w) {
            return Err("Please choose one of the windows listed.".into());
        }
    }
    if secure.len() > m.periods {
        return Err(format!(
            "You can choose up to {} SECURE subjects.",
            m.periods
        ));
    }
    for (i, c) in secure.iter().enumerate() {
        if !m.secure.contains(c) {
            return Err("Please choose SECURE subjects from the list.".into());
        }
        if secure.iter().skip(i + 1).any(|d| d == c) {
            return Err(format!(
                "You chose {c} twice. Each SECURE period needs a different choice."
            ));
        }
    }
    Ok(())
}

/// Puts the pupil's choices into the model: their window preference, and one SECURE
/// request per choice, most wanted first. A choice taught in several rounds asks for one
/// round and takes the others as alternatives; choice `k` starts at round `k`, so a
/// pupil's choices do not all ask for the same time first. Choices the model no longer
/// offers are left out.
pub fn apply(school: &mut School, pupil: &str, window: Option<&str>, secure: &[String]) {
    let Some(year) = school.pupils.iter().find(|p| p.id == pupil).map(|p| p.year) else {
        return;
    };
    let mut requests = Vec::new();
    for (k, c) in secure.iter().enumerate() {
        let rounds: Vec<String> = school
            .offers
            .iter()
            .filter(|o| open_to(o, year) && (choice_of(o) == *c || o.id == *c))
            .map(|o| o.id.clone())
            .collect();
        if rounds.is_empty() {
            continue;
        }
        let n = rounds.len();
        let mut order = (0..n).map(|i| rounds.get((k + i) % n).cloned().unwrap_or_default());
        let Some(first) = order.next() else {
            continue;
        };
        requests.push(PupilRequest {
            offer: first,
            set: None,
            alternatives: order.collect(),
            priority: 1,
        });
    }
    if let Some(p) = school.pupils.iter_mut().find(|p| p.id == pupil) {
        p.window = window.map(str::to_string);
        p.secure = requests;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    fn school() -> School {
        let secure = |id: &str, subject: &str, choice: Option<&str>, years: Vec<u32>| {
            json!({"id": id, "subject": subject, "sessions": ["s"], "weekly": false, "secure": true,
                   "staff_kind": "teacher", "sets": [{"name": "A", "staff": "T", "size": 20}],
                   "years": years, "choice": choice})
        };
        School::from_json(
            &json!({
                "name": "S", "days": ["Mon"], "windows": [{"name": "early", "start": "07:30", "end": "13:00"}],
                "blocks": [{"name": "s", "minutes": 60}], "sites": [{"name": "M"}],
                "rooms": [{"name": "R", "site": "M", "capacity": 30, "kind": "classroom"}],
                "staff": [{"name": "T", "kind": "teacher"}],
                "offers": [
                    secure("m-r1", "Mathematics", Some("Mathematics: stretch"), vec![7]),
                    secure("m-r2", "Mathematics", Some("Mathematics: stretch"), vec![7]),
                    secure("m-r3", "Mathematics", Some("Mathematics: stretch"), vec![7]),
                    secure("e-consolidate", "English", None, vec![]),
                    secure("y9-only", "Science", Some("Science: stretch"), vec![9]),
                    {"id": "art", "subject": "Art", "sessions": ["s"], "staff_kind": "teacher", "window": "early",
                     "sets": [{"name": "A", "staff": "T", "size": 20}]}
                ],
                "pupils": [{"id": "1", "year": 7, "secure": [{"offer": "m-r2"}]}]
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn a_pupil_sees_the_choices_of_their_year_once_each() {
        let s = school();
        let m = menu(&s, "1").unwrap();
        assert_eq!(
            m.secure,
            vec!["Mathematics: stretch", "English: consolidate"]
        );
        assert_eq!(m.windows, vec!["early"]);
        assert!(menu(&s, "2").is_none());
        assert_eq!(
            current(&s, "1"),
            (None, vec!["Mathematics: stretch".to_string()])
        );
    }

    #[test]
    fn choices_are_checked_in_the_pupils_words() {
        let s = school();
        let m = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(check(&s, "1", Some("early"), &m(&["English: consolidate"])).is_ok());
        assert!(
            check(&s, "1", None, &m(&["Science: stretch"])).is_err(),
            "not for Year 7"
        );
        let twice = check(
            &s,
            "1",
            None,
            &m(&["Mathematics: stretch", "Mathematics: stretch"]),
        );
        assert!(twice.unwrap_err().contains("twice"));
        assert!(check(&s, "1", Some("late"), &[]).is_err());
        assert!(check(&s, "2", None, &[]).is_err());
    }

    #[test]
    fn a_choice_asks_for_one_round_and_takes_the_others_as_alternatives() {
        let mut s = school();
        let picks = vec![
            "English: consolidate".to_string(),
            "Mathematics: stretch".to_string(),
        ];
        apply(&mut s, "1", Some("early"), &picks);
        let p = &s.pupils[0];
        assert_eq!(p.window.as_deref(), Some("early"));
        assert_eq!(p.secure.len(), 2);
        assert_eq!(p.secure[0].offer, "e-consolidate");
        assert!(p.secure[0].alternatives.is_empty());
        // The second choice starts at its second round.
        assert_eq!(p.secure[1].offer, "m-r2");
        assert_eq!(p.secure[1].alternatives, vec!["m-r3", "m-r1"]);
        // The model with the choices still compiles.
        s.compile().unwrap();
    }
}
