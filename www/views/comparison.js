// The algorithms side by side: one chart, and the results table with the
// exact figures (each cell's data-value holds the report's raw number).
// A last column gives each plan's gap to the LP bound on packs (`td[data-metric=lp_gap]`: packs − bound; its
// data-fraction: the gap over the bound), and `[data-testid=lp-bound]` the
// bound itself (data-value: packs).
import { View, h, setText } from '../dom.js';
import { ChartFrame } from '../chart-frame.js';
import { chartDownloads, chartExport, resultSection } from '../section.js';
import { ALGORITHM_INFO, algorithmLabel, formatCount, formatDecimal, formatDepth, formatDuration, formatPercent, formatSpeedup, limitPhrase } from '../format.js';

/** The LP's value with enough decimals to see why it rounds up as it does. */
function formatDecimalBound(value) {
  return Number.isFinite(value) ? formatDecimal(value, 2) : String(value);
}

// The figures people compare first come first: on a phone the table
// scrolls sideways with the algorithm's name kept in view.
const COLUMNS = [
  { metric: 'packs', label: 'Packs', format: formatCount },
  { metric: 'efficiency', label: 'Efficiency', format: (value) => formatPercent(value) },
  { metric: 'padding_fraction', label: 'Padding', format: (value) => formatPercent(value) },
  { metric: 'speedup', label: 'Speed-up', format: (value) => formatSpeedup(value, 4) },
  { metric: 'max_per_pack', label: 'Max per pack', format: formatDepth, raw: (value) => (value === null ? 'unlimited' : String(value)) },
  { metric: 'runtime_ms', label: 'Runtime', format: formatDuration },
];

/** Which packer's plan the optimal packer kept, as the page names it. */
const PLAN_ORIGINS = {
  lp_rounding: 'the LP solution, rounded',
  lpfhp: 'LPFHP’s',
  spfhp: 'SPFHP’s',
  bfd: 'BFD’s',
  nnlshp: 'NNLSHP’s',
};

/** What is known of how far the optimal packer's plan is from the best possible. */
function optimalityText(report) {
  const { lower_bound_packs: bound, proven_optimal: proven, lp_bound_exact: exact, plan_from: from } = report.optimality;
  const name = algorithmLabel(report.algorithm);
  if (proven) {
    return `${name}: ${formatCount(report.packs)} packs, proven optimal: no plan at its limit uses fewer (plan: ${PLAN_ORIGINS[from] ?? from}).`;
  }
  const over = report.packs - bound;
  return `${name}: the best plan found (${PLAN_ORIGINS[from] ?? from}), ${formatCount(over)} ${over === 1 ? 'pack' : 'packs'} over the bound of ${formatCount(bound)}, ` +
    `so optimality is not proven${exact ? '' : ' (the LP stopped before its optimum, so the bound may be low)'}. It never uses more packs than another algorithm at the same limit.`;
}

export class ComparisonView extends View {
  constructor() {
    super();
    this.section = resultSection({
      id: 'comparison',
      title: 'Packing algorithms compared',
      lede: 'Efficiency is the share of computed tokens that are real; speed-up is how many times fewer rows than without packing.',
    });
    this.chart = new ChartFrame('comparison', { testId: 'comparison-chart', label: 'Efficiency of each packing algorithm' });
    this.section.tools.append(chartDownloads(this.chart, 'comparison', () => chartExport(this.model, 'comparison')));

    this.body = h('tbody');
    this.gapHeader = h('th', { scope: 'col', class: 'number', text: 'Gap to bound', title: 'Packs over the LP bound: how far the plan could still improve at most', hidden: true });
    this.table = h(
      'table',
      { class: 'table', 'data-testid': 'results' },
      h('caption', { class: 'visually-hidden', text: 'Results of each packing algorithm' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', text: 'Algorithm' }),
        COLUMNS.map((column) => h('th', { scope: 'col', class: 'number', text: column.label })),
        this.gapHeader,
      )),
      this.body,
    );
    this.bound = h('p', { class: 'hint', 'data-testid': 'volume-bound' });
    // The same for every plan of a dataset, so said once rather than in a column.
    this.speedupLimit = h('p', { class: 'hint', 'data-testid': 'speedup-limit' });
    this.lpBound = h('p', { class: 'hint', 'data-testid': 'lp-bound', hidden: true });
    this.bucketing = h('p', { class: 'hint', 'data-testid': 'bucketing', hidden: true });
    this.optimality = h('p', { class: 'hint', 'data-testid': 'optimality', hidden: true });
    this.empty = h('p', { class: 'empty', hidden: true, text: 'Choose at least one algorithm under Settings.' });
    const glossary = h('details', { class: 'disclosure' },
      h('summary', {}, 'What the algorithms do'),
      h('dl', { class: 'glossary' },
        Object.entries(ALGORITHM_INFO).map(([name, info]) => [
          h('dt', {}, h('span', { class: `swatch swatch--${name}`, 'aria-hidden': 'true' }), info.label),
          h('dd', { text: info.description }),
        ]),
      ),
    );
    this.section.body.append(this.chart.element, this.empty, h('div', { class: 'table-scroll' }, this.table), this.speedupLimit, this.bound, this.lpBound, this.optimality, this.bucketing, glossary);
    this.element = this.section.element;
    this.shownKey = null;
  }

  update(model) {
    this.model = model;
    const reportList = model.reports;
    this.chart.setStale(model.stale);
    if (!model.summary) return;
    const key = [reportList, model.bound, model.pending.join(','), model.slow.cancelled, model.slow.failed, model.failed, model.settings.algorithms.join(','), model.settings.bucketTokens, model.lpBound.pending];
    if (this.shownKey && key.every((part, index) => part === this.shownKey[index])) return;
    this.shownKey = key;

    const reports = new Map(reportList.map((report) => [report.algorithm, report]));
    // null while computing.
    const lpBound = model.bound;
    this.gapHeader.hidden = false;
    let best = null;
    for (const report of reportList) {
      if (report.algorithm !== 'none' && (!best || report.packs < best.packs)) best = report;
    }
    const rows = model.settings.algorithms.map((name) => {
      const report = reports.get(name);
      const header = h('th', { scope: 'row' },
        h('span', { class: `swatch swatch--${name}`, 'aria-hidden': 'true' }),
        algorithmLabel(name),
      );
      if (!report) {
        const slow = name === 'nnlshp' || name === 'optimal';
        let note = null;
        if (model.failed) note = 'No figures at these settings: see the message on the left.';
        else if (slow && model.slow.cancelled) note = `Cancelled: run ${algorithmLabel(name)} again from the bar above.`;
        else if (slow && model.slow.failed) note = 'Failed: see the message on the left.';
        const spinner = note === null ? h('span', { class: 'spinner spinner--inline', 'aria-hidden': 'true' }) : null;
        return h('tr', { 'data-algorithm': name, 'data-pending': 'true' }, header,
          h('td', { colspan: COLUMNS.length + 1, class: 'pending-cell' }, spinner, note ?? 'Computing…'));
      }
      if (best && report === best) {
        header.append(' ', h('span', { class: 'badge', text: 'best' }));
      }
      return h('tr', { 'data-algorithm': name, 'data-best': report === best ? 'true' : null },
        header,
        COLUMNS.map((column) => {
          const value = report[column.metric];
          return h('td', {
            class: 'number',
            'data-metric': column.metric,
            'data-value': column.raw ? column.raw(value) : String(value),
            text: column.format(value),
          });
        }),
        this.gapCell(report, lpBound, model.lpBound),
      );
    });
    this.body.replaceChildren(...rows);
    this.empty.hidden = model.settings.algorithms.length > 0;

    const any = reportList[0];
    if (any) {
      this.bound.dataset.value = String(any.volume_bound);
      setText(this.bound, `No plan can use fewer than ${formatCount(any.volume_bound)} packs (the volume bound: ceil(tokens / max_len) = ceil(${formatCount(any.tokens)} / ${formatCount(any.max_len)})).`);
      this.speedupLimit.dataset.value = String(any.speedup_limit);
      setText(this.speedupLimit, `No plan can beat a speed-up of ${formatSpeedup(any.speedup_limit, 4)}: every row full, no padding at all (sequences × max_len ÷ tokens).`);
    } else {
      delete this.bound.dataset.value;
      setText(this.bound, '');
      delete this.speedupLimit.dataset.value;
      setText(this.speedupLimit, '');
    }

    this.showLpBound(lpBound, model.lpBound);
    const optimal = reportList.find((report) => report.optimality);
    this.optimality.hidden = !optimal;
    setText(this.optimality, optimal ? optimalityText(optimal) : '');
    this.showBucketing(reportList, model.settings.bucketTokens);

    const described = reportList
      .map((report) => `${algorithmLabel(report.algorithm)} ${formatPercent(report.efficiency)} efficient, ${formatCount(report.packs)} packs`)
      .join('; ');
    this.chart.show({ reports: reportList }, `Efficiency of each packing algorithm: ${described || 'none chosen'}. The results table follows.`);
  }

  /** A plan's packs over the LP bound, or why that is not known yet. */
  gapCell(report, lpBound, status) {
    if (!lpBound) {
      const text = status?.cancelled ? '–' : '…';
      return h('td', { class: 'number pending-cell', title: status?.cancelled ? 'The LP bound was cancelled' : 'Computing the LP bound…', text });
    }
    const gap = report.packs - lpBound.packs;
    const fraction = lpBound.packs > 0 ? gap / lpBound.packs : 0;
    return h('td', {
      class: 'number',
      'data-metric': 'lp_gap',
      'data-value': String(gap),
      'data-fraction': String(fraction),
      title: `${formatCount(report.packs)} packs, at least ${formatCount(lpBound.packs)} needed`,
    }, gap === 0 ? '0' : `+${formatCount(gap)}`, h('span', { class: 'subtle', text: ` ${formatPercent(fraction)}` }));
  }

  /** The LP bound in words, where the engine computes one. */
  showLpBound(lpBound, status) {
    this.lpBound.hidden = false;
    if (!lpBound) {
      delete this.lpBound.dataset.value;
      setText(this.lpBound, status?.cancelled ? 'The LP bound was cancelled with the slow algorithms.' : 'Computing the LP bound on packs…');
      return;
    }
    this.lpBound.dataset.value = String(lpBound.packs);
    const relaxation = `LP relaxation of the cutting-stock problem: ${formatDecimalBound(lpBound.lp_value)} rounded up`;
    // At the loosest limit of the algorithms shown, so it bounds every row.
    const scope = `with ${lpBound.max_per_pack === null || lpBound.max_per_pack === undefined ? 'any number of sequences per pack' : limitPhrase(lpBound.max_per_pack)}`;
    setText(this.lpBound, lpBound.proven
      ? `No plan ${scope} can use fewer than ${formatCount(lpBound.packs)} packs (${relaxation}).`
      : `No plan ${scope} can use fewer than ${formatCount(lpBound.packs)} packs (${relaxation}; the LP stopped before its optimum was proven, so a tighter bound may hold).`);
  }

  /**
   * At long rows NNLSHP plans lengths in buckets to stay fast. Users see the
   * width, its cost (bounded by the engine) and how to change it; the
   * note's data-bucket-tokens and data-bucketing-cost hold the raw figures.
   * `setting`: the width the user set, or null for automatic.
   */
  showBucketing(reports, setting) {
    const report = reports.find((entry) => entry.algorithm === 'nnlshp');
    const name = algorithmLabel('nnlshp');
    let text = '';
    if (report?.bucket_tokens) {
      const cost = report.bucketing_cost ?? 0;
      // "0.00%" would read as free; the bound is tiny, not zero.
      const costText = cost > 0 && cost < 0.0001 ? 'less than 0.01%' : formatPercent(cost);
      text = setting === null
        ? `${name} planned lengths in buckets of ${formatCount(report.bucket_tokens)} tokens, chosen automatically for max_len ${formatCount(report.max_len)} to stay fast; ` +
          `rounding lengths up to their bucket costs at most ${costText} of the rows. ` +
          'To change it, set “NNLSHP bucket width” under Settings: narrower is more exact and slower, and 1 plans every length exactly.'
        : `${name} planned lengths in buckets of ${formatCount(report.bucket_tokens)} tokens, as set under Settings; ` +
          `rounding lengths up to their bucket costs at most ${costText} of the rows. ` +
          'Clear “NNLSHP bucket width” to let Packlab choose.';
      this.bucketing.dataset.bucketTokens = String(report.bucket_tokens);
      this.bucketing.dataset.bucketingCost = String(cost);
    } else {
      if (report && setting !== null) {
        text = `${name} planned every length exactly (bucket width 1, as set under Settings). Clear “NNLSHP bucket width” to let Packlab choose.`;
      }
      delete this.bucketing.dataset.bucketTokens;
      delete this.bucketing.dataset.bucketingCost;
    }
    this.bucketing.hidden = text === '';
    setText(this.bucketing, text);
  }
}
