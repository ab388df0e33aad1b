// Bollinger squeeze breakout: after the 20-bar band width on 15m has been unusually narrow
// (its minimum over the last 20 bars under 60 % of its 100-bar average), the close breaks
// above the upper band.
const k = timeframes['15m'];
const b = helpers.calculateBollingerBands(k, 20, 2);
const n = k.length;
if (n < 120) return false;
const width = (i) => (b.upper[i] - b.lower[i]) / b.middle[i];
let narrowest = Infinity;
for (let i = n - 21; i < n - 1; i++) narrowest = Math.min(narrowest, width(i));
let sum = 0;
for (let i = n - 101; i < n - 1; i++) sum += width(i);
const close = parseFloat(k[n - 1][4]);
const squeezed = narrowest < 0.6 * (sum / 100);
return { match: squeezed && close > b.upper[n - 1], conditions: ['band width squeeze', 'close above the upper band'] };
