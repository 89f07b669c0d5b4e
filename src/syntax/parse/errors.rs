//! Syntax errors: pest's error turned into a diagnostic that names what was expected
//! in the grammar's words.

use super::*;

pub(super) fn syntax_error(file: FileId, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    let (start, end) = match e.location {
        pest::error::InputLocation::Pos(p) => (p, p),
        pest::error::InputLocation::Span((s, e)) => (s, e),
    };
    let found = text
        .get(start..)
        .and_then(|s| s.split(|c: char| c.is_whitespace()).next())
        .filter(|s| !s.is_empty())
        .map(|s| format!("`{}`", s.chars().take(20).collect::<String>()))
        .unwrap_or_else(|| "the end of the file".to_string());
    let expected = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
            names.sort_unstable();
            names.dedup();
            names.join(", ")
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let end = end
        .max(start + found.len().saturating_sub(2))
        .min(text.len());
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {expected}, found {found}")
    };
    Diagnostic::error(
        ParseError::Grammar,
        Span::new(file, start, end.max(start)),
        message,
    )
    .with_label("syntax error here")
}

pub(super) fn rule_name(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::EOI => "the end of the file",
        Rule::use_decl => "`use`",
        Rule::type_decl => "`type`",
        Rule::fact_decl => "`fact`",
        Rule::setting_decl => "`setting`",
        Rule::set_decl => "`set`",
        Rule::decision_decl => "`decision`",
        Rule::let_decl => "`let`",
        Rule::rule_decl => "`rule`",
        Rule::lint_decl => "`lint`",
        Rule::facts_decl => "`facts`",
        Rule::test_decl => "`test`",
        Rule::property_decl => "`property`",
        Rule::ident => "a name",
        Rule::path => "a name",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::cmp_expr
        | Rule::add_expr
        | Rule::mul_expr => "an expression",
        Rule::cmp_op => "a comparison",
        Rule::add_op | Rule::mul_op => "an operator",
        Rule::type_expr => "a type",
        Rule::value => "a value",
        Rule::string_lit | Rule::doc | Rule::message => "a string",
        Rule::int_lit => "an integer",
        Rule::version_lit => "a version",
        Rule::json_object => "a JSON object",
        Rule::json_value => "a JSON value",
        Rule::then_clause => "`then`",
        Rule::when_clause => "`when`",
        Rule::for_clause => "`for`",
        Rule::about => "`about`",
        Rule::gate => "`requires`",
        Rule::priority_policy => "`priority`",
        Rule::first_policy => "`first`",
        Rule::collect_policy => "`collect`",
        Rule::only_when => "`only when`",
        Rule::default_clause => "`default`",
        Rule::output_clause => "`output`",
        Rule::report_clause => "`report`",
        Rule::as_clause => "`as`",
        Rule::with_clause => "`with`",
        Rule::expectation => "`expect`",
        Rule::given => "`given`",
        Rule::test_settings => "`settings`",
        Rule::lint_level => "`warning` or `error`",
        Rule::quantifier => "`any` or `all`",
        Rule::list_type
        | Rule::record_type
        | Rule::prim_type
        | Rule::enum_type
        | Rule::ordered_enum => "a type",
        Rule::field_type | Rule::field_value => "a field",
        Rule::for_all => "`for all facts`",
        Rule::varying => "`varying`",
        Rule::for_where => "`where`",
        Rule::not_op => "`not`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::paren => "`(`",
        Rule::call => "a call",
        Rule::list_lit | Rule::value_list => "a list",
        Rule::nocase => "`ignoring case`",
        _ => return None,
    })
}

/// Where a pair's last token ends: its last child's end, down to a leaf. pest lets a
/// rule's span run over whitespace skipped before an optional element that did not
/// match; tokens (leaves) end exactly. O(depth), bounded by the nesting limit.
pub(super) fn tight_end(p: &P) -> usize {
    let mut cur = p.clone();
    while let Some(last) = cur.clone().into_inner().last() {
        cur = last;
    }
    cur.as_span().end()
}
