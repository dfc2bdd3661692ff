//! First fit, the packer axolotl and NeMo share: each item, in order,
//! joins the earliest-opened bin with room for it, or opens a bin.

/// First fit of `items` (of `size` each) into bins of `max_len`, each
/// holding at most `cap` items (`None`: no limit). A max segment tree
/// over the bins' room (0 once a bin holds `cap` items) finds the bin in
/// O(log bins), where the trainers scan every bin. An item of size 0
/// joins the first bin, as it does there.
pub(super) fn first_fit<T: Copy>(
    items: &[T],
    size: impl Fn(&T) -> u32,
    max_len: u32,
    cap: Option<u32>,
) -> Vec<Vec<T>> {
    let mut bins: Vec<Vec<T>> = Vec::new();
    let mut rooms = RoomTree::new(items.len());
    for item in items {
        let tokens = size(item);
        let bin = match rooms.first_with_at_least(tokens) {
            Some(bin) if bin < bins.len() => bin,
            _ => {
                bins.push(Vec::new());
                rooms.set(bins.len() - 1, max_len);
                bins.len() - 1
            }
        };
        let members = &mut bins[bin];
        members.push(*item);
        let room = rooms.get(bin).saturating_sub(tokens);
        let full = cap.is_some_and(|cap| u32::try_from(members.len()).unwrap_or(u32::MAX) >= cap);
        rooms.set(bin, if full { 0 } else { room });
    }
    bins
}

/// A max segment tree over bins' room, for the first bin with enough.
struct RoomTree {
    /// Leaves from `leaves`; node `i`'s children are `2i` and `2i + 1`.
    nodes: Vec<u32>,
    leaves: usize,
}

impl RoomTree {
    /// Room for `bins` bins, all 0 (not opened).
    fn new(bins: usize) -> Self {
        let leaves = bins.max(1).next_power_of_two();
        RoomTree {
            nodes: vec![0; 2 * leaves],
            leaves,
        }
    }

    fn get(&self, bin: usize) -> u32 {
        self.nodes[self.leaves + bin]
    }

    fn set(&mut self, bin: usize, room: u32) {
        let mut node = self.leaves + bin;
        self.nodes[node] = room;
        while node > 1 {
            node /= 2;
            self.nodes[node] = self.nodes[2 * node].max(self.nodes[2 * node + 1]);
        }
    }

    /// The first bin with at least `tokens` of room (the first bin at all
    /// for 0; the caller checks it was opened).
    fn first_with_at_least(&self, tokens: u32) -> Option<usize> {
        if self.nodes[1] < tokens {
            return None;
        }
        let mut node = 1;
        while node < self.leaves {
            node = if self.nodes[2 * node] >= tokens {
                2 * node
            } else {
                2 * node + 1
            };
        }
        Some(node - self.leaves)
    }
}
