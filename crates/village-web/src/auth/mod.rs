//! Sign-in and safety: passwords, sessions, CSRF, two-factor codes, rate limiting.

pub mod csrf;
pub mod password;
pub mod rate_limit;
pub mod session;
pub mod totp;

pub use session::{CurrentUser, PendingUser};
