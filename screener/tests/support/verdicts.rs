//! Verdicts as the model would write them, shared by the analysis tests.

use serde_json::{json, Value};

/// A verdict the validator accepts for a signal at `price`: a long with a 1:2 risk/reward.
pub fn valid_verdict(price: f64) -> Value {
    json!({
        "reasoning": "Higher lows on the last candles, RSI rising from 45 to 58, close above SMA(20).",
        "decision": "enter_trade",
        "direction": "long",
        "confidence": 72,
        "keyLevels": {
            "entry": price,
            "stopLoss": price * 0.98,
            "takeProfit": [price * 1.04, price * 1.06],
            "support": [price * 0.985],
            "resistance": [price * 1.03]
        },
        "tradePlan": {
            "setup": "Bullish continuation",
            "entryTrigger": "Close above the signal candle's high",
            "invalidation": "Close below the stop",
            "timeHorizon": "4-12 hours",
            "riskReward": 2.0
        }
    })
}
