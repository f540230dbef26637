//! `${env:NAME}` and `${env:NAME:-default}` in scenario strings, so secrets
//! and hosts come from CI rather than from the file. `$${` is a literal `${`.

use std::ops::Range;

/// Why a string could not be interpolated. `at` is the byte range of the
/// offending `${...}` within the string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpolationError {
    #[error("environment variable `{name}` is not set")]
    Unset { name: String, at: Range<usize> },
    #[error("`${{` is not closed by `}}`")]
    Unterminated { at: Range<usize> },
    #[error(
        "`{found}` is not an interpolation: expected `${{env:NAME}}` or `${{env:NAME:-default}}`"
    )]
    UnknownForm { found: String, at: Range<usize> },
    #[error(
        "`{name}` is not an environment variable name (letters, digits and `_`, not starting with a digit)"
    )]
    BadName { name: String, at: Range<usize> },
}

impl InterpolationError {
    pub fn at(&self) -> Range<usize> {
        match self {
            Self::Unset { at, .. }
            | Self::Unterminated { at }
            | Self::UnknownForm { at, .. }
            | Self::BadName { at, .. } => at.clone(),
        }
    }
}

/// Replace every `${env:NAME}` and `${env:NAME:-default}` in `text` with the
/// value `env` gives for NAME. As in the shell, `:-` also uses the default
/// when the variable is set but empty. `$${` stays as a literal `${`.
pub fn interpolate(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpolationError> {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = text[pos..].find('$') {
        let dollar = pos + found;
        out.push_str(&text[pos..dollar]);
        let after = &text[dollar..];
        if after.starts_with("$${") {
            out.push_str("${");
            pos = dollar + 3;
        } else if after.starts_with("${") {
            let Some(close) = after.find('}') else {
                return Err(InterpolationError::Unterminated {
                    at: dollar..text.len(),
                });
            };
            let at = dollar..dollar + close + 1;
            out.push_str(&expand(&text[dollar + 2..dollar + close], at.clone(), env)?);
            pos = at.end;
        } else {
            out.push('$');
            pos = dollar + 1;
        }
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

/// The value of one `${inside}`, `at` being where the whole `${...}` stands.
fn expand(
    inside: &str,
    at: Range<usize>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpolationError> {
    let Some(reference) = inside.strip_prefix("env:") else {
        return Err(InterpolationError::UnknownForm {
            found: format!("${{{inside}}}"),
            at,
        });
    };
    let (name, default) = match reference.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (reference, None),
    };
    if !is_variable_name(name) {
        return Err(InterpolationError::BadName {
            name: name.to_owned(),
            at,
        });
    }
    match (
        env(name).filter(|value| !value.is_empty() || default.is_none()),
        default,
    ) {
        (Some(value), _) => Ok(value),
        (None, Some(default)) => Ok(default.to_owned()),
        (None, None) => Err(InterpolationError::Unset {
            name: name.to_owned(),
            at,
        }),
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ci_env(name: &str) -> Option<String> {
        match name {
            "HEMNET_SECRET" => Some("s3cret".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn run(text: &str) -> Result<String, InterpolationError> {
        interpolate(text, &ci_env)
    }

    #[test]
    fn replaces_set_variables() {
        assert_eq!(run("${env:HEMNET_SECRET}"), Ok("s3cret".into()));
        assert_eq!(run("key=${env:HEMNET_SECRET}!"), Ok("key=s3cret!".into()));
        assert_eq!(run("${env:HEMNET_SECRET:-fallback}"), Ok("s3cret".into()));
        assert_eq!(
            run("${env:HEMNET_SECRET}${env:HEMNET_SECRET}"),
            Ok("s3crets3cret".into())
        );
    }

    #[test]
    fn uses_the_default_when_unset_or_empty() {
        assert_eq!(
            run("${env:NOPE:-hooksim-test-secret}"),
            Ok("hooksim-test-secret".into())
        );
        assert_eq!(run("${env:EMPTY:-d}"), Ok("d".into()));
        assert_eq!(run("${env:EMPTY}"), Ok(String::new()));
        assert_eq!(run("${env:NOPE:-}"), Ok(String::new()));
        assert_eq!(run("${env:NOPE:-a:-b}"), Ok("a:-b".into()));
    }

    #[test]
    fn double_dollar_escapes() {
        assert_eq!(
            run("$${env:HEMNET_SECRET}"),
            Ok("${env:HEMNET_SECRET}".into())
        );
        assert_eq!(run("cost: $5, $$ and $"), Ok("cost: $5, $$ and $".into()));
        assert_eq!(
            run("$$${env:HEMNET_SECRET}"),
            Ok("$${env:HEMNET_SECRET}".into())
        );
    }

    #[test]
    fn points_at_the_offending_reference() {
        assert_eq!(
            run("a ${env:NOPE} b"),
            Err(InterpolationError::Unset {
                name: "NOPE".into(),
                at: 2..13
            })
        );
        assert_eq!(
            run("a ${env:NOPE"),
            Err(InterpolationError::Unterminated { at: 2..12 })
        );
        assert_eq!(
            run("${HOME}"),
            Err(InterpolationError::UnknownForm {
                found: "${HOME}".into(),
                at: 0..7
            })
        );
        assert_eq!(
            run("${env:1X}"),
            Err(InterpolationError::BadName {
                name: "1X".into(),
                at: 0..9
            })
        );
        assert_eq!(
            run("${env:}"),
            Err(InterpolationError::BadName {
                name: String::new(),
                at: 0..7
            })
        );
    }

    proptest! {
        #[test]
        fn text_without_a_reference_is_unchanged(text in "\\PC*") {
            prop_assume!(!text.contains("${"));
            prop_assert_eq!(run(&text), Ok(text.clone()));
        }

        #[test]
        fn never_panics_and_points_inside_the_text(text in "[$a-z{}:\\-_é ]{0,32}") {
            if let Err(error) = run(&text) {
                let at = error.at();
                prop_assert!(at.start < at.end && at.end <= text.len());
                prop_assert!(text.is_char_boundary(at.start) && text.is_char_boundary(at.end));
            }
        }
    }
}
