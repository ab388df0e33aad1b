//! A faithful fake of Binance's spot market data, for tests of the screener's live feed. It
//! follows `docs/binance-data.md` (the shared doc): REST `exchangeInfo`, `klines`,
//! `ticker/24hr`, `time` and `ping` with the documented window rules, weights, the
//! `X-MBX-USED-WEIGHT-1M` header, 429 with `Retry-After` and a 418 ban for clients that keep
//! going; and the combined stream endpoint `/stream?streams=…` sending
//! `{"stream":…,"data":{kline event}}` frames, pinging and dropping clients that do not pong,
//! refusing more than 1024 streams per connection, and answering SUBSCRIBE and friends.
//!
//! Time is simulated: the test moves the clock ([`FakeBinance::advance`]) and the fake pushes
//! the kline updates of that span at once, so hours of candles take milliseconds.
//!
//! ```no_run
//! use fake_binance::{data, FakeBinance, FakeConfig};
//! use screener::market::Interval;
//! let fake = FakeBinance::start(FakeConfig::fast());
//! let t0 = 1_800_000_000_000 - 1_800_000_000_000 % 60_000;
//! fake.load("BTCUSDT", Interval::M1, data::synthetic(Interval::M1, t0, 500, 100.0, 1));
//! fake.set_now(t0 + 300 * 60_000);
//! // … point a client at fake.rest_url() and fake.ws_url() …
//! fake.advance(Interval::M1, 3); // three more candles close, pushed to subscribers
//! ```
//!
//! The server runs on `127.0.0.1:<random port>` in its own thread and tokio runtime, so it
//! works from plain `#[test]`s and from `#[tokio::test]`s alike; it stops when dropped.
//!
//! [`agent`] is the agent test fixture built on it, shared by the screener's agent tests and
//! the desktop's link and end-to-end tests.
//!
//! Modules: [`config`] limits and timings; [`market`] symbols, candles and the clock;
//! [`data`] recorded and synthetic candles; [`klines`] the window rule and kline arrays;
//! `bodies`/`endpoints`/`rest` the REST side; `limiter` weight, 429 and 418; [`faults`]
//! injected failures; [`log`] the request log; `clock` the updates a clock step produces;
//! `hub`/`stream`/`socket`/[`frames`] the WebSocket side.

pub mod agent;
mod bodies;
mod clock;
pub mod config;
pub mod data;
mod endpoints;
pub mod faults;
pub mod frames;
mod hub;
pub mod klines;
mod limiter;
pub mod log;
pub mod market;
mod rest;
mod server;
mod socket;
mod stream;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use screener::market::{Candle, Interval};

pub use config::FakeConfig;
pub use faults::{Endpoint, Fault, On};
pub use hub::{ConnectionInfo, Ending};
pub use log::RecordedRequest;
pub use market::{default_symbols, SymbolSpec};
pub use rest::USED_WEIGHT_HEADER;
pub use server::StartError;

use server::{lock, Running, Shared};

/// A running fake. Dropping it stops the server and every connection.
pub struct FakeBinance {
    shared: Arc<Shared>,
    running: Running,
}

/// The simulated clock's start when a test does not set it: 2027-01-15 00:00 UTC, on every
/// interval's grid up to a day.
pub const DEFAULT_NOW: i64 = 1_800_000_000_000 - 1_800_000_000_000 % 86_400_000;

impl FakeBinance {
    /// Starts a fake listing [`default_symbols`], with no candles yet.
    ///
    /// # Panics
    /// If no loopback port or thread can be had; a test cannot go on without its server.
    pub fn start(config: FakeConfig) -> FakeBinance {
        match Self::try_start(config, default_symbols()) {
            Ok(fake) => fake,
            Err(e) => panic!("fake Binance: {e}"),
        }
    }

    /// Starts a fake listing `symbols`.
    pub fn try_start(
        config: FakeConfig,
        symbols: Vec<SymbolSpec>,
    ) -> Result<FakeBinance, StartError> {
        let shared = Arc::new(Shared {
            config,
            market: Mutex::new(market::Market::new(symbols, DEFAULT_NOW)),
            hub: Mutex::default(),
            limiter: Mutex::default(),
            faults: Mutex::default(),
            log: Mutex::default(),
        });
        let running = server::start(Arc::clone(&shared))?;
        Ok(FakeBinance { shared, running })
    }

    /// `http://127.0.0.1:PORT`: the REST base (the client appends `/api/v3/…`).
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// `ws://127.0.0.1:PORT`: the stream base (the client appends `/stream?streams=…`).
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.running.addr)
    }

    pub fn config(&self) -> &FakeConfig {
        &self.shared.config
    }

    // ----- market and clock -------------------------------------------------------------

    /// Lists (or replaces) a symbol.
    pub fn add_symbol(&self, spec: SymbolSpec) {
        lock(&self.shared.market)
            .symbols
            .insert(spec.symbol.clone(), spec);
    }

    /// Sets the candles of (`symbol`, `interval`), which must be sorted by open time. The
    /// symbol is listed as a TRADING pair if it is not yet (quote taken as `USDT`).
    pub fn load(&self, symbol: &str, interval: Interval, candles: Vec<Candle>) {
        let mut market = lock(&self.shared.market);
        if !market.symbols.contains_key(symbol) {
            let base = symbol.strip_suffix("USDT").unwrap_or(symbol);
            market
                .symbols
                .insert(symbol.to_owned(), SymbolSpec::trading(base, "USDT"));
        }
        market.series.insert((symbol.to_owned(), interval), candles);
    }

    /// The simulated time, epoch ms.
    pub fn now(&self) -> i64 {
        lock(&self.shared.market).now
    }

    /// Moves the clock to `now` without pushing anything (as if nobody were listening).
    pub fn set_now(&self, now: i64) {
        lock(&self.shared.market).now = now;
    }

    /// Moves the clock to `to`, pushing every kline update of the span to subscribers.
    pub fn advance_to(&self, to: i64) {
        let mut market = lock(&self.shared.market);
        let updates = clock::updates(&market, to, self.shared.config.updates_per_candle);
        if to > market.now {
            market.now = to;
        }
        lock(&self.shared.hub).push(updates);
    }

    /// Moves the clock to the end of the `count`-th `interval` bucket from now, so `count`
    /// more candles of that interval close (the current one first).
    pub fn advance(&self, interval: Interval, count: u32) {
        let now = self.now();
        let to = interval.bucket_start(now) + i64::from(count) * interval.duration_ms();
        self.advance_to(to.max(now));
    }

    /// Moves the clock forward by `span`.
    pub fn advance_by(&self, span: Duration) {
        let now = self.now();
        self.advance_to(now + i64::try_from(span.as_millis()).unwrap_or(0));
    }

    /// The candles of (`symbol`, `interval`) closed at the current time: the truth a client's
    /// view must match.
    pub fn closed(&self, symbol: &str, interval: Interval) -> Vec<Candle> {
        lock(&self.shared.market).closed(symbol, interval).to_vec()
    }

    // ----- streams ------------------------------------------------------------------------

    /// The open stream connections.
    pub fn connections(&self) -> Vec<ConnectionInfo> {
        lock(&self.shared.hub).snapshot()
    }

    /// Stream connections accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        lock(&self.shared.hub).accepted
    }

    /// How the ended connections ended, by connection id.
    pub fn endings(&self) -> Vec<(u64, Ending)> {
        lock(&self.shared.hub).endings.clone()
    }

    /// Drops every open connection at once (no close frame), forcing clients to reconnect.
    pub fn kill_connections(&self) {
        lock(&self.shared.hub).kill_all();
    }

    /// Makes the stream endpoint refuse (503) or accept new connections; refusing also drops
    /// every open one. Updates pushed meanwhile reach nobody, so clients must repair the gap.
    pub fn set_streams_available(&self, available: bool) {
        let mut hub = lock(&self.shared.hub);
        hub.available = available;
        if !available {
            hub.kill_all();
        }
    }

    /// Swallows the next `count` closing updates (connections stay up), as if frames were lost.
    pub fn drop_next_closes(&self, count: u32) {
        lock(&self.shared.hub).drop_closes += count;
    }

    /// Sends the `serverShutdown` announcement on every connection.
    pub fn announce_shutdown(&self) {
        let now = self.now();
        lock(&self.shared.hub).broadcast(&frames::server_shutdown(now));
    }

    /// Sends `text` as a text frame on every connection.
    pub fn send_raw(&self, text: &str) {
        lock(&self.shared.hub).broadcast(text);
    }

    // ----- REST faults and log --------------------------------------------------------------

    /// Arms `fault` for the next `times` requests matching `on`.
    pub fn inject(&self, fault: Fault, on: impl Into<On>, times: u32) {
        lock(&self.shared.faults).arm(fault, on.into(), times);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Every REST request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// The REST requests to `endpoint`.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.endpoint == Some(endpoint))
            .collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// The weight used in the current window.
    pub fn used_weight(&self) -> u32 {
        lock(&self.shared.limiter).used()
    }
}
