// MACD bullish cross below zero: on 15m, the MACD line crosses above its signal line while
// both are still negative (momentum turning up from a downtrend).
const m = helpers.calculateMACDValues(timeframes['15m'], 12, 26, 9);
const n = m.macdLine.length;
if (n < 2) return false;
const [pm, ps, cm, cs] = [m.macdLine[n - 2], m.signalLine[n - 2], m.macdLine[n - 1], m.signalLine[n - 1]];
if ([pm, ps, cm, cs].some((v) => v === null)) return false;
return { match: pm <= ps && cm > cs && cm < 0 && cs < 0, conditions: ['MACD crossed above signal below zero'] };
