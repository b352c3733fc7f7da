// The CPU stages of an inference job, as pure functions (they run in a worker thread): before the
// GPU, normalise and clean each text and count its words and sentences; after it, put each
// prediction beside its text and sum the batch up.
import type { InferenceResult, modelServer, PreparedText } from '@gpuq/shared';

/** A text the preprocess stage cannot send on, with its index. */
export class TextRejected extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
    this.name = 'TextRejected';
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

const words = new Intl.Segmenter('en', { granularity: 'word' });
const sentences = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Unicode-normalised, without markup, links or control characters, with whitespace collapsed. */
export function cleanText(raw: string): string {
  return raw
    .normalize('NFKC')
    .replace(/<[^>]{0,1000}>/g, ' ')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_, name: string) => ENTITIES[name]!)
    .replace(/\bhttps?:\/\/\S+/gi, ' ')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function countWords(text: string): number {
  let n = 0;
  for (const segment of words.segment(text)) if (segment.isWordLike) n++;
  return n;
}

export function countSentences(text: string): number {
  let n = 0;
  for (const segment of sentences.segment(text)) if (/\S/.test(segment.segment)) n++;
  return n;
}

export function preprocessTexts(texts: readonly string[]): PreparedText[] {
  return texts.map((raw, index) => {
    const text = cleanText(raw);
    if (text === '') throw new TextRejected(index, `texts[${index}] is empty once cleaned (it holds only markup, links or control characters)`);
    return { text, words: countWords(text), sentences: countSentences(text) };
  });
}

export function postprocessPredictions(reply: modelServer.ClassifyReply, prepared: readonly PreparedText[], lowConfidenceBelow: number): InferenceResult {
  if (reply.predictions.length !== prepared.length) {
    throw new Error(`the model server returned ${reply.predictions.length} predictions for ${prepared.length} texts`);
  }
  const predictions = reply.predictions.map((p, index) => ({ index, label: p.label, score: round(p.score), scores: roundAll(p.scores), words: prepared[index]!.words, sentences: prepared[index]!.sentences }));
  const labels: Record<string, number> = {};
  for (const label of Object.keys(reply.predictions[0]?.scores ?? {}).sort()) labels[label] = 0;
  for (const p of predictions) labels[p.label] = (labels[p.label] ?? 0) + 1;
  const [majorityLabel, majorityCount] = Object.entries(labels).reduce((best, entry) => (entry[1] > best[1] ? entry : best));
  const tiedWith = Object.keys(labels).filter((label) => label !== majorityLabel && labels[label] === majorityCount);
  const scores = predictions.map((p) => p.score);
  return {
    model: reply.model,
    modelVersion: reply.version,
    device: reply.device,
    predictions,
    summary: {
      texts: predictions.length,
      labels,
      majority: { label: majorityLabel, share: round(majorityCount / predictions.length), tiedWith },
      confidence: {
        mean: round(scores.reduce((a, b) => a + b, 0) / scores.length),
        min: Math.min(...scores),
        max: Math.max(...scores),
        lowConfidenceTexts: scores.filter((s) => s < lowConfidenceBelow).length,
      },
      words: predictions.reduce((sum, p) => sum + p.words, 0),
      sentences: predictions.reduce((sum, p) => sum + p.sentences, 0),
    },
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const roundAll = (scores: Record<string, number>) => Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, round(v)]));
