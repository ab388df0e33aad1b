//! The open WebSocket connections and what reaches them: each connection registers its
//! streams and an outbox; clock updates go to the connections subscribed to their stream
//! (closing updates can be dropped on purpose), and tests can kill every connection, refuse
//! new ones, announce a server shutdown or send raw text.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use crate::clock::Update;

/// What a connection task is told to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outgoing {
    /// Send this text frame.
    Text(String),
    /// Drop the connection at once, without a close frame.
    Kill,
}

/// Why the server ended a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The client closed it or went away.
    ClientGone,
    /// A test killed it.
    Killed,
    /// No pong echoed a ping within the pong timeout.
    NoPong,
    /// More incoming messages per second than allowed.
    TooManyMessages,
    /// It reached the maximum connection age.
    Expired,
}

/// A connection as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    pub id: u64,
    /// Subscribed stream names, sorted.
    pub streams: Vec<String>,
    pub opened_at: Instant,
}

#[derive(Debug)]
struct Connection {
    streams: BTreeSet<String>,
    outbox: UnboundedSender<Outgoing>,
    opened_at: Instant,
}

#[derive(Debug)]
pub(crate) struct Hub {
    connections: BTreeMap<u64, Connection>,
    next_id: u64,
    /// Connections ever accepted.
    pub accepted: u64,
    /// Whether new connections are accepted.
    pub available: bool,
    /// Closing updates still to be swallowed.
    pub drop_closes: u32,
    /// Closing updates swallowed so far.
    pub dropped: u64,
    /// How every ended connection ended, by id.
    pub endings: Vec<(u64, Ending)>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            connections: BTreeMap::new(),
            next_id: 1,
            accepted: 0,
            available: true,
            drop_closes: 0,
            dropped: 0,
            endings: Vec::new(),
        }
    }
}

impl Hub {
    /// Registers a connection and returns its id.
    pub fn open(&mut self, streams: &[String], outbox: UnboundedSender<Outgoing>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.accepted += 1;
        self.connections.insert(
            id,
            Connection {
                streams: streams.iter().cloned().collect(),
                outbox,
                opened_at: Instant::now(),
            },
        );
        id
    }

    pub fn close(&mut self, id: u64, ending: Ending) {
        self.connections.remove(&id);
        self.endings.push((id, ending));
    }

    /// The streams of connection `id` (empty if it is gone).
    pub fn streams(&self, id: u64) -> BTreeSet<String> {
        self.connections
            .get(&id)
            .map(|c| c.streams.clone())
            .unwrap_or_default()
    }

    /// Adds streams to a connection; `Err(total)` if that would exceed `max`.
    pub fn subscribe(&mut self, id: u64, streams: &[String], max: usize) -> Result<(), usize> {
        let Some(connection) = self.connections.get_mut(&id) else {
            return Ok(());
        };
        let mut next = connection.streams.clone();
        next.extend(streams.iter().cloned());
        if next.len() > max {
            return Err(next.len());
        }
        connection.streams = next;
        Ok(())
    }

    pub fn unsubscribe(&mut self, id: u64, streams: &[String]) {
        if let Some(connection) = self.connections.get_mut(&id) {
            for stream in streams {
                connection.streams.remove(stream);
            }
        }
    }

    /// Pushes clock updates to their subscribers, swallowing closing updates while
    /// `drop_closes` lasts.
    pub fn push(&mut self, updates: Vec<Update>) {
        for update in updates {
            if update.closed && self.drop_closes > 0 {
                self.drop_closes -= 1;
                self.dropped += 1;
                continue;
            }
            for connection in self.connections.values() {
                if connection.streams.contains(&update.stream) {
                    let _ = connection.outbox.send(Outgoing::Text(update.text.clone()));
                }
            }
        }
    }

    /// Sends `text` on every connection.
    pub fn broadcast(&self, text: &str) {
        for connection in self.connections.values() {
            let _ = connection.outbox.send(Outgoing::Text(text.to_owned()));
        }
    }

    /// Drops every connection.
    pub fn kill_all(&mut self) {
        for (_, connection) in std::mem::take(&mut self.connections) {
            let _ = connection.outbox.send(Outgoing::Kill);
        }
    }

    pub fn snapshot(&self) -> Vec<ConnectionInfo> {
        self.connections
            .iter()
            .map(|(id, c)| ConnectionInfo {
                id: *id,
                streams: c.streams.iter().cloned().collect(),
                opened_at: c.opened_at,
            })
            .collect()
    }
}
