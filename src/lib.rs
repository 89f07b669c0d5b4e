//! apprules: a rule engine for mobile app protection policies.
//!
//! Policies are written in a small declarative language (see `docs/language.md`).
//! A policy goes through four stages, one module each:
//!
//! 1. `syntax`: text → AST, with a span on every node;
//! 2. `check`: AST → checked IR, every name resolved and every type known;
//! 3. `compile`: checked IR + setting values → one decision table per decision;
//! 4. `eval`: tables + facts → decisions, with the reasons behind them.
//!
//! Below them, `semantics` holds what they share (operators, hit policies, logic,
//! the tests a cell holds). The documented API is [`PolicyBuilder`], [`Policy`], the
//! results ([`Decisions`], [`DecisionResult`], [`Reason`], [`Outcome`]), the errors
//! ([`Error`] and [`codes`]), and the tools: [`batch`], [`analysis`] (policy diff),
//! [`graph`] (Intune import and export), [`testing`], [`fmt`], `strategies`.
//!
//! The standard Intune iOS/iPadOS app protection policy is bundled ([`BUNDLED`]).
//!
//! ```
//! # fn main() -> Result<(), apprules::Error> {
//! let policy = apprules::Policy::bundled()?;
//! let facts = serde_json::json!({
//!     "device": {"os_version": "17.1", "model": "iPhone15,2", "jailbroken": true,
//!                "mdm_enrolled": false, "passcode_set": true, "company_portal": false,
//!                "biometrics": "face_id", "open_in_managed_to_unmanaged": false, "browsers": []},
//!     "app": {"version": "4.2", "sdk_version": "17.0.0", "multi_identity": true,
//!             "notification_restriction_supported": true},
//!     "session": {"account": "org", "minutes_inactive": 0, "minutes_offline": 0,
//!                 "failed_pin_attempts": 0, "days_since_pin_change": 0}
//! });
//! let decisions = policy.evaluate_json(&facts)?;
//! assert_eq!(decisions.get("launch").and_then(|d| d.outcome()), Some("block"));
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

// The public API: building and running policies (the items re-exported below), their
// errors and codes, and the tools built on them.
pub mod analysis;
pub mod batch;
pub mod codes;
pub mod fmt;
pub mod graph;
#[cfg(feature = "cli")]
pub mod lsp;
#[cfg(feature = "proptest")]
pub mod strategies;
#[cfg(not(feature = "proptest"))]
pub(crate) mod strategies;
pub mod testing;

// The stages and what they share: public so that the tests, benchmarks and fuzz
// targets can drive each stage alone, hidden from the documented API (their shapes
// change as the engine does).
#[doc(hidden)]
pub mod builtins;
#[doc(hidden)]
pub mod check;
#[doc(hidden)]
pub mod compile;
#[doc(hidden)]
pub mod diag;
#[doc(hidden)]
pub mod eval;
#[doc(hidden)]
pub mod json;
#[doc(hidden)]
pub mod reference;
#[doc(hidden)]
pub mod semantics;
#[doc(hidden)]
pub mod settings;
#[doc(hidden)]
pub mod source;
#[doc(hidden)]
pub mod syntax;
#[doc(hidden)]
pub mod value;

use crate::codes::CheckError;
use std::sync::Arc;

pub use diag::{Diagnostic, Report, Severity};
pub use eval::facts::{Facts, FactsError};
pub use eval::{DecisionResult, Decisions, EvalError, Reason};
pub use semantics::outcome::{Outcome, OutcomeSet};
pub use settings::SettingsError;
pub use value::{Value, Version};

mod builder;
pub use builder::read_text;
pub use builder::text_of;
pub use builder::PolicyBuilder;

/// The bundled Intune iOS/iPadOS policy, as rule text.
pub const BUNDLED: &str = include_str!("../rules/intune-ios.rules");
/// The name the bundled policy goes by in diagnostics.
pub const BUNDLED_NAME: &str = "<bundled>/intune-ios.rules";
/// The current Intune portal's defaults (spec section 7.5), built on the bundled
/// policy: `use intune_current`.
pub const BUNDLED_CURRENT: &str = include_str!("../rules/intune-current.rules");
/// The name the current defaults go by in diagnostics.
pub const BUNDLED_CURRENT_NAME: &str = "<bundled>/intune-current.rules";
/// The bundled policy's own tests and properties (a rule file that uses it).
pub const BUNDLED_TESTS: &str = include_str!("../rules/intune-ios.tests.rules");
/// The name of the bundled tests in reports.
pub const BUNDLED_TESTS_NAME: &str = "<bundled>/intune-ios.tests.rules";

/// Everything that can go wrong building or running a policy.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The path.
        path: String,
        /// Why: the I/O error, or `InvalidData` for a file too large or not UTF-8.
        #[source]
        source: std::io::Error,
    },
    /// A Graph export cannot be read as a policy.
    #[error(transparent)]
    Graph(#[from] graph::GraphError),
    /// The rule files have errors (syntax, names, types, compilation, lints).
    #[error("{0}")]
    Rules(Report),
    /// Setting overrides are wrong.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// Facts are wrong.
    #[error(transparent)]
    Facts(#[from] FactsError),
    /// Evaluation needs a fact the input lacks.
    #[error(transparent)]
    Eval(#[from] EvalError),
}

/// A compiled policy: parse and compile once, evaluate many times from many threads.
#[derive(Clone, Debug)]
pub struct Policy {
    prepared: Arc<eval::engines::Prepared>,
    schema: Arc<eval::Schema>,
    warnings: Vec<Diagnostic>,
}

impl Policy {
    /// The compiled policy, shared (for the language server).
    #[cfg(feature = "cli")]
    pub(crate) fn shared(&self) -> Arc<compile::Compiled> {
        self.prepared.compiled.clone()
    }

    /// The bundled Intune policy with its defaults.
    pub fn bundled() -> Result<Policy, Error> {
        PolicyBuilder::new().bundled().build()
    }

    fn compile(
        program: Arc<check::ir::Program>,
        settings: Option<&serde_json::Value>,
        mut warnings: Vec<Diagnostic>,
    ) -> Result<Policy, Error> {
        let values = settings::resolve(&program, settings)?;
        warnings.extend(settings::overridden(&program, settings));
        let sources = program.sources.clone();
        match compile::compile(program, values) {
            Ok(c) => {
                warnings.extend(c.warnings.iter().cloned());
                let schema = Arc::new(eval::Schema::new(&c.program));
                Ok(Policy {
                    prepared: Arc::new(eval::engines::Prepared::new(
                        Arc::new(c),
                        eval::engines::Engine::Auto,
                    )),
                    schema,
                    warnings,
                })
            }
            Err(d) => Err(Error::Rules(Report {
                sources,
                diagnostics: d,
            })),
        }
    }

    /// The same rules with other setting overrides.
    pub fn with_settings(&self, settings: &serde_json::Value) -> Result<Policy, Error> {
        Policy::compile(
            self.prepared.compiled.program.clone(),
            Some(settings),
            Vec::new(),
        )
    }

    /// Warnings from the checker and the lints.
    pub fn warnings(&self) -> Report {
        Report {
            sources: self.prepared.compiled.program.sources.clone(),
            diagnostics: self.warnings.clone(),
        }
    }

    /// The checked program.
    pub fn program(&self) -> &check::ir::Program {
        &self.prepared.compiled.program
    }

    /// The compiled tables and setting values.
    pub fn compiled(&self) -> &compile::Compiled {
        &self.prepared.compiled
    }

    /// The compiled tables as the evaluator prepared them (each with its engine).
    pub fn prepared(&self) -> &eval::engines::Prepared {
        &self.prepared
    }

    /// Binds facts from JSON (checked against the schema once).
    pub fn bind(&self, json: &serde_json::Value) -> Result<Facts, FactsError> {
        eval::bind::bind_tree(self.program(), &self.schema, json)
    }

    /// The same policy deciding only the decisions named (`eval --decision`); an
    /// unknown name is an error with the closest one.
    pub fn only_decisions(&self, names: &[String]) -> Result<Policy, String> {
        for n in names {
            if self.decision_index(n).is_none() {
                let all: Vec<String> = self
                    .prepared
                    .tables
                    .iter()
                    .map(|t| t.name.to_string())
                    .collect();
                let hint = check::suggest::suggest(n, all.iter())
                    .unwrap_or_else(|| format!("the decisions are {}", all.join(", ")));
                return Err(format!("unknown decision `{n}` ({hint})"));
            }
        }
        Ok(Policy {
            prepared: Arc::new(self.prepared.only(|name| names.iter().any(|n| n == name))),
            schema: self.schema.clone(),
            warnings: self.warnings.clone(),
        })
    }

    /// The same policy, reading past keys of the facts that no fact declares
    /// (`allow`) instead of refusing them (the default: a misspelled fact is an
    /// error with the closest name, never silently ignored).
    pub fn allowing_unknown_facts(&self, allow: bool) -> Policy {
        Policy {
            prepared: self.prepared.clone(),
            schema: Arc::new((*self.schema).clone().allowing_unknown(allow)),
            warnings: self.warnings.clone(),
        }
    }

    /// The same policy with every table run by one engine (see [`eval::engines::Engine`]):
    /// for testing each engine against the reference, and for measuring them.
    pub fn with_engine(&self, engine: eval::engines::Engine) -> Policy {
        Policy {
            prepared: Arc::new(self.prepared.with_engine(engine)),
            schema: self.schema.clone(),
            warnings: self.warnings.clone(),
        }
    }

    /// Evaluates bound facts with the decision tables.
    pub fn evaluate_bound(&self, facts: &Facts) -> Result<Decisions, EvalError> {
        eval::tables::evaluate(&self.prepared, facts)
    }

    /// The index of a decision, for [`Policy::outcome`] and [`Policy::evaluate_one`].
    pub fn decision_index(&self, name: &str) -> Option<usize> {
        self.prepared.tables.iter().position(|t| &*t.name == name)
    }

    /// One decision's outcome only — no reasons, outputs or `not_enforced`: the fast
    /// path, allocation-free for tables whose columns are facts.
    #[inline]
    pub fn outcome(
        &self,
        decision: usize,
        facts: &Facts,
    ) -> Result<eval::tables::Outcome, EvalError> {
        match self.prepared.tables.get(decision) {
            Some(t) => eval::tables::outcome(&self.prepared, t, facts),
            None => Ok(eval::tables::Outcome::NotTaken),
        }
    }

    /// One decision, with its reasons; `None` when it is not taken.
    pub fn evaluate_one(
        &self,
        decision: usize,
        facts: &Facts,
    ) -> Result<Option<DecisionResult>, EvalError> {
        match self.prepared.tables.get(decision) {
            Some(t) => eval::tables::decision(&self.prepared, t, facts),
            None => Ok(None),
        }
    }

    /// The name of outcome `i` of a decision.
    pub fn outcome_name(&self, decision: usize, i: u16) -> Option<&str> {
        let t = self.prepared.tables.get(decision)?;
        let (_, d) = self
            .prepared
            .compiled
            .program
            .decisions
            .get_index(t.decision)?;
        d.outcomes.variants.get(i as usize).map(String::as_str)
    }

    /// Evaluates facts given as JSON.
    pub fn evaluate_json(&self, json: &serde_json::Value) -> Result<Decisions, Error> {
        let facts = self.bind(json)?;
        Ok(self.evaluate_bound(&facts)?)
    }

    /// Binds facts straight from JSON text (no intermediate JSON tree).
    pub fn bind_str(&self, text: &str) -> Result<Facts, FactsError> {
        eval::bind::bind_str(self.program(), &self.schema, text)
    }

    /// A handle on the same compiled policy with its own interned fact values.
    /// `Policy` is `Send + Sync` and can be shared as is; threads that bind many
    /// records at once run faster with a handle each, since binding then never
    /// touches reference counts another thread is updating.
    pub fn for_thread(&self) -> Policy {
        Policy {
            prepared: self.prepared.clone(),
            schema: Arc::new(
                eval::Schema::new(&self.prepared.compiled.program)
                    .allowing_unknown(self.schema.allows_unknown()),
            ),
            warnings: self.warnings.clone(),
        }
    }

    /// Appends every decision for bound facts to `out` as one line of compact JSON
    /// (without the newline): the same text as `serde_json::to_writer` on
    /// [`Policy::evaluate_bound`]'s result, written without building it.
    /// On error `out` is left as it was.
    pub fn write_json(&self, facts: &Facts, out: &mut Vec<u8>) -> Result<(), EvalError> {
        let len = out.len();
        eval::tables::write_json(&self.prepared, facts, out).inspect_err(|_| out.truncate(len))
    }

    /// JSON text in, JSON text out: binds `text` and appends every decision to `out`
    /// (see [`Policy::write_json`]). On error `out` is left as it was.
    pub fn evaluate_str_into(&self, text: &str, out: &mut Vec<u8>) -> Result<(), Error> {
        with_scratch_facts(|scratch, seen| {
            self.bind_str_into(text, scratch, seen)?;
            Ok(self.write_json(scratch, out)?)
        })
    }

    /// [`Policy::bind_str`] without its fast scanner (serde reads the text): the
    /// reference the scanner is tested against.
    #[doc(hidden)]
    pub fn bind_str_serde(&self, text: &str) -> Result<Facts, FactsError> {
        eval::bind::bind_str_serde(self.program(), &self.schema, text)
    }

    /// [`Policy::bind_str`] into `facts`, reusing its buffers (`seen` is scratch): for
    /// binding many records on one thread. After an error `facts` holds no fact:
    /// evaluating it fails on a missing one.
    pub fn bind_str_into(
        &self,
        text: &str,
        facts: &mut Facts,
        seen: &mut Vec<u64>,
    ) -> Result<(), FactsError> {
        let bound = eval::bind::bind_str_into(self.program(), &self.schema, text, facts, seen);
        if bound.is_err() {
            facts.poison();
        }
        bound
    }

    /// Evaluates facts given as JSON text.
    pub fn evaluate_str(&self, text: &str) -> Result<Decisions, Error> {
        with_scratch_facts(|scratch, seen| {
            self.bind_str_into(text, scratch, seen)?;
            Ok(self.evaluate_bound(scratch)?)
        })
    }

    /// Evaluates facts from any serializable value (its JSON form must match the schema).
    pub fn evaluate<T: serde::Serialize>(&self, facts: &T) -> Result<Decisions, Error> {
        let json = serde_json::to_value(facts).map_err(|e| FactsError::Syntax {
            message: e.to_string(),
        })?;
        self.evaluate_json(&json)
    }

    /// Evaluates with the reference interpreter (slow; for testing the tables).
    pub fn evaluate_reference(&self, facts: &Facts) -> Result<Decisions, EvalError> {
        eval::interp::evaluate(self.program(), &self.prepared.compiled.settings, facts)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn policy_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Policy>();
    }
}

thread_local! {
    /// Facts reused from record to record by [`Policy::evaluate_str`] and
    /// [`Policy::evaluate_str_into`] on this thread: their buffers, and values equal
    /// to the previous record's (interned enum values, strings, lists owned alone),
    /// are kept instead of allocated and reference-counted again.
    static SCRATCH_FACTS: std::cell::RefCell<(Facts, Vec<u64>)> =
        std::cell::RefCell::new((Facts::default(), Vec::new()));
}

/// Runs `f` with this thread's scratch facts (fresh ones if they are in use).
fn with_scratch_facts<R>(f: impl FnOnce(&mut Facts, &mut Vec<u64>) -> R) -> R {
    SCRATCH_FACTS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let (facts, seen) = &mut *s;
            f(facts, seen)
        }
        Err(_) => f(&mut Facts::default(), &mut Vec::new()),
    })
}

/// The README's library example, compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
