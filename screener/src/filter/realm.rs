//! Keeps traders that share one JavaScript realm from affecting each other.
//!
//! Filters run in sloppy mode (traders written for the original, which used `new Function`,
//! run unchanged), so a filter can assign undeclared variables or try to patch built-ins. At
//! start-up every built-in global is made read-only and every built-in constructor, its
//! prototype and the namespace objects (`Math`, `JSON`, `Reflect`…) are frozen; after each
//! evaluation, globals a filter created are deleted again.

use rquickjs::{Ctx, Function, Persistent};

/// Hardens the realm; returns the function that removes leaked globals.
pub fn harden(ctx: &Ctx<'_>) -> rquickjs::Result<Persistent<Function<'static>>> {
    let sweep: Function = ctx.eval(HARDEN_JS)?;
    Ok(Persistent::save(ctx, sweep))
}

const HARDEN_JS: &str = r#"
(() => {
  'use strict';
  const names = Object.getOwnPropertyNames;
  const freezeDeep = (value) => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    if (Object.isFrozen(value)) return;
    Object.freeze(value);
    if (typeof value === 'function' && value.prototype) freezeDeep(value.prototype);
    freezeDeep(Object.getPrototypeOf(value));
  };
  const hidden = [
    (async function () {}).constructor,
    (function* () {}).constructor,
    (async function* () {}).constructor,
    Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf(new Map()[Symbol.iterator]()),
    Object.getPrototypeOf(new Set()[Symbol.iterator]()),
    Object.getPrototypeOf(''[Symbol.iterator]()),
    Object.getPrototypeOf(Uint8Array),
  ];
  const baseline = new Set(names(globalThis));
  for (const name of baseline) {
    if (name === 'globalThis') continue;
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    freezeDeep(descriptor.value);
    if (descriptor.configurable) {
      Object.defineProperty(globalThis, name, { writable: false, configurable: false });
    }
  }
  hidden.forEach(freezeDeep);
  return function sweep() {
    const now = names(globalThis);
    if (now.length === baseline.size) return;
    for (const name of now) if (!baseline.has(name)) delete globalThis[name];
  };
})()
"#;
