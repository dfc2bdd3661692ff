// The answer first: how much compute padding wastes in this data, how much
// of it the best packing shown removes, at which limit on sequences per
// pack, and what the overlong policy loses. Its figures are those of the
// results table at the same settings (a browser test checks it).
import { View, h, setText } from '../dom.js';
import { algorithmLabel, countOf, formatCount, formatPercent, formatSpeedup, limitPhrase } from '../format.js';

function figure(testId) {
  const value = h('span', { class: 'figure__value' });
  const label = h('span', { class: 'figure__label' });
  const element = h('div', { class: 'figure', 'data-testid': testId }, value, label);
  return { element, value, label };
}

/** The shown report with the fewest packs (the earliest listed among equals), none excluded. */
function bestReport(reports) {
  let best = null;
  for (const report of reports) {
    if (report.algorithm === 'none') continue;
    if (!best || report.packs < best.packs) best = report;
  }
  return best;
}

/**
 * What the overlong policy did to the data, in one sentence, or '' when no
 * sequence is longer than max_len. `data`: a `DataSummary`.
 */
function lossSentence(data) {
  const { overlong, summary, max_len: maxLen } = data;
  if (!overlong || overlong.sequences === 0) return '';
  const share = formatPercent(overlong.sequences / summary.sequences, 1);
  const tokenShare = formatPercent(overlong.tokens_lost / summary.tokens, 1);
  const subject = `${countOf(overlong.sequences, 'sequence')} (${share}) ${overlong.sequences === 1 ? 'is' : 'are'} longer than max_len ${formatCount(maxLen)}`;
  if (overlong.policy === 'drop') {
    return `${subject} and ${overlong.sequences === 1 ? 'is' : 'are'} dropped: ${formatCount(overlong.tokens_lost)} tokens (${tokenShare} of the data) are never trained on, ` +
      `and every figure here counts the ${countOf(data.no_packing.sequences, 'sequence')} kept.`;
  }
  return `${subject} and ${overlong.sequences === 1 ? 'is' : 'are'} truncated to it: ${formatCount(overlong.tokens_lost)} tokens (${tokenShare} of the data) are cut off and never trained on.`;
}

export class VerdictView extends View {
  constructor() {
    super();
    this.headline = h('p', { class: 'verdict__headline' });
    this.padding = figure('verdict-padding');
    this.best = figure('verdict-best');
    this.speedup = figure('verdict-speedup');
    this.rows = figure('verdict-rows');
    this.sentence = h('p', { class: 'verdict__sentence' });
    this.loss = h('p', { class: 'verdict__loss', 'data-testid': 'verdict-loss', hidden: true });
    // What users take away, at the end of the page: reached from here. (Not
    // links: the address's hash holds the settings.)
    const go = (target, text, testId) =>
      h('button', { type: 'button', class: 'link-button', 'data-testid': testId, onclick: () => this.emit('go', target) }, text);
    this.linkButton = h('button', { type: 'button', class: 'link-button', 'data-testid': 'verdict-copy-link', onclick: () => this.emit('link') }, 'Copy a link to this view');
    this.actions = h('p', { class: 'verdict__actions' },
      go('export', 'Export the plan or the comparison', 'verdict-export'), ' · ',
      go('sequence-plan', 'Plan for your own sequences', 'verdict-sequence-plan'), ' · ',
      this.linkButton);
    this.element = h(
      'section',
      { class: 'verdict', id: 'summary', tabindex: '-1', 'data-testid': 'verdict', 'aria-label': 'Summary' },
      this.headline,
      this.figures = h('div', { class: 'figures' }, this.padding.element, this.best.element, this.speedup.element, this.rows.element),
      this.sentence,
      this.loss,
      this.actions,
    );
  }

  /** Says on the button whether the link reached the clipboard (the export panel says more). */
  linkCopied(copied) {
    setText(this.linkButton, copied ? 'Link copied ✓' : 'Copy the link from “Export” below');
    clearTimeout(this.linkTimer);
    this.linkTimer = setTimeout(() => setText(this.linkButton, 'Copy a link to this view'), 2500);
  }

  update(model) {
    const data = model.failed ? null : model.summary;
    this.element.classList.toggle('is-stale', model.stale && !model.failed);
    this.element.classList.toggle('is-empty', !data);
    setText(this.loss, data ? lossSentence(data) : '');
    this.loss.hidden = !this.loss.textContent;
    this.figures.hidden = model.failed;
    if (!data) {
      let headline = 'Measuring the padding in the example data…';
      if (model.engine === 'failed') headline = 'Packlab could not start in this browser.';
      else if (model.failed) headline = 'No figures at these settings.';
      setText(this.headline, headline);
      for (const part of [this.padding, this.best, this.speedup, this.rows]) {
        setText(part.value, '—');
        setText(part.label, '');
        delete part.element.dataset.value;
      }
      // Why, and what to change: the same message as the alert beside the settings.
      setText(this.sentence, model.failed ? model.error?.message ?? '' : '');
      return;
    }
    const unpacked = data.no_packing.padding_fraction;
    setText(this.headline, `Without packing, ${formatPercent(unpacked, 1)} of the compute is padding.`);
    setText(this.padding.value, formatPercent(unpacked, 1));
    this.padding.element.dataset.value = String(unpacked);
    setText(this.padding.label, `padding without packing, max_len ${formatCount(data.max_len)}`);

    const best = bestReport(model.reports);
    const waiting = model.pending.filter((name) => name !== 'none');
    this.best.element.classList.toggle('figure--good', Boolean(best));
    if (!best) {
      const none = model.settings.algorithms.filter((name) => name !== 'none').length === 0;
      setText(this.best.value, '—');
      setText(this.best.label, none ? 'choose a packing algorithm to compare' : 'packing…');
      for (const part of [this.best, this.speedup, this.rows]) delete part.element.dataset.value;
      setText(this.speedup.value, '—');
      setText(this.speedup.label, '');
      setText(this.rows.value, '—');
      setText(this.rows.label, '');
      setText(this.sentence, '');
      return;
    }
    const name = algorithmLabel(best.algorithm);
    this.best.element.dataset.algorithm = best.algorithm;
    this.best.element.dataset.value = String(best.padding_fraction);
    this.best.element.dataset.maxPerPack = best.max_per_pack === null ? 'unlimited' : String(best.max_per_pack);
    setText(this.best.value, formatPercent(best.padding_fraction));
    setText(this.best.label, `padding with ${name}, ${limitPhrase(best.max_per_pack)}${waiting.length ? ' (best so far)' : ''}`);
    this.speedup.element.dataset.value = String(best.speedup);
    setText(this.speedup.value, formatSpeedup(best.speedup));
    setText(this.speedup.label, `fewer rows; no plan can beat ${formatSpeedup(best.speedup_limit)}`);
    this.rows.element.dataset.value = String(best.packs);
    setText(this.rows.value, formatCount(best.packs));
    setText(this.rows.label, `${best.packs === 1 ? 'row' : 'rows'} instead of ${formatCount(best.sequences)}; at least ${formatCount(best.volume_bound)} needed`);
    const saved = 1 - best.packs / best.sequences;
    const still = waiting.map(algorithmLabel);
    setText(
      this.sentence,
      `${name} packs ${countOf(best.sequences, 'sequence')} into ${countOf(best.packs, 'row')} of ${formatCount(best.max_len)} tokens, ` +
        `${limitPhrase(best.max_per_pack)}: ${formatPercent(saved, 1)} less compute per epoch than padding every sequence.` +
        (still.length ? ` ${still.join(' and ')} ${still.length === 1 ? 'is' : 'are'} still computing and may do better.` : ''),
    );
  }
}
