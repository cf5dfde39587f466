//! Data files (registries, shape sets, model configs) and errors that point into them by line.
//!
//! Every data file skinny reads is held with its name, so that any error found in it, by the TOML
//! parser or by a later semantic check, can say `file:line: what is wrong`.

use std::fmt;
use std::ops::Range;
use std::path::Path;

/// The text of one data file and the name to show for it in messages.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

impl SourceFile {
    /// A file compiled into the binary; the name says so, so that a message about it is not
    /// mistaken for one about a user's file.
    pub fn embedded(path: &str, text: &str) -> Self {
        SourceFile {
            name: format!("(embedded) {path}"),
            text: text.to_string(),
        }
    }

    pub fn read(path: &Path) -> Result<Self, DataError> {
        let text = std::fs::read_to_string(path).map_err(|e| DataError {
            file: path.display().to_string(),
            line: None,
            message: format!("cannot read the file: {e}"),
        })?;
        Ok(SourceFile {
            name: path.display().to_string(),
            text,
        })
    }

    /// 1-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub fn error_at(&self, span: Option<Range<usize>>, message: impl Into<String>) -> DataError {
        DataError {
            file: self.name.clone(),
            line: span.map(|s| self.line_of(s.start)),
            message: message.into(),
        }
    }

    /// Parse the file as TOML into `T`, turning a parse or schema error into a located one.
    pub fn parse_toml<T: serde::de::DeserializeOwned>(&self) -> Result<T, DataError> {
        toml::from_str(&self.text).map_err(|e| self.error_at(e.span(), e.message().trim_end()))
    }
}

/// A problem in a data file, with where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct DataError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        a: u32,
    }

    #[test]
    fn toml_errors_carry_file_and_line() {
        let src = SourceFile {
            name: "x.toml".into(),
            text: "\n\na = 1\nb = 2\n".into(),
        };
        let err = src.parse_toml::<Doc>().unwrap_err();
        assert_eq!(err.file, "x.toml");
        assert_eq!(err.line, Some(4), "{err}");
        assert!(err.to_string().starts_with("x.toml:4: "), "{err}");
        assert!(err.message.contains("unknown field `b`"), "{err}");
    }
}
