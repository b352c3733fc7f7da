// The model itself: negation, capitals, probabilities, and a valid answer for any text at all.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSentimentClassifier, normaliseForVader, predictionOf, type Classifier } from '../src/classifier.js';

/** The probabilities of a prediction, summed: 1 for a proper distribution. */
const sumOf = (scores: Record<string, number>) => Object.values(scores).reduce((a, b) => a + b, 0);

let model: Classifier;
beforeAll(async () => {
  model = await loadSentimentClassifier();
});

const classifyOne = async (text: string) => (await model.classify([text]))[0]!;

describe('the sentiment classifier', () => {
  it('describes itself as the model default with both labels and its limits', () => {
    expect(model.info).toEqual({
      name: 'default',
      version: expect.stringMatching(/^vader-sentiment-1\.1\.3\+logistic-5$/),
      labels: ['NEGATIVE', 'POSITIVE'],
      maxTexts: 256,
      maxTextChars: 10_000,
    });
  });

  it('reads a negation at the start of a sentence as a negation, as in lowercase', async () => {
    for (const [text, label] of [
      ['Not good at all.', 'NEGATIVE'],
      ['not good at all.', 'NEGATIVE'],
      ['NOT good at all.', 'NEGATIVE'],
      ['Not bad at all.', 'POSITIVE'],
      ['I don’t like it.', 'NEGATIVE'],
      ['Never again: it is not worth it.', 'NEGATIVE'],
    ] as const) {
      expect((await classifyOne(text)).label, text).toBe(label);
    }
    expect((await classifyOne('Not good at all.')).score).toBeCloseTo((await classifyOne('not good at all.')).score, 12);
  });

  it('gives a sentiment word in capitals more weight, and an intensifier too', async () => {
    const plain = (await classifyOne('The food was good.')).score;
    expect((await classifyOne('The food was GOOD.')).score).toBeGreaterThan(plain);
    expect((await classifyOne('The food was extremely good.')).score).toBeGreaterThan(plain);
  });

  it('lowercases only the words VADER compares case-sensitively', () => {
    expect(normaliseForVader('Not GREAT, But DIDN’T hate it')).toBe("not GREAT, but didn't hate it");
  });

  it('maps the compound score to probabilities that rise with it and sum to 1, a tie going to POSITIVE', () => {
    expect(predictionOf(0)).toEqual({ label: 'POSITIVE', score: 0.5, scores: { NEGATIVE: 0.5, POSITIVE: 0.5 } });
    const strong = predictionOf(0.9);
    expect(strong.label).toBe('POSITIVE');
    expect(strong.score).toBeGreaterThan(0.98);
    expect(predictionOf(-0.9)).toEqual({ label: 'NEGATIVE', score: strong.score, scores: { NEGATIVE: strong.score, POSITIVE: 1 - strong.score } });
    fc.assert(
      fc.property(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), (a, b) => {
        const [pa, pb] = [predictionOf(a), predictionOf(b)];
        expect(sumOf(pa.scores)).toBeCloseTo(1, 12);
        expect(pa.score).toBe(pa.scores[pa.label]);
        if (a < b) expect(pa.scores.POSITIVE!).toBeLessThanOrEqual(pb.scores.POSITIVE!);
      }),
    );
  });

  it('answers any text with one valid prediction, never throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 5 }), async (texts) => {
        const predictions = await model.classify(texts);
        expect(predictions).toHaveLength(texts.length);
        for (const p of predictions) {
          expect(Number.isFinite(p.score)).toBe(true);
          expect(p.score).toBeGreaterThanOrEqual(0.5);
          expect(sumOf(p.scores)).toBeCloseTo(1, 12);
        }
      }),
      { numRuns: 300 },
    );
  });
});
