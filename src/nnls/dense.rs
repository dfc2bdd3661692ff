//! Dense kernels shared by both solvers: vector norms, triangular solves and
//! Householder QR.
//!
//! An upper-triangular `p × p` matrix `R` is stored by columns, column `j`
//! holding `R[0][j] ..= R[j][j]` (so `j + 1` entries). Appending a column and
//! the forward substitution `Rᵀ y = c` both read one contiguous column at a
//! time, which is what the passive-set updates do most.

/// `Σ left[i] · right[i]` over the shorter length.
///
/// Four partial sums, so that consecutive additions do not wait for each
/// other and the compiler can use vector registers; the triangular solves
/// spend most of their time here. The lanes are written out, not looped
/// over, so that the speed does not depend on the optimisation level: at
/// opt-level "s", which does not unroll loops, a lane loop ran at half the
/// speed.
#[inline(always)]
pub(crate) fn dot(left: &[f64], right: &[f64]) -> f64 {
    let length = left.len().min(right.len());
    let (left, right) = (&left[..length], &right[..length]);
    let mut partial = [0.0; 4];
    let left_chunks = left.chunks_exact(4);
    let right_chunks = right.chunks_exact(4);
    let tail: f64 = left_chunks
        .remainder()
        .iter()
        .zip(right_chunks.remainder())
        .map(|(l, r)| l * r)
        .sum();
    for (l, r) in left_chunks.zip(right_chunks) {
        partial[0] += l[0] * r[0];
        partial[1] += l[1] * r[1];
        partial[2] += l[2] * r[2];
        partial[3] += l[3] * r[3];
    }
    (partial[0] + partial[1]) + (partial[2] + partial[3]) + tail
}

/// The Euclidean norm. Infinite when the squares overflow, which callers
/// check.
pub(crate) fn norm(vector: &[f64]) -> f64 {
    dot(vector, vector).sqrt()
}

/// Solves `Rᵀ y = c` by forward substitution; `R` upper triangular by
/// columns, with non-zero diagonal.
pub(crate) fn solve_upper_transposed(r_columns: &[Vec<f64>], rhs: &[f64]) -> Vec<f64> {
    let mut solution = Vec::with_capacity(r_columns.len());
    for (j, column) in r_columns.iter().enumerate() {
        // Row j of Rᵀ is column j of R: its entries above the diagonal meet
        // the unknowns already found.
        let known = dot(&column[..j], &solution);
        solution.push((rhs[j] - known) / column[j]);
    }
    solution
}

/// Solves `R z = y` by back substitution; `R` upper triangular by columns,
/// with non-zero diagonal.
pub(crate) fn solve_upper(r_columns: &[Vec<f64>], rhs: &[f64]) -> Vec<f64> {
    let mut remaining = rhs[..r_columns.len()].to_vec();
    let mut solution = vec![0.0; r_columns.len()];
    // Column-oriented: once z[j] is known, remove its contribution from the
    // rows above, reading column j contiguously.
    for (j, column) in r_columns.iter().enumerate().rev() {
        let value = remaining[j] / column[j];
        solution[j] = value;
        subtract_scaled(&mut remaining[..j], value, &column[..j]);
    }
    solution
}

/// `target[i] -= scale · source[i]` over the shorter length, four entries a
/// step (written out, as in [`dot`]).
#[inline(always)]
pub(crate) fn subtract_scaled(target: &mut [f64], scale: f64, source: &[f64]) {
    let length = target.len().min(source.len());
    let (target, source) = (&mut target[..length], &source[..length]);
    let mut target_chunks = target.chunks_exact_mut(4);
    let mut source_chunks = source.chunks_exact(4);
    for (t, s) in (&mut target_chunks).zip(&mut source_chunks) {
        t[0] -= scale * s[0];
        t[1] -= scale * s[1];
        t[2] -= scale * s[2];
        t[3] -= scale * s[3];
    }
    for (t, s) in target_chunks
        .into_remainder()
        .iter_mut()
        .zip(source_chunks.remainder())
    {
        *t -= scale * s;
    }
}

/// Householder QR of a dense `rows × p` matrix given by its columns.
///
/// Each step reflects the part of column `k` on and below the diagonal onto
/// a multiple of the first unit vector (Householder's reflection
/// `H = I − 2 v vᵀ / vᵀv`, with the sign chosen so that forming `v` does not
/// cancel), then applies the same reflection to the later columns and to
/// `rhs`. What remains above the diagonal is `R`; `rhs` becomes `Qᵀ rhs`.
/// Rows are then negated where needed so that `R` has a non-negative
/// diagonal (`Q` changes sign to match, `QR` does not).
///
/// Returns `R` by columns: column `j` has `min(j, rows − 1) + 1` entries, so
/// it is square and triangular when `p ≤ rows`.
pub(crate) fn householder_qr(
    mut columns: Vec<Vec<f64>>,
    mut rhs: Option<&mut [f64]>,
) -> Vec<Vec<f64>> {
    let reflections = columns.len().min(columns.first().map_or(0, Vec::len));
    for k in 0..reflections {
        let (done, rest) = columns.split_at_mut(k + 1);
        let pivot_column = &mut done[k];
        let column_norm = norm(&pivot_column[k..]);
        if column_norm == 0.0 {
            // Nothing to reflect: the column is already zero below row k.
            continue;
        }
        let head = pivot_column[k];
        // alpha has the sign opposite to head, so head − alpha adds magnitudes.
        let alpha = if head >= 0.0 {
            -column_norm
        } else {
            column_norm
        };
        let mut reflector = pivot_column[k..].to_vec();
        reflector[0] = head - alpha;
        let reflector_norm_squared = dot(&reflector, &reflector);
        pivot_column[k] = alpha;
        for entry in &mut pivot_column[k + 1..] {
            *entry = 0.0;
        }
        let reflect = |target: &mut [f64]| {
            let scale = 2.0 * dot(&reflector, target) / reflector_norm_squared;
            for (entry, v) in target.iter_mut().zip(&reflector) {
                *entry -= scale * v;
            }
        };
        for column in rest.iter_mut() {
            reflect(&mut column[k..]);
        }
        if let Some(target) = rhs.as_deref_mut() {
            reflect(&mut target[k..]);
        }
    }
    let mut r_columns: Vec<Vec<f64>> = columns
        .into_iter()
        .enumerate()
        .map(|(j, mut column)| {
            column.truncate(j + 1);
            column
        })
        .collect();
    for k in 0..reflections {
        if r_columns[k][k] < 0.0 {
            for column in &mut r_columns[k..] {
                column[k] = -column[k];
            }
            if let Some(target) = rhs.as_deref_mut() {
                target[k] = -target[k];
            }
        }
    }
    r_columns
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns of a small full-rank matrix with an awkward sign pattern.
    fn sample_columns() -> Vec<Vec<f64>> {
        vec![
            vec![2.0, -1.0, 0.0, 3.0],
            vec![-1.0, 4.0, 1.0, 0.5],
            vec![0.0, 1.0, -3.0, 2.0],
        ]
    }

    #[test]
    fn householder_r_reproduces_the_gram_matrix() {
        let columns = sample_columns();
        let r_columns = householder_qr(columns.clone(), None);
        for i in 0..3 {
            for j in 0..3 {
                let gram = dot(&columns[i], &columns[j]);
                let from_r = dot(&r_columns[i], &r_columns[j][..=j.min(i)]);
                assert!(
                    (gram - from_r).abs() < 1e-12,
                    "({i},{j}): {gram} vs {from_r}"
                );
            }
            assert!(r_columns[i][i] > 0.0);
        }
    }

    #[test]
    fn triangular_solves_invert_multiplication() {
        let r_columns = householder_qr(sample_columns(), None);
        let vector = [0.5, -2.0, 3.25];
        // R z, row by row: row i meets columns j ≥ i.
        let product: Vec<f64> = (0..3)
            .map(|i| (i..3).map(|j| r_columns[j][i] * vector[j]).sum())
            .collect();
        let back = solve_upper(&r_columns, &product);
        for (x, y) in back.iter().zip(&vector) {
            assert!((x - y).abs() < 1e-12);
        }
        // Rᵀ y = c, checked by multiplying back with Rᵀ.
        let rhs = [1.0, 2.0, -1.0];
        let solved = solve_upper_transposed(&r_columns, &rhs);
        for (j, column) in r_columns.iter().enumerate() {
            let recomputed = dot(column, &solved[..=j]);
            assert!((recomputed - rhs[j]).abs() < 1e-12);
        }
    }

    #[test]
    fn householder_transforms_rhs_into_least_squares_solution() {
        // Fit y = c0 + c1 t to points on an exact line: the solution is exact.
        let times = [0.0, 1.0, 2.0, 3.0];
        let columns = vec![vec![1.0; 4], times.to_vec()];
        let mut rhs: Vec<f64> = times.iter().map(|t| 1.5 - 0.5 * t).collect();
        let r_columns = householder_qr(columns, Some(&mut rhs));
        let coefficients = solve_upper(&r_columns, &rhs);
        assert!((coefficients[0] - 1.5).abs() < 1e-12);
        assert!((coefficients[1] + 0.5).abs() < 1e-12);
    }
}
