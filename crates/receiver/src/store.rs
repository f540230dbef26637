//! In-memory stand-ins for a receiver's database: what the background
//! workers write to and what `GET /<provider>/...` probes read back.
//!
//! [`DedupeStore`]: a production receiver keeps this in its database behind
//! a unique key; the point shown here is the same: the provider's own id
//! decides whether a delivery is new, so a retried or replayed delivery
//! changes nothing. [`ReadQueue`]: the API reads that deliveries asked for,
//! which a production receiver puts on a durable work queue.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;

/// Items keyed by the provider's id, each stored once.
#[derive(Debug)]
pub(crate) struct DedupeStore<T> {
    inner: Mutex<Inner<T>>,
}

#[derive(Debug)]
struct Inner<T> {
    items: HashMap<String, T>,
    // Arrival order, so probes and snapshots list ids deterministically.
    order: Vec<String>,
    duplicates_ignored: u64,
    // Deliveries seen per id, stored or not, so a probe can ask about one id.
    deliveries: HashMap<String, u64>,
}

/// What happened to an item handed to [`DedupeStore::record`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    New,
    Duplicate,
}

/// What a probe about one id sees: `{"id": ..., "stored": 1, "deliveries": 2}`.
/// `stored` counts copies kept (a correct receiver keeps one however often
/// the provider delivers).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ItemSummary {
    pub(crate) id: String,
    pub(crate) stored: u64,
    pub(crate) deliveries: u64,
}

/// What a probe sees: `{"count": N, "ids": [...], "duplicates_ignored": M}`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StoreSummary {
    pub(crate) count: usize,
    pub(crate) ids: Vec<String>,
    pub(crate) duplicates_ignored: u64,
}

impl<T> DedupeStore<T> {
    pub(crate) fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                items: HashMap::new(),
                order: Vec::new(),
                duplicates_ignored: 0,
                deliveries: HashMap::new(),
            }),
        }
    }

    /// Stores `item` under `id` unless that id is already stored.
    /// Check and insert happen under one lock, so two concurrent deliveries
    /// of the same id cannot both count as new.
    pub(crate) fn record(&self, id: String, item: T) -> Recorded {
        let mut inner = self.lock();
        *inner.deliveries.entry(id.clone()).or_insert(0) += 1;
        match inner.items.entry(id) {
            Entry::Occupied(_) => {
                inner.duplicates_ignored += 1;
                Recorded::Duplicate
            }
            Entry::Vacant(slot) => {
                let id = slot.key().clone();
                slot.insert(item);
                inner.order.push(id);
                Recorded::New
            }
        }
    }

    /// One id's story, if any delivery carried it.
    pub(crate) fn item_summary(&self, id: &str) -> Option<ItemSummary> {
        let inner = self.lock();
        let deliveries = *inner.deliveries.get(id)?;
        let stored = u64::from(inner.items.contains_key(id));
        Some(ItemSummary {
            id: id.to_owned(),
            stored,
            deliveries,
        })
    }

    pub(crate) fn summary(&self) -> StoreSummary {
        let inner = self.lock();
        StoreSummary {
            count: inner.order.len(),
            ids: inner.order.clone(),
            duplicates_ignored: inner.duplicates_ignored,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // Every update is a single insert plus counter bump, so a panic in
        // another holder cannot leave the data half-written: keep serving.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Reads still to be made against a provider's API, in the order they were
/// queued. Providers whose deliveries are only hints (unsigned, no data)
/// queue a read of the current state instead of trusting the body.
#[derive(Debug)]
pub(crate) struct ReadQueue<T> {
    reads: Mutex<Vec<T>>,
}

impl<T: Clone + PartialEq> ReadQueue<T> {
    pub(crate) fn new() -> Self {
        Self {
            reads: Mutex::new(Vec::new()),
        }
    }

    /// Queues `read` unless the same read is already waiting: one read
    /// returns the current state for everyone who asked. False when it was.
    pub(crate) fn push_unless_queued(&self, read: T) -> bool {
        let mut reads = self.lock();
        if reads.contains(&read) {
            return false;
        }
        reads.push(read);
        true
    }

    /// Queues every one of `reads`, repeats included.
    pub(crate) fn extend(&self, reads: impl IntoIterator<Item = T>) {
        self.lock().extend(reads);
    }

    /// Every read waiting, oldest first.
    pub(crate) fn queued(&self) -> Vec<T> {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<T>> {
        // Each update is one push or extend; a panicked holder cannot leave
        // the queue half-written, so keep serving.
        self.reads.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_stored_once_and_repeats_are_counted() {
        let store = DedupeStore::new();
        assert_eq!(store.record("a".into(), 1), Recorded::New);
        assert_eq!(store.record("b".into(), 2), Recorded::New);
        assert_eq!(store.record("a".into(), 3), Recorded::Duplicate);

        let summary = store.summary();
        assert_eq!(summary.count, 2);
        assert_eq!(summary.ids, ["a", "b"]);
        assert_eq!(summary.duplicates_ignored, 1);
    }

    #[test]
    fn a_read_is_queued_once_unless_extended() {
        let queue = ReadQueue::new();
        assert!(queue.push_unless_queued("a"));
        assert!(!queue.push_unless_queued("a"));
        queue.extend(["b", "a"]);
        assert_eq!(queue.queued(), ["a", "b", "a"]);
    }
}
