//! One QuickJS runtime and context that compiles trader filters into async functions and runs
//! them under a wall-clock deadline and a memory cap, with no I/O of any kind.
//!
//! QuickJS runtimes are not `Send`: each engine worker thread owns one [`Sandbox`]. Filters are
//! compiled with the `AsyncFunction` constructor (never by pasting code into a wrapper string),
//! so the code is exactly a function body: it can `await` and cannot escape its function.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::{
    CatchResultExt, CaughtError, Context, Ctx, Function, Persistent, Promise, Runtime, Value,
};

use super::error::{FilterError, FilterErrorKind};
use super::outcome::{read_verdict, Verdict};
use super::realm;

/// The filter function's parameters, in the contract's order.
const PARAMS: [&str; 4] = ["ticker", "timeframes", "helpers", "hvnNodes"];

/// Resource limits of one sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time one evaluation (or one compilation) may take.
    pub deadline: Duration,
    /// Memory cap of the whole runtime (every trader loaded in it).
    pub memory_bytes: usize,
    /// Native stack the interpreter may use (deep recursion fails cleanly below it).
    pub stack_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            deadline: Duration::from_millis(50),
            memory_bytes: 64 * 1024 * 1024,
            stack_bytes: 512 * 1024,
        }
    }
}

struct Compiled {
    version: u64,
    /// Whether the code can read its `hvnNodes` argument (see [`reads_nodes`]).
    reads_nodes: bool,
    /// Lines of the filter code, to clamp reported positions.
    lines: u32,
    function: Persistent<Function<'static>>,
}

/// A QuickJS runtime with compiled filters.
pub struct Sandbox {
    // Field order matters for drop: JS handles before the context before the runtime.
    filters: HashMap<String, Compiled>,
    sweep: Persistent<Function<'static>>,
    context: Context,
    runtime: Runtime,
    deadline: Rc<Cell<Option<Instant>>>,
    limits: Limits,
    /// Lines QuickJS adds before the body of a constructed function.
    line_offset: u32,
}

impl Sandbox {
    /// A fresh runtime with the given limits.
    pub fn new(limits: Limits) -> Result<Self, String> {
        let runtime = Runtime::new().map_err(|e| format!("creating a JavaScript runtime: {e}"))?;
        runtime.set_memory_limit(limits.memory_bytes);
        runtime.set_max_stack_size(limits.stack_bytes);
        let deadline: Rc<Cell<Option<Instant>>> = Rc::new(Cell::new(None));
        let watched = Rc::clone(&deadline);
        runtime.set_interrupt_handler(Some(Box::new(move || {
            watched.get().is_some_and(|d| Instant::now() >= d)
        })));
        let context = Context::full(&runtime).map_err(|e| format!("creating a context: {e}"))?;
        let sweep = context
            .with(|ctx| realm::harden(&ctx))
            .map_err(|e| format!("hardening the JavaScript realm: {e}"))?;
        let mut sandbox = Self {
            filters: HashMap::new(),
            sweep,
            context,
            runtime,
            deadline,
            limits,
            line_offset: 0,
        };
        sandbox.line_offset = sandbox.probe_line_offset()?;
        Ok(sandbox)
    }

    /// The limits this sandbox enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Compiles (or recompiles) a trader's filter. A version already loaded is not recompiled.
    pub fn compile(
        &mut self,
        trader_id: &str,
        version: u64,
        code: &str,
    ) -> Result<(), FilterError> {
        if self.is_loaded(trader_id, version) {
            return Ok(());
        }
        let lines = code.lines().count().max(1) as u32;
        let offset = self.line_offset;
        self.arm_deadline();
        let compiled = self.context.with(|ctx| {
            let constructor: Function = ctx.eval("(async function () {}).constructor")?;
            let made =
                constructor.call::<_, Function>((PARAMS[0], PARAMS[1], PARAMS[2], PARAMS[3], code));
            let outcome = match made.catch(&ctx) {
                Ok(function) if encloses(&ctx, &function, code)? => {
                    Ok(Persistent::save(&ctx, function))
                }
                Ok(_) => Err((
                    "SyntaxError: the code closes its function early (an unbalanced `}`)"
                        .to_owned(),
                    None,
                )),
                Err(caught) => Err(describe(caught, offset, lines)),
            };
            // Code that escaped its body ran at construction: undo any globals it made.
            self.sweep.clone().restore(&ctx)?.call::<_, ()>(())?;
            Ok::<_, rquickjs::Error>(outcome)
        });
        let timed_out = self.disarm_deadline();
        let function = match compiled {
            Ok(Ok(function)) => function,
            Ok(Err((message, line))) => {
                let kind = if timed_out {
                    FilterErrorKind::Timeout
                } else {
                    FilterErrorKind::Syntax
                };
                return Err(self.error(kind, trader_id, message, line));
            }
            Err(e) => {
                return Err(self.error(FilterErrorKind::Syntax, trader_id, e.to_string(), None))
            }
        };
        self.filters.insert(
            trader_id.to_owned(),
            Compiled {
                version,
                reads_nodes: reads_nodes(code),
                lines,
                function,
            },
        );
        Ok(())
    }

    /// Whether this exact version of the trader's filter is compiled here.
    pub fn is_loaded(&self, trader_id: &str, version: u64) -> bool {
        self.filters
            .get(trader_id)
            .is_some_and(|c| c.version == version)
    }

    /// Whether the trader's loaded filter can read its `hvnNodes` argument; when it cannot,
    /// the engine passes an empty array instead of computing the nodes.
    pub fn reads_nodes(&self, trader_id: &str) -> bool {
        self.filters.get(trader_id).is_none_or(|c| c.reads_nodes)
    }

    /// Forgets a trader's filter.
    pub fn remove(&mut self, trader_id: &str) {
        self.filters.remove(trader_id);
    }

    /// Runs inside the context, e.g. to build or update resident JS data shared by evaluations.
    pub fn with_ctx<R>(&self, f: impl FnOnce(Ctx<'_>) -> R) -> R {
        self.context.with(f)
    }

    /// Evaluates a trader's filter for one symbol. `arguments` builds the four arguments
    /// (ticker, timeframes, helpers, hvnNodes) inside the context.
    pub fn evaluate<F>(
        &self,
        trader_id: &str,
        symbol: &str,
        arguments: F,
    ) -> Result<Verdict, FilterError>
    where
        F: for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<[Value<'js>; 4]>,
    {
        let Some(compiled) = self.filters.get(trader_id) else {
            return Err(self
                .error(
                    FilterErrorKind::Runtime,
                    trader_id,
                    "the filter is not loaded".into(),
                    None,
                )
                .on_symbol(symbol));
        };
        let offset = self.line_offset;
        let mut timed_out = false;
        self.arm_deadline();
        let outcome = self.context.with(|ctx| {
            let function = compiled.function.clone().restore(&ctx)?;
            let [a, b, c, d] = arguments(&ctx)?;
            let called = function
                .call::<_, Promise>((a, b, c, d))
                .and_then(|promise| promise.finish::<Value>())
                .catch(&ctx);
            timed_out = self.disarm_deadline();
            // Globals this evaluation leaked must not reach the next trader.
            self.sweep.clone().restore(&ctx)?.call::<_, ()>(())?;
            Ok::<_, rquickjs::Error>(match called {
                Ok(value) => {
                    read_verdict(&ctx, &value).map_err(|m| (FilterErrorKind::BadReturn, m, None))
                }
                Err(CaughtError::Error(rquickjs::Error::WouldBlock)) => Err((
                    FilterErrorKind::NeverSettles,
                    "the filter awaited something that never settles (there are no timers or I/O)"
                        .into(),
                    None,
                )),
                Err(caught) => {
                    let (message, line) = describe(caught, offset, compiled.lines);
                    Err((FilterErrorKind::Runtime, message, line))
                }
            })
        });
        self.deadline.set(None);
        let result = match outcome {
            Ok(Ok(verdict)) => return Ok(verdict),
            Ok(Err(failure)) => failure,
            Err(e) => (
                FilterErrorKind::Runtime,
                format!("preparing the evaluation: {e}"),
                None,
            ),
        };
        let (mut kind, mut message, line) = result;
        if timed_out {
            kind = FilterErrorKind::Timeout;
            message = format!(
                "the filter ran longer than its {} ms deadline and was stopped",
                self.limits.deadline.as_millis()
            );
        } else if message.contains("out of memory") {
            kind = FilterErrorKind::OutOfMemory;
            message = format!(
                "the filter exceeded the sandbox's {} MiB memory cap and was stopped",
                self.limits.memory_bytes / (1024 * 1024)
            );
            self.runtime.run_gc();
        }
        Err(self.error(kind, trader_id, message, line).on_symbol(symbol))
    }

    /// Reserves `bytes` of the runtime's memory for data the engine keeps resident (candles),
    /// so the cap of [`Limits::memory_bytes`] stays what filters themselves may allocate.
    pub fn reserve(&self, bytes: usize) {
        self.runtime
            .set_memory_limit(bytes.saturating_add(self.limits.memory_bytes));
    }

    /// Bytes the runtime currently uses (walks the heap: not for hot paths).
    pub fn memory_used(&self) -> usize {
        usize::try_from(self.runtime.memory_usage().memory_used_size).unwrap_or(usize::MAX)
    }

    fn arm_deadline(&self) {
        self.deadline
            .set(Some(Instant::now() + self.limits.deadline));
    }

    /// Clears the deadline; says whether it had passed.
    fn disarm_deadline(&self) -> bool {
        let passed = self.deadline.get().is_some_and(|d| Instant::now() >= d);
        self.deadline.set(None);
        passed
    }

    fn error(
        &self,
        kind: FilterErrorKind,
        trader_id: &str,
        message: String,
        line: Option<u32>,
    ) -> FilterError {
        FilterError {
            kind,
            trader_id: trader_id.to_owned(),
            symbol: None,
            message,
            line,
        }
    }

    /// Finds how many lines QuickJS puts before a constructed function's body.
    fn probe_line_offset(&self) -> Result<u32, String> {
        self.context.with(|ctx| {
            let constructor: Function = ctx
                .eval("(function () {}).constructor")
                .map_err(|e| e.to_string())?;
            let probe: Function = constructor
                .call(("throw new Error('probe')",))
                .map_err(|e| e.to_string())?;
            match probe.call::<_, Value>(()).catch(&ctx) {
                Err(caught) => match describe(caught, 0, u32::MAX).1 {
                    Some(line) if line >= 1 => Ok(line - 1),
                    _ => Err("could not locate filter lines in QuickJS stack traces".into()),
                },
                Ok(_) => Err("the line probe did not throw".into()),
            }
        })
    }
}

/// The message (`Name: message`) and the 1-based line in the filter's own code of a caught
/// exception. `lines` clamps a position past the end (a missing `}`) to the last line.
fn describe(caught: CaughtError<'_>, offset: u32, lines: u32) -> (String, Option<u32>) {
    match caught {
        CaughtError::Exception(exception) => {
            let name: Option<String> = exception.get::<_, Option<String>>("name").ok().flatten();
            let message = exception.message().unwrap_or_default();
            let text = match name {
                Some(name) if !name.is_empty() && !message.is_empty() => {
                    format!("{name}: {message}")
                }
                Some(name) if !name.is_empty() => name,
                _ => message,
            };
            let line = exception
                .stack()
                .as_deref()
                .and_then(first_input_line)
                .map(|l| l.saturating_sub(offset).clamp(1, lines.max(1)));
            (text, line)
        }
        CaughtError::Value(value) => (
            format!("the filter threw a non-error value: {value:?}"),
            None,
        ),
        CaughtError::Error(error) => (error.to_string(), None),
    }
}

/// Whether a constructed function's own source text holds all of `code`. QuickJS builds the
/// function by concatenating source text, so a body like `}); x(); (function () {` would close
/// it early; then the function's text ends before the code does.
fn encloses<'js>(ctx: &Ctx<'js>, function: &Function<'js>, code: &str) -> rquickjs::Result<bool> {
    let to_string: Function = ctx.eval("Function.prototype.toString")?;
    let source: String = to_string.call((rquickjs::function::This(function.clone()),))?;
    Ok(source.ends_with(&format!("{code}\n}}")))
}

/// Whether filter code can reach its `hvnNodes` parameter: by name, through `arguments`, or
/// through a direct `eval` (which sees the function's parameters). Words inside strings and
/// comments count too, which only errs towards computing the nodes.
fn reads_nodes(code: &str) -> bool {
    code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .any(|word| matches!(word, "hvnNodes" | "arguments" | "eval"))
}

/// The line of the first stack frame in filter code (`<input>:LINE:COL`).
fn first_input_line(stack: &str) -> Option<u32> {
    let at = stack.find("<input>:")? + "<input>:".len();
    let digits: String = stack[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_every_way_code_can_read_hvn_nodes() {
        assert!(reads_nodes("return hvnNodes.length > 0;"));
        assert!(reads_nodes(
            "const [a, b, c, d] = arguments; return d.length > 0;"
        ));
        assert!(reads_nodes("return eval('hvn' + 'Nodes').length > 0;"));
        assert!(reads_nodes("return helpers.isNearHVN(1, hvnNodes);"));
        assert!(!reads_nodes(
            "return helpers.calculateHighVolumeNodes(k).length > 0;"
        ));
        assert!(!reads_nodes(
            "const myhvnNodes = 1; const evaluate = 2; return false;"
        ));
    }

    #[test]
    fn finds_the_first_filter_frame() {
        assert_eq!(
            first_input_line("    at anonymous (<input>:5:1)\n"),
            Some(5)
        );
        assert_eq!(
            first_input_line("    at <input>:3:9\n    at AsyncFunction (native)\n"),
            Some(3)
        );
        assert_eq!(first_input_line("    at native\n"), None);
    }
}
