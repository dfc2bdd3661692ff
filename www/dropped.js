// The one way a request ends without an answer: its worker was cancelled
// (restarted) because nobody wanted the answer any more, or to stop a
// long computation. Answers are otherwise always kept, under the key of
// the settings they answer (see answers.js).

/** A request's promise rejected without an answer: its worker was cancelled. */
export class DroppedResult extends Error {
  constructor() {
    super('the request was cancelled');
    this.name = 'DroppedResult';
  }
}

/** True for the rejections that mean "no answer needed", not failure. */
export function isDropped(error) {
  return error instanceof DroppedResult;
}
