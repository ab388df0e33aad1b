// RSI oversold bounce: RSI(14) on 15m closes back above 30 after being below it.
const k = timeframes['15m'];
const rsi = helpers.calculateRSI(k, 14);
if (!rsi || rsi.length < 2) return false;
const prev = rsi[rsi.length - 2];
const now = rsi[rsi.length - 1];
if (prev === null || now === null) return false;
return { match: prev < 30 && now >= 30, conditions: [`RSI(14) ${prev.toFixed(1)} → ${now.toFixed(1)} crossed up through 30`] };
