// Volume spike: a green 5m candle with more than 3× the average volume of the 20 before it.
const k = timeframes['5m'];
const n = k.length;
if (n < 21) return false;
let sum = 0;
for (let i = n - 21; i < n - 1; i++) sum += parseFloat(k[i][5]);
const avg = sum / 20;
const last = k[n - 1];
const volume = parseFloat(last[5]);
const green = parseFloat(last[4]) > parseFloat(last[1]);
if (avg === 0) return false;
return { match: green && volume > 3 * avg, conditions: [`volume ${(volume / avg).toFixed(1)}× the 20-bar average`, 'green candle'] };
