//! The abstract syntax tree: close to the text, a span on every node.
//!
//! The parser ([`super::parse`]) builds it; the checker turns it into the checked IR.
//! The formatter prints it back ([`super::print`]).

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
    pub name: Name,
    pub ty: TypeExpr,
    pub doc: Option<String>,
    pub span: Span,
}

/// `fact PATH: TYPE [= DEFAULT] ["doc"]`
#[derive(Clone, Debug)]
pub struct FactDecl {
    pub name: Name,
    pub ty: TypeExpr,
    pub default: Option<ValueLit>,
    pub doc: Option<String>,
    pub span: Span,
}

/// `setting PATH: TYPE = DEFAULT "doc" [requires COND [for VALUE] else VALUE]`
#[derive(Clone, Debug)]
pub struct SettingDecl {
    pub name: Name,
    pub ty: TypeExpr,
    pub default: ValueLit,
    pub doc: Option<String>,
    pub gate: Option<Gate>,
    pub span: Span,
}

/// `requires COND [for VALUE] else FALLBACK`: when the condition over facts does not
/// hold, the setting is not enforced and is taken as the fallback value.
#[derive(Clone, Debug)]
pub struct Gate {
    pub condition: Expr,
    pub only_for: Option<ValueLit>,
    pub fallback: ValueLit,
    pub span: Span,
}

/// `set PATH = VALUE`
#[derive(Clone, Debug)]
pub struct SetDecl {
    pub name: Name,
    pub value: ValueLit,
    pub span: Span,
}

/// How a decision combines the rules that fire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HitPolicy {
    /// The most severe outcome wins (outcomes are listed least severe first).
    Priority,
    /// The first rule that fires, in file order, wins.
    First,
    /// Every rule that fires adds its outcome to a set.
    Collect,
}

/// `decision NAME: POLICY OUTCOMES ["doc"] CLAUSES`
#[derive(Clone, Debug)]
pub struct DecisionDecl {
    pub name: Name,
    pub policy: HitPolicy,
    pub outcomes: Vec<Name>,
    pub doc: Option<String>,
    pub only_when: Option<Expr>,
    pub default: Option<Name>,
    pub outputs: Vec<(Name, TypeExpr)>,
    pub reports: Vec<(Name, Expr)>,
    pub field: Option<Name>,
    pub span: Span,
}

/// `let NAME = EXPR ["doc"]`
#[derive(Clone, Debug)]
pub struct LetDecl {
    pub name: Name,
    pub expr: Expr,
    pub doc: Option<String>,
    pub span: Span,
}

/// `rule NAME [about SETTING] ["doc"] [for VAR in LIST [where COND]] [when COND] then ...`
#[derive(Clone, Debug)]
pub struct RuleDecl {
    pub name: Name,
    pub about: Option<Name>,
    pub doc: Option<String>,
    pub for_each: Option<ForEach>,
    pub when: Option<Expr>,
    pub then: Then,
    pub span: Span,
}

/// `for VAR in LIST [where COND]`
#[derive(Clone, Debug)]
pub struct ForEach {
    pub var: Name,
    pub list: Expr,
    pub filter: Option<Expr>,
}

/// `then DECISION = OUTCOME [with OUTPUT = EXPR]* ["message"]`
#[derive(Clone, Debug)]
pub struct Then {
    pub decision: Name,
    pub outcome: Expr,
    pub outputs: Vec<(Name, Expr)>,
    pub message: Option<String>,
    pub span: Span,
}

/// `lint warning|error NAME when COND "message"`
#[derive(Clone, Debug)]
pub struct LintDecl {
    pub error: bool,
    pub name: Name,
    pub when: Expr,
    pub message: String,
    pub span: Span,
}

/// `facts NAME = { json }`
#[derive(Clone, Debug)]
pub struct FactsDecl {
    pub name: Name,
    pub facts: Json,
    pub span: Span,
}

/// Facts for a test: a JSON object, a named fact set, or a named set with changes.
#[derive(Clone, Debug)]
pub struct Given {
    pub base: Option<Name>,
    pub patch: Option<Json>,
}

/// `test NAME ["doc"] given ... [settings {...}] expect ...+`
#[derive(Clone, Debug)]
pub struct TestDecl {
    pub name: Name,
    pub doc: Option<String>,
    pub given: Given,
    pub settings: Option<Json>,
    pub expectations: Vec<Expectation>,
    pub span: Span,
}

/// `expect PATH = VALUE` or `expect error`.
#[derive(Clone, Debug)]
pub enum Expectation {
    /// Evaluation must fail.
    Error(Span),
    /// `launch = block`, `access.steps = [pin]`, `request.url = "..."`.
    Value { path: Name, value: ValueLit },
}

/// `property NAME ["doc"] [given BASE] [settings {...}] for all facts [where COND] expect COND`
#[derive(Clone, Debug)]
pub struct PropertyDecl {
    pub name: Name,
    pub doc: Option<String>,
    pub given: Option<Name>,
    pub settings: Option<Json>,
    pub filter: Option<Expr>,
    pub expect: Expr,
    pub span: Span,
}

/// JSON embedded in a rule file (tests), with its span.
#[derive(Clone, Debug)]
pub struct Json {
    pub value: serde_json::Value,
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug)]
pub struct TypeExpr {
    pub optional: bool,
    pub kind: TypeKind,
    pub span: Span,
}

/// The shapes of types.
#[derive(Clone, Debug)]
pub enum TypeKind {
    Bool,
    Int { min: Option<i64> },
    String { nocase: bool },
    Version,
    List(Box<TypeExpr>),
    Record(Vec<(Name, TypeExpr)>),
    Group,
    Enum { variants: Vec<Name>, ordered: bool },
    Ref(Name),
}

/// A constant value as written.
#[derive(Clone, Debug)]
pub struct ValueLit {
    pub kind: ValueKind,
    pub span: Span,
}

/// The shapes of constant values.
#[derive(Clone, Debug)]
pub enum ValueKind {
    List(Vec<ValueLit>),
    Record(Vec<(Name, ValueLit)>),
    Version(String),
    Int(i64),
    Str(String),
    Bool(bool),
    Ident(String),
}

/// An expression.
#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
}

impl ArithOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
        }
    }
}

/// The shapes of expressions.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A name: fact, setting (with fields), let, loop variable or enum value.
    Path(String),
    Int(i64),
    Str(String),
    Version(String),
    Bool(bool),
    List(Vec<Expr>),
    Call(Name, Vec<Expr>),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// `any VAR in LIST: BODY` (`all` when the flag is set).
    Quant {
        all: bool,
        var: Name,
        list: Box<Expr>,
        body: Box<Expr>,
    },
}
