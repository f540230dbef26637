//! The one error a scenario file can produce: what is wrong, where (path,
//! line, column, span) and how to fix it, ready for miette to render. The
//! first mistake in file order leads; the others found in the same read
//! follow it, so one run shows every mistake (up to [`MAX_SHOWN`]).

use std::ops::Range;
use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use miette::{MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents};

/// At most this many mistakes of one file are shown, the first included;
/// past it a line says how many more there are.
pub const MAX_SHOWN: usize = 20;

/// What kind of mistake a scenario file makes, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScenarioErrorKind {
    /// The file could not be read.
    Unreadable,
    /// Not well-formed YAML.
    Syntax,
    UnknownKey,
    MissingKey,
    /// A value of the wrong type (a string where a number belongs, ...).
    WrongType,
    /// A value of the right type that is not allowed (`status: 700`, an empty list of steps).
    InvalidValue,
    UnknownProvider,
    UnknownEvent,
    UnknownSetting,
    UnknownStep,
    UnknownForgery,
    /// A step with no action or with more than one.
    StepActions,
    /// `expect` on a step that delivers nothing.
    ExpectNotAllowed,
    /// `redeliver`/`forge` naming an alias no earlier `deliver` defined.
    UndefinedAlias,
    DuplicateAlias,
    BadDuration,
    /// A `${env:...}` that cannot be resolved.
    Interpolation,
}

/// A scenario file that cannot be run, pointing at the offending node.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(forward(annotation))]
pub struct ScenarioError {
    /// The scenario file, as given.
    pub path: PathBuf,
    /// 1-based line of the offending node; 0 when the error has no position
    /// (the file could not be read).
    pub line: usize,
    /// 1-based column, in characters; 0 when the error has no position.
    pub column: usize,
    pub kind: ScenarioErrorKind,
    pub message: String,
    /// Boxed so the error stays small for the errors and results that carry it.
    annotation: Box<Annotation>,
    #[source]
    cause: Option<std::io::Error>,
}

/// What miette draws under the message: the file, a caret with its label,
/// the help, then the file's further mistakes.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{label}")]
struct Annotation {
    #[source_code]
    source_code: Option<NamedSource<ShownText>>,
    /// Where the mistake is in the file.
    span: Option<SourceSpan>,
    /// Where it is in the text drawn (`ShownText`).
    #[label("{label}")]
    shown_span: Option<SourceSpan>,
    label: String,
    #[help]
    help: Option<String>,
    #[related]
    further: Vec<Further>,
}

/// Another mistake in the same file, drawn on the leading error's source.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub struct FurtherProblem {
    /// 1-based line of the offending node.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    pub kind: ScenarioErrorKind,
    pub message: String,
    /// Where the mistake is in the file.
    span: SourceSpan,
    /// Where it is in the text drawn (`ShownText`).
    #[label("{label}")]
    shown_span: SourceSpan,
    label: String,
    #[help]
    help: Option<String>,
}

impl FurtherProblem {
    /// Byte range of the offending node in the file.
    pub fn span(&self) -> Range<usize> {
        self.span.offset()..self.span.offset() + self.span.len()
    }
}

/// One entry after the leading error: a mistake, or how many were left out.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
enum Further {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Problem(FurtherProblem),
    #[error("and {} in this file, not shown (only the first {MAX_SHOWN} are)", more_mistakes(*.0))]
    Omitted(usize),
}

fn more_mistakes(n: usize) -> String {
    if n == 1 {
        "1 more mistake".to_owned()
    } else {
        format!("{n} more mistakes")
    }
}

impl ScenarioError {
    /// An error at `at` (a byte range of `text`, the file's contents).
    pub(crate) fn at(path: &Path, text: &str, at: Range<usize>, problem: Problem) -> Self {
        Self::all(path, text, (at, problem), Vec::new())
    }

    /// The `first` mistake of a file, followed by the `rest` (in file order).
    pub(crate) fn all(
        path: &Path,
        text: &str,
        first: (Range<usize>, Problem),
        rest: Vec<(Range<usize>, Problem)>,
    ) -> Self {
        let (at, problem) = first;
        let at = tidy_range(text, at);
        let (line, column) = line_and_column(text, at.start);
        let omitted = rest.len().saturating_sub(MAX_SHOWN - 1);
        let mut further: Vec<FurtherProblem> = rest
            .into_iter()
            .take(MAX_SHOWN - 1)
            .map(|(at, problem)| FurtherProblem::at(text, at, problem))
            .collect();
        // What miette draws: long lines cut to a window around the mistakes.
        let spans: Vec<Range<usize>> = std::iter::once(at.clone())
            .chain(further.iter().map(FurtherProblem::span))
            .collect();
        let (shown, shown_spans) = ShownText::new(text, &spans);
        for (problem, span) in further.iter_mut().zip(shown_spans.iter().skip(1)) {
            problem.shown_span = span.clone().into();
        }
        let mut further: Vec<Further> = further.into_iter().map(Further::Problem).collect();
        if omitted > 0 {
            further.push(Further::Omitted(omitted));
        }
        let source_code = NamedSource::new(path.display().to_string(), shown).with_language("yaml");
        Self {
            path: path.to_owned(),
            line,
            column,
            kind: problem.kind,
            message: problem.message,
            annotation: Box::new(Annotation {
                source_code: Some(source_code),
                span: Some(at.into()),
                shown_span: shown_spans.first().cloned().map(Into::into),
                label: problem.label,
                help: problem.help,
                further,
            }),
            cause: None,
        }
    }

    pub(crate) fn unreadable(path: &Path, cause: std::io::Error) -> Self {
        Self {
            path: path.to_owned(),
            line: 0,
            column: 0,
            kind: ScenarioErrorKind::Unreadable,
            message: format!("cannot read scenario file `{}`", path.display()),
            annotation: Box::new(Annotation {
                source_code: None,
                span: None,
                shown_span: None,
                label: String::new(),
                help: None,
                further: Vec::new(),
            }),
            cause: Some(cause),
        }
    }

    /// 1-based line of the offending node; 0 when the error has no position.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column (in characters) of the offending node; 0 when the
    /// error has no position.
    pub fn column(&self) -> usize {
        self.column
    }

    /// The "did you mean" or the list of what is allowed, if any.
    pub fn help(&self) -> Option<&str> {
        self.annotation.help.as_deref()
    }

    /// Byte range of the offending node in the file (after a leading
    /// byte-order mark, which is not part of the source shown).
    pub fn span(&self) -> Option<Range<usize>> {
        self.annotation
            .span
            .map(|span| span.offset()..span.offset() + span.len())
    }

    /// The file's other mistakes, in file order, as many as are shown.
    pub fn further(&self) -> impl Iterator<Item = &FurtherProblem> {
        self.annotation.further.iter().filter_map(|f| match f {
            Further::Problem(problem) => Some(problem),
            Further::Omitted(_) => None,
        })
    }

    /// How many more mistakes the file has than are shown.
    pub fn omitted(&self) -> usize {
        self.annotation
            .further
            .iter()
            .map(|f| match f {
                Further::Problem(_) => 0,
                Further::Omitted(n) => *n,
            })
            .sum()
    }
}

impl FurtherProblem {
    fn at(text: &str, at: Range<usize>, problem: Problem) -> Self {
        let at = tidy_range(text, at);
        let (line, column) = line_and_column(text, at.start);
        Self {
            line,
            column,
            kind: problem.kind,
            message: problem.message,
            span: at.clone().into(),
            shown_span: at.into(),
            label: problem.label,
            help: problem.help,
        }
    }
}

/// A line longer than this many bytes is drawn as a window around the
/// mistakes on it: output stays small whatever the file, and miette's
/// column arithmetic stays in range (it panics past 65,535).
const SHOWN_LINE_BYTES: usize = 240;
/// How much of a long line is drawn before its first mistake, in bytes.
const SHOWN_BEFORE: usize = 80;
/// Marks where a long line was cut.
const CUT: &str = "…";

/// The file as an error draws it: every line kept (so line numbers hold),
/// long ones cut to a window. The header's column is the file's.
#[derive(Debug)]
pub(crate) struct ShownText {
    text: String,
    /// For each cut line (0-based): how many bytes before its window were
    /// left out.
    cut_before: BTreeMap<usize, usize>,
}

impl ShownText {
    /// `text` with its long lines cut around `spans` (byte ranges of
    /// `text`), and the spans as they fall in the text drawn.
    fn new(text: &str, spans: &[Range<usize>]) -> (Self, Vec<Range<usize>>) {
        let mut shown = String::with_capacity(text.len().min(64 * 1024));
        let mut cut_before = BTreeMap::new();
        // Per line: where it starts in the file, the part of it drawn (file
        // bytes), and where that part starts in the text drawn.
        let mut anchors: Vec<(usize, Range<usize>, usize)> = Vec::new();
        let mut start = 0;
        for (number, line) in text.split_inclusive('\n').enumerate() {
            let content = line.trim_end_matches(['\n', '\r']);
            let end = start + content.len();
            if content.len() <= SHOWN_LINE_BYTES {
                anchors.push((start, start..start + line.len(), shown.len()));
                shown.push_str(line);
            } else {
                let first = spans
                    .iter()
                    .map(|s| s.start)
                    .filter(|at| (start..=end).contains(at))
                    .min()
                    .unwrap_or(start);
                let from =
                    floor_char_boundary(content, (first - start).saturating_sub(SHOWN_BEFORE));
                let to = floor_char_boundary(content, from + SHOWN_LINE_BYTES);
                cut_before.insert(number, from);
                if from > 0 {
                    shown.push_str(CUT);
                }
                anchors.push((start, start + from..start + to, shown.len()));
                shown.push_str(&content[from..to]);
                if to < content.len() {
                    shown.push_str(CUT);
                }
                shown.push_str(&line[content.len()..]);
            }
            start += line.len();
        }
        // A byte of the file in the text drawn: on a cut line, a byte left
        // out stands at the nearer edge of the window.
        let map = |at: usize| {
            let line = anchors
                .iter()
                .rev()
                .find(|(line_start, ..)| *line_start <= at);
            match line {
                Some((_, drawn_part, drawn)) => {
                    drawn + (at.clamp(drawn_part.start, drawn_part.end) - drawn_part.start)
                }
                None => 0,
            }
        };
        let mapped = spans
            .iter()
            .map(|span| {
                let start = map(span.start);
                start..map(span.end).max(start)
            })
            .collect();
        (
            Self {
                text: shown,
                cut_before,
            },
            mapped,
        )
    }
}

impl SourceCode for ShownText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        // On a cut line, the column counts the bytes left out, not the mark.
        let column = match self.cut_before.get(&inner.line()) {
            Some(cut) if *cut > 0 => inner.column().saturating_sub(CUT.len()) + cut,
            _ => inner.column(),
        };
        Ok(Box::new(MietteSpanContents::new(
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

/// An error before it is tied to a file: the validator collects these and
/// reports them in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub kind: ScenarioErrorKind,
    pub message: String,
    /// Short text under the caret.
    pub label: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn new(
        kind: ScenarioErrorKind,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            label: label.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Byte range of a serde-saphyr span. Its docs speak of characters, but
/// with saphyr-parser-bw the offsets and lengths of `&str` input are bytes
/// (`scenario_errors::positions_are_in_characters_after_non_ascii_text`
/// guards this). Clamped to the text and to character boundaries.
pub(crate) fn parser_span_to_bytes(text: &str, offset: usize, len: usize) -> Range<usize> {
    let start = floor_char_boundary(text, offset);
    let end = ceil_char_boundary(text, offset.saturating_add(len).max(start));
    start..end
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Clamp to the text and to char boundaries, drop trailing blanks the parser
/// sometimes includes, and widen an empty range to the character under it so
/// the caret has something to point at.
fn tidy_range(text: &str, at: Range<usize>) -> Range<usize> {
    let start = floor_char_boundary(text, at.start);
    let mut end = ceil_char_boundary(text, at.end.max(start));
    let trimmed = text[start..end].trim_end();
    end = start + trimmed.len();
    let next_char = text[start..]
        .chars()
        .next()
        .filter(|c| *c != '\n' && *c != '\r');
    if let (true, Some(c)) = (start == end, next_char) {
        end = start + c.len_utf8();
    }
    start..end
}

/// 1-based line and character column of a byte offset.
pub(crate) fn line_and_column(text: &str, byte: usize) -> (usize, usize) {
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_spans_are_clamped_to_character_boundaries() {
        let text = "name: Åsa\nx: 1";
        assert_eq!(parser_span_to_bytes(text, 6, 4), 6..10);
        assert_eq!(parser_span_to_bytes(text, 7, 1), 6..8);
        assert_eq!(parser_span_to_bytes(text, 99, 3), text.len()..text.len());
        assert_eq!(parser_span_to_bytes(text, 11, usize::MAX), 11..text.len());
    }

    #[test]
    fn counts_lines_and_character_columns() {
        let text = "name: Åsa\nseed: x";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(
            line_and_column(text, text.find('s').expect("the text has an s")),
            (1, 8)
        );
        assert_eq!(
            line_and_column(text, text.find('x').expect("the text has an x")),
            (2, 7)
        );
    }

    #[test]
    fn stays_small_enough_to_wrap() {
        // clippy's result_large_err starts at 128 bytes; callers wrap this error in their own.
        assert!(
            size_of::<ScenarioError>() < 128,
            "{} bytes",
            size_of::<ScenarioError>()
        );
    }

    #[test]
    fn tidies_ranges_for_the_caret() {
        let text = "a: \"x\" }\nb:";
        assert_eq!(tidy_range(text, 3..7), 3..6);
        assert_eq!(tidy_range(text, 0..0), 0..1);
        assert_eq!(tidy_range(text, 8..8), 8..8);
        assert_eq!(tidy_range(text, 50..60), text.len()..text.len());
    }
}
