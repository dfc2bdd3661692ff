//! The cutting-stock instance in capacity units, and the pack compositions
//! that the master LP (`simplex`) and its pricing (`pricing`) exchange.

/// A pack composition: how many sequences of each row one pack holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Composition {
    /// Sorted by row; every `copies` ≥ 1.
    pub slots: Vec<Slot>,
}

/// Copies of one row in a composition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Slot {
    pub row: usize,
    pub copies: u32,
}

impl Composition {
    /// `Σ duals[row] × copies`.
    pub(super) fn value(&self, duals: &[f64]) -> f64 {
        self.slots
            .iter()
            .map(|slot| duals.get(slot.row).copied().unwrap_or(0.0) * f64::from(slot.copies))
            .sum()
    }
}

/// A cutting-stock instance in capacity units.
#[derive(Debug, Clone)]
pub(super) struct Problem {
    /// Units of one sequence of each row (0 only when `cap` is set).
    pub sizes: Vec<u32>,
    /// Sequences of each row to cover (all ≥ 1).
    pub demands: Vec<u64>,
    /// Units of one pack; every size is at most this.
    pub capacity: u32,
    /// Most sequences per pack, only when that limit can bind.
    pub cap: Option<u32>,
}

impl Problem {
    /// `cap` when it can bind on rows of `sizes` in packs of `capacity`
    /// units: with free rows (size 0), or when fewer sequences than the
    /// smallest size allows fit in a pack; `None` otherwise.
    pub(super) fn binding_cap(sizes: &[u32], capacity: u32, cap: Option<u32>) -> Option<u32> {
        cap.filter(|&cap| match sizes.iter().min() {
            Some(&0) => true,
            Some(&smallest) => cap < capacity / smallest,
            None => false,
        })
    }

    /// The homogeneous composition of `row`: as many copies as fit, the cap
    /// and the demand allow (≥ 1).
    pub(super) fn homogeneous(&self, row: usize) -> Composition {
        let size = self.sizes.get(row).copied().unwrap_or(0);
        let demand = self.demands.get(row).copied().unwrap_or(1);
        // Size 0 (free, with a cap): any number fits.
        let room = self.capacity.checked_div(size).map_or(u64::MAX, u64::from);
        let copies = room
            .min(self.cap.map_or(u64::MAX, u64::from))
            .min(demand)
            .clamp(1, u64::from(u32::MAX));
        Composition {
            slots: vec![Slot {
                row,
                copies: copies as u32,
            }],
        }
    }

    /// Whether `composition` fits one pack and asks no row for more than
    /// its demand.
    pub(super) fn admits(&self, composition: &Composition) -> bool {
        let mut units: u64 = 0;
        let mut sequences: u64 = 0;
        for slot in &composition.slots {
            let (Some(&size), Some(&demand)) =
                (self.sizes.get(slot.row), self.demands.get(slot.row))
            else {
                return false;
            };
            if slot.copies == 0 || u64::from(slot.copies) > demand {
                return false;
            }
            units += u64::from(size) * u64::from(slot.copies);
            sequences += u64::from(slot.copies);
        }
        !composition.slots.is_empty()
            && units <= u64::from(self.capacity)
            && self.cap.is_none_or(|cap| sequences <= u64::from(cap))
    }
}
