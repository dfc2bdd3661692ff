// The one way the page drops stale results (www/answers.js) and the
// runner that asks a worker what is wanted (www/question-runner.js),
// against a fake worker, without a browser.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Answers } from '../../www/answers.js';
import { DroppedResult } from '../../www/dropped.js';
import { QuestionRunner } from '../../www/question-runner.js';
import { reportQuestion, summaryQuestion } from '../../www/questions.js';
import { DEFAULT_SETTINGS } from '../../www/settings.js';

/** A worker whose answers the test gives by hand; cancel() drops what is asked. */
class FakeWorker {
  constructor() {
    this.asked = [];
    this.cancels = 0;
  }

  request(action, request) {
    return new Promise((resolve, reject) => this.asked.push({ action, request, resolve, reject }));
  }

  cancel() {
    this.cancels += 1;
    for (const job of this.asked.splice(0)) job.reject(new DroppedResult());
  }

  answer(index, value) {
    const [job] = this.asked.splice(index, 1);
    job.resolve(value);
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test('an answer is kept under the key it was asked for, whatever was asked since', async () => {
  const answers = new Answers();
  let resolveOld;
  answers.ask('max_len=384', () => new Promise((resolve) => { resolveOld = resolve; }));
  answers.ask('max_len=512', () => Promise.resolve('figures at 512'));
  await settle();
  assert.equal(answers.get('max_len=512'), 'figures at 512');
  assert.equal(answers.state('max_len=384'), 'pending');
  resolveOld('figures at 384');
  await settle();
  // The late answer is not shown for 512, and is there if the user goes back.
  assert.equal(answers.get('max_len=512'), 'figures at 512');
  assert.equal(answers.get('max_len=384'), 'figures at 384');
});

test('a question is asked once; a failure is kept with its reason; a dropped one is asked again', async () => {
  let calls = 0;
  const answers = new Answers();
  const run = () => {
    calls += 1;
    return Promise.reject(new Error('sequences are longer than max_len 10'));
  };
  answers.ask('a', run);
  answers.ask('a', run);
  await settle();
  assert.equal(calls, 1);
  assert.equal(answers.state('a'), 'failed');
  assert.match(answers.error('a').message, /longer than max_len/);

  answers.ask('b', () => Promise.reject(new DroppedResult()));
  await settle();
  assert.equal(answers.state('b'), undefined, 'dropped: nothing kept');
  answers.ask('b', () => Promise.resolve(2));
  await settle();
  assert.equal(answers.get('b'), 2);
});

test('the slow runner asks one question at a time, most wanted first, and abandons what is no longer wanted', async () => {
  const worker = new FakeWorker();
  const answers = { report: new Answers(), summary: new Answers() };
  const runner = new QuestionRunner({ worker, answers, oneAtATime: true });
  const dataset = { id: 1 };
  const at = (maxLen) => ({ ...DEFAULT_SETTINGS, maxLen });
  const nnlshp = reportQuestion(dataset, at(384), 'nnlshp', 3);
  const optimal = reportQuestion(dataset, at(384), 'optimal', null);
  runner.want([nnlshp, optimal]);
  assert.deepEqual(worker.asked.map((job) => job.request.algorithm), ['nnlshp']);
  assert.equal(runner.running, nnlshp);

  worker.answer(0, { report: { packs: 10 } });
  await settle();
  assert.deepEqual(worker.asked.map((job) => job.request.algorithm), ['optimal']);
  assert.equal(runner.finished, 1);

  // The settings change: the optimal packer at 384 is no longer wanted.
  const at512 = reportQuestion(dataset, at(512), 'nnlshp', 3);
  runner.want([at512]);
  assert.equal(worker.cancels, 1, 'the worker computing an unwanted answer is cancelled');
  await settle();
  assert.deepEqual(worker.asked.map((job) => job.request.max_len), [512]);
  assert.equal(answers.report.get(nnlshp.key).report.packs, 10, 'answers stay kept');
  assert.equal(answers.report.state(optimal.key), undefined, 'the abandoned question is forgotten');

  // Cancelled by the user: nothing more is asked until resumed.
  runner.cancel();
  assert.equal(worker.cancels, 2);
  runner.want([at512, optimal]);
  assert.equal(worker.asked.length, 0);
  runner.resume();
  assert.equal(worker.asked.length, 1);
});

test('the fast runner asks every question at once and asks nothing answered again', async () => {
  const worker = new FakeWorker();
  const answers = { report: new Answers(), summary: new Answers() };
  const runner = new QuestionRunner({ worker, answers });
  const dataset = { id: 7 };
  const settings = { ...DEFAULT_SETTINGS, maxLen: 256 };
  const questions = [summaryQuestion(dataset, settings), reportQuestion(dataset, settings, 'lpfhp', null)];
  runner.want(questions);
  assert.deepEqual(worker.asked.map((job) => job.action), ['summary', 'report']);
  worker.answer(0, 'summary');
  worker.answer(0, 'report');
  await settle();
  runner.want(questions);
  assert.equal(worker.asked.length, 0);
  assert.equal(runner.remaining().length, 0);

  // While data is read, the runner neither asks nor abandons.
  runner.hold(true);
  runner.want([reportQuestion(dataset, settings, 'bfd', null)]);
  assert.equal(worker.asked.length, 0);
  runner.hold(false);
  runner.want([reportQuestion(dataset, settings, 'bfd', null)]);
  assert.equal(worker.asked.length, 1);
});

test('keys name exactly the settings a question reads', () => {
  const dataset = { id: 3 };
  const base = { ...DEFAULT_SETTINGS, maxLen: 384 };
  const key = (settings, algorithm) => reportQuestion(dataset, settings, algorithm, 3).key;
  // NNLSHP's bucket width changes NNLSHP's (and the optimal packer's) answer, not LPFHP's.
  assert.notEqual(key({ ...base, bucketTokens: 2 }, 'nnlshp'), key(base, 'nnlshp'));
  assert.notEqual(key({ ...base, bucketTokens: 2 }, 'optimal'), key(base, 'optimal'));
  assert.equal(key({ ...base, bucketTokens: 2 }, 'lpfhp'), key(base, 'lpfhp'));
  // The closer-look algorithm and the model change no report.
  assert.equal(key({ ...base, detail: 'bfd', model: 'bert-large' }, 'lpfhp'), key(base, 'lpfhp'));
  assert.notEqual(key({ ...base, overlong: 'drop' }, 'lpfhp'), key(base, 'lpfhp'));
  assert.notEqual(reportQuestion({ id: 4 }, base, 'lpfhp', 3).key, key(base, 'lpfhp'));
});
