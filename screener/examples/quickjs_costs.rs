//! Micro-costs of QuickJS operations the engine's design depends on, measured in the realm's
//! own interpreter: copying or freezing a 500-kline array, and a filter loop over 500 klines
//! with and without `parseFloat`. Backs the choices documented in `engine::resident` and
//! `filter::helpers::call` and the benchmark notes.
//!
//! `cargo run --release -p screener --example quickjs_costs`

fn main() {
    let runtime = rquickjs::Runtime::new().expect("runtime");
    let context = rquickjs::Context::full(&runtime).expect("context");
    context.with(|ctx| {
        let report: String = ctx.eval(SCRIPT).expect("script");
        for line in report.lines() {
            println!("{line}");
        }
    });
}

const SCRIPT: &str = r#"
const klines = [];
for (let i = 0; i < 500; i++) {
  const p = String(16000 + i / 10);
  klines.push(Object.freeze([i * 300000, p, p, p, p, '691.508', i * 300000 + 299999, '1.1e7', 8, '300', '5e6', '0']));
}
const frozen = Object.freeze(klines.slice());
const N = 20000;
const lines = [];
const time = (name, f) => {
  const t = Date.now();
  for (let i = 0; i < N; i++) f();
  lines.push(`${name}: ${((Date.now() - t) * 1e6 / N).toFixed(0)} ns`);
};
time('slice() of 500 klines', () => klines.slice());
time('slice() + Object.freeze of 500 klines', () => Object.freeze(klines.slice()));
time('loop over 500 klines, index only', () => { let s = 0; for (let i = 0; i < 500; i++) s += klines[i][0]; return s; });
time('same, frozen outer array', () => { let s = 0; for (let i = 0; i < 500; i++) s += frozen[i][0]; return s; });
time('loop over 500 klines with parseFloat', () => { let s = 0; for (let i = 0; i < 500; i++) s += parseFloat(klines[i][4]); return s; });
time('same, frozen outer array', () => { let s = 0; for (let i = 0; i < 500; i++) s += parseFloat(frozen[i][4]); return s; });
lines.join('\n')
"#;
