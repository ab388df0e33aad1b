//! The filter sandbox: the return contract, async bodies, errors with trader/symbol/line, the
//! deadline and memory cap, no I/O, and isolation between traders sharing a runtime.

use std::time::{Duration, Instant};

use rquickjs::{IntoJs, Value};
use screener::filter::{FilterErrorKind, Limits, Sandbox, Verdict};

fn sandbox() -> Sandbox {
    Sandbox::new(Limits::default()).expect("sandbox")
}

/// Evaluates with `ticker = {s: symbol, c: price}` and empty timeframes/helpers/nodes.
fn run(
    sandbox: &Sandbox,
    trader: &str,
    price: f64,
) -> Result<Verdict, screener::filter::FilterError> {
    sandbox.evaluate(trader, "BTCUSDT", |ctx| {
        let ticker = rquickjs::Object::new(ctx.clone())?;
        ticker.set("s", "BTCUSDT")?;
        ticker.set("c", price.to_string())?;
        let empty = rquickjs::Object::new(ctx.clone())?;
        let helpers = rquickjs::Object::new(ctx.clone())?;
        let nodes = rquickjs::Array::new(ctx.clone())?;
        Ok([
            ticker.into_value(),
            empty.into_value(),
            helpers.into_value(),
            nodes.into_js(ctx)?,
        ])
    })
}

fn load(sandbox: &mut Sandbox, trader: &str, code: &str) {
    sandbox
        .compile(trader, 1, code)
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn booleans_and_match_objects_follow_the_contract() {
    let mut s = sandbox();
    load(&mut s, "t", "return parseFloat(ticker.c) > 100;");
    assert!(run(&s, "t", 150.0).unwrap().matched);
    assert!(!run(&s, "t", 50.0).unwrap().matched);

    load(
        &mut s,
        "o",
        "return { match: true, conditions: ['price > 100', 'rsi < 30'] };",
    );
    let verdict = run(&s, "o", 1.0).unwrap();
    assert_eq!(
        verdict,
        Verdict {
            matched: true,
            conditions: vec!["price > 100".into(), "rsi < 30".into()]
        }
    );

    load(&mut s, "n", "return { match: false };");
    assert_eq!(run(&s, "n", 1.0).unwrap(), Verdict::default());
}

#[test]
fn async_bodies_can_await() {
    let mut s = sandbox();
    load(
        &mut s,
        "a",
        "const v = await Promise.resolve(parseFloat(ticker.c));\nconst w = await (async () => v * 2)();\nreturn w === 300;",
    );
    assert!(run(&s, "a", 150.0).unwrap().matched);
}

#[test]
fn top_level_declarations_do_not_persist_between_evaluations() {
    let mut s = sandbox();
    load(
        &mut s,
        "c",
        "const seen = 1; let count = 0; count++; return count === 1;",
    );
    for _ in 0..3 {
        assert!(run(&s, "c", 1.0).unwrap().matched);
    }
}

#[test]
fn anything_else_returned_is_an_error_of_that_trader() {
    let mut s = sandbox();
    let cases = [
        ("const x = 1;", "undefined (is a `return` missing?)"),
        ("return 1;", "a number"),
        ("return 'yes';", "a string"),
        ("return [true];", "an array"),
        ("return null;", "null"),
        ("return { match: 'yes' };", "`match` is a string"),
        (
            "return { match: true, conditions: [1] };",
            "array of strings",
        ),
        (
            "return { match: true, conditions: 'x' };",
            "array of strings",
        ),
    ];
    for (code, expected) in cases {
        load(&mut s, "bad", code);
        s.remove("bad");
        load(&mut s, "bad", code);
        let e = run(&s, "bad", 1.0).unwrap_err();
        assert_eq!(e.kind, FilterErrorKind::BadReturn, "{code}");
        assert!(e.message.contains(expected), "{code}: {}", e.message);
        assert_eq!(e.symbol.as_deref(), Some("BTCUSDT"));
        s.remove("bad");
    }
}

#[test]
fn syntax_errors_name_the_line() {
    let mut s = sandbox();
    let e = s
        .compile("syn", 1, "const a = 1;\nconst b = ;\nreturn true;")
        .unwrap_err();
    assert_eq!(e.kind, FilterErrorKind::Syntax);
    assert_eq!(e.line, Some(2));
    assert_eq!(e.trader_id, "syn");
    assert!(e.message.starts_with("SyntaxError: "), "{}", e.message);

    // A missing closing brace is reported on the last line of the code, not past it.
    let e = s
        .compile("open", 1, "if (true) {\n  return true;")
        .unwrap_err();
    assert_eq!(e.kind, FilterErrorKind::Syntax);
    assert_eq!(e.line, Some(2));
}

#[test]
fn code_cannot_escape_its_function_body() {
    let mut s = sandbox();
    let e = s
        .compile("esc", 1, "}); globalThis.pwned = 1; (function () {")
        .unwrap_err();
    assert_eq!(e.kind, FilterErrorKind::Syntax);
    load(
        &mut s,
        "probe",
        "return typeof globalThis.pwned === 'undefined';",
    );
    assert!(run(&s, "probe", 1.0).unwrap().matched);
}

#[test]
fn runtime_errors_name_trader_symbol_message_and_line() {
    let mut s = sandbox();
    load(
        &mut s,
        "rt",
        "const k = timeframes['1h'];\n\nconst last = k[k.length - 1];\nreturn true;",
    );
    let e = run(&s, "rt", 1.0).unwrap_err();
    assert_eq!(e.kind, FilterErrorKind::Runtime);
    assert_eq!(e.line, Some(3));
    assert!(e.message.starts_with("TypeError: "), "{}", e.message);
    assert_eq!(
        e.to_string(),
        format!("trader rt on BTCUSDT: {} (line 3)", e.message)
    );

    load(&mut s, "thrower", "\nthrow new Error('no data');");
    let e = run(&s, "thrower", 1.0).unwrap_err();
    assert_eq!((e.message.as_str(), e.line), ("Error: no data", Some(2)));
}

#[test]
fn endless_loops_hit_the_deadline_and_the_sandbox_recovers() {
    let limits = Limits {
        deadline: Duration::from_millis(30),
        ..Limits::default()
    };
    let mut s = Sandbox::new(limits).unwrap();
    load(&mut s, "loop", "while (true) {}");
    load(&mut s, "ok", "return true;");
    let started = Instant::now();
    let e = run(&s, "loop", 1.0).unwrap_err();
    assert_eq!(e.kind, FilterErrorKind::Timeout);
    assert!(e.message.contains("30 ms deadline"), "{}", e.message);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "stopped late: {:?}",
        started.elapsed()
    );
    // The loop inside an awaited promise chain is stopped too.
    load(
        &mut s,
        "async-loop",
        "await null; for (;;) { Math.sqrt(2); }",
    );
    assert_eq!(
        run(&s, "async-loop", 1.0).unwrap_err().kind,
        FilterErrorKind::Timeout
    );
    assert!(
        run(&s, "ok", 1.0).unwrap().matched,
        "other traders still run"
    );
}

#[test]
fn unbounded_allocation_hits_the_memory_cap_and_the_sandbox_recovers() {
    let limits = Limits {
        memory_bytes: 16 * 1024 * 1024,
        deadline: Duration::from_secs(5),
        ..Limits::default()
    };
    let mut s = Sandbox::new(limits).unwrap();
    load(
        &mut s,
        "hog",
        "const keep = [];\nwhile (true) keep.push(new Array(100000).fill(1.5));",
    );
    load(
        &mut s,
        "ok",
        "return [1, 2, 3].map((x) => x * 2).length === 3;",
    );
    let e = run(&s, "hog", 1.0).unwrap_err();
    assert_eq!(e.kind, FilterErrorKind::OutOfMemory, "{e}");
    assert!(e.message.contains("16 MiB memory cap"));
    assert!(s.memory_used() < 16 * 1024 * 1024);
    assert!(
        run(&s, "ok", 1.0).unwrap().matched,
        "other traders still run"
    );
}

#[test]
fn deep_recursion_is_an_error_not_a_crash() {
    let mut s = sandbox();
    load(
        &mut s,
        "rec",
        "function f(n) { return f(n + 1) + 1; }\nreturn f(0) > 0;",
    );
    let e = run(&s, "rec", 1.0).unwrap_err();
    assert_eq!(e.kind, FilterErrorKind::Runtime);
    assert!(e.message.contains("stack"), "{}", e.message);
}

#[test]
fn promises_that_never_settle_are_reported() {
    let mut s = sandbox();
    load(&mut s, "wait", "await new Promise(() => {});\nreturn true;");
    assert_eq!(
        run(&s, "wait", 1.0).unwrap_err().kind,
        FilterErrorKind::NeverSettles
    );
}

#[test]
fn there_is_no_io() {
    let mut s = sandbox();
    let globals = [
        "fetch",
        "require",
        "process",
        "setTimeout",
        "setInterval",
        "XMLHttpRequest",
        "WebSocket",
        "std",
        "os",
        "Deno",
        "Bun",
        "console",
    ];
    for name in globals {
        load(
            &mut s,
            name,
            &format!("return typeof {name} === 'undefined';"),
        );
        assert!(run(&s, name, 1.0).unwrap().matched, "{name} is reachable");
    }
    load(
        &mut s,
        "import",
        "try { await import('fs'); return false; } catch (e) { return true; }",
    );
    assert!(
        run(&s, "import", 1.0).unwrap().matched,
        "dynamic import worked"
    );
}

#[test]
fn traders_cannot_affect_each_other_through_the_shared_realm() {
    let mut s = sandbox();
    load(
        &mut s,
        "vandal",
        "Array.prototype.map = null; Math.max = () => 0; Math = {}; JSON = null;\n\
         leaked = 42; globalThis.alsoLeaked = 1; Object.prototype.polluted = true;\n\
         return true;",
    );
    load(
        &mut s,
        "victim",
        "return [1, 2].map((x) => x).length === 2 && Math.max(1, 5) === 5 && typeof JSON.parse === 'function'\n\
         && typeof leaked === 'undefined' && typeof alsoLeaked === 'undefined' && ({}).polluted === undefined;",
    );
    assert!(run(&s, "vandal", 1.0).unwrap().matched);
    assert!(
        run(&s, "victim", 1.0).unwrap().matched,
        "the vandal's changes reached another trader"
    );
}

#[test]
fn recompiling_by_version() {
    let mut s = sandbox();
    s.compile("v", 1, "return false;").unwrap();
    assert!(s.is_loaded("v", 1));
    s.compile("v", 1, "return true;").unwrap(); // same version: kept
    assert!(!run(&s, "v", 1.0).unwrap().matched);
    s.compile("v", 2, "return true;").unwrap();
    assert!(s.is_loaded("v", 2) && !s.is_loaded("v", 1));
    assert!(run(&s, "v", 1.0).unwrap().matched);
    s.remove("v");
    let e = run(&s, "v", 1.0).unwrap_err();
    assert!(e.message.contains("not loaded"));
}

#[allow(dead_code)]
fn _value_is_used(_: Value) {}
