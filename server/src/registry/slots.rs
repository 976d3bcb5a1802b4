//! A registry's map of actors by code, the same for rooms and groups: each code's slot
//! is a [`OnceCell`], empty while its actor is being loaded, so that however many come
//! to it at the same moment, it is loaded once; an actor put away leaves its slot only
//! if the slot still holds that run of it.

use crate::actor::{Handle, Instance, Registration};
use dashmap::DashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// A code's place in the map: empty while its actor is being loaded.
type Slot<M> = Arc<OnceCell<Handle<M>>>;

/// Why one attempt at loading into a slot did not fill it.
enum Attempt<E> {
    /// The load failed.
    Failed(E),
    /// The slot left the map (an earlier load into it failed): look the code up again.
    Stale,
}

pub struct Slots<K, M> {
    map: Arc<DashMap<K, Slot<M>>>,
}

impl<K, M> Clone for Slots<K, M> {
    fn clone(&self) -> Self {
        Slots {
            map: self.map.clone(),
        }
    }
}

impl<K, M> Default for Slots<K, M>
where
    K: Eq + Hash,
{
    fn default() -> Self {
        Slots {
            map: Arc::new(DashMap::new()),
        }
    }
}

impl<K, M> Slots<K, M>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    M: Send + 'static,
{
    /// Actors in memory (and being loaded).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Whether the code has a slot (its actor is in memory, or being loaded).
    pub fn contains(&self, code: &K) -> bool {
        self.map.contains_key(code)
    }

    /// The slot for `code`, made empty if there is none.
    fn slot(&self, code: &K) -> Slot<M> {
        self.map.entry(code.clone()).or_default().value().clone()
    }

    /// The actor for `code`: the one in memory, or the one `load` starts, once however
    /// many ask at the same moment. A failed load leaves no slot behind.
    ///
    /// Those who waited on a load that failed find its slot gone from the map: each
    /// looks the code up again rather than load into a slot nobody else sees, which
    /// would start a second actor for the same code beside the next caller's.
    pub async fn find<E, F, Fut>(&self, code: &K, load: F) -> Result<Handle<M>, E>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Handle<M>, E>>,
    {
        loop {
            if let Some(handle) = self.map.get(code).and_then(|slot| slot.get().cloned()) {
                return Ok(handle);
            }
            let slot = self.slot(code);
            let in_map = || {
                self.map
                    .get(code)
                    .is_some_and(|held| Arc::ptr_eq(held.value(), &slot))
            };
            let attempt = slot
                .get_or_try_init(|| async {
                    if !in_map() {
                        return Err(Attempt::Stale);
                    }
                    load().await.map_err(Attempt::Failed)
                })
                .await
                .cloned();
            match attempt {
                Ok(handle) => return Ok(handle),
                Err(Attempt::Stale) => continue,
                Err(Attempt::Failed(error)) => {
                    self.map.remove_if(code, |_, held| {
                        Arc::ptr_eq(held, &slot) && !held.initialized()
                    });
                    return Err(error);
                }
            }
        }
    }

    /// Put a new actor, started by `start`, in the slot of a new code.
    pub async fn insert<F, Fut>(&self, code: &K, start: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Handle<M>>,
    {
        self.slot(code).get_or_init(start).await;
    }

    /// A new run of an actor, and how it takes itself out of the map: only if the map
    /// still holds that run.
    pub fn registration(&self, code: &K) -> Registration {
        let instance = Instance::next();
        let map = self.map.clone();
        let code = code.clone();
        Registration {
            instance,
            put_away: Box::new(move || {
                map.remove_if(&code, |_, slot| {
                    slot.get()
                        .is_some_and(|handle| handle.instance() == instance)
                })
                .is_some()
            }),
            fence: None,
        }
    }

    /// Take the actor `handle` reaches out of the map (it is deleted).
    pub fn remove(&self, code: &K, handle: &Handle<M>) {
        self.map.remove_if(code, |_, slot| {
            slot.get().is_some_and(|held| held.same_actor(handle))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::oneshot;

    type TestSlots = Slots<&'static str, ()>;

    fn handle() -> Handle<()> {
        Handle::open(1, Instance::next()).0
    }

    #[tokio::test]
    async fn a_caller_that_waited_on_a_failed_load_loads_into_the_map_not_beside_it() {
        let slots = TestSlots::default();
        let (fail, failed) = oneshot::channel::<()>();
        let failed = std::sync::Mutex::new(Some(failed));
        // The first load waits, then fails (a claim refused, say).
        let first = slots.find(&"r", || async {
            let wait = failed.lock().expect("gate").take();
            if let Some(wait) = wait {
                let _ = wait.await;
            }
            Err::<Handle<()>, &str>("refused")
        });
        // The second comes while it runs, and loads once it has failed.
        let second = slots.find(&"r", || async { Ok::<_, &str>(handle()) });
        let fail_now = async {
            tokio::task::yield_now().await;
            let _ = fail.send(());
        };
        let (first, second, ()) = tokio::join!(first, second, fail_now);
        assert_eq!(first.err(), Some("refused"));
        let second = second.expect("the second load");
        // Its actor is the one in the map: the next caller finds it, loads nothing.
        let third = slots
            .find(&"r", || async { Err::<Handle<()>, &str>("loaded again") })
            .await
            .expect("found in the map");
        assert!(third.same_actor(&second));
        assert_eq!(slots.len(), 1);
    }
}
