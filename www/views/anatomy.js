// Inside one algorithm's plan: how many sequences its packs hold, how full
// they are, and the compositions it uses most.
import { View, h, setText } from '../dom.js';
import { ChartFrame } from '../chart-frame.js';
import { chartDownloads, chartExport, resultSection, tableDisclosure } from '../section.js';
import { algorithmLabel, countOf, formatCount, formatDecimal, formatPercent } from '../format.js';

function table(testId, caption, headings) {
  const body = h('tbody');
  const element = h('table', { class: 'table table--compact', 'data-testid': testId },
    h('caption', { class: 'visually-hidden', text: caption }),
    h('thead', {}, h('tr', {}, headings.map(([label, numeric]) => h('th', { scope: 'col', class: numeric ? 'number' : null, text: label })))),
    body,
  );
  return { element, body };
}

export class AnatomyView extends View {
  constructor() {
    super();
    this.section = resultSection({ id: 'anatomy', title: 'Pack anatomy', lede: '' });
    this.chart = new ChartFrame('anatomy', { testId: 'anatomy-chart', label: 'Sequences per pack and pack fill' });
    this.section.tools.append(chartDownloads(this.chart, 'pack anatomy', () => chartExport(this.model, `anatomy-${this.model.settings.detail}`)));

    this.facts = h('dl', { class: 'stats stats--small', 'data-testid': 'anatomy-facts' });
    this.perPack = table('sequences-per-pack', 'Packs by the number of sequences they hold', [['Sequences in the pack', false], ['Packs', true], ['Share', true]]);
    this.fill = table('pack-fill', 'Packs by how full they are', [['Real tokens fill', false], ['Packs', true], ['Share', true]]);
    this.groups = table('top-groups', 'The most frequent pack compositions', [['#', true], ['Sequence lengths', false], ['Tokens', true], ['Fill', true], ['Packs', true], ['Share', true]]);
    this.groupsNote = h('p', { class: 'hint' });
    this.section.body.append(
      this.chart.element,
      this.facts,
      h('div', { class: 'split' },
        h('div', {}, h('h3', { class: 'subheading', text: 'Sequences per pack' }), h('div', { class: 'table-scroll' }, this.perPack.element)),
        h('div', {}, h('h3', { class: 'subheading', text: 'Most frequent compositions' }), h('div', { class: 'table-scroll table-scroll--tall' }, this.groups.element), this.groupsNote),
      ),
      tableDisclosure('How full the packs are, as a table', h('div', { class: 'table-scroll' }, this.fill.element)),
    );
    this.element = this.section.element;
    this.shownKey = null;
  }

  update(model) {
    this.model = model;
    const name = algorithmLabel(model.settings.detail);
    setText(this.section.heading, `Pack anatomy: ${name}`);
    setText(this.section.lede, `How ${name}'s packs are made: how many sequences each holds, how full it is, and its most used compositions.`);
    this.chart.setStale(model.stale);
    const detail = model.detail;
    if (!detail) {
      if (this.shownKey) {
        this.shownKey = null;
        for (const part of [this.perPack, this.fill, this.groups]) part.body.replaceChildren();
        this.facts.replaceChildren();
        setText(this.groupsNote, '');
      }
      this.chart.show(null, `Pack anatomy of ${name}: not computed yet.`);
      this.chart.setNote(this.pendingNote(model, name));
      this.element.classList.add('is-waiting');
      return;
    }
    this.element.classList.remove('is-waiting');
    this.chart.setNote('');
    if (detail === this.shownKey) return;
    this.shownKey = detail;

    const { report } = detail;
    const facts = [
      ['packs', 'Packs', formatCount(report.packs), report.packs],
      ['mean_sequences_per_pack', 'Sequences per pack, mean', formatDecimal(report.mean_sequences_per_pack, 3), report.mean_sequences_per_pack],
      ['full_packs', 'Full packs (no padding)', `${formatCount(report.full_packs)} (${formatPercent(report.full_packs / report.packs, 1)})`, report.full_packs],
      ['distinct_compositions', 'Distinct compositions', formatCount(detail.distinct_compositions), detail.distinct_compositions],
    ];
    this.facts.replaceChildren(
      ...facts.map(([key, label, text, raw]) =>
        h('div', { class: 'stat' }, h('dt', { text: label }), h('dd', { 'data-stat': key, 'data-value': String(raw), text }))),
    );

    this.perPack.body.replaceChildren(
      ...report.sequences_per_pack.map((count, index) =>
        h('tr', { 'data-sequences': String(index + 1) },
          h('td', { text: String(index + 1) }),
          h('td', { class: 'number', 'data-value': String(count), text: formatCount(count) }),
          h('td', { class: 'number', text: formatPercent(count / report.packs, 1) }))),
    );
    this.fill.body.replaceChildren(
      ...report.pack_fill.map((count, index) =>
        h('tr', {},
          h('td', { text: `${index * 5}–${(index + 1) * 5}%` }),
          h('td', { class: 'number', 'data-value': String(count), text: formatCount(count) }),
          h('td', { class: 'number', text: formatPercent(count / report.packs, 1) }))),
    );
    this.groups.body.replaceChildren(
      ...detail.top_groups.map((group, index) => {
        const tokens = group.lengths.reduce((sum, length) => sum + length, 0);
        return h('tr', {},
          h('td', { class: 'number', text: String(index + 1) }),
          h('td', { class: 'lengths', text: group.lengths.map(formatCount).join(' + ') }),
          h('td', { class: 'number', text: formatCount(tokens) }),
          h('td', { class: 'number', text: formatPercent(tokens / report.max_len, 1) }),
          h('td', { class: 'number', 'data-value': String(group.count), text: formatCount(group.count) }),
          h('td', { class: 'number', text: formatPercent(group.count / report.packs, 1) }));
      }),
    );
    setText(this.groupsNote, `The ${detail.top_groups.length} most frequent of ${formatCount(detail.distinct_compositions)} distinct compositions.`);

    const perPackText = report.sequences_per_pack
      .map((count, index) => `${countOf(count, 'pack')} ${count === 1 ? 'holds' : 'hold'} ${index + 1}`)
      .join(', ');
    this.chart.show(
      detail,
      `Pack anatomy of ${name}: ${perPackText}; ${formatCount(report.full_packs)} of ${formatCount(report.packs)} packs are full. The tables follow.`,
    );
  }

  pendingNote(model, name) {
    if (model.settings.detail === 'nnlshp' && model.slow.cancelled) return 'NNLSHP was cancelled. Run it again from the bar above, or choose another algorithm.';
    if (model.settings.detail === 'nnlshp' && model.slow.failed) return 'NNLSHP could not finish: see the message on the left.';
    return model.summary ? `Computing ${name}'s plan…` : '';
  }
}
