//! The master LP of the cutting-stock problem, solved by column generation
//! (Gilmore and Gomory, 1961) with a small revised simplex.
//!
//! The master problem over a pool of pack compositions `a_p`:
//!
//! ```text
//!     minimise Σ_p x_p   subject to   Σ_p a_p x_p − s = b,   x ≥ 0, s ≥ 0,
//! ```
//!
//! one row per length (or bucket), one surplus variable `s_r` per row.
//!
//! **Basis.** The inverse is kept as an explicit dense matrix (rows ≤ 513
//! by construction), updated after each pivot by a rank-one (product-form)
//! update that only touches the non-zero rows of the entering direction
//! and non-zero columns of the pivot row (the inverse of a cutting-stock
//! basis is a few percent dense on real data). A periodic check of the
//! residuals `b − B x` and `c_B − y B` triggers a rebuild by Gauss–Jordan
//! elimination when they drift.
//!
//! **Degeneracy.** Cutting-stock LPs are highly degenerate. The right-hand
//! side is raised by a tiny distinct amount per row (a bounded
//! perturbation, which keeps every basic solution feasible for the true
//! demands since it only covers more), and the ratio test is Harris's
//! two-pass test, which among nearly tied rows picks the largest pivot.
//! Should the basis still become singular or infeasible, the solver
//! returns to the starting basis (one homogeneous composition per row),
//! keeping the column pool.
//!
//! **Pricing.** Columns come from the pool first (starting columns from the
//! seed plan, and every column generated so far); only when none prices
//! out does the knapsack programme of [`super::pricing`] run, adding its
//! best composition and many more. Among the pool's columns the entering
//! one is chosen by Devex pricing (Forrest and Goldfarb's approximation of
//! steepest edge): the largest `d_j² / w_j`, where the reference weight
//! `w_j` estimates how long column `j`'s edge is. Choosing the most
//! negative reduced cost instead (Dantzig's rule) needs about half as many
//! pivots again on large capped histograms.
//!
//! **Bounds and stopping.** Each exact pricing yields Farley's bound: with
//! `y ≥ 0` and `V` the largest `y·a` over all compositions, `y / V` is dual
//! feasible, so `b·y / V` is a lower bound on the LP optimum. Two dual
//! points give bounds for free: `y_r = size_r / capacity` (volume) and
//! `y_r = 1 / cap`. The master objective, or a known plan's packs, bounds
//! the optimum from above; once both round up to the same number of packs
//! the integer bound is proven and the solver may stop.

use std::collections::HashMap;

use super::pricing::Pricer;
use super::problem::{Composition, Problem};

/// Reduced costs above `−OPTIMALITY_TOLERANCE` count as non-negative.
const OPTIMALITY_TOLERANCE: f64 = 1e-9;

/// The smallest entry of the entering direction usable as a pivot.
const PIVOT_TOLERANCE: f64 = 1e-9;

/// How far below zero Harris's ratio test lets a basic value go (on the
/// scaled right-hand side, whose largest entry is 1).
const HARRIS_TOLERANCE: f64 = 1e-11;

/// Scale of the right-hand-side perturbation (scaled units); each row gets
/// between one and two times this.
const PERTURBATION: f64 = 1e-9;

/// Entries of a new pivot row below this are set to zero, so that
/// rounding noise does not fill in the sparse inverse. (Entries are
/// ratios of small composition counts, of order 1.)
const DROP_TOLERANCE: f64 = 1e-14;

/// The rank-one update skips zeros of the pivot row when fewer than one
/// in this many of its entries are non-zero; otherwise a dense loop, which
/// vectorises, is faster.
const SPARSE_UPDATE_RATIO: usize = 4;

/// Residuals above this trigger a refactorisation.
const DRIFT_TOLERANCE: f64 = 1e-9;

/// Pivots between two accuracy checks.
const CHECK_INTERVAL: usize = 40;

/// Gauss–Jordan pivots below this mean the basis is singular.
const SINGULAR_TOLERANCE: f64 = 1e-11;

/// A basic value below this after a refactorisation means the basis lost
/// feasibility.
const INFEASIBILITY_TOLERANCE: f64 = 1e-8;

/// Returns to the starting basis allowed before the solver gives up and
/// reports what it has.
const MAX_RESETS: usize = 3;

/// Pivots allowed per row before column generation gives up and reports
/// the bounds it has (still valid, possibly weaker): a guard against
/// cycling, far above what converging needs. Uncapped LPs need 2 to 6 per
/// row; 16M-sequence histograms at 3 or 4 per pack need 4 to 11.
const ITERATIONS_PER_ROW: usize = 50;

/// Under [`StopRule::Optimal`], pivots per row (and 100 more) after which
/// a settled bound is enough: full convergence can take long on LPs where
/// the bound is settled early (by Farley's bound, or by the simple bounds
/// at large max_len).
const OPTIMAL_PATIENCE_PER_ROW: usize = 8;

/// Under [`StopRule::Rounding`], the pivots per row allowed. On the
/// long-context preset (max_len 32768, buckets of 64 tokens) at 6 to 16
/// per pack, the optimal packer's plans are 10 to 14 packs above the bound
/// in under a second; solving the plan's LP to the end, 11 packs in 2.5 to
/// 6 s.
const ROUNDING_PIVOTS_PER_ROW: usize = 12;

/// Compositions each exact pricing adds to the pool beyond the best: the
/// best composition holding each of the most valuable rows. The pool's
/// cheap pricing then uses them before the next exact pricing. Many are
/// worth it: on 16M-sequence histograms at 3 per pack, 64 halve the
/// pivots that 4 need, and the pricing programme costs little next to a
/// pivot.
const EXTRA_COLUMNS_PER_PRICING: usize = 64;

/// Devex reference weights are reset to 1 when the entering column's
/// weight grows past this (they only ever grow between resets).
const DEVEX_RESET: f64 = 1e6;

/// Relative tolerance when rounding an LP value up to whole packs.
const ROUNDING_TOLERANCE: f64 = 1e-9;

/// The smallest whole number of packs at least `value`, forgiving
/// floating-point noise just above an integer.
pub(super) fn whole_packs_at_least(value: f64) -> f64 {
    (value - ROUNDING_TOLERANCE * value.abs().max(1.0))
        .ceil()
        .max(0.0)
}

/// When column generation may stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StopRule {
    /// At the LP optimum (no column prices out), or, after
    /// [`OPTIMAL_PATIENCE_PER_ROW`] pivots per row, as soon as the rounded
    /// bound is proven.
    Optimal,
    /// As soon as the LP optimum rounded up to whole packs is certain:
    /// Farley's bound and the master objective round up to the same number.
    RoundedBoundProven,
    /// As [`StopRule::RoundedBoundProven`], or after
    /// [`ROUNDING_PIVOTS_PER_ROW`] pivots per row: for the plan's LPs on
    /// buckets (the first and the residuals), whose solutions are only
    /// rounded, and where the last pivots
    /// before convergence change the plan little and can cost most of the
    /// time.
    Rounding,
}

/// What column generation found.
#[derive(Debug, Clone)]
pub(super) struct LpSolution {
    /// The compositions of the last basis with positive use, and their use.
    pub columns: Vec<(Composition, f64)>,
    /// `Σ x`: packs of the fractional solution, an upper bound on the LP optimum.
    pub primal_value: f64,
    /// The best Farley bound, a lower bound on the LP optimum.
    pub dual_bound: f64,
    /// True when no column prices out: `primal_value` is the LP optimum.
    pub converged: bool,
    /// Simplex pivots.
    pub iterations: usize,
    /// Every composition the master held, for warm starts.
    pub pool: Vec<Composition>,
}

/// What is known of the best plan's packs before the LP is solved.
#[derive(Debug, Clone, Copy)]
pub(super) struct KnownPacks {
    /// Packs of a known plan (or infinity): the LP optimum is at most this,
    /// which can prove the rounded bound early.
    pub plan: f64,
    /// A lower bound proven without this LP (or 0). Once the LP's own upper
    /// bound rounds up to no more than this, the LP cannot improve on it,
    /// and solving further is wasted.
    pub floor: f64,
}

impl KnownPacks {
    /// Nothing known.
    pub(super) const NOTHING: KnownPacks = KnownPacks {
        plan: f64::INFINITY,
        floor: 0.0,
    };
}

/// Solves the master LP of `problem` by column generation, starting from
/// one homogeneous composition per row plus the admissible compositions
/// of `start`.
pub(super) fn solve(
    problem: &Problem,
    start: &[Composition],
    stop: StopRule,
    known: KnownPacks,
) -> LpSolution {
    if problem.demands.is_empty() {
        return LpSolution {
            columns: Vec::new(),
            primal_value: 0.0,
            dual_bound: 0.0,
            converged: true,
            iterations: 0,
            pool: Vec::new(),
        };
    }
    let mut master = Master::new(problem);
    for composition in start {
        if problem.admits(composition) {
            master.add_to_pool(composition.clone());
        }
    }
    master.run(stop, known)
}

/// A variable of the master LP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variable {
    /// Pool column `index` (cost 1).
    Composition(usize),
    /// The surplus of a row: column `−e_row` (cost 0).
    Surplus(usize),
}

/// Why a pivot could not be made.
#[derive(Debug)]
struct NoPivot;

struct Master<'a> {
    problem: &'a Problem,
    rows: usize,
    /// The largest demand: the right-hand side is divided by it.
    scale: f64,
    /// Scaled demands (for Farley's bound).
    demands: Vec<f64>,
    /// Scaled demands plus the perturbation (the simplex works on these).
    rhs: Vec<f64>,
    /// Columns known to the master; `pool[r]` is row r's homogeneous
    /// composition.
    pool: Vec<Composition>,
    /// Where each composition sits in `pool`.
    pool_index: HashMap<Composition, usize>,
    /// `composition_basic[j]`: pool column `j` is basic.
    composition_basic: Vec<bool>,
    /// `surplus_basic[r]`: row `r`'s surplus is basic.
    surplus_basic: Vec<bool>,
    /// The basic variable of each basis position.
    basis: Vec<Variable>,
    /// `inverse[i × rows + j]`: the basis inverse, row `i` belonging to
    /// basis position `i`.
    inverse: Vec<f64>,
    /// Values of the basic variables (scaled).
    values: Vec<f64>,
    /// Simplex multipliers `y = c_B B⁻¹`.
    duals: Vec<f64>,
    /// Scratch: the entering column's entries.
    entries: Vec<(usize, f64)>,
    /// Scratch: the entering column in basis coordinates.
    direction: Vec<f64>,
    /// Scratch: the new pivot row of the inverse.
    pivot_row: Vec<f64>,
    /// Scratch: the columns where `pivot_row` is not zero.
    pivot_columns: Vec<usize>,
    /// Returns to the starting basis so far.
    resets: usize,
    /// Devex reference weights of the pool's columns.
    composition_weights: Vec<f64>,
    /// Devex reference weights of the surplus variables.
    surplus_weights: Vec<f64>,
}

impl<'a> Master<'a> {
    fn new(problem: &'a Problem) -> Self {
        let rows = problem.demands.len();
        let scale = problem.demands.iter().copied().max().unwrap_or(1).max(1) as f64;
        let demands: Vec<f64> = problem.demands.iter().map(|&d| d as f64 / scale).collect();
        // Distinct, deterministic amounts (the golden-ratio sequence) so that
        // no two rows tie.
        let rhs = demands
            .iter()
            .enumerate()
            .map(|(row, &demand)| {
                let spread = ((row as f64 + 1.0) * 0.618_033_988_749_894_9).fract();
                demand + PERTURBATION * (1.0 + spread)
            })
            .collect();
        let mut master = Master {
            problem,
            rows,
            scale,
            demands,
            rhs,
            pool: Vec::new(),
            pool_index: HashMap::new(),
            composition_basic: Vec::new(),
            surplus_basic: vec![false; rows],
            basis: Vec::new(),
            inverse: Vec::new(),
            values: Vec::new(),
            duals: Vec::new(),
            entries: Vec::new(),
            direction: vec![0.0; rows],
            pivot_row: vec![0.0; rows],
            pivot_columns: Vec::with_capacity(rows),
            resets: 0,
            composition_weights: Vec::new(),
            surplus_weights: vec![1.0; rows],
        };
        for row in 0..rows {
            let composition = problem.homogeneous(row);
            master.add_to_pool(composition);
        }
        master.start_from_homogeneous_basis();
        master
    }

    /// Adds `composition` to the pool unless it is there; returns its index.
    fn add_to_pool(&mut self, composition: Composition) -> usize {
        if let Some(&index) = self.pool_index.get(&composition) {
            return index;
        }
        let index = self.pool.len();
        self.pool_index.insert(composition.clone(), index);
        self.pool.push(composition);
        self.composition_basic.push(false);
        self.composition_weights.push(1.0);
        index
    }

    /// The basis of homogeneous compositions: diagonal, feasible, and always
    /// available to fall back on.
    fn start_from_homogeneous_basis(&mut self) {
        let rows = self.rows;
        self.composition_basic
            .iter_mut()
            .for_each(|basic| *basic = false);
        self.surplus_basic
            .iter_mut()
            .for_each(|basic| *basic = false);
        self.basis = (0..rows).map(Variable::Composition).collect();
        self.inverse = vec![0.0; rows * rows];
        self.values = vec![0.0; rows];
        self.duals = vec![0.0; rows];
        for row in 0..rows {
            // Pool column `row` is that row's homogeneous composition.
            let copies = self.pool[row].slots.first().map_or(1, |slot| slot.copies);
            let copies = f64::from(copies.max(1));
            self.composition_basic[row] = true;
            self.inverse[row * rows + row] = 1.0 / copies;
            self.values[row] = self.rhs[row] / copies;
            self.duals[row] = 1.0 / copies;
        }
    }

    fn cost(variable: Variable) -> f64 {
        match variable {
            Variable::Composition(_) => 1.0,
            Variable::Surplus(_) => 0.0,
        }
    }

    fn set_basic(&mut self, variable: Variable, basic: bool) {
        let flag = match variable {
            Variable::Composition(index) => self.composition_basic.get_mut(index),
            Variable::Surplus(row) => self.surplus_basic.get_mut(row),
        };
        if let Some(flag) = flag {
            *flag = basic;
        }
    }

    /// Calls `visit(row, coefficient)` for every non-zero of the column.
    fn for_each_entry(&self, variable: Variable, mut visit: impl FnMut(usize, f64)) {
        match variable {
            Variable::Composition(index) => {
                for slot in &self.pool[index].slots {
                    visit(slot.row, f64::from(slot.copies));
                }
            }
            Variable::Surplus(row) => visit(row, -1.0),
        }
    }

    /// `y·a` of a variable's column.
    fn column_value(&self, variable: Variable, duals: &[f64]) -> f64 {
        let mut total = 0.0;
        self.for_each_entry(variable, |row, coefficient| {
            total += coefficient * duals[row];
        });
        total
    }

    /// The non-basic variable that enters next: among those with a
    /// negative reduced cost `d` (surplus variables and the pool), the
    /// largest `d² / w` (Devex); `None` when none prices out.
    fn price_pool(&self) -> Option<Variable> {
        let mut best: Option<(f64, Variable)> = None;
        let mut offer = |reduced_cost: f64, weight: f64, variable: Variable| {
            if reduced_cost >= -OPTIMALITY_TOLERANCE {
                return;
            }
            let score = reduced_cost * reduced_cost / weight;
            if best.is_none_or(|(best_score, _)| score > best_score) {
                best = Some((score, variable));
            }
        };
        let surplus = self.duals.iter().zip(&self.surplus_basic);
        for (row, ((&dual, &basic), &weight)) in surplus.zip(&self.surplus_weights).enumerate() {
            // Reduced cost of a surplus variable: 0 − y·(−e_row).
            if !basic {
                offer(dual, weight, Variable::Surplus(row));
            }
        }
        let pool = self.pool.iter().zip(&self.composition_basic);
        for (index, ((composition, &basic), &weight)) in
            pool.zip(&self.composition_weights).enumerate()
        {
            if !basic {
                let reduced_cost = 1.0 - composition.value(&self.duals);
                offer(reduced_cost, weight, Variable::Composition(index));
            }
        }
        best.map(|(_, variable)| variable)
    }

    /// Devex's update after a pivot on `pivot` (the entering column's
    /// entry in the leaving row), with the inverse's new pivot row in
    /// `pivot_row`: each non-basic weight grows to cover its column's
    /// step along the entering edge, `(α_rj / α_rq)² w_q`, and the leaving
    /// variable takes `w_q / α_rq²`.
    fn update_weights(&mut self, entering: Variable, leaving: Variable, pivot: f64) {
        let entering_weight = self.weight(entering);
        if entering_weight > DEVEX_RESET {
            self.composition_weights.fill(1.0);
            self.surplus_weights.fill(1.0);
        } else {
            // `pivot_row · a_j` is α_rj / α_rq.
            for (index, composition) in self.pool.iter().enumerate() {
                if self.composition_basic[index] || Variable::Composition(index) == entering {
                    continue;
                }
                let ratio: f64 = composition
                    .slots
                    .iter()
                    .map(|slot| f64::from(slot.copies) * self.pivot_row[slot.row])
                    .sum();
                let weight = &mut self.composition_weights[index];
                *weight = weight.max(ratio * ratio * entering_weight);
            }
            for (row, weight) in self.surplus_weights.iter_mut().enumerate() {
                if !self.surplus_basic[row] && Variable::Surplus(row) != entering {
                    let ratio = self.pivot_row[row];
                    *weight = weight.max(ratio * ratio * entering_weight);
                }
            }
        }
        let leaving_weight = (self.weight(entering) / (pivot * pivot)).max(1.0);
        match leaving {
            Variable::Composition(index) => self.composition_weights[index] = leaving_weight,
            Variable::Surplus(row) => self.surplus_weights[row] = leaving_weight,
        }
    }

    /// The Devex reference weight of `variable`.
    fn weight(&self, variable: Variable) -> f64 {
        match variable {
            Variable::Composition(index) => self.composition_weights[index],
            Variable::Surplus(row) => self.surplus_weights[row],
        }
    }

    /// `direction = B⁻¹ a` for the column of `variable`.
    fn compute_direction(&mut self, variable: Variable) {
        let rows = self.rows;
        let mut entries = std::mem::take(&mut self.entries);
        entries.clear();
        self.for_each_entry(variable, |row, coefficient| {
            entries.push((row, coefficient))
        });
        for (entry, inverse_row) in self
            .direction
            .iter_mut()
            .zip(self.inverse.chunks_exact(rows))
        {
            *entry = entries
                .iter()
                .map(|&(row, coefficient)| coefficient * inverse_row[row])
                .sum();
        }
        self.entries = entries;
    }

    /// Harris's two-pass ratio test on `direction`: the leaving basis
    /// position, the step and the pivot element; `None` when no position
    /// blocks (the column is an unbounded direction, numerically).
    fn ratio_test(&self) -> Option<(usize, f64, f64)> {
        // Pass 1: the longest step that keeps every basic value above
        // −HARRIS_TOLERANCE.
        let mut longest_step = f64::INFINITY;
        for (&value, &entry) in self.values.iter().zip(&self.direction) {
            if entry > PIVOT_TOLERANCE {
                longest_step = longest_step.min((value + HARRIS_TOLERANCE) / entry);
            }
        }
        if !longest_step.is_finite() {
            return None;
        }
        // Pass 2: among the rows that block within that step, the largest
        // pivot, for numerical stability.
        let mut leaving = None;
        let mut largest_pivot = 0.0;
        for (position, (&value, &entry)) in self.values.iter().zip(&self.direction).enumerate() {
            if entry > PIVOT_TOLERANCE && value / entry <= longest_step && entry > largest_pivot {
                largest_pivot = entry;
                leaving = Some(position);
            }
        }
        let leaving = leaving?;
        let step = (self.values[leaving] / largest_pivot).max(0.0);
        Some((leaving, step, largest_pivot))
    }

    /// One simplex pivot bringing `entering` into the basis.
    fn pivot(&mut self, entering: Variable) -> Result<(), NoPivot> {
        self.compute_direction(entering);
        let (leaving, step, largest_pivot) = self.ratio_test().ok_or(NoPivot)?;
        for (value, &entry) in self.values.iter_mut().zip(&self.direction) {
            *value -= step * entry;
        }
        self.values[leaving] = step;

        let reduced_cost = Self::cost(entering) - self.column_value(entering, &self.duals);
        let rows = self.rows;
        let start = leaving * rows;
        // The inverse of a cutting-stock basis is sparse (a few percent of
        // its entries on real data): the rank-one update only touches the
        // cells in a non-zero row of `direction` and a non-zero column of
        // the pivot row.
        self.pivot_columns.clear();
        for (column, (new, &old)) in self
            .pivot_row
            .iter_mut()
            .zip(&self.inverse[start..start + rows])
            .enumerate()
        {
            *new = old / largest_pivot;
            if new.abs() < DROP_TOLERANCE {
                *new = 0.0;
            } else {
                self.pivot_columns.push(column);
            }
        }
        self.update_weights(entering, self.basis[leaving], largest_pivot);
        let sparse = self.pivot_columns.len() * SPARSE_UPDATE_RATIO < rows;
        for (position, (inverse_row, &entry)) in self
            .inverse
            .chunks_exact_mut(rows)
            .zip(&self.direction)
            .enumerate()
        {
            if position == leaving {
                inverse_row.copy_from_slice(&self.pivot_row);
            } else if entry == 0.0 {
                continue;
            } else if sparse {
                for &column in &self.pivot_columns {
                    inverse_row[column] -= entry * self.pivot_row[column];
                }
            } else {
                for (cell, &pivot_cell) in inverse_row.iter_mut().zip(&self.pivot_row) {
                    *cell -= entry * pivot_cell;
                }
            }
        }
        for &column in &self.pivot_columns {
            self.duals[column] += reduced_cost * self.pivot_row[column];
        }
        self.set_basic(self.basis[leaving], false);
        self.set_basic(entering, true);
        self.basis[leaving] = entering;
        Ok(())
    }

    /// The largest primal (`rhs − B x`) or dual (`c_B − y B`) residual.
    fn drift(&self) -> f64 {
        let mut covered = vec![0.0; self.rows];
        let mut worst: f64 = 0.0;
        for (&variable, &value) in self.basis.iter().zip(&self.values) {
            self.for_each_entry(variable, |row, coefficient| {
                covered[row] += coefficient * value;
            });
            let dual_residual = Self::cost(variable) - self.column_value(variable, &self.duals);
            worst = worst.max(dual_residual.abs());
        }
        for (&wanted, &got) in self.rhs.iter().zip(&covered) {
            worst = worst.max((wanted - got).abs());
        }
        worst
    }

    /// Rebuilds the inverse, values and duals from the basis by Gauss–Jordan
    /// elimination with partial pivoting; falls back to the starting basis
    /// if the basis is singular or no longer feasible.
    fn refactor(&mut self) {
        let rows = self.rows;
        let mut matrix = vec![0.0; rows * rows];
        for (position, &variable) in self.basis.iter().enumerate() {
            self.for_each_entry(variable, |row, coefficient| {
                matrix[row * rows + position] = coefficient;
            });
        }
        let mut inverse = vec![0.0; rows * rows];
        for row in 0..rows {
            inverse[row * rows + row] = 1.0;
        }
        if !gauss_jordan(&mut matrix, &mut inverse, rows) {
            self.fall_back();
            return;
        }
        self.inverse = inverse;
        for (value, inverse_row) in self.values.iter_mut().zip(self.inverse.chunks_exact(rows)) {
            *value = inverse_row.iter().zip(&self.rhs).map(|(a, b)| a * b).sum();
        }
        if self
            .values
            .iter()
            .any(|&value| value < -INFEASIBILITY_TOLERANCE)
        {
            self.fall_back();
            return;
        }
        self.duals.iter_mut().for_each(|dual| *dual = 0.0);
        for (&variable, inverse_row) in self.basis.iter().zip(self.inverse.chunks_exact(rows)) {
            if matches!(variable, Variable::Composition(_)) {
                for (dual, &cell) in self.duals.iter_mut().zip(inverse_row) {
                    *dual += cell;
                }
            }
        }
    }

    fn fall_back(&mut self) {
        self.resets += 1;
        self.start_from_homogeneous_basis();
    }

    /// `Σ x` over the basic compositions (scaled).
    fn primal_value(&self) -> f64 {
        self.basis
            .iter()
            .zip(&self.values)
            .filter(|(variable, _)| matches!(variable, Variable::Composition(_)))
            .map(|(_, &value)| value.max(0.0))
            .sum()
    }

    /// Farley's bound at two dual points known without any work: `y_r =
    /// size_r / capacity` (the volume bound) and, with a cap, `y_r = 1 /
    /// cap` (every pack holds at most `cap` sequences). Scaled.
    fn trivial_bound(&self) -> f64 {
        let capacity = f64::from(self.problem.capacity.max(1));
        let volume: f64 = self
            .demands
            .iter()
            .zip(&self.problem.sizes)
            .map(|(&demand, &size)| demand * f64::from(size) / capacity)
            .sum();
        let by_count = self.problem.cap.map_or(0.0, |cap| {
            self.demands.iter().sum::<f64>() / f64::from(cap.max(1))
        });
        volume.max(by_count)
    }

    /// The LP optimum rounded up to whole packs, at most: from the master
    /// objective or a known plan's packs.
    fn whole_packs_at_most(&self, known: KnownPacks) -> f64 {
        whole_packs_at_least((self.primal_value() * self.scale).min(known.plan))
    }

    /// Exact pricing at the current duals: updates Farley's bound
    /// (`best_bound`) and adds the compositions that price out to the pool.
    fn price_exactly(&mut self, pricer: &mut Pricer, best_bound: &mut f64) -> Pricing {
        // Negative duals (surplus columns about to enter) never help a
        // composition; Farley's bound needs y ≥ 0.
        let positive_duals: Vec<f64> = self.duals.iter().map(|&dual| dual.max(0.0)).collect();
        let compositions = pricer.best_compositions(
            &positive_duals,
            &self.problem.demands,
            EXTRA_COLUMNS_PER_PRICING,
        );
        let Some(best) = compositions.first() else {
            // No row has a positive dual: nothing can price out.
            return Pricing::Optimal;
        };
        let best_value = best.value(&positive_duals);
        if best_value > 0.0 {
            let covered: f64 = self
                .demands
                .iter()
                .zip(&positive_duals)
                .map(|(demand, dual)| demand * dual)
                .sum();
            *best_bound = best_bound.max(covered / best_value);
        }
        if best_value <= 1.0 + OPTIMALITY_TOLERANCE
            || 1.0 - best.value(&self.duals) >= -OPTIMALITY_TOLERANCE
        {
            return Pricing::Optimal;
        }
        let pool_size = self.pool.len();
        for composition in compositions {
            self.add_to_pool(composition);
        }
        if self.pool.len() > pool_size {
            Pricing::NewColumns
        } else {
            // The best composition was in the pool yet the pool did not
            // price it out: the inverse has drifted.
            Pricing::Drifted
        }
    }

    fn run(mut self, stop: StopRule, known: KnownPacks) -> LpSolution {
        let mut pricer = Pricer::new(&self.problem.sizes, self.problem.capacity, self.problem.cap);
        let iteration_limit = match stop {
            StopRule::Rounding => ROUNDING_PIVOTS_PER_ROW * self.rows + 100,
            StopRule::Optimal | StopRule::RoundedBoundProven => {
                ITERATIONS_PER_ROW * self.rows + 1000
            }
        };
        let patience = match stop {
            StopRule::Optimal => OPTIMAL_PATIENCE_PER_ROW * self.rows + 100,
            StopRule::RoundedBoundProven | StopRule::Rounding => 0,
        };
        let mut iterations = 0;
        let mut best_bound = self.trivial_bound();
        let mut converged = false;
        let mut since_check = 0;
        let mut just_refactored = false;
        while iterations < iteration_limit && self.resets <= MAX_RESETS {
            let upper = self.whole_packs_at_most(known);
            // Past the patience: the LP can no longer raise the bound known
            // without it, or its optimum rounded up is known (Farley's bound
            // meets it).
            let lower = whole_packs_at_least(best_bound * self.scale)
                .max(whole_packs_at_least(known.floor));
            if iterations >= patience && lower >= upper {
                break;
            }
            let Some(entering) = self.price_pool() else {
                match self.price_exactly(&mut pricer, &mut best_bound) {
                    Pricing::Optimal => {
                        converged = true;
                        break;
                    }
                    Pricing::NewColumns => continue,
                    Pricing::Drifted if just_refactored => break,
                    Pricing::Drifted => {
                        self.refactor();
                        just_refactored = true;
                        continue;
                    }
                }
            };
            just_refactored = false;
            if self.pivot(entering).is_err() {
                self.refactor();
                if self.pivot(entering).is_err() {
                    self.fall_back();
                }
            }
            iterations += 1;
            since_check += 1;
            if since_check >= CHECK_INTERVAL {
                since_check = 0;
                if self.drift() > DRIFT_TOLERANCE {
                    self.refactor();
                }
            }
        }
        self.into_solution(best_bound, converged, iterations)
    }

    /// The final basis's solution for the true demands, which drops the
    /// perturbation. That solution is feasible unless the perturbation
    /// decided a tie; then the perturbed one (which covers a little more
    /// than the demands) is kept.
    fn into_solution(self, best_bound: f64, converged: bool, iterations: usize) -> LpSolution {
        let rows = self.rows;
        let unperturbed: Vec<f64> = self
            .inverse
            .chunks_exact(rows)
            .map(|inverse_row| {
                inverse_row
                    .iter()
                    .zip(&self.demands)
                    .map(|(a, b)| a * b)
                    .sum()
            })
            .collect();
        let feasible = unperturbed
            .iter()
            .all(|&value| value >= -INFEASIBILITY_TOLERANCE);
        let values = if feasible { &unperturbed } else { &self.values };
        let mut primal_value = 0.0;
        let mut columns = Vec::new();
        for (&variable, &value) in self.basis.iter().zip(values) {
            if let (Variable::Composition(index), true) = (variable, value > 0.0) {
                primal_value += value;
                columns.push((self.pool[index].clone(), value * self.scale));
            }
        }
        LpSolution {
            columns,
            primal_value: primal_value * self.scale,
            dual_bound: best_bound * self.scale,
            converged,
            iterations,
            pool: self.pool,
        }
    }
}

/// What an exact pricing found.
enum Pricing {
    /// No composition prices out: the master is at the LP optimum.
    Optimal,
    /// Compositions that price out joined the pool.
    NewColumns,
    /// Only compositions already in the pool price out, which the pool's
    /// own pricing should have found: the inverse has drifted.
    Drifted,
}

/// Inverts the `size × size` row-major `matrix` into `inverse` (which must
/// hold the identity) by Gauss–Jordan elimination with partial pivoting.
/// Returns false when the matrix is singular. `matrix` is destroyed.
fn gauss_jordan(matrix: &mut [f64], inverse: &mut [f64], size: usize) -> bool {
    let mut pivot_matrix_row = vec![0.0; size];
    let mut pivot_inverse_row = vec![0.0; size];
    for column in 0..size {
        let Some((pivot_row, pivot)) = (column..size)
            .map(|row| (row, matrix[row * size + column]))
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        else {
            return false;
        };
        if pivot.abs() < SINGULAR_TOLERANCE {
            return false;
        }
        if pivot_row != column {
            for offset in 0..size {
                matrix.swap(pivot_row * size + offset, column * size + offset);
                inverse.swap(pivot_row * size + offset, column * size + offset);
            }
        }
        let span = column * size..(column + 1) * size;
        for (target, &source) in pivot_matrix_row.iter_mut().zip(&matrix[span.clone()]) {
            *target = source / pivot;
        }
        for (target, &source) in pivot_inverse_row.iter_mut().zip(&inverse[span.clone()]) {
            *target = source / pivot;
        }
        matrix[span.clone()].copy_from_slice(&pivot_matrix_row);
        inverse[span].copy_from_slice(&pivot_inverse_row);
        for row in 0..size {
            let factor = matrix[row * size + column];
            if row == column || factor == 0.0 {
                continue;
            }
            let span = row * size..(row + 1) * size;
            // Entries left of `column` are zero in the pivot row.
            for (cell, &pivot_cell) in matrix[span.clone()]
                .iter_mut()
                .zip(&pivot_matrix_row)
                .skip(column)
            {
                *cell -= factor * pivot_cell;
            }
            for (cell, &pivot_cell) in inverse[span].iter_mut().zip(&pivot_inverse_row) {
                *cell -= factor * pivot_cell;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cutting_stock::problem::Slot;

    fn problem(sizes: &[u32], demands: &[u64], capacity: u32, cap: Option<u32>) -> Problem {
        Problem {
            sizes: sizes.to_vec(),
            demands: demands.to_vec(),
            capacity,
            cap,
        }
    }

    #[test]
    fn classic_instance_has_the_known_lp_value() {
        // Sizes 3, 5, 9 in rolls of 10 with demands 4, 2, 2 (hand-solved):
        // [9] ×2, [5,5] ×1, [3,3,3] ×4/3 → 2 + 1 + 1⅓ = 4⅓.
        let solution = solve(
            &problem(&[3, 5, 9], &[4, 2, 2], 10, None),
            &[],
            StopRule::Optimal,
            KnownPacks::NOTHING,
        );
        assert!(solution.converged);
        assert!(
            (solution.primal_value - 13.0 / 3.0).abs() < 1e-7,
            "{solution:?}"
        );
        assert!((solution.dual_bound - 13.0 / 3.0).abs() < 1e-7);
    }

    #[test]
    fn gauss_jordan_inverts_and_detects_singularity() {
        let mut matrix = vec![0.0, 2.0, 1.0, 1.0];
        let mut inverse = vec![1.0, 0.0, 0.0, 1.0];
        assert!(gauss_jordan(&mut matrix, &mut inverse, 2));
        let expected = [-0.5, 1.0, 0.5, 0.0];
        for (got, want) in inverse.iter().zip(expected) {
            assert!((got - want).abs() < 1e-15);
        }
        let mut singular = vec![1.0, 2.0, 2.0, 4.0];
        let mut inverse = vec![1.0, 0.0, 0.0, 1.0];
        assert!(!gauss_jordan(&mut singular, &mut inverse, 2));
    }

    #[test]
    fn refactorisation_keeps_the_solution() {
        let lp = problem(&[3, 4, 5, 7], &[10, 7, 5, 3], 12, None);
        let mut master = Master::new(&lp);
        for slots in [
            vec![(0, 1), (1, 1), (2, 1)],
            vec![(2, 1), (3, 1)],
            vec![(1, 3)],
        ] {
            master.add_to_pool(Composition {
                slots: slots
                    .into_iter()
                    .map(|(row, copies)| Slot { row, copies })
                    .collect(),
            });
        }
        let mut pivots = 0;
        while let Some(entering) = master.price_pool() {
            master.pivot(entering).unwrap();
            pivots += 1;
        }
        assert!(pivots >= 2);
        let before = master.primal_value();
        let duals = master.duals.clone();
        master.refactor();
        assert_eq!(master.resets, 0);
        assert!((master.primal_value() - before).abs() < 1e-12);
        for (after, before) in master.duals.iter().zip(&duals) {
            assert!((after - before).abs() < 1e-12);
        }
        assert!(master.drift() < 1e-12);
    }
}
