// The inference pipeline's CPU stages as pure functions: what cleaning keeps and drops, what is
// counted, and how predictions are put beside their texts and summed up.
import { describe, expect, it } from 'vitest';
import type { modelServer } from '@gpuq/shared';
import { cleanText, countSentences, countWords, postprocessPredictions, preprocessTexts, TextRejected } from '../src/kinds/inference/inference-text.js';

describe('preprocess', () => {
  it('normalises Unicode, drops markup, links and control characters, and collapses whitespace', () => {
    expect(cleanText('  <p>Ｇｒｅａｔ&nbsp;film</p>\u0000\n\n see https://x.example/a?b=1 &amp; enjoy\u200b ')).toBe('Great film see & enjoy');
  });

  it('counts words and sentences the way Unicode segments them', () => {
    expect(countWords("It's not good. Don't go!")).toBe(5);
    expect(countSentences("It's not good. Don't go! Really?")).toBe(3);
    expect(countWords('— … !')).toBe(0);
  });

  it('rejects a text that is nothing once cleaned, by its index', () => {
    expect(preprocessTexts(['Fine.', 'Two words'])).toEqual([
      { text: 'Fine.', words: 1, sentences: 1 },
      { text: 'Two words', words: 2, sentences: 1 },
    ]);
    expect(() => preprocessTexts(['Fine.', '<br/> https://only.a.link'])).toThrow(new TextRejected(1, 'texts[1] is empty once cleaned (it holds only markup, links or control characters)'));
  });
});

describe('postprocess', () => {
  const reply = (labels: Array<[string, number]>): modelServer.ClassifyReply => ({
    model: 'default',
    version: 'v1',
    device: 'cuda:0',
    inferenceMs: 3,
    predictions: labels.map(([label, score]) => ({ label, score, scores: label === 'POSITIVE' ? { NEGATIVE: 1 - score, POSITIVE: score } : { NEGATIVE: score, POSITIVE: 1 - score } })),
  });
  const prepared = [
    { text: 'a', words: 3, sentences: 1 },
    { text: 'b', words: 5, sentences: 2 },
    { text: 'c', words: 1, sentences: 1 },
  ];

  it('puts each prediction beside its text and sums the batch up', () => {
    const result = postprocessPredictions(reply([['POSITIVE', 0.9], ['NEGATIVE', 0.55], ['POSITIVE', 0.71234]]), prepared, 0.6);
    expect(result.predictions[2]).toEqual({ index: 2, label: 'POSITIVE', score: 0.7123, scores: { NEGATIVE: 0.2877, POSITIVE: 0.7123 }, words: 1, sentences: 1 });
    expect(result.summary).toEqual({
      texts: 3,
      labels: { NEGATIVE: 1, POSITIVE: 2 },
      majority: { label: 'POSITIVE', share: 0.6667, tiedWith: [] },
      confidence: { mean: 0.7208, min: 0.55, max: 0.9, lowConfidenceTexts: 1 },
      words: 9,
      sentences: 4,
    });
    expect(result).toMatchObject({ model: 'default', modelVersion: 'v1', device: 'cuda:0' });
  });

  it('counts every label of the model, even one no text got', () => {
    expect(postprocessPredictions(reply([['NEGATIVE', 0.8], ['NEGATIVE', 0.9], ['NEGATIVE', 0.7]]), prepared, 0.6).summary.labels).toEqual({ NEGATIVE: 3, POSITIVE: 0 });
  });

  it('says so when labels tie for the majority', () => {
    const two = prepared.slice(0, 2);
    expect(postprocessPredictions(reply([['POSITIVE', 0.9], ['NEGATIVE', 0.8]]), two, 0.6).summary.majority).toEqual({ label: 'NEGATIVE', share: 0.5, tiedWith: ['POSITIVE'] });
  });

  it('refuses a reply with a prediction missing', () => {
    expect(() => postprocessPredictions(reply([['NEGATIVE', 0.8]]), prepared, 0.6)).toThrow('the model server returned 1 predictions for 3 texts');
  });
});
