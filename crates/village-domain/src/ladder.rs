//! Ladders of progress: ordered rungs with descriptors and "what the next step looks like".
