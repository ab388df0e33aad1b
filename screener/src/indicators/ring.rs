//! A fixed-size window of the most recent values, for incremental states that must see the
//! values leaving their window (SMA, WMA, Bollinger, windowed VWAP, volume profile).

/// The last `capacity` values pushed, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct Ring {
    values: Vec<f64>,
    /// Index of the oldest value once the ring is full; the next write position always.
    next: usize,
    capacity: usize,
}

impl Ring {
    /// An empty ring holding up to `capacity` (at least 1) values.
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            values: Vec::with_capacity(capacity),
            next: 0,
            capacity,
        }
    }

    /// Appends `value`, dropping the oldest value when the ring is full.
    pub(crate) fn push(&mut self, value: f64) {
        if self.values.len() < self.capacity {
            self.values.push(value);
        } else {
            self.values[self.next] = value;
        }
        self.next = (self.next + 1) % self.capacity;
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.values.len() == self.capacity
    }

    /// The oldest value held (the one the next push drops, when full).
    pub(crate) fn oldest(&self) -> f64 {
        if self.is_full() {
            self.values[self.next]
        } else {
            self.values.first().copied().unwrap_or(0.0)
        }
    }

    /// The values, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = f64> + Clone + '_ {
        let split = if self.is_full() { self.next } else { 0 };
        let (newer, older) = self.values.split_at(split);
        older.iter().chain(newer).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_values_oldest_first() {
        let mut r = Ring::new(3);
        assert_eq!(r.len(), 0);
        assert!(!r.is_full());
        r.push(1.0);
        r.push(2.0);
        assert_eq!(r.oldest(), 1.0);
        assert_eq!(r.iter().collect::<Vec<_>>(), [1.0, 2.0]);
        r.push(3.0);
        assert!(r.is_full());
        r.push(4.0);
        r.push(5.0);
        assert_eq!(r.len(), 3);
        assert_eq!(r.oldest(), 3.0);
        assert_eq!(r.iter().collect::<Vec<_>>(), [3.0, 4.0, 5.0]);
    }

    #[test]
    fn capacity_zero_behaves_as_one() {
        let mut r = Ring::new(0);
        r.push(1.0);
        r.push(2.0);
        assert_eq!(r.iter().collect::<Vec<_>>(), [2.0]);
        assert_eq!(r.oldest(), 2.0);
    }
}
