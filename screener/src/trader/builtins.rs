//! The built-in traders: useful screens written against the filter contract, each one's code
//! in `screener/builtins/*.js` so it reads (and lints) as JavaScript.

use super::record::Trader;

struct Builtin {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    interval: &'static str,
    timeframes: &'static [&'static str],
    cooldown: u32,
    code: &'static str,
}

const BUILTINS: [Builtin; 8] = [
    Builtin {
        id: "builtin-rsi-oversold-bounce",
        name: "RSI oversold bounce",
        description: "RSI(14) on 15m closes back above 30 after being oversold.",
        interval: "15m",
        timeframes: &["15m"],
        cooldown: 8,
        code: include_str!("../../builtins/rsi_oversold_bounce.js"),
    },
    Builtin {
        id: "builtin-volume-spike",
        name: "Volume spike",
        description: "A green 5m candle with more than 3× the average volume of the 20 before it.",
        interval: "5m",
        timeframes: &["5m"],
        cooldown: 12,
        code: include_str!("../../builtins/volume_spike.js"),
    },
    Builtin {
        id: "builtin-golden-cross",
        name: "Golden cross",
        description: "SMA(50) of 1h closes crosses above SMA(200).",
        interval: "1h",
        timeframes: &["1h"],
        cooldown: 24,
        code: include_str!("../../builtins/golden_cross.js"),
    },
    Builtin {
        id: "builtin-macd-bullish-cross",
        name: "MACD bullish cross below zero",
        description: "On 15m, MACD crosses above its signal while both are negative.",
        interval: "15m",
        timeframes: &["15m"],
        cooldown: 8,
        code: include_str!("../../builtins/macd_bullish_cross.js"),
    },
    Builtin {
        id: "builtin-bollinger-squeeze-breakout",
        name: "Bollinger squeeze breakout",
        description: "After a band-width squeeze, the 15m close breaks above the upper band.",
        interval: "15m",
        timeframes: &["15m"],
        cooldown: 16,
        code: include_str!("../../builtins/bollinger_squeeze_breakout.js"),
    },
    Builtin {
        id: "builtin-vwap-reclaim",
        name: "VWAP reclaim",
        description: "The 5m close moves back above the 24 h VWAP on above-average volume.",
        interval: "5m",
        timeframes: &["5m"],
        cooldown: 24,
        code: include_str!("../../builtins/vwap_reclaim.js"),
    },
    Builtin {
        id: "builtin-stoch-rsi-cross",
        name: "StochRSI oversold cross",
        description: "On 15m, StochRSI %K crosses above %D below 20.",
        interval: "15m",
        timeframes: &["15m"],
        cooldown: 8,
        code: include_str!("../../builtins/stoch_rsi_cross.js"),
    },
    Builtin {
        id: "builtin-adx-trend-strength",
        name: "ADX trend strength",
        description: "On 1h, ADX(14) rises through 25 with +DI above −DI.",
        interval: "1h",
        timeframes: &["1h"],
        cooldown: 12,
        code: include_str!("../../builtins/adx_trend_strength.js"),
    },
];

/// Every built-in trader, version 1, enabled.
pub fn builtins() -> Vec<Trader> {
    BUILTINS
        .iter()
        .map(|b| {
            let record = serde_json::json!({
                "id": b.id, "name": b.name, "description": b.description, "enabled": true, "version": 1,
                "filter": { "code": b.code, "description": [b.description], "refreshInterval": b.interval,
                            "requiredTimeframes": b.timeframes, "cooldownBars": b.cooldown }
            });
            // The table above is checked by the tests; a bad entry is a build-time bug.
            Trader::from_json(&record.to_string()).unwrap_or_else(|e| panic!("built-in {}: {e}", b.id))
        })
        .collect()
}
