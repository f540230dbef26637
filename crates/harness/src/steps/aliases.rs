//! What steps know of the file while they are read. Aliases: `deliver: { as: first }` names a delivery that later steps
//! (`redeliver`, `forge`) refer to; the reader checks each use against
//! the deliveries above it.

use hooksim_simulator::providers::ProviderId;

use crate::read::{Kind, Node, NodeKind, Problem, Reader, entry, line_of};
use crate::suggest::{backticked, closest};

/// What steps need to know about the rest of the file while they are read.
pub(crate) struct ReadContext {
    pub provider: Option<ProviderId>,
    /// Aliases defined by the delivers read so far, with their lines.
    defined: Vec<(String, usize)>,
    /// Every alias any deliver in the file defines, with its line.
    declared: Vec<(String, usize)>,
    /// The seed of the steps' data as a run without --seed has it (`None`
    /// when the rule could not be read).
    pub data_seed: Option<u64>,
    /// The 0-based position of the step being read.
    pub index: usize,
    /// The scenario file's folder, which the files a step names are relative to.
    pub folder: Option<std::path::PathBuf>,
}

impl ReadContext {
    pub(crate) fn new(
        provider: Option<ProviderId>,
        steps: &[Node],
        data_seed: Option<u64>,
        folder: Option<std::path::PathBuf>,
    ) -> Self {
        Self {
            provider,
            defined: Vec::new(),
            declared: declared_aliases(steps),
            data_seed,
            index: 0,
            folder,
        }
    }

    /// Whether a deliver read so far is named `alias`.
    pub(crate) fn defines(&self, alias: &str) -> bool {
        self.defined.iter().any(|(defined, _)| defined == alias)
    }

    /// Check the placeholders under `node` against the provider and the
    /// deliveries above it.
    pub(crate) fn placeholders(&self, r: &mut Reader<'_>, node: &Node) -> bool {
        r.placeholders(node, self.provider, Some(&|alias| self.defines(alias)))
    }
}

pub(crate) fn alias_definition(
    r: &mut Reader<'_>,
    node: &Node,
    context: &mut ReadContext,
) -> Option<String> {
    let alias = r.string(node, "as")?;
    if alias.trim().is_empty() {
        r.report(
            node,
            Problem::new(
                Kind::InvalidValue,
                "an alias cannot be empty",
                "empty alias",
            ),
        );
        return None;
    }
    if let Some((_, line)) = context
        .defined
        .iter()
        .find(|(defined, _)| *defined == alias)
    {
        let problem = Problem::new(
            Kind::DuplicateAlias,
            format!("alias `{alias}` is already defined on line {line}"),
            "defined again here",
        )
        .with_help("give each deliver its own `as:` name");
        r.report(node, problem);
        return None;
    }
    context.defined.push((alias.clone(), line_of(node)));
    Some(alias)
}

pub(crate) fn alias_reference(
    r: &mut Reader<'_>,
    node: &Node,
    keyword: &str,
    context: &ReadContext,
) -> Option<String> {
    let alias = r.string(node, keyword)?;
    if context.defined.iter().any(|(defined, _)| *defined == alias) {
        return Some(alias);
    }
    let line = line_of(node);
    if (context.declared.iter()).any(|(declared, at)| *declared == alias && *at < line) {
        // An earlier step names it but did not define it: that step's
        // own mistake is reported, and this would only repeat it.
        return None;
    }
    let later = context
        .declared
        .iter()
        .find(|(declared, at)| *declared == alias && *at > line);
    let problem = if let Some((_, line)) = later {
        Problem::new(Kind::UndefinedAlias, format!("`{alias}` is not defined yet"), "used before its deliver")
            .with_help(format!("the deliver on line {line} defines `{alias}`; steps run top to bottom, so move it above this step"))
    } else {
        let defined: Vec<&str> = context
            .defined
            .iter()
            .map(|(defined, _)| defined.as_str())
            .collect();
        let help = match closest(&alias, &defined) {
            Some(candidate) => format!("did you mean `{candidate}`?"),
            None if defined.is_empty() => {
                format!("name a delivery with `as: {alias}` on a deliver step before this one")
            }
            None => format!("aliases defined so far: {}", backticked(&defined)),
        };
        Problem::new(
            Kind::UndefinedAlias,
            format!("no earlier deliver is named `{alias}`"),
            "undefined alias",
        )
        .with_help(help)
    };
    r.report(node, problem);
    None
}

/// Every `as:` of every step's action (a misspelt `delivr:` too), with its
/// line, to tell "defined later" from "never defined", and both from "its
/// step has a mistake of its own".
fn declared_aliases(steps: &[Node]) -> Vec<(String, usize)> {
    let mut declared = Vec::new();
    for step in steps {
        let NodeKind::Map(actions) = &step.kind else {
            continue;
        };
        for (_, action) in actions {
            if let Some(
                alias @ Node {
                    kind: NodeKind::Str(name),
                    ..
                },
            ) = entry(action, "as")
            {
                declared.push((name.clone(), line_of(alias)));
            }
        }
    }
    declared
}
