//! Pricing: the pack composition whose column most improves the master LP.
//!
//! With duals `y` (one per row, a row being a length or a bucket of
//! lengths), a composition `a` has reduced cost `1 − y·a`. The most negative
//! one is the best filling of one pack:
//!
//! ```text
//!     maximise Σ y_r a_r   subject to   Σ size_r a_r ≤ capacity,
//!                                       Σ a_r ≤ max_per_pack,
//!                                       0 ≤ a_r ≤ demand_r, integer,
//! ```
//!
//! a bounded knapsack with a cardinality cap, solved exactly by dynamic
//! programming over capacity (and over the number of items when the cap
//! binds). A row whose demand cannot bind (at least as many sequences as
//! fit in a pack) is an *unbounded* item, handled by the classic
//! forward-pass recurrence; a row with fewer sequences is split into 0/1
//! items of 1, 2, 4, … copies (binary splitting), which reach every count
//! up to the demand and nothing beyond.
//!
//! Which item improved which cell is recorded, and the optimal composition
//! is rebuilt by walking the items backwards. The cost is
//! O(items × capacity × (cap + 1)) per call.

use super::problem::{Composition, Slot};

/// One item of the knapsack: `copies` sequences of a row taken together.
#[derive(Debug, Clone, Copy)]
struct Item {
    row: usize,
    /// Sequences of the row this item stands for (1 for unbounded items).
    copies: u32,
    /// Capacity units of all its copies (≤ capacity).
    size: usize,
    /// Dual value of all its copies (> 0).
    value: f64,
    /// True when the item may be taken any number of times.
    unbounded: bool,
}

/// The pricing oracle of one master problem, with scratch space reused
/// across calls.
pub(super) struct Pricer {
    /// Units of one pack.
    capacity: usize,
    /// Most items per pack when that limit binds; `None` otherwise.
    cap: Option<u32>,
    /// Units of one sequence of each row (0 only when `cap` is set).
    sizes: Vec<u32>,
    items: Vec<Item>,
    /// `best[layer × (capacity + 1) + units]`: the best value of at most
    /// `layer` items (one layer without a cap) in at most `units` units.
    best: Vec<f64>,
    /// `took[(item × layers + layer) × (capacity + 1) + units]`: whether
    /// that item improved that cell when it was processed.
    took: Vec<bool>,
}

impl Pricer {
    /// A pricer for rows of `sizes` units in packs of `capacity` units
    /// holding at most `cap` items (`None`: no limit). Rows of size 0 are
    /// only meaningful with a cap and are ignored without one.
    pub(super) fn new(sizes: &[u32], capacity: u32, cap: Option<u32>) -> Self {
        Pricer {
            capacity: capacity as usize,
            cap,
            sizes: sizes.to_vec(),
            items: Vec::new(),
            best: Vec::new(),
            took: Vec::new(),
        }
    }

    /// Layers of the programme: one per item count `0..=cap` with a cap,
    /// a single one without.
    fn layers(&self) -> usize {
        self.cap.map_or(1, |cap| cap as usize + 1)
    }

    /// The composition with the largest dual value `Σ duals[r] a_r` (rows
    /// with a non-positive dual never help and are left out), then up to
    /// `extra` more: for the rows whose best composition is worth most,
    /// the best composition holding that row, if worth more than 1 (it
    /// prices out). `demands` bounds the copies of each row. Empty when no
    /// row has a positive dual.
    pub(super) fn best_compositions(
        &mut self,
        duals: &[f64],
        demands: &[u64],
        extra: usize,
    ) -> Vec<Composition> {
        self.prepare_items(duals, demands);
        if self.items.is_empty() {
            return Vec::new();
        }
        let width = self.capacity + 1;
        let layers = self.layers();
        self.best.clear();
        self.best.resize(layers * width, 0.0);
        self.took.clear();
        self.took.resize(self.items.len() * layers * width, false);
        match self.cap {
            None => self.run_uncapped(),
            Some(cap) => self.run_capped(cap as usize),
        }
        let top = layers - 1;
        let mut compositions = vec![self.rebuild_from(top, self.capacity)];
        if extra == 0 {
            return compositions;
        }
        // One more copy of `row` on top of the best filling of what is left.
        let below = if self.cap.is_some() {
            top.saturating_sub(1)
        } else {
            0
        };
        // (value, row, units left for the rest), one per row with an item.
        let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
        let mut seen_row = None;
        for item in &self.items {
            if seen_row == Some(item.row) {
                continue;
            }
            seen_row = Some(item.row);
            let size = self.sizes.get(item.row).copied().unwrap_or(0) as usize;
            let Some(room) = self.capacity.checked_sub(size) else {
                continue;
            };
            let value = duals.get(item.row).copied().unwrap_or(0.0)
                + self.best.get(below * width + room).copied().unwrap_or(0.0);
            if value > 1.0 {
                candidates.push((value, item.row, room));
            }
        }
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
        for &(_, row, room) in candidates.iter().take(extra) {
            let mut composition = self.rebuild_from(below, room);
            match composition.slots.iter_mut().find(|slot| slot.row == row) {
                Some(slot) => slot.copies += 1,
                None => {
                    composition.slots.push(Slot { row, copies: 1 });
                    composition.slots.sort_unstable();
                }
            }
            let within_demand = composition.slots.iter().all(|slot| {
                demands
                    .get(slot.row)
                    .is_some_and(|&demand| u64::from(slot.copies) <= demand)
            });
            if within_demand && !compositions.contains(&composition) {
                compositions.push(composition);
            }
        }
        compositions
    }

    /// Turns rows into knapsack items; see the module documentation.
    fn prepare_items(&mut self, duals: &[f64], demands: &[u64]) {
        self.items.clear();
        let cap = self.cap.map_or(u64::MAX, u64::from);
        for (row, ((&size, &dual), &demand)) in
            self.sizes.iter().zip(duals).zip(demands).enumerate()
        {
            let size = size as usize;
            let usable = dual > 0.0 && demand > 0 && size <= self.capacity;
            // Without a cap a free item would be worth taking infinitely often.
            if !usable || (size == 0 && self.cap.is_none()) {
                continue;
            }
            // Size 0 (free, with a cap): any number fits.
            let room = self
                .capacity
                .checked_div(size)
                .map_or(u64::MAX, |room| room as u64);
            let most_that_fit = room.min(cap);
            if most_that_fit == 0 {
                continue;
            }
            if demand >= most_that_fit {
                self.items.push(Item {
                    row,
                    copies: 1,
                    size,
                    value: dual,
                    unbounded: true,
                });
                continue;
            }
            // demand < most_that_fit ≤ capacity or cap: the copies fit in u32
            // and every chunk in the capacity.
            let mut left = demand;
            let mut chunk: u64 = 1;
            while left > 0 {
                let copies = chunk.min(left);
                left -= copies;
                chunk = chunk.saturating_mul(2);
                self.items.push(Item {
                    row,
                    copies: copies as u32,
                    size: size * copies as usize,
                    value: dual * copies as f64,
                    unbounded: false,
                });
            }
        }
    }

    /// The programme over capacity alone: `best[u]` is the best value in at
    /// most `u` units.
    fn run_uncapped(&mut self) {
        let width = self.capacity + 1;
        let best = &mut self.best[..width];
        for (item, took) in self.items.iter().zip(self.took.chunks_exact_mut(width)) {
            let size = item.size;
            if item.unbounded {
                // Forward: a cell may build on a cell this item already improved.
                for units in size..width {
                    let candidate = best[units - size] + item.value;
                    if candidate > best[units] {
                        best[units] = candidate;
                        took[units] = true;
                    }
                }
            } else {
                // Backward: every cell builds on cells without this item.
                for units in (size..width).rev() {
                    let candidate = best[units - size] + item.value;
                    if candidate > best[units] {
                        best[units] = candidate;
                        took[units] = true;
                    }
                }
            }
        }
    }

    /// The programme over item count and capacity: layer `c` holds the best
    /// value of at most `c` items. Each layer reads a lower one, so the
    /// inner loop has no dependency between cells.
    fn run_capped(&mut self, cap: usize) {
        let width = self.capacity + 1;
        let layers = cap + 1;
        for (index, item) in self.items.iter().enumerate() {
            let item_took = &mut self.took[index * layers * width..(index + 1) * layers * width];
            if item.unbounded {
                // Ascending: layer c reads layer c − 1 after this item
                // improved it, so the item may repeat.
                for layer in 1..=cap {
                    relax_layer(&mut self.best, item_took, width, layer, item);
                }
            } else {
                // Descending: layer c reads layer c − copies before this
                // item touched it, so the chunk is taken at most once.
                for layer in (item.copies as usize..=cap).rev() {
                    relax_layer(&mut self.best, item_took, width, layer, item);
                }
            }
        }
    }

    /// Walks the items backwards from cell (`layer`, `units`) to rebuild
    /// the composition whose value the cell holds.
    fn rebuild_from(&self, mut layer: usize, mut units: usize) -> Composition {
        let width = self.capacity + 1;
        let layers = self.layers();
        let mut counts: Vec<(usize, u32)> = Vec::new();
        for (index, item) in self.items.iter().enumerate().rev() {
            loop {
                let cell = (index * layers + layer) * width + units;
                if !self.took.get(cell).copied().unwrap_or(false) {
                    break;
                }
                // A set flag means the item fitted there: these cannot fail.
                let (Some(next_units), Some(next_layer)) = (
                    units.checked_sub(item.size),
                    if self.cap.is_some() {
                        layer.checked_sub(item.copies as usize)
                    } else {
                        Some(0)
                    },
                ) else {
                    break;
                };
                counts.push((item.row, item.copies));
                units = next_units;
                layer = next_layer;
                // Unbounded items have size ≥ 1 without a cap, so either
                // the units or the layer shrink and the walk ends.
                if !item.unbounded || (self.cap.is_some() && layer == 0) {
                    break;
                }
            }
        }
        counts.sort_unstable();
        let mut slots: Vec<Slot> = Vec::with_capacity(counts.len());
        for (row, copies) in counts {
            match slots.last_mut() {
                Some(last) if last.row == row => last.copies = last.copies.saturating_add(copies),
                _ => slots.push(Slot { row, copies }),
            }
        }
        Composition { slots }
    }
}

/// Offers `item` to every cell of `layer` (≥ `item.copies`), reading the
/// layer `item.copies` below.
fn relax_layer(best: &mut [f64], took: &mut [bool], width: usize, layer: usize, item: &Item) {
    let below = layer - item.copies as usize;
    let (lower, upper) = best.split_at_mut(layer * width);
    let source = &lower[below * width..(below + 1) * width];
    let target = &mut upper[..width];
    let took = &mut took[layer * width..(layer + 1) * width];
    let cells = source[..width - item.size]
        .iter()
        .zip(&mut target[item.size..])
        .zip(&mut took[item.size..]);
    // Branch-free, so that the loop vectorises: every cell of a layer is
    // offered the item once, and its flag starts false.
    for ((&from, to), flag) in cells {
        let candidate = from + item.value;
        let better = candidate > *to;
        *to = if better { candidate } else { *to };
        *flag = better;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every composition by brute force: the best dual value.
    fn brute_force(
        sizes: &[u32],
        capacity: u32,
        cap: Option<u32>,
        duals: &[f64],
        demands: &[u64],
    ) -> f64 {
        fn search(
            row: usize,
            room: u32,
            items_left: u32,
            sizes: &[u32],
            duals: &[f64],
            demands: &[u64],
        ) -> f64 {
            if row == sizes.len() {
                return 0.0;
            }
            let mut best = search(row + 1, room, items_left, sizes, duals, demands);
            let mut copies = 1u32;
            while u64::from(copies) <= demands[row]
                && copies <= items_left
                && sizes[row] * copies <= room
            {
                let value = duals[row].max(0.0) * f64::from(copies)
                    + search(
                        row + 1,
                        room - sizes[row] * copies,
                        items_left - copies,
                        sizes,
                        duals,
                        demands,
                    );
                best = best.max(value);
                copies += 1;
                if copies > 64 {
                    break;
                }
            }
            best
        }
        search(0, capacity, cap.unwrap_or(u32::MAX), sizes, duals, demands)
    }

    fn value(composition: &Composition, duals: &[f64]) -> f64 {
        composition
            .slots
            .iter()
            .map(|slot| duals[slot.row] * f64::from(slot.copies))
            .sum()
    }

    fn check(sizes: &[u32], capacity: u32, cap: Option<u32>, duals: &[f64], demands: &[u64]) {
        let mut pricer = Pricer::new(sizes, capacity, cap);
        let compositions = pricer.best_compositions(duals, demands, 3);
        for extra in &compositions {
            let used: u32 = extra
                .slots
                .iter()
                .map(|slot| sizes[slot.row] * slot.copies)
                .sum();
            let count: u32 = extra.slots.iter().map(|slot| slot.copies).sum();
            assert!(
                used <= capacity && cap.is_none_or(|cap| count <= cap),
                "{extra:?}"
            );
        }
        let composition = compositions
            .into_iter()
            .next()
            .unwrap_or(Composition { slots: Vec::new() });
        let used: u32 = composition
            .slots
            .iter()
            .map(|slot| sizes[slot.row] * slot.copies)
            .sum();
        assert!(used <= capacity, "{composition:?} overfills {capacity}");
        let count: u32 = composition.slots.iter().map(|slot| slot.copies).sum();
        assert!(cap.is_none_or(|cap| count <= cap));
        for slot in &composition.slots {
            assert!(u64::from(slot.copies) <= demands[slot.row]);
        }
        let expected = brute_force(sizes, capacity, cap, duals, demands);
        assert!(
            (value(&composition, duals) - expected).abs() < 1e-12,
            "{sizes:?} {capacity} {cap:?} {duals:?} {demands:?}: {composition:?} vs {expected}"
        );
    }

    #[test]
    fn matches_brute_force_on_small_cases() {
        let sizes = [3, 4, 5, 7];
        let duals = [0.31, 0.4, 0.55, 0.71];
        for capacity in 1..=20 {
            for cap in [None, Some(1), Some(2), Some(3)] {
                check(&sizes, capacity, cap, &duals, &[9, 9, 9, 9]);
                check(&sizes, capacity, cap, &duals, &[1, 2, 1, 3]);
                check(&sizes, capacity, cap, &duals, &[5, 0, 2, 1]);
            }
        }
    }

    #[test]
    fn free_items_count_against_the_cap() {
        // Size-0 rows exist only in the relaxed bound with a cap.
        check(&[0, 2], 4, Some(3), &[0.2, 0.5], &[10, 10]);
        check(&[0, 2], 4, Some(2), &[0.6, 0.5], &[1, 10]);
    }

    #[test]
    fn negative_duals_are_never_taken() {
        let mut pricer = Pricer::new(&[1, 2], 4, None);
        let composition = &pricer.best_compositions(&[-1.0, 0.5], &[5, 5], 0)[0];
        assert_eq!(composition.slots, vec![Slot { row: 1, copies: 2 }]);
    }
}
