//! The traders the engine runs, by id and version: added, updated (only by a newer version,
//! so a stale copy never overwrites a newer one), removed, and enabled or paused, while the
//! engine runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::trader::Trader;

/// Why a registry change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "trader {id} is at version {current}; version {offered} is older (changed elsewhere?)"
    )]
    StaleVersion {
        id: String,
        current: u64,
        offered: u64,
    },
    #[error("trader {0} is not loaded")]
    Unknown(String),
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Updated,
    /// The same version was offered again: nothing changed.
    Unchanged,
}

/// The loaded traders.
#[derive(Debug, Default)]
pub struct Registry {
    traders: BTreeMap<String, Arc<Trader>>,
}

impl Registry {
    /// Adds a trader or replaces it with a newer version.
    pub fn upsert(&mut self, trader: Trader) -> Result<Change, RegistryError> {
        match self.traders.get(&trader.id) {
            Some(current) if current.version > trader.version => Err(RegistryError::StaleVersion {
                id: trader.id.clone(),
                current: current.version,
                offered: trader.version,
            }),
            Some(current) if current.version == trader.version => Ok(Change::Unchanged),
            existing => {
                let change = if existing.is_some() {
                    Change::Updated
                } else {
                    Change::Added
                };
                self.traders.insert(trader.id.clone(), Arc::new(trader));
                Ok(change)
            }
        }
    }

    /// Removes a trader.
    pub fn remove(&mut self, id: &str) -> Result<Arc<Trader>, RegistryError> {
        self.traders
            .remove(id)
            .ok_or_else(|| RegistryError::Unknown(id.to_owned()))
    }

    /// Enables or pauses one trader (a paused trader is kept but not evaluated).
    pub fn set_enabled(&mut self, id: &str, enabled: bool) -> Result<(), RegistryError> {
        let trader = self
            .traders
            .get_mut(id)
            .ok_or_else(|| RegistryError::Unknown(id.to_owned()))?;
        Arc::make_mut(trader).enabled = enabled;
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Trader>> {
        self.traders.get(id)
    }

    /// Every loaded trader, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Trader>> {
        self.traders.values()
    }

    pub fn len(&self) -> usize {
        self.traders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.traders.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trader(id: &str, version: u64) -> Trader {
        let json = format!(
            r#"{{"id": "{id}", "name": "n", "version": {version},
                "filter": {{"code": "return true;", "refreshInterval": "5m"}}}}"#
        );
        Trader::from_json(&json).unwrap()
    }

    #[test]
    fn versions_only_move_forward() {
        let mut r = Registry::default();
        assert_eq!(r.upsert(trader("a", 2)), Ok(Change::Added));
        assert_eq!(r.upsert(trader("a", 2)), Ok(Change::Unchanged));
        assert_eq!(
            r.upsert(trader("a", 1)),
            Err(RegistryError::StaleVersion {
                id: "a".into(),
                current: 2,
                offered: 1
            })
        );
        assert_eq!(r.upsert(trader("a", 3)), Ok(Change::Updated));
        assert_eq!(r.get("a").unwrap().version, 3);
    }

    #[test]
    fn remove_and_pause() {
        let mut r = Registry::default();
        r.upsert(trader("a", 1)).unwrap();
        r.set_enabled("a", false).unwrap();
        assert!(!r.get("a").unwrap().enabled);
        assert!(r.remove("a").is_ok());
        assert_eq!(r.remove("a"), Err(RegistryError::Unknown("a".into())));
        assert!(r.set_enabled("a", true).is_err());
        assert!(r.is_empty());
    }
}
