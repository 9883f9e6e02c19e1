//! Small helpers for plain-English explanations.

/// "first", "second", ... for a 0-based rank.
pub(crate) fn ordinal(rank: usize) -> String {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    WORDS
        .get(rank)
        .map_or_else(|| format!("number {}", rank + 1), |w| (*w).to_string())
}

/// "one", "two", ... for small counts, digits above ten.
pub(crate) fn number(n: u64) -> String {
    const WORDS: [&str; 11] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    usize::try_from(n)
        .ok()
        .and_then(|i| WORDS.get(i))
        .map_or_else(|| n.to_string(), |w| (*w).to_string())
}

/// "A", "A and B", "A, B and C".
pub(crate) fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let head: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", head.join(", "), last.as_ref())
        }
    }
}

/// A seeded, well-mixed 64-bit hash (SplitMix64 finaliser) for fair, repeatable draws.
pub(crate) fn mix(seed: u64, value: u64) -> u64 {
    let mut z = seed ^ value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(ordinal(1), "second");
        assert_eq!(number(2), "two");
        assert_eq!(number(12), "12");
        assert_eq!(join_and(&["a", "b", "c"]), "a, b and c");
        assert_eq!(join_and(&["a"]), "a");
        assert_ne!(mix(1, 2), mix(2, 2));
    }
}
