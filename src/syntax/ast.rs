//! The abstract syntax tree: close to the text, a span on every node.
//!
//! The parser ([`super::parse()`]) builds it; the checker turns it into the checked IR.
//! The formatter prints it back ([`super::print`]).

pub use crate::semantics::ops::{ArithOp, CmpOp, HitPolicy};
use crate::source::Span;

/// A parsed rule file.
#[derive(Clone, Debug)]
pub struct File {
    /// The declarations, in order.
    pub items: Vec<Item>,
    /// The comments, with their spans, for the formatter.
    pub comments: Vec<Comment>,
}

/// A `#` comment.
#[derive(Clone, Debug)]
pub struct Comment {
    /// The text after `#`, without the line break.
    pub text: String,
    /// Where it is.
    pub span: Span,
    /// Whether code precedes it on its line.
    pub trailing: bool,
}

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    /// The text (one identifier, or a dotted path).
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// One top-level declaration.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // built once per declaration; boxing buys nothing
pub enum Item {
    /// `use intune`
    Use(Name),
    /// `type threat = secured < low < medium < high`
    Type(TypeDecl),
    /// `fact device.jailbroken: bool "..."`
    Fact(FactDecl),
    /// `setting access.pin: require | not_required = require "..."`
    Setting(SettingDecl),
    /// `set access.pin = not_required`
    Set(SetDecl),
    /// `decision launch: priority allow < block`
    Decision(DecisionDecl),
    /// `let inactive = session.minutes_inactive >= access.recheck_after`
    Let(LetDecl),
    /// `rule ... when ... then ...`
    Rule(RuleDecl),
    /// `lint warning name when ... "message"`
    Lint(LintDecl),
    /// `facts base = { ... }`
    Facts(FactsDecl),
    /// `test name given ... expect ...`
    Test(TestDecl),
    /// `property name for all facts ... expect ...`
    Property(PropertyDecl),
}

impl Item {
    /// The span of the whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Item::Use(n) => n.span,
            Item::Type(d) => d.span,
            Item::Fact(d) => d.span,
            Item::Setting(d) => d.span,
            Item::Set(d) => d.span,
            Item::Decision(d) => d.span,
            Item::Let(d) => d.span,
            Item::Rule(d) => d.span,
            Item::Lint(d) => d.span,
            Item::Facts(d) => d.span,
            Item::Test(d) => d.span,
            Item::Property(d) => d.span,
        }
    }
}

/// `type NAME = TYPE "doc"`
#[derive(Clone, Debug)]
pub struct TypeDecl {
    /// The declared name.
    pub name: Name,
    /// Its type.
    pub ty: TypeExpr,
    /// Its one-line doc.
    pub doc: Option<String>,
    /// Where it is in the source.
    pub span: Span,
}

/// `fact PATH: TYPE [= DEFAULT] ["doc"]`
#[derive(Clone, Debug)]
pub struct FactDecl {
    /// The declared name.
    pub name: Name,
    /// Its type.
    pub ty: TypeExpr,
    /// Its default value, if any.
    pub default: Option<ValueLit>,
    /// Its one-line doc.
    pub doc: Option<String>,
    /// Where it is in the source.
    pub span: Span,
}

/// `setting PATH: TYPE = DEFAULT "doc" [requires COND [for VALUE] else VALUE]`
#[derive(Clone, Debug)]
pub struct SettingDecl {
    /// The declared name.
    pub name: Name,
    /// Its type.
    pub ty: TypeExpr,
    /// Its default value, if any.
    pub default: ValueLit,
    /// Its one-line doc.
    pub doc: Option<String>,
    /// When an old SDK does not enforce it.
    pub gate: Option<Gate>,
    /// Where it is in the source.
    pub span: Span,
}

/// `requires COND [for VALUE] else FALLBACK`: when the condition over facts does not
/// hold, the setting is not enforced and is taken as the fallback value.
#[derive(Clone, Debug)]
pub struct Gate {
    /// The condition over facts.
    pub condition: Expr,
    /// Only this configured value is gated.
    pub only_for: Option<ValueLit>,
    /// The value taken when not enforced.
    pub fallback: ValueLit,
    /// Where it is in the source.
    pub span: Span,
}

/// `set [default] PATH = VALUE`
#[derive(Clone, Debug)]
pub struct SetDecl {
    /// `set default`: the setting's default changes (not an override).
    pub default: bool,
    /// The declared name.
    pub name: Name,
    /// The value.
    pub value: ValueLit,
    /// Where it is in the source.
    pub span: Span,
}

/// `decision NAME: POLICY OUTCOMES ["doc"] CLAUSES`
#[derive(Clone, Debug)]
pub struct DecisionDecl {
    /// The declared name.
    pub name: Name,
    /// The hit policy.
    pub policy: HitPolicy,
    /// The outcomes, least severe first for `priority`.
    pub outcomes: Vec<Name>,
    /// Its one-line doc.
    pub doc: Option<String>,
    /// The decision is taken only when this holds.
    pub only_when: Option<Expr>,
    /// Its default value, if any.
    pub default: Option<Name>,
    /// Outputs rules may set.
    pub outputs: Vec<(Name, TypeExpr)>,
    /// Values reported from the facts.
    pub reports: Vec<(Name, Expr)>,
    /// The JSON field of the outcome.
    pub field: Option<Name>,
    /// Where it is in the source.
    pub span: Span,
}

/// `let NAME = EXPR ["doc"]`
#[derive(Clone, Debug)]
pub struct LetDecl {
    /// The declared name.
    pub name: Name,
    /// The expression.
    pub expr: Expr,
    /// Its one-line doc.
    pub doc: Option<String>,
    /// Where it is in the source.
    pub span: Span,
}

/// `rule NAME [about SETTING] ["doc"] [for VAR in LIST [where COND]] [when COND] then ...`
#[derive(Clone, Debug)]
pub struct RuleDecl {
    /// The declared name.
    pub name: Name,
    /// The setting the rule implements.
    pub about: Option<Name>,
    /// Its one-line doc.
    pub doc: Option<String>,
    /// `for VAR in LIST [where COND]`.
    pub for_each: Option<ForEach>,
    /// The condition.
    pub when: Option<Expr>,
    /// What it decides.
    pub then: Then,
    /// Where it is in the source.
    pub span: Span,
}

/// `for VAR in LIST [where COND]`
#[derive(Clone, Debug)]
pub struct ForEach {
    /// The loop variable.
    pub var: Name,
    /// The list.
    pub list: Expr,
    /// Keeps only items for which this holds.
    pub filter: Option<Expr>,
}

/// `then DECISION = OUTCOME [with OUTPUT = EXPR]* ["message"]`
#[derive(Clone, Debug)]
pub struct Then {
    /// The decision.
    pub decision: Name,
    /// The outcome.
    pub outcome: Expr,
    /// Outputs rules may set.
    pub outputs: Vec<(Name, Expr)>,
    /// The message.
    pub message: Option<String>,
    /// Where it is in the source.
    pub span: Span,
}

/// `lint warning|error NAME when COND "message"`
#[derive(Clone, Debug)]
pub struct LintDecl {
    /// `error` rather than `warning`.
    pub error: bool,
    /// The declared name.
    pub name: Name,
    /// The condition.
    pub when: Expr,
    /// The message.
    pub message: String,
    /// Where it is in the source.
    pub span: Span,
}

/// `facts NAME = { json }`
#[derive(Clone, Debug)]
pub struct FactsDecl {
    /// The declared name.
    pub name: Name,
    /// The facts, as JSON.
    pub facts: Json,
    /// Where it is in the source.
    pub span: Span,
}

/// Facts for a test: a JSON object, a named fact set, or a named set with changes.
#[derive(Clone, Debug)]
pub struct Given {
    /// A named fact set to start from.
    pub base: Option<Name>,
    /// JSON merged into the base.
    pub patch: Option<Json>,
}

/// `test NAME ["doc"] given ... [settings {...}] expect ...+`
#[derive(Clone, Debug)]
pub struct TestDecl {
    /// The declared name.
    pub name: Name,
    /// Its one-line doc.
    pub doc: Option<String>,
    /// The facts.
    pub given: Given,
    /// Setting overrides, as JSON.
    pub settings: Option<Json>,
    /// What must come out.
    pub expectations: Vec<Expectation>,
    /// Where it is in the source.
    pub span: Span,
}

/// `expect PATH = VALUE` or `expect error`.
#[derive(Clone, Debug)]
pub enum Expectation {
    /// Evaluation must fail.
    Error(Span),
    /// `launch = block`, `access.steps = [pin]`, `request.url = "..."`.
    Value {
        /// `decision` or `decision.field`.
        path: Name,
        /// The expected value.
        value: ValueLit,
    },
}

/// `property NAME ["doc"] [given BASE] [settings {...}] for all facts [where COND] expect COND`
#[derive(Clone, Debug)]
pub struct PropertyDecl {
    /// The declared name.
    pub name: Name,
    /// Its one-line doc.
    pub doc: Option<String>,
    /// The facts.
    pub given: Option<Name>,
    /// Setting overrides, as JSON.
    pub settings: Option<Json>,
    /// Keeps only items for which this holds.
    pub filter: Option<Expr>,
    /// `varying FACT`: a second world where only this fact differs.
    pub varying: Option<Name>,
    /// The law.
    pub expect: Expr,
    /// Where it is in the source.
    pub span: Span,
}

/// JSON embedded in a rule file (tests), with its span.
#[derive(Clone, Debug)]
pub struct Json {
    /// The value.
    pub value: serde_json::Value,
    /// Where it is in the source.
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug)]
pub struct TypeExpr {
    /// Declared `optional`.
    pub optional: bool,
    /// The shape.
    pub kind: TypeKind,
    /// Where it is in the source.
    pub span: Span,
}

/// The shapes of types.
#[derive(Clone, Debug)]
pub enum TypeKind {
    /// `bool`, or a boolean literal.
    Bool,
    /// An integer (type or literal).
    Int {
        /// The smallest allowed value.
        min: Option<i64>,
    },
    /// `string` or `string ignoring case`.
    String {
        /// Compared ignoring case.
        nocase: bool,
    },
    /// `version`, or a version literal.
    Version,
    /// A list.
    List(Box<TypeExpr>),
    /// A record.
    Record(Vec<(Name, TypeExpr)>),
    /// `group`: a group of facts.
    Group,
    /// An enumeration.
    Enum {
        /// The values.
        variants: Vec<Name>,
        /// Declared with `<`.
        ordered: bool,
    },
    /// A named type.
    Ref(Name),
}

/// A constant value as written.
#[derive(Clone, Debug)]
pub struct ValueLit {
    /// The shape.
    pub kind: ValueKind,
    /// Where it is in the source.
    pub span: Span,
}

/// The shapes of constant values.
#[derive(Clone, Debug)]
pub enum ValueKind {
    /// A list.
    List(Vec<ValueLit>),
    /// A record.
    Record(Vec<(Name, ValueLit)>),
    /// `version`, or a version literal.
    Version(String),
    /// An integer (type or literal).
    Int(i64),
    /// A string literal.
    Str(String),
    /// `bool`, or a boolean literal.
    Bool(bool),
    /// A bare name.
    Ident(String),
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    /// The shape.
    pub kind: ExprKind,
    /// Where it is in the source.
    pub span: Span,
}

/// The shapes of expressions.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A name: fact, setting (with fields), let, loop variable or enum value.
    Path(String),
    /// An integer (type or literal).
    Int(i64),
    /// A string literal.
    Str(String),
    /// `version`, or a version literal.
    Version(String),
    /// `bool`, or a boolean literal.
    Bool(bool),
    /// A list.
    List(Vec<Expr>),
    /// A call of a builtin.
    Call(Name, Vec<Expr>),
    /// `not`.
    Not(Box<Expr>),
    /// `and`.
    And(Vec<Expr>),
    /// `or`.
    Or(Vec<Expr>),
    /// A comparison.
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// Arithmetic.
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `any VAR in LIST: BODY` (`all` when the flag is set).
    Quant {
        /// `all` rather than `any`.
        all: bool,
        /// The variable.
        var: Name,
        /// The list.
        list: Box<Expr>,
        /// The condition for each item.
        body: Box<Expr>,
    },
}
