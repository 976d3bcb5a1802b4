//! A token bucket: up to `capacity` at once, refilled continuously at a steady rate.
//!
//! Every rate limit of the server is one: frames per connection, refused frames before a
//! connection counts as abusive, failed entries and created sessions per address. Time (server
//! milliseconds, from the configured clock) is passed in, so the bucket is a plain value that tests drive without sleeping.

use shared::Millis;

#[derive(Clone, Debug)]
pub struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Millis,
}

impl TokenBucket {
    /// A full bucket of `capacity` tokens, refilled at `per_second`.
    pub fn new(capacity: u32, per_second: f64, now: Millis) -> Self {
        let capacity = f64::from(capacity.max(1));
        TokenBucket {
            capacity,
            per_second,
            tokens: capacity,
            last: now,
        }
    }

    fn refill(&mut self, now: Millis) {
        let elapsed = now.saturating_sub(self.last) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = self.last.max(now);
    }

    /// Take a token if there is one.
    pub fn try_take(&mut self, now: Millis) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether a token is there to take, without taking it.
    pub fn has_token(&mut self, now: Millis) -> bool {
        self.refill(now);
        self.tokens >= 1.0
    }

    /// Take a token even if the bucket is empty (it then owes it, down to one
    /// bucketful): for costs known only after the fact, such as a failed attempt.
    pub fn charge(&mut self, now: Millis) {
        self.refill(now);
        self.tokens = (self.tokens - 1.0).max(-self.capacity);
    }

    /// Full again: nothing to remember about whoever used it.
    pub fn is_full(&mut self, now: Millis) -> bool {
        self.refill(now);
        self.tokens >= self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_gives_its_burst_then_its_rate() {
        let t0: Millis = 1_000_000;
        let mut bucket = TokenBucket::new(3, 2.0, t0);
        assert!((0..3).all(|_| bucket.try_take(t0)));
        assert!(!bucket.try_take(t0));
        // Half a second buys one token at 2 per second.
        let t1 = t0 + 500;
        assert!(bucket.try_take(t1));
        assert!(!bucket.try_take(t1));
        // Never more than the capacity, however long the wait.
        let t2 = t1 + 3_600_000;
        assert!(bucket.is_full(t2));
        assert!((0..3).all(|_| bucket.try_take(t2)));
        assert!(!bucket.has_token(t2));
    }

    #[test]
    fn charges_go_into_debt_but_not_forever() {
        let t0: Millis = 1_000_000;
        let mut bucket = TokenBucket::new(2, 1.0, t0);
        for _ in 0..10 {
            bucket.charge(t0);
        }
        // Two taken and two owed at most: three seconds to get one token back.
        assert!(!bucket.has_token(t0 + 2_900));
        assert!(bucket.has_token(t0 + 3_100));
    }
}
