//! One helper call: reading its arguments (klines, numbers, options) the way the original
//! helpers accepted them, caching, and turning results into JavaScript values.

use std::rc::Rc;

use rquickjs::{Array, Ctx, Exception, Object, Persistent, Value};

use super::data::{Columns, SharedData, SERIES_ID};
use crate::indicators::{IndicatorError, Series};

/// Klines passed to a helper: their columns, and the snapshot id when they are the engine's.
pub struct Klines {
    pub columns: Rc<Columns>,
    pub id: Option<u32>,
}

/// A call in progress.
pub struct Call<'js> {
    pub ctx: Ctx<'js>,
    pub data: SharedData,
    pub name: &'static str,
    pub args: Vec<Value<'js>>,
}

impl<'js> Call<'js> {
    fn arg(&self, index: usize) -> Option<&Value<'js>> {
        self.args
            .get(index)
            .filter(|v| !v.is_undefined() && !v.is_null())
    }

    /// A `TypeError` naming the helper.
    pub fn type_error(&self, message: &str) -> rquickjs::Error {
        Exception::throw_type(&self.ctx, &format!("helpers.{}: {message}", self.name))
    }

    /// A `RangeError` for bad parameters.
    pub fn range_error(&self, error: IndicatorError) -> rquickjs::Error {
        Exception::throw_range(&self.ctx, &format!("helpers.{}: {error}", self.name))
    }

    /// The klines argument at `index`.
    pub fn klines(&self, index: usize) -> rquickjs::Result<Klines> {
        let Some(array) = self.arg(index).and_then(|v| v.as_array()) else {
            return Err(self.type_error("klines must be an array of klines"));
        };
        if let Ok(Some(id)) = array.as_object().get::<_, Option<u32>>(SERIES_ID) {
            let close = self.data.borrow().close(id);
            if let Some((columns, resident)) = close {
                if as_handed_out(array, &resident.restore(&self.ctx)?)? {
                    return Ok(Klines {
                        columns,
                        id: Some(id),
                    });
                }
            }
        }
        let mut columns = Columns::with_capacity(array.len());
        for item in array.iter::<Value>() {
            let item = item?;
            let Some(kline) = item.as_array() else {
                return Err(self.type_error(
                    "each kline must be an array [openTime, open, high, low, close, volume, …]",
                ));
            };
            let field = |i: usize| kline.get::<Value>(i).map(|v| number(&v));
            let ohlcv = [field(1)?, field(2)?, field(3)?, field(4)?, field(5)?];
            columns.push(field(0)?, ohlcv, field(9)?);
        }
        Ok(Klines {
            columns: Rc::new(columns),
            id: None,
        })
    }

    /// A number array argument (strings are parsed like `parseFloat`).
    pub fn numbers(&self, index: usize) -> rquickjs::Result<Vec<f64>> {
        let Some(array) = self.arg(index).and_then(|v| v.as_array()) else {
            return Err(self.type_error("values must be an array of numbers"));
        };
        array
            .iter::<Value>()
            .map(|v| v.map(|v| number(&v)))
            .collect()
    }

    /// A whole-number parameter, `default` when omitted.
    pub fn period(&self, index: usize, default: usize) -> rquickjs::Result<usize> {
        match self.arg(index) {
            None => Ok(default),
            Some(v) => {
                let n = number(v);
                if n.is_finite() && n >= 1.0 && n.fract() == 0.0 && n <= 100_000.0 {
                    Ok(n as usize)
                } else {
                    Err(self.type_error(&format!(
                        "parameter {} must be a whole number ≥ 1",
                        index + 1
                    )))
                }
            }
        }
    }

    /// A real parameter, `default` when omitted.
    pub fn real(&self, index: usize, default: f64) -> rquickjs::Result<f64> {
        match self.arg(index) {
            None => Ok(default),
            Some(v) => {
                let n = number(v);
                if n.is_finite() {
                    Ok(n)
                } else {
                    Err(self.type_error(&format!("parameter {} must be a number", index + 1)))
                }
            }
        }
    }

    /// An optional string parameter.
    pub fn text(&self, index: usize) -> Option<String> {
        self.arg(index)
            .and_then(|v| v.as_string())
            .and_then(|s| s.to_string().ok())
    }

    /// An options object parameter.
    pub fn options(&self, index: usize) -> Option<Object<'js>> {
        self.arg(index).and_then(|v| v.as_object()).cloned()
    }

    /// The raw argument.
    pub fn value(&self, index: usize) -> Option<&Value<'js>> {
        self.arg(index)
    }

    /// `compute`'s result for klines that are the engine's: a primitive result (a latest
    /// value, a pattern name) is cached per (close, helper, params) and shared by every trader
    /// on that close; an array or object is built afresh for each caller, who owns it.
    ///
    /// Measured on the engine benchmark: building a 500-element series costs about what one
    /// `Object.freeze` of it (QuickJS turns frozen arrays into property tables) or one
    /// `slice()` copy costs, and the indicator math itself is a small fraction of either; so
    /// sharing one frozen result (172 ms per round) or handing out copies of a cached one
    /// (200 ms) were both slower than building per call (108 ms).
    pub fn cached(
        &self,
        klines: &Klines,
        params: &[f64],
        compute: impl FnOnce() -> rquickjs::Result<Value<'js>>,
    ) -> rquickjs::Result<Value<'js>> {
        let Some(id) = klines.id else {
            return compute();
        };
        let key = (
            id,
            self.name,
            params.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
        );
        let hit = self.data.borrow().cached(&key);
        if let Some(hit) = hit {
            return hit.restore(&self.ctx);
        }
        let value = compute()?;
        if !value.is_object() {
            self.data
                .borrow_mut()
                .store(key, Persistent::save(&self.ctx, value.clone()));
        }
        Ok(value)
    }

    /// A series as a JS array (`null` where not computable). Element-by-element construction
    /// measured faster here than one `JSON.parse` of the series.
    pub fn series(&self, series: &Series) -> rquickjs::Result<Value<'js>> {
        let array = Array::new(self.ctx.clone())?;
        for (i, v) in series.iter().enumerate() {
            array.set(i, self.maybe(*v)?)?;
        }
        Ok(array.into_value())
    }

    /// Several named series as one object, e.g. `{macdLine, signalLine, histogram}`.
    pub fn named_series(&self, fields: &[(&str, &Series)]) -> rquickjs::Result<Value<'js>> {
        let built = fields
            .iter()
            .map(|(name, s)| Ok((*name, self.series(s)?)))
            .collect::<rquickjs::Result<Vec<_>>>()?;
        self.object(built)
    }

    /// A number or `null`.
    pub fn maybe(&self, value: Option<f64>) -> rquickjs::Result<Value<'js>> {
        Ok(match value {
            Some(v) => Value::new_number(self.ctx.clone(), v),
            None => Value::new_null(self.ctx.clone()),
        })
    }

    /// An object of named values.
    pub fn object(&self, fields: Vec<(&str, Value<'js>)>) -> rquickjs::Result<Value<'js>> {
        let object = Object::new(self.ctx.clone())?;
        for (name, value) in fields {
            object.set(name, value)?;
        }
        Ok(object.into_value())
    }

    pub fn null(&self) -> Value<'js> {
        Value::new_null(self.ctx.clone())
    }

    pub fn string(&self, text: &str) -> rquickjs::Result<Value<'js>> {
        Ok(rquickjs::String::from_str(self.ctx.clone(), text)?.into_value())
    }
}

/// Whether an array carrying a snapshot's id holds that snapshot's klines: same length, same
/// first and last kline. Snapshots are frozen, so this only fails for an array the filter made
/// and tagged itself; that one is read element by element like any other.
fn as_handed_out<'js>(copy: &Array<'js>, resident: &Array<'js>) -> rquickjs::Result<bool> {
    let n = copy.len();
    if n != resident.len() {
        return Ok(false);
    }
    if n == 0 {
        return Ok(true);
    }
    Ok(copy.get::<Value>(0)? == resident.get::<Value>(0)?
        && copy.get::<Value>(n - 1)? == resident.get::<Value>(n - 1)?)
}

/// A JS value as a number the way `parseFloat` reads Binance's decimal strings.
pub fn number(value: &Value<'_>) -> f64 {
    if let Some(n) = value.as_number() {
        return n;
    }
    if let Some(s) = value.as_string().and_then(|s| s.to_string().ok()) {
        return s.trim().parse::<f64>().unwrap_or(f64::NAN);
    }
    f64::NAN
}
