// A model's limits on the texts of one request, in words that name the text at fault. Characters
// are Unicode code points, as Python's `len` counts them, so both model servers agree.
import type { modelServer } from '@gpuq/shared';

/** Code points, counted only when the UTF-16 length could be over `max` (it is never fewer). */
function exceedsChars(text: string, max: number): number | undefined {
  if (text.length <= max) return undefined;
  let count = 0;
  for (const _ of text) count++;
  return count > max ? count : undefined;
}

/** What is wrong with `texts` for `model`, one line per problem; empty when nothing is. */
export function textProblems(texts: readonly string[], model: modelServer.ModelInfo): string[] {
  const problems: string[] = [];
  if (texts.length > model.maxTexts) {
    problems.push(`texts has ${texts.length} entries; at most ${model.maxTexts} per request: split them across requests`);
  }
  texts.forEach((text, i) => {
    if (text.length === 0) problems.push(`texts[${i}] is empty; send 1 to ${model.maxTextChars} characters`);
    const chars = exceedsChars(text, model.maxTextChars);
    if (chars !== undefined) problems.push(`texts[${i}] has ${chars} characters; at most ${model.maxTextChars}`);
  });
  return problems;
}
