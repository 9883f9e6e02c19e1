//! School (stub).
use crate::error::Error;
use crate::model::Problem;
pub struct School;
pub struct Compiled { pub problem: Problem, pub notes: Vec<String> }
impl School {
    pub fn from_json(_t: &str) -> Result<School, Error> { Err(Error::school("x", "todo")) }
    pub fn compile(&self) -> Result<Compiled, Error> { Err(Error::school("x", "todo")) }
}
