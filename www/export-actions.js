// What the user takes away: the closer-look algorithm's whole plan (the
// object `packlab pack --json` prints), the comparison as CSV, and the
// link to the view. Each takes the page (app.js) it acts for.

import { isDropped } from './dropped.js';
import { SLOW_ALGORITHMS } from './questions.js';
import { algorithmLabel } from './format.js';
import { comparisonCsv } from './exports.js';
import { download, fileStem } from './download.js';

/** Saves the whole plan of the closer-look algorithm, made by its worker. */
export async function exportPlan(page) {
  const { settings, dataset } = page.state;
  if (!dataset || page.state.plan.busy) return;
  const algorithm = settings.detail;
  const slow = SLOW_ALGORITHMS.has(algorithm);
  const worker = slow ? page.slowWorker : page.fastWorker;
  page.state.plan = { busy: true, message: `Packing with ${algorithmLabel(algorithm)}…` };
  page.render();
  const request = { max_len: settings.maxLen, overlong: settings.overlong, algorithm, max_per_pack: page.limitFor(algorithm) };
  if (slow && settings.bucketTokens !== null) request.bucket_tokens = settings.bucketTokens;
  const name = `${fileStem('packlab-plan', algorithm, dataset.preset ?? 'data', `max-len-${settings.maxLen}`)}.json`;
  try {
    const plan = await worker.request('packPlan', request);
    // Compact, with a final newline, exactly as the command line prints it.
    download(new Blob([`${JSON.stringify(plan)}\n`], { type: 'application/json' }), name);
    page.state.plan = { busy: false, message: `Saved the ${algorithmLabel(algorithm)} plan: ${plan.plan.length} distinct packs.` };
  } catch (error) {
    const message = isDropped(error) ? 'The plan was abandoned because the data or settings changed; ask again.' : `The plan could not be made: ${error.message}`;
    page.state.plan = { busy: false, message };
  }
  page.render();
}

/** Saves the results table of the algorithms shown, as CSV. */
export function exportCsv(page) {
  const { reports } = page.pageModel.build();
  if (reports.length === 0) return;
  const { dataset, settings } = page.state;
  download(new Blob([comparisonCsv(reports)], { type: 'text/csv' }), `${fileStem('packlab-comparison', dataset.preset ?? 'data', `max-len-${settings.maxLen}`)}.csv`);
}

/** Copies the link to the view; says on the page whether it reached the clipboard. */
export async function copyLink(page) {
  let copied = true;
  try {
    await navigator.clipboard.writeText(location.href);
  } catch {
    // Without clipboard access the link is shown selected, ready to copy by hand.
    copied = false;
  }
  page.views.verdict.linkCopied(copied);
  page.views.exports.linkCopied(copied);
}
