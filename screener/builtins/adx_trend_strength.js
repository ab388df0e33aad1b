// ADX trend strength: on 1h, ADX(14) rises through 25 with +DI above −DI (a strengthening uptrend).
const a = helpers.calculateADXSeries(timeframes['1h'], 14);
const n = a.adx.length;
if (n < 2 || a.adx[n - 2] === null) return false;
const rising = a.adx[n - 2] < 25 && a.adx[n - 1] >= 25;
return { match: rising && a.plusDI[n - 1] > a.minusDI[n - 1], conditions: [`ADX ${a.adx[n - 1].toFixed(1)} crossed 25`, '+DI above −DI'] };
