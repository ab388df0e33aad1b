// VWAP reclaim: on 5m, the close moves from below to above the 24 h (288-bar) VWAP on above-
// average volume.
const k = timeframes['5m'];
const n = k.length;
if (n < 290) return false;
const vwap = helpers.calculateVWAPSeries(k, 288);
const prevClose = parseFloat(k[n - 2][4]);
const close = parseFloat(k[n - 1][4]);
const avgVolume = helpers.calculateAvgVolume(k, 20);
const reclaimed = prevClose < vwap[n - 2] && close > vwap[n - 1];
return { match: reclaimed && parseFloat(k[n - 1][5]) > avgVolume, conditions: ['close reclaimed the 24 h VWAP', 'volume above its 20-bar average'] };
