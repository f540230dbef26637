//! Latency percentiles in bounded memory: a log-linear histogram (the HDR
//! idea) with a fixed number of buckets, so a burst of a million deliveries
//! costs the same memory as a burst of ten and no latency is kept on its own.

use std::time::Duration;

/// Values below this many microseconds get a bucket each (exact).
const EXACT_BELOW: u64 = 256;
/// Buckets per power of two above [`EXACT_BELOW`]: the width of a bucket is
/// at most 1/128 of its lowest value, so a reported value is within 0.8%.
const BUCKETS_PER_OCTAVE: u64 = 128;
/// log2 of [`EXACT_BELOW`]: the first octave that is split into buckets.
const FIRST_SPLIT_OCTAVE: u32 = 8;
/// Octaves 8..=63 of a u64, each split into [`BUCKETS_PER_OCTAVE`].
const BUCKET_COUNT: usize =
    EXACT_BELOW as usize + (64 - FIRST_SPLIT_OCTAVE as usize) * BUCKETS_PER_OCTAVE as usize;

/// The largest relative error of a reported percentile: it is never below
/// the exact one and at most this fraction above it.
pub const RELATIVE_ERROR: f64 = 1.0 / BUCKETS_PER_OCTAVE as f64;

/// Counts of latencies (in microseconds) by log-linear bucket.
#[derive(Debug, Clone)]
pub struct LatencyHistogram {
    counts: Box<[u64]>,
    total: u64,
    max_micros: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    pub fn new() -> Self {
        Self {
            counts: vec![0; BUCKET_COUNT].into_boxed_slice(),
            total: 0,
            max_micros: 0,
        }
    }

    pub fn record(&mut self, latency: Duration) {
        self.record_micros(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
    }

    pub fn record_micros(&mut self, micros: u64) {
        self.counts[bucket_of(micros)] += 1;
        self.total += 1;
        self.max_micros = self.max_micros.max(micros);
    }

    /// Add every latency `other` recorded, as if recorded here.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
        self.total += other.total;
        self.max_micros = self.max_micros.max(other.max_micros);
    }

    /// How many latencies were recorded.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The largest latency recorded, exactly.
    pub fn max(&self) -> Duration {
        Duration::from_micros(self.max_micros)
    }

    /// The `quantile` (0 < q ≤ 1) latency: the smallest recorded value with
    /// at least `ceil(q × count)` values at or below it, rounded up to the
    /// top of its bucket (never above the maximum). Zero when empty.
    pub fn percentile(&self, quantile: f64) -> Duration {
        Duration::from_micros(self.percentile_micros(quantile))
    }

    pub fn percentile_micros(&self, quantile: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return highest_in_bucket(bucket).min(self.max_micros);
            }
        }
        self.max_micros
    }

    /// Bytes this histogram holds, on the stack and the heap: the same for
    /// any number of recorded values.
    pub fn footprint(&self) -> usize {
        std::mem::size_of::<Self>() + std::mem::size_of_val(&*self.counts)
    }
}

fn bucket_of(micros: u64) -> usize {
    if micros < EXACT_BELOW {
        return micros as usize;
    }
    let octave = 63 - micros.leading_zeros();
    let shift = octave - (FIRST_SPLIT_OCTAVE - 1);
    // `micros >> shift` lies in [BUCKETS_PER_OCTAVE, 2 × BUCKETS_PER_OCTAVE).
    let within = (micros >> shift) - BUCKETS_PER_OCTAVE;
    EXACT_BELOW as usize
        + (octave - FIRST_SPLIT_OCTAVE) as usize * BUCKETS_PER_OCTAVE as usize
        + within as usize
}

/// The largest value that falls in `bucket`.
fn highest_in_bucket(bucket: usize) -> u64 {
    let bucket = bucket as u64;
    if bucket < EXACT_BELOW {
        return bucket;
    }
    let split = bucket - EXACT_BELOW;
    let octave = FIRST_SPLIT_OCTAVE as u64 + split / BUCKETS_PER_OCTAVE;
    let within = split % BUCKETS_PER_OCTAVE;
    let shift = octave - (FIRST_SPLIT_OCTAVE as u64 - 1);
    let lowest = (BUCKETS_PER_OCTAVE + within) << shift;
    lowest + ((1u64 << shift) - 1)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn exact_percentile(sorted: &[u64], quantile: f64) -> u64 {
        let rank = ((quantile * sorted.len() as f64).ceil() as usize).max(1);
        sorted[rank - 1]
    }

    #[test]
    fn small_values_are_exact() {
        let mut histogram = LatencyHistogram::new();
        for micros in 1..=100 {
            histogram.record_micros(micros);
        }
        assert_eq!(histogram.percentile_micros(0.5), 50);
        assert_eq!(histogram.percentile_micros(0.99), 99);
        assert_eq!(histogram.percentile_micros(1.0), 100);
        assert_eq!(histogram.max(), Duration::from_micros(100));
    }

    #[test]
    fn empty_histogram_reports_zero() {
        let histogram = LatencyHistogram::new();
        assert_eq!(histogram.percentile(0.99), Duration::ZERO);
        assert_eq!(histogram.count(), 0);
    }

    #[test]
    fn the_largest_u64_has_a_bucket() {
        let mut histogram = LatencyHistogram::new();
        histogram.record_micros(u64::MAX);
        assert_eq!(histogram.percentile_micros(1.0), u64::MAX);
        assert_eq!(highest_in_bucket(BUCKET_COUNT - 1), u64::MAX);
    }

    #[test]
    fn buckets_are_contiguous() {
        for bucket in 1..BUCKET_COUNT {
            let lowest = highest_in_bucket(bucket - 1) + 1;
            assert_eq!(
                bucket_of(lowest),
                bucket,
                "bucket {bucket} starts at {lowest}"
            );
            assert_eq!(bucket_of(highest_in_bucket(bucket)), bucket);
        }
    }

    proptest! {
        #[test]
        fn percentiles_are_within_the_relative_error(
            values in prop::collection::vec(
                prop_oneof![0u64..1_000, 0u64..100_000_000, any::<u64>()],
                1..2_000,
            ),
            quantile in prop_oneof![Just(0.5), Just(0.9), Just(0.99), Just(1.0), 0.001f64..1.0],
        ) {
            let mut histogram = LatencyHistogram::new();
            for value in &values {
                histogram.record_micros(*value);
            }
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let exact = exact_percentile(&sorted, quantile);
            let reported = histogram.percentile_micros(quantile);
            prop_assert!(reported >= exact, "reported {reported} below exact {exact}");
            let allowed = (exact as f64 * RELATIVE_ERROR).floor() as u64;
            prop_assert!(
                reported - exact <= allowed,
                "reported {reported}, exact {exact}, allowed error {allowed}"
            );
            prop_assert_eq!(histogram.max(), Duration::from_micros(sorted[sorted.len() - 1]));
        }

        #[test]
        fn merging_is_recording_in_one(
            first in prop::collection::vec(0u64..100_000_000, 0..500),
            second in prop::collection::vec(0u64..100_000_000, 0..500),
        ) {
            let mut one = LatencyHistogram::new();
            let mut a = LatencyHistogram::new();
            let mut b = LatencyHistogram::new();
            for value in &first {
                one.record_micros(*value);
                a.record_micros(*value);
            }
            for value in &second {
                one.record_micros(*value);
                b.record_micros(*value);
            }
            a.merge(&b);
            prop_assert_eq!(a.count(), one.count());
            prop_assert_eq!(a.max(), one.max());
            for quantile in [0.5, 0.9, 0.99, 1.0] {
                prop_assert_eq!(a.percentile_micros(quantile), one.percentile_micros(quantile));
            }
        }

        #[test]
        fn memory_does_not_grow_with_the_count(
            values in prop::collection::vec(any::<u64>(), 0..5_000),
        ) {
            let mut histogram = LatencyHistogram::new();
            let before = histogram.footprint();
            for value in &values {
                histogram.record_micros(*value);
            }
            prop_assert_eq!(histogram.footprint(), before);
            prop_assert_eq!(histogram.count(), values.len() as u64);
        }
    }
}
