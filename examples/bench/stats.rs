//! Latency histogram and number formatting.

/// A log-linear histogram of microseconds: exact below 128 µs, then 64
/// buckets per power of two (under 1.6 % error).
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

const SUB: u32 = 64;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; (SUB as usize) * 2 * 40],
            total: 0,
        }
    }
}

impl Histogram {
    fn index(us: u64) -> usize {
        if us < 2 * SUB as u64 {
            return us as usize;
        }
        let e = 63 - us.leading_zeros(); // >= 7
        let shift = e - SUB.trailing_zeros();
        let mantissa = (us >> shift) as usize; // SUB..2*SUB
        (shift as usize + 1) * SUB as usize + (mantissa - SUB as usize)
    }

    fn value(index: usize) -> u64 {
        let sub = SUB as usize;
        if index < 2 * sub {
            return index as u64;
        }
        let shift = index / sub - 1;
        let mantissa = (index % sub + sub) as u64;
        // The middle of the bucket.
        (mantissa << shift) + (1u64 << shift) / 2
    }

    pub fn record(&mut self, us: u64) {
        let i = Self::index(us).min(self.counts.len() - 1);
        self.counts[i] += 1;
        self.total += 1;
    }

    /// The `q` quantile (0..1) in µs.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.total == 0 {
            return None;
        }
        let target = ((self.total as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= target {
                return Some(Self::value(i));
            }
        }
        None
    }
}

/// A latency in µs, readably.
pub fn latency(us: Option<u64>) -> String {
    match us {
        None => "–".into(),
        Some(us) if us < 1_000 => format!("{us} µs"),
        Some(us) if us < 10_000 => format!("{:.2} ms", us as f64 / 1e3),
        Some(us) if us < 1_000_000 => format!("{:.1} ms", us as f64 / 1e3),
        Some(us) => format!("{:.2} s", us as f64 / 1e6),
    }
}

/// A count with thousands separators.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_round_trip() {
        for v in [0, 1, 127, 128, 129, 1000, 12345, 1 << 20, 5_000_000] {
            let back = Histogram::value(Histogram::index(v));
            let err = (back as f64 - v as f64).abs() / (v.max(1) as f64);
            assert!(err < 0.02, "{v} -> {back}");
        }
    }
}
