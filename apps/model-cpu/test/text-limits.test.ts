// A model's limits, in words that name the text at fault.
import { describe, expect, it } from 'vitest';
import type { modelServer } from '@gpuq/shared';
import { textProblems } from '../src/text-limits.js';

const model: modelServer.ModelInfo = { name: 'default', version: 'v', labels: ['NEGATIVE', 'POSITIVE'], maxTexts: 3, maxTextChars: 5 };

describe('textProblems', () => {
  it('finds nothing wrong with texts within the limits', () => {
    expect(textProblems(['a', 'abcde'], model)).toEqual([]);
  });

  it('names each text that is empty or too long, and a request with too many texts', () => {
    expect(textProblems(['ok', '', 'abcdefg', 'x'], model)).toEqual([
      'texts has 4 entries; at most 3 per request: split them across requests',
      'texts[1] is empty; send 1 to 5 characters',
      'texts[2] has 7 characters; at most 5',
    ]);
  });

  it('counts characters as Unicode code points, as Python does, not UTF-16 units', () => {
    expect(textProblems(['😀😀😀😀😀'], model)).toEqual([]);
    expect(textProblems(['😀😀😀😀😀😀'], model)).toEqual(['texts[0] has 6 characters; at most 5']);
  });
});
