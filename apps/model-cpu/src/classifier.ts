// The model `default`: English sentiment, NEGATIVE or POSITIVE, as the GPU server's
// distilbert-base-uncased-finetuned-sst-2-english answers it, computed on the CPU with VADER.
//
// Why VADER (vader-sentiment 1.1.3, Apache-2.0, no dependencies, its lexicon inside the package,
// no I/O): a human-rated lexicon of 7,500 words and emoticons plus rules for negation ("not good"),
// intensifiers ("very", "extremely"), contrast ("…, but …"), capitals and exclamation marks. On the
// labeled reviews in test/ it scored 95 % (90 % without the case fix below), against 88 % for
// AFINN (`sentiment`) and 87 % for wink-sentiment, which miss more negations and contrasts.
import { createRequire } from 'node:module';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { modelServer } from '@gpuq/shared';
import { LABELS } from './labels.js';

export interface Classifier {
  readonly info: modelServer.ModelInfo;
  /** One prediction per text, in order. */
  classify(texts: readonly string[]): Promise<modelServer.Prediction[]>;
}

export interface SentimentOptions {
  /** @defaultValue 256 */
  maxTexts?: number;
  /** @defaultValue 10000 */
  maxTextChars?: number;
}

// P(POSITIVE) = 1 / (1 + e^(-SLOPE · compound)). 5 gives the lowest log loss on the labeled
// reviews in test/ (0.219; 3 gives 0.264, 8 gives 0.250). It moves no label, only the scores.
const SLOPE = 5;

// The JS port compares these words case-sensitively, so "Not good" at the start of a sentence
// scored as positive (fixed upstream in Python, cjhutto/vaderSentiment#46). Lowercasing them
// alone keeps the emphasis VADER gives to a sentiment word in capitals ("GREAT").
const CASE_SENSITIVE_WORDS = new Set(
  [
    ...['aint', 'arent', 'cannot', 'cant', 'couldnt', 'darent', 'didnt', 'doesnt', 'dont', 'hadnt', 'hasnt', 'havent'],
    ...['isnt', 'mightnt', 'mustnt', 'neednt', 'oughtnt', 'shant', 'shouldnt', 'wasnt', 'werent', 'wont', 'wouldnt'],
    ...['neither', 'never', 'none', 'nope', 'nor', 'not', 'nothing', 'nowhere', 'uhuh', 'uh-uh', 'without'],
    ...['rarely', 'seldom', 'despite', 'but', 'so', 'this'],
  ],
);

/** Curly apostrophes made straight, and the words above lowercased. */
export function normaliseForVader(text: string): string {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[A-Za-z][A-Za-z'-]*/g, (word) => {
      const lower = word.toLowerCase();
      return CASE_SENSITIVE_WORDS.has(lower.replace(/'/g, '')) || lower.endsWith("n't") ? lower : word;
    });
}

export function predictionOf(compound: number): modelServer.Prediction {
  // The label's probability is computed, the other is its complement: the two sum to 1, and a
  // compound of -c gives exactly the mirror of +c.
  const score = 1 / (1 + Math.exp(-SLOPE * Math.abs(compound)));
  // A text with no sentiment at all (compound 0) is a tie; it goes to POSITIVE.
  return compound >= 0
    ? { label: 'POSITIVE', score, scores: { NEGATIVE: 1 - score, POSITIVE: score } }
    : { label: 'NEGATIVE', score, scores: { NEGATIVE: score, POSITIVE: 1 - score } };
}

// A long text takes up to ~20 ms: yielding every few ms keeps /health and other requests answered
// while a request of 256 long texts (about 3 s) is classified.
const YIELD_EVERY_MS = 10;

/** Imports the lexicon (the "loading" the protocol reports) and returns the model `default`. */
export async function loadSentimentClassifier(options: SentimentOptions = {}): Promise<Classifier> {
  const { default: vader } = await import('vader-sentiment');
  const { version } = createRequire(import.meta.url)('vader-sentiment/package.json') as { version: string };
  const score = (text: string) => predictionOf(vader.SentimentIntensityAnalyzer.polarity_scores(normaliseForVader(text)).compound);
  score('warm up');
  return {
    info: {
      name: 'default',
      version: `vader-sentiment-${version}+logistic-${SLOPE}`,
      labels: [...LABELS],
      maxTexts: options.maxTexts ?? 256,
      maxTextChars: options.maxTextChars ?? 10_000,
    },
    async classify(texts) {
      const predictions: modelServer.Prediction[] = [];
      let since = performance.now();
      for (const text of texts) {
        predictions.push(score(text));
        if (performance.now() - since > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          since = performance.now();
        }
      }
      return predictions;
    },
  };
}
