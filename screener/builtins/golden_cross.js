// Golden cross: the 50-period SMA of 1h closes crosses above the 200-period SMA.
const k = timeframes['1h'];
const fast = helpers.calculateMASeries(k, 50);
const slow = helpers.calculateMASeries(k, 200);
const n = k.length;
if (n < 201 || slow[n - 2] === null) return false;
return { match: fast[n - 2] <= slow[n - 2] && fast[n - 1] > slow[n - 1], conditions: ['SMA(50) crossed above SMA(200) on 1h'] };
