//! FET import (stub).
use crate::error::Error;
use crate::model::Problem;
pub struct FetImport { pub problem: Problem, pub notes: Vec<String> }
pub fn import(_text: &str) -> Result<FetImport, Error> { Err(Error::Unsupported("todo".into())) }
