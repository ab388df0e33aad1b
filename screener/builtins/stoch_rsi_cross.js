// StochRSI cross: on 15m, StochRSI %K crosses above %D while both are below 20 (oversold).
const s = helpers.calculateStochRSI(timeframes['15m'], 14, 14, 3, 3);
if (!s || s.length < 2) return false;
const prev = s[s.length - 2];
const now = s[s.length - 1];
if (!prev || !now) return false;
return { match: prev.k <= prev.d && now.k > now.d && now.k < 20 && now.d < 20, conditions: [`StochRSI %K ${now.k.toFixed(1)} crossed above %D ${now.d.toFixed(1)} below 20`] };
